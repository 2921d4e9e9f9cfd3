"""A lean HTTP sink on 127.0.0.1 that answers like the Bot API, for the push benchmark.

The push benchmark measures the bot's own overhead, so the server must cost next to nothing:
a bare asyncio protocol (keep-alive, no framework) that answers `getMe` and `sendMessage` with
the JSON python-telegram-bot expects, and records when each message arrived so the rate-limited
run can show its pace as Telegram would see it. It runs in its own process (started by `Sink`)
so it does not share the benchmark's core.

    python -m bench.sink      # prints the port, serves until stdin closes
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

ROOT = Path(__file__).resolve().parent.parent
_CHAT_ID = re.compile(rb"(?:^|&)chat_id=(-?\d+)")
_BOT_USER = {
    "id": 424242,
    "is_bot": True,
    "first_name": "Bench",
    "username": "bench_bot",
    "can_join_groups": True,
    "can_read_all_group_messages": False,
    "supports_inline_queries": False,
}


class Recorder:
    """What the sink saw: the arrival time and the request body of every sendMessage (so a
    baseline can replay exactly what the bot sent)."""

    def __init__(self) -> None:
        self.arrivals: list[float] = []
        self.bodies: list[bytes] = []
        self.message_id = 0

    def reset(self) -> None:
        self.arrivals.clear()
        self.bodies.clear()

    def stats(self) -> dict[str, object]:
        return {"messages": len(self.arrivals), "arrivals": self.arrivals}


def _response(status: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: keep-alive\r\n\r\n"
    )
    return head.encode("ascii") + body


def _message(recorder: Recorder, body: bytes) -> bytes:
    """A sent Message as the Bot API returns it, in the chat the request named."""
    found = _CHAT_ID.search(body)
    chat_id = int(found[1]) if found else 0
    recorder.message_id += 1
    recorder.arrivals.append(time.monotonic())
    recorder.bodies.append(body)
    chat_type = "private" if chat_id > 0 else "group"
    return (
        b'{"ok":true,"result":{"message_id":%d,"date":1761900000,'
        b'"chat":{"id":%d,"type":"%s"},"text":"ok"}}'
        % (recorder.message_id, chat_id, chat_type.encode())
    )


def answer(recorder: Recorder, method: str, path: str, body: bytes) -> bytes:
    """The reply to one request; Bot API methods are case-insensitive, as on Telegram."""
    name = path.rsplit("/", 1)[-1].lower()
    if method == "GET" and path == "/stats":
        return _response("200 OK", json.dumps(recorder.stats()).encode())
    if method == "GET" and path == "/bodies":
        bodies = [b.decode("latin-1") for b in recorder.bodies]  # form-encoded: ASCII
        return _response("200 OK", json.dumps(bodies).encode())
    if path == "/reset":
        recorder.reset()
        return _response("200 OK", b'{"ok":true}')
    if name == "sendmessage":
        return _response("200 OK", _message(recorder, body))
    if name == "getme":
        return _response("200 OK", json.dumps({"ok": True, "result": _BOT_USER}).encode())
    return _response("200 OK", b'{"ok":true,"result":true}')


class SinkProtocol(asyncio.Protocol):
    """HTTP/1.1 with keep-alive and pipelining; only what httpx sends is understood."""

    def __init__(self, recorder: Recorder, delay: float = 0.0) -> None:
        self.recorder = recorder
        self.delay = delay  # seconds before each answer: a round trip to Telegram
        self.buffer = bytearray()
        self.transport: asyncio.Transport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (request := self._next_request()) is not None:
            assert self.transport is not None
            reply = answer(self.recorder, *request)
            if self.delay and request[0] == "POST" and "/bot" in request[1]:
                asyncio.get_running_loop().call_later(self.delay, self.transport.write, reply)
            else:
                self.transport.write(reply)

    def _next_request(self) -> tuple[str, str, bytes] | None:
        end = self.buffer.find(b"\r\n\r\n")
        if end < 0:
            return None
        head = bytes(self.buffer[:end]).decode("latin-1").split("\r\n")
        method, path, _ = head[0].split(" ", 2)
        length = 0
        for line in head[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value)
        if len(self.buffer) < end + 4 + length:
            return None
        body = bytes(self.buffer[end + 4 : end + 4 + length])
        del self.buffer[: end + 4 + length]
        return method, path, body


async def serve(port: int = 0, delay: float = 0.0) -> None:
    """Serve until stdin closes (the parent is done or gone); print the port once listening."""
    loop = asyncio.get_running_loop()
    recorder = Recorder()
    server = await loop.create_server(lambda: SinkProtocol(recorder, delay), "127.0.0.1", port)
    print(server.sockets[0].getsockname()[1], flush=True)
    await loop.run_in_executor(None, sys.stdin.read)
    server.close()
    await server.wait_closed()


@dataclass(frozen=True)
class SinkStats:
    messages: int
    arrivals: list[float]  # monotonic seconds in the sink's clock


class Sink:
    """The sink in a child process: `with Sink() as sink: ... sink.url ...`."""

    def __init__(self, delay_ms: int = 0) -> None:
        self._process: subprocess.Popen[str] | None = None
        self.url = ""
        self.delay_ms = delay_ms

    def __enter__(self) -> Sink:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "bench.sink", str(self.delay_ms)],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdout is not None
        port = int(self._process.stdout.readline())
        self.url = f"http://127.0.0.1:{port}"
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        process = self._process
        if process is None:
            return
        assert process.stdin is not None and process.stdout is not None
        process.stdin.close()  # the sink's cue to stop
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        self._process = None

    def _call(self, path: str, method: str = "GET") -> bytes:
        request = urllib.request.Request(self.url + path, method=method, data=b"")
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.read()

    def reset(self) -> None:
        self._call("/reset", method="POST")

    def bodies(self) -> list[bytes]:
        """The body of every sendMessage since the last reset, as sent."""
        return [b.encode("latin-1") for b in json.loads(self._call("/bodies"))]

    def stats(self) -> SinkStats:
        data = json.loads(self._call("/stats"))
        return SinkStats(messages=int(data["messages"]), arrivals=list(data["arrivals"]))


if __name__ == "__main__":
    asyncio.run(serve(delay=int(sys.argv[1]) / 1000 if len(sys.argv) > 1 else 0.0))

"""A small but faithful fake of the Telegram Bot API server, for end-to-end tests.

Why a real HTTP server rather than mocking ``Bot`` methods: a mock only checks what the
test author believed Telegram does.  Running python-telegram-bot's real network stack
(httpx, request encoding, error mapping, ``Updater`` long polling) against a server that
answers like Telegram catches the bugs mocks hide: HTML the real server would reject,
messages over 4096 UTF-16 code units, callback data over 64 bytes, flood-control and
"bot was blocked" errors, and the update offset/confirmation dance of ``getUpdates``.

The server runs in background threads (``http.server``), so it works with any event loop
the test uses, and ``stop()`` ends every long poll and connection so no thread outlives
the test.

Typical use::

    with FakeTelegramServer() as server:
        app = (
            Application.builder()
            .token(server.token)
            .base_url(server.base_url)
            .base_file_url(server.base_file_url)
            .build()
        )
        ...  # start polling
        server.send_text(1, "/ping")
        call = await server.wait_for_async(lambda c: c.method == "sendMessage")

Deliberate simplifications (documented so nobody relies on them): Markdown parse modes
are accepted without validation; URLs, mentions and hashtags in plain text are not
auto-detected as entities; ``tg://user?id=`` links come back as ``text_link`` entities;
webhooks are recorded but never delivered.
"""

from __future__ import annotations

import asyncio
import contextlib
import copy
import email.parser
import email.policy
import itertools
import json
import re
import socket
import socketserver
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from telegram.request import HTTPXRequest

from bot.requests import UPDATES_POOL_SIZE, bot_api_request

__all__ = [
    "DEFAULT_GROUP_USER_ID",
    "DEFAULT_TOKEN",
    "FakeTelegramServer",
    "HtmlParseError",
    "RecordedCall",
    "UploadedFile",
    "parse_html",
    "utf16_len",
]

# Shaped like a BotFather token (digits, colon, 35 URL-safe characters) so code that
# validates token shape accepts it.
DEFAULT_TOKEN = "123456789:AAFakeTokenForClosebotTests000000000"
DEFAULT_BOT_USERNAME = "closebot_test_bot"
DEFAULT_GROUP_USER_ID = 1_000_001  # who speaks in groups unless a test says otherwise

MAX_MESSAGE_LENGTH = 4096  # UTF-16 code units, after entity parsing
MAX_CAPTION_LENGTH = 1024
MAX_CALLBACK_DATA_BYTES = 64

Json = Any
Predicate = Callable[["RecordedCall"], bool]
_MethodHandler = Callable[[dict[str, Json], dict[str, "UploadedFile"]], Json]


# --------------------------------------------------------------------------------------
# Recorded data
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UploadedFile:
    """A file part of a multipart request, kept so tests can assert on the exact bytes."""

    field_name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True)
class RecordedCall:
    """One Bot API request as the server saw it, plus what it answered.

    ``params`` hold the decoded parameters: integers and booleans converted, JSON-valued
    fields (``reply_markup``, ``commands``...) parsed, exactly as the real server would
    interpret the form-encoded strings PTB sends.
    """

    method: str
    params: dict[str, Json]
    files: dict[str, UploadedFile]
    status: int
    result: Json = None
    description: str | None = None
    at: float = field(default_factory=time.time)  # when the request arrived

    @property
    def ok(self) -> bool:
        """Whether the server answered ``{"ok": true, ...}``."""
        return self.status == HTTPStatus.OK

    @property
    def chat_id(self) -> Json:
        """The ``chat_id`` parameter, if any (a convenience for predicates)."""
        return self.params.get("chat_id")


class _ApiError(Exception):
    """Raised inside method handlers; becomes a Telegram-shaped error response."""

    def __init__(
        self, error_code: int, description: str, parameters: Mapping[str, Json] | None = None
    ) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description
        self.parameters = dict(parameters) if parameters else None


def _bad_request(reason: str) -> _ApiError:
    return _ApiError(HTTPStatus.BAD_REQUEST, f"Bad Request: {reason}")


@dataclass
class _Fault:
    method: str  # lower-cased: Telegram method names are case-insensitive
    chat_id: Json
    error_code: int
    description: str
    parameters: dict[str, Json] | None
    remaining: int | None  # None: every matching call, until cleared


@dataclass
class _StoredFile:
    file_id: str
    file_unique_id: str
    file_path: str
    data: bytes


# --------------------------------------------------------------------------------------
# Telegram's HTML parse mode
# --------------------------------------------------------------------------------------


class HtmlParseError(ValueError):
    """The text is not valid Telegram HTML; the message is what Telegram would say."""


_ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "span",
        "tg-spoiler",
        "tg-emoji",
        "code",
        "pre",
        "blockquote",
    }
)
_SIMPLE_ENTITY_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "span": "spoiler",
    "tg-spoiler": "spoiler",
}
_NAMED_ENTITIES = {"lt": "<", "gt": ">", "amp": "&", "quot": '"'}
_SPACES = frozenset(" \t\r\n\v\f")
_HEX_DIGITS = frozenset("0123456789abcdefABCDEF")
_PLAIN_RUN = re.compile(r"[^<&]*")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: the unit Telegram uses for limits and entity offsets."""
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _decode_entity(text: str, pos: int) -> tuple[str, int] | None:
    """Decode the character reference starting at ``text[pos] == "&"``.

    Mirrors Telegram (tdlib): numeric references and only ``lt gt amp quot`` are
    recognised, the trailing ``;`` is optional, and anything else is *not* an error --
    the ``&`` is simply kept as a literal character.  Returns the character and the index
    after the reference, or ``None``.
    """
    n = len(text)
    end = pos + 1
    if end < n and text[end] == "#":
        end += 1
        value = 0
        if end < n and text[end] == "x":
            end += 1
            while end < n and text[end] in _HEX_DIGITS and end - pos < 12:
                value = value * 16 + int(text[end], 16)
                end += 1
        else:
            while end < n and "0" <= text[end] <= "9" and end - pos < 12:
                value = value * 10 + int(text[end])
                end += 1
        if value == 0 or value >= 0x10FFFF or 0xD800 <= value <= 0xDFFF or end - pos >= 10:
            return None
        char = chr(value)
    else:
        while end < n and text[end].isascii() and text[end].isalpha():
            end += 1
        named = _NAMED_ENTITIES.get(text[pos + 1 : end])
        if named is None:
            return None
        char = named
    if end < n and text[end] == ";":
        end += 1
    return char, end


@dataclass
class _OpenTag:
    name: str
    argument: str
    utf16_offset: int
    result_index: int  # index into the output's pieces (runs of text), for <a> without href


def parse_html(text: str) -> tuple[str, list[dict[str, Json]]]:
    """Parse Telegram-flavoured HTML into plain text and message entities.

    Follows the rules of Telegram's own parser (tdlib's ``parse_html``) closely enough
    that text it accepts here is accepted by Telegram and vice versa, including the error
    wording ("Unsupported start tag "div" at byte offset 0").  Offsets in errors are UTF-8
    byte offsets into the original text; entity offsets are UTF-16 code units.

    Raises:
        HtmlParseError: with Telegram's description of the first problem.
    """
    n = len(text)
    out: list[str] = []
    utf16_offset = 0
    stack: list[_OpenTag] = []
    entities: list[dict[str, Json]] = []

    def byte_offset(index: int) -> int:
        return len(text[:index].encode("utf-8", "surrogatepass"))

    def fail(reason: str) -> HtmlParseError:
        return HtmlParseError(reason)

    def skip_spaces(index: int) -> int:
        while index < n and text[index] in _SPACES:
            index += 1
        return index

    i = 0
    while i < n:
        ch = text[i]
        if ch == "&":
            decoded = _decode_entity(text, i)
            if decoded is not None:
                char, i = decoded
                out.append(char)
                utf16_offset += utf16_len(char)
                continue
        if ch != "<":
            # plain text up to the next tag or entity, taken whole
            match = _PLAIN_RUN.match(text, i + 1)
            end = match.end() if match else i + 1
            out.append(text[i:end])
            utf16_offset += utf16_len(text[i:end])
            i = end
            continue

        begin = i
        i += 1
        if i >= n or text[i] != "/":
            # Start tag.
            while i < n and text[i] not in _SPACES and text[i] != ">":
                i += 1
            if i >= n:
                raise fail(f"Unclosed start tag at byte offset {byte_offset(begin)}")
            tag = text[begin + 1 : i].lower()
            if tag not in _ALLOWED_TAGS:
                raise fail(f'Unsupported start tag "{tag}" at byte offset {byte_offset(begin)}')
            argument = ""
            while text[i] != ">":
                i = skip_spaces(i)
                if i >= n:
                    raise fail(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if text[i] == ">":
                    break
                attr_begin = i
                while i < n and text[i] not in _SPACES and text[i] not in "=>":
                    i += 1
                attr_name = text[attr_begin:i].lower()
                if not attr_name:
                    raise fail(
                        f'Empty attribute name in the tag "{tag}" at byte offset '
                        f"{byte_offset(begin)}"
                    )
                i = skip_spaces(i)
                if i >= n:
                    raise fail(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if text[i] != "=":
                    if tag == "blockquote" and attr_name == "expandable":
                        argument = "expandable"
                        continue
                    raise fail(
                        "Expected equal sign in declaration of an attribute of the tag "
                        f'"{tag}" at byte offset {byte_offset(begin)}'
                    )
                i = skip_spaces(i + 1)
                if i >= n:
                    raise fail(f'Unclosed start tag "{tag}" at byte offset {byte_offset(begin)}')
                value_chars: list[str] = []
                if text[i] not in "'\"":
                    token_begin = i
                    while i < n and (text[i].isascii() and text[i].isalnum() or text[i] in ".-"):
                        i += 1
                    value = text[token_begin:i].lower()
                    if i < n and text[i] not in _SPACES and text[i] != ">":
                        raise fail(
                            f"Unexpected end of name token at byte offset "
                            f"{byte_offset(token_begin)}"
                        )
                else:
                    quote = text[i]
                    i += 1
                    while i < n and text[i] != quote:
                        if text[i] == "&":
                            decoded = _decode_entity(text, i)
                            if decoded is not None:
                                value_chars.append(decoded[0])
                                i = decoded[1]
                                continue
                        value_chars.append(text[i])
                        i += 1
                    if i < n:
                        i += 1  # the closing quote
                    value = "".join(value_chars)
                if i >= n:
                    raise fail(f"Unclosed start tag at byte offset {byte_offset(begin)}")
                if tag == "a" and attr_name == "href":
                    argument = value
                elif tag == "code" and attr_name == "class" and value.startswith("language-"):
                    argument = value[len("language-") :]
                elif tag == "span" and attr_name == "class" and value == "tg-spoiler":
                    argument = "spoiler"
                elif tag == "tg-emoji" and attr_name == "emoji-id":
                    argument = value
            if tag == "span" and argument != "spoiler":
                raise fail(
                    f'Tag "span" must have class "tg-spoiler" at byte offset {byte_offset(begin)}'
                )
            stack.append(_OpenTag(tag, argument, utf16_offset, len(out)))
            i += 1  # the ">"
            continue

        # End tag.
        if not stack:
            raise fail(f"Unexpected end tag at byte offset {byte_offset(begin)}")
        i += 1
        name_begin = i
        while i < n and text[i] not in _SPACES and text[i] != ">":
            i += 1
        end_name = text[name_begin:i].lower()
        i = skip_spaces(i)
        if i >= n or text[i] != ">":
            raise fail(f"Unclosed end tag at byte offset {byte_offset(begin)}")
        i += 1
        opened = stack.pop()
        if end_name and end_name != opened.name:
            raise fail(
                f"Unmatched end tag at byte offset {byte_offset(begin)}, "
                f'expected "</{opened.name}>", found "</{end_name}>"'
            )
        length = utf16_offset - opened.utf16_offset
        if length > 0:
            entity = _entity_for(opened, length, "".join(out[opened.result_index :]), entities)
            if entity is not None:
                entities.append(entity)

    if stack:
        raise fail(f'Can\'t find end tag corresponding to start tag "{stack[-1].name}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"]))
    return "".join(out), entities


def _entity_for(
    tag: _OpenTag, length: int, inner_text: str, emitted: list[dict[str, Json]]
) -> dict[str, Json] | None:
    """The entity a closed tag produces (``None`` for none); may merge into ``emitted``."""
    base: dict[str, Json] = {"offset": tag.utf16_offset, "length": length}
    if tag.name in _SIMPLE_ENTITY_TYPES:
        return {"type": _SIMPLE_ENTITY_TYPES[tag.name], **base}
    if tag.name == "code":
        entity = {"type": "code", **base}
        if tag.argument:
            entity["language"] = tag.argument
        return entity
    if tag.name == "pre":
        # <pre><code class="language-x">...</code></pre> is one pre entity with a language.
        last = emitted[-1] if emitted else None
        if (
            last is not None
            and last["type"] == "code"
            and last["offset"] == base["offset"]
            and last["length"] == length
        ):
            language = last.get("language")
            emitted.pop()
            return {"type": "pre", **base, **({"language": language} if language else {})}
        return {"type": "pre", **base}
    if tag.name == "a":
        url = (tag.argument or inner_text).strip()
        return {"type": "text_link", **base, "url": url} if url else None
    if tag.name == "tg-emoji":
        if not tag.argument.isdigit() or int(tag.argument) == 0:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        return {"type": "custom_emoji", **base, "custom_emoji_id": tag.argument}
    if tag.name == "blockquote":
        kind = "expandable_blockquote" if tag.argument == "expandable" else "blockquote"
        return {"type": kind, **base}
    return None


# --------------------------------------------------------------------------------------
# Request decoding
# --------------------------------------------------------------------------------------

# Form-encoded requests carry every value as a string; the real server converts by the
# parameter's declared type.  These tables cover the methods the fake implements.
_INT_FIELDS = frozenset(
    {
        "offset",
        "limit",
        "timeout",
        "message_id",
        "user_id",
        "reply_to_message_id",
        "message_thread_id",
        "cache_time",
        "max_connections",
        "from_chat_id",
    }
)
_BOOL_FIELDS = frozenset(
    {
        "disable_notification",
        "protect_content",
        "allow_sending_without_reply",
        "disable_web_page_preview",
        "show_alert",
        "is_personal",
        "drop_pending_updates",
        "has_spoiler",
        "show_caption_above_media",
        "allow_paid_broadcast",
    }
)
_JSON_FIELDS = frozenset(
    {
        "reply_markup",
        "allowed_updates",
        "commands",
        "scope",
        "results",
        "entities",
        "caption_entities",
        "link_preview_options",
        "reply_parameters",
        "button",
    }
)


def _coerce(name: str, value: Json) -> Json:
    """Convert one parameter the way the Bot API server interprets it."""
    if not isinstance(value, str):
        return value
    if name == "chat_id":
        return int(value) if re.fullmatch(r"-?\d+", value) else value
    if name in _INT_FIELDS:
        try:
            return int(value)
        except ValueError:
            raise _bad_request(f'field "{name}" must be of type Integer') from None
    if name in _BOOL_FIELDS:
        return value.lower() in ("true", "1")
    if name in _JSON_FIELDS:
        try:
            return json.loads(value)
        except ValueError:
            if name == "reply_markup":
                raise _bad_request("can't parse reply keyboard markup JSON object") from None
            raise _bad_request(f"can't parse {name} JSON object") from None
    return value


def _decode_multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, UploadedFile]]:
    """Split a multipart/form-data body into string fields and uploaded files."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, UploadedFile] = {}
    if not message.is_multipart():
        raise _bad_request("can't parse multipart/form-data request")
    for part in message.iter_parts():  # type: ignore[attr-defined]
        name = part.get_param("name", header="content-disposition")
        if not name:
            continue
        payload = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = UploadedFile(name, filename, part.get_content_type(), payload)
        else:
            fields[name] = payload.decode("utf-8", "replace")
    return fields, files


# --------------------------------------------------------------------------------------
# HTTP plumbing
# --------------------------------------------------------------------------------------


class _HttpServer(ThreadingHTTPServer):
    """ThreadingHTTPServer that can be stopped without leaving threads behind.

    The stock server either leaks daemon threads or joins them without a timeout.  Here
    every connection and handler thread is tracked so ``stop()`` can let requests in
    progress (such as long polls told to return) finish their response, then shut down
    the idle keep-alive sockets (which unblocks their threads) and join with a deadline.
    """

    daemon_threads = True
    block_on_close = False

    def __init__(self, fake: FakeTelegramServer) -> None:
        self.fake = fake
        self.connections: set[socket.socket] = set()
        self.busy: set[socket.socket] = set()  # connections with a request in progress
        self.closing = False
        self.handler_threads: set[threading.Thread] = set()
        self.tracking_lock = threading.Condition(threading.Lock())
        super().__init__(("127.0.0.1", 0), _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls socket.getfqdn(), a reverse DNS lookup that can
        # stall for seconds in sandboxes; none of it is needed here.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name = str(host)
        self.server_port = int(port)

    def process_request(self, request: Any, client_address: Any) -> None:
        thread = threading.Thread(
            target=self._run_handler,
            args=(request, client_address),
            name=f"fake-telegram-conn-{client_address[1]}",
            daemon=True,
        )
        with self.tracking_lock:
            self.connections.add(request)
            self.handler_threads.add(thread)
        thread.start()

    def _run_handler(self, request: socket.socket, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self.tracking_lock:
                self.handler_threads.discard(threading.current_thread())

    def shutdown_request(self, request: Any) -> None:
        # Under the lock so stop() never shuts down a socket whose descriptor was closed
        # (and possibly reused) meanwhile.
        with self.tracking_lock:
            self.connections.discard(request)
            super().shutdown_request(request)

    def handle_error(self, request: Any, client_address: Any) -> None:
        # Clients vanishing mid-response (a cancelled long poll) are normal here.
        pass

    def request_started(self, connection: socket.socket) -> None:
        with self.tracking_lock:
            self.busy.add(connection)

    def request_finished(self, connection: socket.socket) -> None:
        with self.tracking_lock:
            self.busy.discard(connection)
            self.tracking_lock.notify_all()

    def close_connections(self, timeout: float) -> None:
        """Wait for responses in progress, then shut down every connection."""
        deadline = time.monotonic() + timeout
        with self.tracking_lock:
            self.closing = True
            while self.busy and (remaining := deadline - time.monotonic()) > 0:
                self.tracking_lock.wait(remaining)
            for connection in self.connections:
                with contextlib.suppress(OSError):
                    connection.shutdown(socket.SHUT_RDWR)

    def join_handlers(self, timeout: float) -> list[threading.Thread]:
        deadline = time.monotonic() + timeout
        with self.tracking_lock:
            threads = list(self.handler_threads)
        for thread in threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        return [thread for thread in threads if thread.is_alive()]


class _Handler(BaseHTTPRequestHandler):
    """Routes ``/bot<token>/<method>`` and ``/file/bot<token>/<path>`` to the fake."""

    protocol_version = "HTTP/1.1"  # keep-alive, as PTB's httpx pool expects
    disable_nagle_algorithm = True  # headers and body go out as separate writes
    server: _HttpServer

    def do_GET(self) -> None:  # noqa: N802 - name fixed by BaseHTTPRequestHandler
        self._dispatch()

    def do_POST(self) -> None:  # noqa: N802
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        pass  # keep test output clean

    def _dispatch(self) -> None:
        self.server.request_started(self.connection)
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, content_type, payload = self.server.fake._handle_http(
                self.command, self.path, self.headers.get("Content-Type", ""), body
            )
            self.server.fake._wait_to_answer(self.path)
            if self.server.closing:  # tell the client not to reuse this connection
                self.close_connection = True
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            if self.close_connection:
                self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(payload)
        except OSError:
            self.close_connection = True
        finally:
            self.server.request_finished(self.connection)


# --------------------------------------------------------------------------------------
# The fake server
# --------------------------------------------------------------------------------------

_TOKEN_RE = re.compile(r"\d+:[\w-]+")
_PATH_RE = re.compile(r"^/bot(?P<token>[^/]+)/(?P<method>[A-Za-z]+)/?$")
_FILE_PATH_RE = re.compile(r"^/file/bot(?P<token>[^/]+)/(?P<path>.+)$")
_COMMAND_RE = re.compile(r"(?<![\w/<>])/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?(?![\w/])")
_CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
# Telegram only sends these update types when they are asked for explicitly.
_OPT_IN_UPDATE_TYPES = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
_QUERY_INVALID = "query is too old and response timeout expired or query ID is invalid"
_NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)


class FakeTelegramServer:
    """An in-process Bot API server on 127.0.0.1 with an ephemeral port.

    Thread-safe: HTTP handler threads and the test share one condition variable, which
    also lets long polls and ``wait_for`` wake as soon as something relevant happens.

    Args:
        token: the only token accepted; like the real server, another well-formed token
            gets 401 and a malformed one 404.
        bot_username: ``username`` of the bot user returned by ``getMe``.
        strict_chats: when true, sending to a chat the fake has not seen (via
            ``send_text``/``add_chat``) fails with "chat not found", as it would for a
            real bot; by default such chats are invented from the id's shape.
    """

    def __init__(
        self,
        token: str = DEFAULT_TOKEN,
        *,
        bot_username: str = DEFAULT_BOT_USERNAME,
        bot_first_name: str = "Closebot Test",
        strict_chats: bool = False,
    ) -> None:
        if not _TOKEN_RE.fullmatch(token):
            raise ValueError("token must look like '<bot id>:<secret>'")
        self.token = token
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.bot_id = int(token.split(":", 1)[0])
        self.strict_chats = strict_chats

        self._cond = threading.Condition(threading.RLock())
        self._calls: list[RecordedCall] = []
        self._updates: list[dict[str, Json]] = []
        self._next_update_id = 1
        self._allowed_updates: list[str] = []
        self._poll_generation = 0
        self._faults: list[_Fault] = []
        self._chats: dict[int, dict[str, Json]] = {}
        self._next_message_id: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Json]] = {}
        self._commands: dict[str, list[dict[str, Json]]] = {}
        self._open_queries: set[str] = set()  # callback and inline query ids not answered
        self._query_ids = itertools.count(4_000_000_000_000_000_001)
        self._files: dict[str, _StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._webhook: dict[str, Json] = {}
        self._answer_delays: dict[str, float] = {}
        # Called with each call as it is recorded (in the handler's thread), e.g. to kill a
        # client at a chosen moment.
        self.on_call: Callable[[RecordedCall], None] | None = None

        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None
        self._stopping = False

        handlers: dict[str, _MethodHandler] = {
            "getMe": self._get_me,
            "getUpdates": self._get_updates,
            "setWebhook": self._set_webhook,
            "deleteWebhook": self._delete_webhook,
            "getWebhookInfo": self._get_webhook_info,
            "setMyCommands": self._set_my_commands,
            "getMyCommands": self._get_my_commands,
            "deleteMyCommands": self._delete_my_commands,
            "sendMessage": self._send_message,
            "editMessageText": self._edit_message_text,
            "answerCallbackQuery": self._answer_callback_query,
            "answerInlineQuery": self._answer_inline_query,
            "sendPhoto": self._send_photo,
            "sendChatAction": self._send_chat_action,
            "getChat": self._get_chat,
            "getFile": self._get_file,
            "close": self._close,
            "logOut": self._log_out,
        }
        # Telegram matches method names case-insensitively; calls are recorded under
        # the documented spelling.
        self._methods = {name.lower(): (name, handler) for name, handler in handlers.items()}

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> FakeTelegramServer:
        """Bind an ephemeral port and serve in a background thread."""
        if self._httpd is not None:
            raise RuntimeError("FakeTelegramServer is already started")
        self._stopping = False
        self._httpd = _HttpServer(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever,
            kwargs={"poll_interval": 0.05},  # shutdown() latency
            name="fake-telegram-server",
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving: end long polls, close connections, join every thread.

        Raises:
            RuntimeError: if a handler thread is still alive after ``timeout`` seconds,
                so a hang shows up as a test failure instead of a stuck process.
        """
        httpd, thread = self._httpd, self._thread
        if httpd is None or thread is None:
            return
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        httpd.shutdown()
        thread.join(timeout)
        httpd.close_connections(timeout)
        stuck = httpd.join_handlers(timeout)
        httpd.server_close()
        self._httpd = self._thread = None
        if stuck or thread.is_alive():
            raise RuntimeError(f"fake Telegram server threads did not stop: {stuck}")

    def __enter__(self) -> FakeTelegramServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeTelegramServer is not started")
        return self._httpd.server_port

    @property
    def base_url(self) -> str:
        """For PTB's ``base_url``: PTB appends ``<token>/<method>``."""
        return f"http://127.0.0.1:{self.port}/bot"

    @property
    def base_file_url(self) -> str:
        """For PTB's ``base_file_url``: PTB appends ``<token>/<file_path>``."""
        return f"http://127.0.0.1:{self.port}/file/bot"

    # ---------------------------------------------------------------- inspection

    @property
    def calls(self) -> list[RecordedCall]:
        """A snapshot of every request so far, in the order they were answered."""
        with self._cond:
            return list(self._calls)

    def calls_to(self, method: str) -> list[RecordedCall]:
        """Recorded calls to one method (case-insensitive, like Telegram)."""
        wanted = method.lower()
        return [call for call in self.calls if call.method.lower() == wanted]

    def sent_messages(self, chat_id: int | str | None = None) -> list[dict[str, Json]]:
        """Parameters of every *successful* sendMessage/editMessageText, optionally to one chat.

        Failed calls are left out because Telegram did not show them to anyone; look at
        ``calls`` for those.
        """
        return [
            call.params
            for call in self.calls
            if call.ok
            and call.method in ("sendMessage", "editMessageText")
            and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def sent_photos(self, chat_id: int | str | None = None) -> list[RecordedCall]:
        """Successful sendPhoto calls; uploaded bytes are in ``call.files["photo"].data``."""
        return [
            call
            for call in self.calls_to("sendPhoto")
            if call.ok and (chat_id is None or call.params.get("chat_id") == chat_id)
        ]

    def get_message(self, chat_id: int, message_id: int) -> dict[str, Json]:
        """The current state of a message (after any edits), as Telegram would return it."""
        with self._cond:
            try:
                return copy.deepcopy(self._messages[(chat_id, message_id)])
            except KeyError:
                raise KeyError(f"no message {message_id} in chat {chat_id}") from None

    def commands(
        self, scope: Mapping[str, Json] | None = None, language_code: str = ""
    ) -> list[dict[str, Json]]:
        """The command list set for a scope/language, as ``getMyCommands`` would return."""
        with self._cond:
            return copy.deepcopy(self._commands.get(_commands_key(scope, language_code), []))

    @property
    def pending_updates(self) -> list[dict[str, Json]]:
        """Updates not yet confirmed by a ``getUpdates`` offset."""
        with self._cond:
            return copy.deepcopy(self._updates)

    def wait_for(
        self, predicate: Predicate, timeout: float = 5.0, *, since: int = 0
    ) -> RecordedCall:
        """Block until a recorded call (index >= ``since``) satisfies ``predicate``.

        Earlier calls count too, so there is no race between triggering an action and
        starting to wait; pass ``since=len(server.calls)`` to ignore them.  Do not call
        this from the event loop the bot runs on -- it would stall the bot; use
        ``wait_for_async`` there.

        Raises:
            TimeoutError: nothing matched in time; the message lists the recent calls.
            RuntimeError: called from inside a running event loop.
        """
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            pass
        else:
            raise RuntimeError("wait_for() would block the event loop; use wait_for_async()")
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = self._find(predicate, since)
                if found is not None:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(self._timeout_message(timeout))
                self._cond.wait(remaining)

    async def wait_for_async(
        self,
        predicate: Predicate,
        timeout: float = 5.0,  # noqa: ASYNC109 - mirrors wait_for; a deadline is the point
        *,
        since: int = 0,
        poll_interval: float = 0.005,
    ) -> RecordedCall:
        """Like ``wait_for`` but polls with ``asyncio.sleep`` so the event loop keeps running."""
        deadline = time.monotonic() + timeout
        while True:
            with self._cond:
                found = self._find(predicate, since)
            if found is not None:
                return found
            if time.monotonic() >= deadline:
                raise TimeoutError(self._timeout_message(timeout))
            await asyncio.sleep(poll_interval)

    def _find(self, predicate: Predicate, since: int) -> RecordedCall | None:
        return next((call for call in self._calls[since:] if predicate(call)), None)

    def _timeout_message(self, timeout: float) -> str:
        recent = [
            f"{call.method}({call.params}) -> {call.status}"
            for call in self._calls[-10:]
            if call.method != "getUpdates"
        ]
        return f"no matching call within {timeout}s; recent calls: {recent}"

    # ---------------------------------------------------------------- faults

    def fail_next(
        self,
        method: str,
        *,
        chat_id: int | str | None = None,
        error_code: int,
        description: str,
        parameters: Mapping[str, Json] | None = None,
        times: int | None = 1,
    ) -> None:
        """Make the next ``times`` calls to ``method`` (optionally for one chat) fail.

        ``times=None`` fails every matching call until ``clear_faults()``, e.g. a user who
        blocked the bot.  Faults are checked before validation, as with real flood
        control.  Examples that PTB maps to specific exceptions::

            fail_next("sendMessage", error_code=429,
                      description="Too Many Requests: retry after 1",
                      parameters={"retry_after": 1})                       # RetryAfter
            fail_next("sendMessage", error_code=403,
                      description="Forbidden: bot was blocked by the user")  # Forbidden
            fail_next("sendMessage", error_code=400,
                      description="Bad Request: group chat was upgraded to a supergroup chat",
                      parameters={"migrate_to_chat_id": -100123})           # ChatMigrated
        """
        if times is not None and times < 1:
            raise ValueError("times must be >= 1 (or None for always)")
        with self._cond:
            self._faults.append(
                _Fault(
                    method.lower(),
                    chat_id,
                    error_code,
                    description,
                    dict(parameters) if parameters else None,
                    times,
                )
            )

    def delay_answers(self, method: str, seconds: float) -> None:
        """Answer calls to ``method`` ``seconds`` late: the call is carried out (a message is
        delivered) at once, as on a slow line, and only the answer waits."""
        with self._cond:
            self._answer_delays[method.lower()] = seconds

    def _wait_to_answer(self, raw_path: str) -> None:
        match = _PATH_RE.match(urlsplit(raw_path).path)
        delay = self._answer_delays.get(match["method"].lower(), 0.0) if match else 0.0
        if delay:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping, timeout=delay)

    def clear_faults(self) -> None:
        """Drop every queued failure."""
        with self._cond:
            self._faults.clear()

    def _take_fault(self, method: str, params: Mapping[str, Json]) -> _Fault | None:
        for fault in self._faults:
            if fault.method == method.lower() and (
                fault.chat_id is None or fault.chat_id == params.get("chat_id")
            ):
                if fault.remaining is not None:
                    fault.remaining -= 1
                    if fault.remaining == 0:
                        self._faults.remove(fault)
                return fault
        return None

    # ---------------------------------------------------------------- simulated users

    def add_chat(
        self,
        chat_id: int,
        chat_type: str = "private",
        *,
        title: str | None = None,
        username: str | None = None,
        first_name: str | None = None,
    ) -> dict[str, Json]:
        """Make a chat known (needed with ``strict_chats``); returns its Chat object."""
        if chat_type == "private" and chat_id <= 0:
            raise ValueError("private chat ids are positive (they equal the user id)")
        if chat_type != "private" and chat_id >= 0:
            raise ValueError("group, supergroup and channel ids are negative")
        chat: dict[str, Json] = {"id": chat_id, "type": chat_type}
        if chat_type == "private":
            chat["first_name"] = first_name or (username or f"user{chat_id}").capitalize()
        else:
            chat["title"] = title or f"Test {chat_type} {chat_id}"
        if username:
            chat["username"] = username
        with self._cond:
            self._chats[chat_id] = chat
        return copy.deepcopy(chat)

    def push_update(self, update: Mapping[str, Json]) -> dict[str, Json]:
        """Queue a raw update for ``getUpdates``; ``update_id`` is assigned if missing."""
        update = copy.deepcopy(dict(update))
        with self._cond:
            if "update_id" in update:
                self._next_update_id = max(self._next_update_id, int(update["update_id"]) + 1)
            else:
                update = {"update_id": self._next_update_id, **update}
                self._next_update_id += 1
            self._updates.append(update)
            self._cond.notify_all()
        return copy.deepcopy(update)

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        user_id: int | None = None,
        chat_type: str = "private",
        username: str = "alice",
        language_code: str = "en",
    ) -> dict[str, Json]:
        """Simulate a user writing ``text`` in a chat; returns the queued update.

        Bot commands anywhere in the text get ``bot_command`` entities with UTF-16
        offsets, as Telegram adds them (PTB's CommandHandler relies on the one at 0).
        ``chat_type="channel"`` produces a ``channel_post`` without a sender.
        """
        if chat_type == "private" and user_id not in (None, chat_id):
            raise ValueError("in a private chat the user id is the chat id")
        user_id = _sender_id(chat_id, user_id)
        with self._cond:
            chat = self._chats.get(chat_id)
            if chat is None or chat["type"] != chat_type:
                chat = self.add_chat(
                    chat_id,
                    chat_type,
                    username=username if chat_type == "private" else None,
                )
            message: dict[str, Json] = {
                "message_id": self._new_message_id(chat_id),
                "date": int(time.time()),
                "chat": copy.deepcopy(chat),
                "text": text,
            }
            if chat_type == "channel":
                message["sender_chat"] = copy.deepcopy(chat)
            else:
                message["from"] = _user(user_id, username, language_code)
            entities = _command_entities(text)
            if entities:
                message["entities"] = entities
            self._messages[(chat_id, message["message_id"])] = message
            kind = "channel_post" if chat_type == "channel" else "message"
            return self.push_update({kind: message})

    def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        *,
        user_id: int | None = None,
        username: str = "alice",
    ) -> dict[str, Json]:
        """Simulate a user pressing an inline button on one of the bot's messages.

        The update's ``message`` is the bot's message as it currently stands.  Like a
        real client, only callback data present on that message's keyboard can be sent.
        """
        with self._cond:
            message = self._messages.get((chat_id, message_id))
            if message is None or message.get("from", {}).get("id") != self.bot_id:
                raise LookupError(f"the bot sent no message {message_id} to chat {chat_id}")
            buttons = [
                button.get("callback_data")
                for row in message.get("reply_markup", {}).get("inline_keyboard", [])
                for button in row
            ]
            if data not in buttons:
                raise ValueError(f"message {message_id} has no button with data {data!r}")
            query_id = str(next(self._query_ids))
            self._open_queries.add(query_id)
            return self.push_update(
                {
                    "callback_query": {
                        "id": query_id,
                        "from": _user(_sender_id(chat_id, user_id), username),
                        "message": copy.deepcopy(message),
                        "chat_instance": str((chat_id * 2_654_435_761) % 2**63),
                        "data": data,
                    }
                }
            )

    def inline_query(
        self, user_id: int, query: str, *, offset: str = "", username: str = "alice"
    ) -> dict[str, Json]:
        """Simulate a user typing ``@bot query`` in a private chat with the bot."""
        with self._cond:
            query_id = str(next(self._query_ids))
            self._open_queries.add(query_id)
            return self.push_update(
                {
                    "inline_query": {
                        "id": query_id,
                        "from": _user(user_id, username),
                        "query": query,
                        "offset": offset,
                        "chat_type": "sender",
                    }
                }
            )

    # ---------------------------------------------------------------- HTTP entry point

    def _handle_http(
        self, verb: str, raw_path: str, content_type: str, body: bytes
    ) -> tuple[int, str, bytes]:
        """Decode, authenticate, dispatch and record one request; returns the response."""
        arrived = time.time()  # a call's time is its arrival, not when a busy server got to it
        split = urlsplit(raw_path)
        file_match = _FILE_PATH_RE.match(split.path)
        if file_match and verb == "GET":
            return self._serve_file(unquote(file_match["token"]), unquote(file_match["path"]))
        match = _PATH_RE.match(split.path)
        if match is None:
            return _error_response(_ApiError(HTTPStatus.NOT_FOUND, "Not Found"))
        token = unquote(match["token"])
        if not _TOKEN_RE.fullmatch(token):  # Telegram: malformed token -> 404
            return _error_response(_ApiError(HTTPStatus.NOT_FOUND, "Not Found"))
        if token != self.token:  # well-formed but not ours -> 401
            return _error_response(_ApiError(HTTPStatus.UNAUTHORIZED, "Unauthorized"))

        method, handler = self._methods.get(match["method"].lower(), (match["method"], None))
        params: dict[str, Json] = {}
        files: dict[str, UploadedFile] = {}
        try:
            raw: dict[str, Json] = dict(parse_qsl(split.query, keep_blank_values=True))
            mime = content_type.split(";", 1)[0].strip().lower()
            if mime == "application/json" and body:
                loaded = json.loads(body)
                if not isinstance(loaded, dict):
                    raise _bad_request("JSON object expected")
                raw.update(loaded)
            elif mime == "application/x-www-form-urlencoded":
                raw.update(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
            elif mime == "multipart/form-data":
                fields, files = _decode_multipart(content_type, body)
                raw.update(fields)
            params = {name: _coerce(name, value) for name, value in raw.items()}
            if handler is None:
                raise _ApiError(HTTPStatus.NOT_FOUND, "Not Found")
            with self._cond:
                fault = self._take_fault(method, params)
            if fault is not None:
                raise _ApiError(fault.error_code, fault.description, fault.parameters)
            with self._cond:
                result = handler(params, files)
        except _ApiError as error:
            self._record(
                RecordedCall(
                    method, params, files, error.error_code, None, error.description, arrived
                )
            )
            return _error_response(error)
        except ValueError as error:  # malformed JSON body and the like
            api_error = _bad_request(f"can't parse request: {error}")
            self._record(
                RecordedCall(method, params, files, 400, None, api_error.description, arrived)
            )
            return _error_response(api_error)
        except Exception as error:  # a bug in the fake: make it loud, not a dropped socket
            api_error = _ApiError(
                HTTPStatus.INTERNAL_SERVER_ERROR, f"Internal Server Error: {error!r}"
            )
            self._record(
                RecordedCall(method, params, files, 500, None, api_error.description, arrived)
            )
            return _error_response(api_error)

        description = None
        if isinstance(result, _WithDescription):
            result, description = result.result, result.description
        self._record(
            RecordedCall(method, params, files, HTTPStatus.OK, result, description, arrived)
        )
        payload: dict[str, Json] = {"ok": True, "result": result}
        if description:
            payload["description"] = description
        return HTTPStatus.OK, "application/json", _dump(payload)

    def _record(self, call: RecordedCall) -> None:
        with self._cond:
            self._calls.append(call)
            self._cond.notify_all()
        if self.on_call is not None:
            self.on_call(call)

    def _serve_file(self, token: str, path: str) -> tuple[int, str, bytes]:
        if token != self.token:
            return _error_response(_ApiError(HTTPStatus.UNAUTHORIZED, "Unauthorized"))
        with self._cond:
            stored = next((f for f in self._files.values() if f.file_path == path), None)
        if stored is None:
            return _error_response(_ApiError(HTTPStatus.NOT_FOUND, "Not Found"))
        return HTTPStatus.OK, "application/octet-stream", stored.data

    # ---------------------------------------------------------------- helpers

    def _bot_user(self) -> dict[str, Json]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def _new_message_id(self, chat_id: int) -> int:
        message_id = self._next_message_id.get(chat_id, 1)
        self._next_message_id[chat_id] = message_id + 1
        return message_id

    def _resolve_chat(self, chat_id: Json) -> dict[str, Json]:
        """The Chat object for a ``chat_id`` parameter, like the real server's lookup."""
        if chat_id is None or chat_id == "":
            raise _bad_request("chat_id is empty")
        if isinstance(chat_id, str):
            if chat_id.startswith("@"):
                wanted = chat_id[1:].lower()
                for chat in self._chats.values():
                    if str(chat.get("username", "")).lower() == wanted:
                        return chat
            raise _bad_request("chat not found")
        if not isinstance(chat_id, int) or isinstance(chat_id, bool):
            raise _bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            if self.strict_chats or chat_id == 0:
                raise _bad_request("chat not found")
            if chat_id > 0:
                chat_type = "private"
            elif chat_id <= -1_000_000_000_000:
                chat_type = "supergroup"
            else:
                chat_type = "group"
            self.add_chat(chat_id, chat_type)
            chat = self._chats[chat_id]
        return chat

    def _new_bot_message(self, chat: Mapping[str, Json], **content: Json) -> dict[str, Json]:
        message: dict[str, Json] = {
            "message_id": self._new_message_id(chat["id"]),
            "date": int(time.time()),
            "chat": copy.deepcopy(dict(chat)),
        }
        if chat["type"] == "channel":
            message["sender_chat"] = copy.deepcopy(dict(chat))
        else:
            message["from"] = self._bot_user()
        message.update(content)
        self._messages[(chat["id"], message["message_id"])] = message
        return message

    def _reply_to(self, chat_id: int, params: Mapping[str, Json]) -> dict[str, Json]:
        """``reply_to_message`` content for a send, honouring ``allow_sending_without_reply``."""
        reply = params.get("reply_parameters") or {}
        target = reply.get("message_id", params.get("reply_to_message_id"))
        if target is None:
            return {}
        original = self._messages.get((chat_id, int(target)))
        if original is None:
            allow = reply.get("allow_sending_without_reply") or params.get(
                "allow_sending_without_reply"
            )
            if allow:
                return {}
            raise _bad_request("message to be replied not found")
        original = copy.deepcopy(original)
        original.pop("reply_to_message", None)
        return {"reply_to_message": original}

    # ---------------------------------------------------------------- methods

    def _get_me(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        return {
            **self._bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": True,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def _get_updates(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        """Long polling with Telegram's confirmation semantics.

        Updates stay queued until a later call passes ``offset`` greater than their id
        (a negative offset keeps only the last ``-offset``).  With ``timeout`` the call
        waits for an update, returning as soon as one arrives.  A newer getUpdates
        terminates an older waiting one with 409, as Telegram does.
        """
        if self._webhook.get("url"):
            raise _ApiError(
                HTTPStatus.CONFLICT,
                "Conflict: can't use getUpdates method while webhook is active; "
                "use deleteWebhook to delete the webhook first",
            )
        offset = int(params.get("offset") or 0)
        limit = min(max(int(params.get("limit") or 100), 1), 100)
        timeout = max(float(params.get("timeout") or 0), 0.0)
        if "allowed_updates" in params and params["allowed_updates"] is not None:
            self._allowed_updates = list(params["allowed_updates"])
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]

        self._poll_generation += 1
        generation = self._poll_generation
        deadline = time.monotonic() + timeout
        while True:
            if self._stopping:
                return []
            if generation != self._poll_generation:
                raise _ApiError(
                    HTTPStatus.CONFLICT,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            # Updates of types the bot did not ask for are never delivered: drop them.
            self._updates = [u for u in self._updates if self._wanted(u)]
            if self._updates:
                return copy.deepcopy(self._updates[:limit])
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return []
            self._cond.wait(remaining)

    def _wanted(self, update: Mapping[str, Json]) -> bool:
        kind = next((key for key in update if key != "update_id"), "")
        if self._allowed_updates:
            return kind in self._allowed_updates
        return kind not in _OPT_IN_UPDATE_TYPES

    def _set_webhook(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        url = str(params.get("url") or "")
        if not url:
            return self._delete_webhook(params, files)
        if not url.lower().startswith("https://"):
            raise _bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        self._webhook = {"url": url}
        for key in ("max_connections", "ip_address"):
            if key in params:
                self._webhook[key] = params[key]
        if params.get("allowed_updates") is not None:
            self._allowed_updates = list(params["allowed_updates"])
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return _WithDescription(True, "Webhook was set")

    def _delete_webhook(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        was_set = bool(self._webhook.get("url"))
        self._webhook = {}
        return _WithDescription(
            True, "Webhook was deleted" if was_set else "Webhook is already deleted"
        )

    def _get_webhook_info(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        info: dict[str, Json] = {
            "url": self._webhook.get("url", ""),
            "has_custom_certificate": False,
            "pending_update_count": len(self._updates),
        }
        if self._webhook.get("url"):
            info["max_connections"] = self._webhook.get("max_connections", 40)
            if self._allowed_updates:
                info["allowed_updates"] = list(self._allowed_updates)
        return info

    def _set_my_commands(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise _bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise _bad_request("too many commands specified")
        cleaned = []
        for command in commands:
            if not isinstance(command, dict):
                raise _bad_request("can't parse BotCommand")
            name = str(command.get("command", ""))
            if not re.fullmatch(r"[a-z0-9_]{1,32}", name):
                raise _bad_request("BOT_COMMAND_INVALID")
            cleaned.append({"command": name, "description": str(command.get("description", ""))})
        key = _commands_key(params.get("scope"), str(params.get("language_code") or ""))
        if cleaned:
            self._commands[key] = cleaned
        else:
            self._commands.pop(key, None)
        return True

    def _get_my_commands(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        key = _commands_key(params.get("scope"), str(params.get("language_code") or ""))
        return copy.deepcopy(self._commands.get(key, []))

    def _delete_my_commands(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        self._commands.pop(
            _commands_key(params.get("scope"), str(params.get("language_code") or "")), None
        )
        return True

    def _formatted_text(
        self, params: Mapping[str, Json], field_name: str, entities_field: str
    ) -> tuple[str, list[dict[str, Json]]]:
        """Apply ``parse_mode`` to a text/caption parameter, failing like Telegram."""
        text = params.get(field_name)
        text = "" if text is None else str(text)
        parse_mode = str(params.get("parse_mode") or "")
        if parse_mode.lower() == "html":
            try:
                return parse_html(text)
            except HtmlParseError as error:
                raise _bad_request(f"can't parse entities: {error}") from None
        if parse_mode and parse_mode.lower() not in ("markdown", "markdownv2"):
            raise _bad_request("unsupported parse_mode")
        entities = params.get(entities_field)
        return text, list(entities) if isinstance(entities, list) and not parse_mode else []

    def _checked_message_text(self, params: Mapping[str, Json]) -> dict[str, Json]:
        text, entities = self._formatted_text(params, "text", "entities")
        if not text.strip():
            raise _bad_request("message text is empty")
        if utf16_len(text) > MAX_MESSAGE_LENGTH:
            raise _bad_request("message is too long")
        content: dict[str, Json] = {"text": text}
        if entities:
            content["entities"] = entities
        return content

    def _checked_markup(self, params: Mapping[str, Json]) -> dict[str, Json]:
        """Validate ``reply_markup``; returns what the sent Message echoes back.

        Only inline keyboards are part of a Message object; reply keyboards and
        ``force_reply`` affect the client but are not returned.
        """
        markup = params.get("reply_markup")
        if markup is None:
            return {}
        if not isinstance(markup, dict):
            raise _bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" not in markup:
            return {}
        rows = markup["inline_keyboard"]
        if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
            raise _bad_request('field "inline_keyboard" must be an Array of Arrays')
        actions = (
            "callback_data",
            "url",
            "login_url",
            "switch_inline_query",
            "switch_inline_query_current_chat",
            "switch_inline_query_chosen_chat",
            "callback_game",
            "pay",
            "web_app",
            "copy_text",
        )
        for row in rows:
            for button in row:
                if not isinstance(button, dict) or not button.get("text"):
                    raise _bad_request("can't parse inline keyboard button: Text must be non-empty")
                if not any(key in button for key in actions):
                    raise _bad_request(
                        "can't parse inline keyboard button: "
                        "Text buttons are unallowed in the inline keyboard"
                    )
                if "callback_data" in button:
                    data = button["callback_data"]
                    size = len(str(data).encode("utf-8"))
                    if not isinstance(data, str) or not 1 <= size <= MAX_CALLBACK_DATA_BYTES:
                        raise _bad_request("BUTTON_DATA_INVALID")
                if "url" in button and not re.match(
                    r"^(https?|tg)://\S+$", str(button["url"]), re.IGNORECASE
                ):
                    raise _bad_request("BUTTON_URL_INVALID")
        if not any(rows):
            return {}
        return {"reply_markup": {"inline_keyboard": copy.deepcopy(rows)}}

    def _send_message(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        chat = self._resolve_chat(params.get("chat_id"))
        content = self._checked_message_text(params)
        markup = self._checked_markup(params)
        reply = self._reply_to(chat["id"], params)
        message = self._new_bot_message(chat, **reply, **content, **markup)
        return copy.deepcopy(message)

    def _edit_message_text(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        content = self._checked_message_text(params)
        markup = self._checked_markup(params)
        if params.get("inline_message_id"):
            return True  # inline messages are not stored; Telegram answers True
        chat = self._resolve_chat(params.get("chat_id"))
        message_id = params.get("message_id")
        if message_id is None:
            raise _bad_request("message identifier is not specified")
        message = self._messages.get((chat["id"], int(message_id)))
        if message is None:
            raise _bad_request("message to edit not found")
        if message.get("from", {}).get("id") != self.bot_id and chat["type"] != "channel":
            raise _bad_request("message can't be edited")
        if "text" not in message:
            raise _bad_request("there is no text in the message to edit")
        unchanged = (
            message["text"] == content["text"]
            and message.get("entities", []) == content.get("entities", [])
            and message.get("reply_markup") == markup.get("reply_markup")
        )
        if unchanged:
            raise _bad_request(_NOT_MODIFIED)
        message.pop("entities", None)
        message.pop("reply_markup", None)
        message.update(content)
        message.update(markup)
        message["edit_date"] = int(time.time())
        return copy.deepcopy(message)

    def _answer_callback_query(
        self, params: dict[str, Json], files: dict[str, UploadedFile]
    ) -> Json:
        query_id = str(params.get("callback_query_id") or "")
        if query_id not in self._open_queries:
            raise _bad_request(_QUERY_INVALID)
        if len(str(params.get("text") or "")) > 200:
            raise _bad_request("MESSAGE_TOO_LONG")
        self._open_queries.discard(query_id)
        return True

    def _answer_inline_query(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        query_id = str(params.get("inline_query_id") or "")
        if query_id not in self._open_queries:
            raise _bad_request(_QUERY_INVALID)
        results = params.get("results")
        if not isinstance(results, list):
            raise _bad_request("can't parse results JSON object")
        if len(results) > 50:
            raise _bad_request("RESULTS_TOO_MUCH")
        ids = [r.get("id") if isinstance(r, dict) else None for r in results]
        if any(not isinstance(i, str) or not i for i in ids) or len(set(ids)) != len(ids):
            raise _bad_request(
                "RESULT_ID_DUPLICATE" if len(set(ids)) != len(ids) else "RESULT_ID_EMPTY"
            )
        self._open_queries.discard(query_id)
        return True

    def _send_photo(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        chat = self._resolve_chat(params.get("chat_id"))
        upload = files.get("photo")
        photo_param = params.get("photo")
        if upload is None and isinstance(photo_param, str) and photo_param.startswith("attach://"):
            upload = files.get(photo_param[len("attach://") :])
        if upload is not None:
            if not upload.data:
                raise _bad_request("file must be non-empty")
            stored = self._store_file(upload.data, "photos", ".jpg")
        elif isinstance(photo_param, str) and photo_param in self._files:
            stored = self._files[photo_param]
        elif isinstance(photo_param, str) and re.match(r"^https?://", photo_param):
            stored = self._store_file(b"", "photos", ".jpg")
        elif photo_param:
            raise _bad_request("wrong file identifier/HTTP URL specified")
        else:
            raise _bad_request("there is no photo in the request")
        caption, caption_entities = self._formatted_text(params, "caption", "caption_entities")
        if utf16_len(caption) > MAX_CAPTION_LENGTH:
            raise _bad_request("message caption is too long")
        width, height = _image_size(stored.data)
        content: dict[str, Json] = {
            "photo": [
                {
                    "file_id": stored.file_id,
                    "file_unique_id": stored.file_unique_id,
                    "width": width,
                    "height": height,
                    "file_size": len(stored.data),
                }
            ]
        }
        if caption:
            content["caption"] = caption
        if caption_entities:
            content["caption_entities"] = caption_entities
        markup = self._checked_markup(params)
        reply = self._reply_to(chat["id"], params)
        return copy.deepcopy(self._new_bot_message(chat, **reply, **content, **markup))

    def _store_file(self, data: bytes, folder: str, suffix: str) -> _StoredFile:
        number = next(self._file_ids)
        stored = _StoredFile(
            file_id=f"AgACAgFake{number:06d}",
            file_unique_id=f"AQADFake{number:06d}",
            file_path=f"{folder}/file_{number}{suffix}",
            data=data,
        )
        self._files[stored.file_id] = stored
        return stored

    def _get_file(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        stored = self._files.get(str(params.get("file_id") or ""))
        if stored is None:
            raise _bad_request("invalid file_id")
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "file_path": stored.file_path,
        }

    def _send_chat_action(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        self._resolve_chat(params.get("chat_id"))
        if params.get("action") not in _CHAT_ACTIONS:
            raise _bad_request("wrong parameter action in request")
        return True

    def _get_chat(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        chat = copy.deepcopy(self._resolve_chat(params.get("chat_id")))
        chat.update(
            {
                "accent_color_id": 0,
                "max_reaction_count": 11,
                "accepted_gift_types": {
                    "unlimited_gifts": False,
                    "limited_gifts": False,
                    "unique_gifts": False,
                    "premium_subscription": False,
                    "gifts_from_channels": False,
                },
            }
        )
        return chat

    def _close(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        return True

    def _log_out(self, params: dict[str, Json], files: dict[str, UploadedFile]) -> Json:
        return True


@dataclass(frozen=True)
class _WithDescription:
    """A successful result that also carries Telegram's optional ``description``."""

    result: Json
    description: str


def _dump(payload: Mapping[str, Json]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode("utf-8")


def _error_response(error: _ApiError) -> tuple[int, str, bytes]:
    payload: dict[str, Json] = {
        "ok": False,
        "error_code": error.error_code,
        "description": error.description,
    }
    if error.parameters:
        payload["parameters"] = error.parameters
    return error.error_code, "application/json", _dump(payload)


def _user(user_id: int, username: str, language_code: str = "en") -> dict[str, Json]:
    """A person as Telegram describes them: `language_code` is their app's language (an IETF
    tag such as en, zh-hk or zh-hans)."""
    return {
        "id": user_id,
        "is_bot": False,
        "first_name": username.capitalize(),
        "username": username,
        "language_code": language_code,
    }


def _sender_id(chat_id: int, user_id: int | None) -> int:
    """The user acting in a chat: in private chats the user id is the chat id."""
    if user_id is not None:
        return user_id
    return chat_id if chat_id > 0 else DEFAULT_GROUP_USER_ID


def _commands_key(scope: Mapping[str, Json] | None, language_code: str) -> str:
    return json.dumps([dict(scope or {"type": "default"}), language_code], sort_keys=True)


def _command_entities(text: str) -> list[dict[str, Json]]:
    """``bot_command`` entities for ``/command`` and ``/command@bot`` in a user's text."""
    return [
        {
            "type": "bot_command",
            "offset": utf16_len(text[: match.start()]),
            "length": utf16_len(match.group()),
        }
        for match in _COMMAND_RE.finditer(text)
    ]


def _image_size(data: bytes) -> tuple[int, int]:
    """Width and height of a PNG or JPEG, so the PhotoSize looks plausible."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                break
            marker = data[index + 1]
            segment = int.from_bytes(data[index + 2 : index + 4], "big")
            if marker in (0xC0, 0xC1, 0xC2):
                height = int.from_bytes(data[index + 5 : index + 7], "big")
                width = int.from_bytes(data[index + 7 : index + 9], "big")
                return width, height
            index += 2 + segment
    return 320, 320


def client_requests() -> dict[str, HTTPXRequest]:
    """A `Bot`'s two requests as the bot makes them (bot/requests.py): `Bot(..., **these)`."""
    return {"request": bot_api_request(), "get_updates_request": bot_api_request(UPDATES_POOL_SIZE)}

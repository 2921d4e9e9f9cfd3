"""An offline Telegram: a request object that records what the bot sends and answers like the
Bot API would, and builders for the updates a person's actions produce."""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from telegram import Bot, Update
from telegram.request import BaseRequest, RequestData

BOT_ID = 777000111
BOT_USERNAME = "closebot_test_bot"
FAKE_TOKEN = "777000111:AAFakeTokenForOfflineTestsOnly_0123456789"
_NOW = int(datetime(2025, 6, 4, 10, 0, tzinfo=UTC).timestamp())


@dataclass
class Call:
    method: str
    params: dict[str, Any]


class RecordingRequest(BaseRequest):
    """Answers every Bot API call locally and keeps a list of them, in order."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.files: dict[str, bytes] = {}  # file_id -> content, served by getFile + download
        self._message_ids = itertools.count(1000)

    @property
    def read_timeout(self) -> float | None:
        return 1.0

    async def initialize(self) -> None:
        return None

    async def shutdown(self) -> None:
        return None

    async def do_request(
        self, url: str, method: str, request_data: RequestData | None = None, **_: Any
    ) -> tuple[int, bytes]:
        if "/file/bot" in url:
            file_id = url.rsplit("/", 1)[-1]
            self.calls.append(Call("download", {"file_id": file_id}))
            return (200, self.files[file_id]) if file_id in self.files else (404, b"")
        api_method = url.rsplit("/", 1)[-1]
        params = {
            k: _decoded(v)
            for k, v in (request_data.json_parameters if request_data else {}).items()
        }
        self.calls.append(Call(api_method, params))
        return 200, json.dumps({"ok": True, "result": self._result(api_method, params)}).encode()

    def _result(self, method: str, params: dict[str, Any]) -> Any:
        if method == "getMe":
            return bot_user()
        if method == "getFile":
            file_id = params["file_id"]
            size = len(self.files.get(file_id, b""))
            return {
                "file_id": file_id,
                "file_unique_id": file_id,
                "file_size": size,
                "file_path": file_id,
            }
        if method in ("sendMessage", "editMessageText"):
            chat_id = int(params["chat_id"])
            message = {
                "message_id": int(params.get("message_id") or next(self._message_ids)),
                "date": _NOW,
                "chat": {"id": chat_id, "type": "private" if chat_id > 0 else "supergroup"},
                "from": bot_user(),
                "text": params["text"],
            }
            if "reply_markup" in params:
                message["reply_markup"] = params["reply_markup"]
            return message
        return True

    def sent(self, method: str = "sendMessage") -> list[dict[str, Any]]:
        return [c.params for c in self.calls if c.method == method]

    def last(self, method: str = "sendMessage") -> dict[str, Any]:
        sent = self.sent(method)
        assert sent, f"the bot made no {method} call; calls: {[c.method for c in self.calls]}"
        return sent[-1]


def _decoded(value: str) -> Any:
    try:
        return json.loads(value)
    except (TypeError, ValueError):
        return value


def bot_user() -> dict[str, Any]:
    return {
        "id": BOT_ID,
        "is_bot": True,
        "first_name": "closebot",
        "username": BOT_USERNAME,
        "can_join_groups": True,
        "can_read_all_group_messages": False,
        "supports_inline_queries": True,
    }


_update_ids = itertools.count(1)


def _chat(chat_id: int) -> dict[str, Any]:
    if chat_id < 0:
        return {"id": chat_id, "type": "supergroup", "title": "Traders"}
    return {"id": chat_id, "type": "private", "first_name": "Alice"}


def make_message_update(bot: Bot, text: str, *, chat_id: int = 42, user_id: int = 42) -> Update:
    """The update Telegram sends when a person types `text` (a `/command` gets its entity)."""
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": _NOW,
        "chat": _chat(chat_id),
        "from": {"id": user_id, "is_bot": False, "first_name": "Alice", "username": "alice"},
        "text": text,
    }
    if text.startswith("/"):
        command = text.split()[0]
        length = len(command.encode("utf-16-le")) // 2
        message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
    return Update.de_json({"update_id": next(_update_ids), "message": message}, bot)


def make_document_update(
    bot: Bot,
    file_name: str,
    file_id: str,
    *,
    size: int = 100,
    caption: str | None = None,
    chat_id: int = 42,
    user_id: int = 42,
) -> Update:
    """The update Telegram sends when a person sends a file to the bot."""
    message: dict[str, Any] = {
        "message_id": next(_update_ids),
        "date": _NOW,
        "chat": _chat(chat_id),
        "from": {"id": user_id, "is_bot": False, "first_name": "Olivia"},
        "document": {
            "file_id": file_id,
            "file_unique_id": file_id,
            "file_name": file_name,
            "file_size": size,
        },
    }
    if caption:
        message["caption"] = caption
    return Update.de_json({"update_id": next(_update_ids), "message": message}, bot)


def make_callback_update(
    bot: Bot, data: str, *, message_text: str = "Did you mean…", chat_id: int = 42
) -> Update:
    """The update Telegram sends when a person presses an inline button on the bot's message."""
    message = {
        "message_id": 1000,
        "date": _NOW,
        "chat": _chat(chat_id),
        "from": bot_user(),
        "text": message_text,
    }
    query = {
        "id": str(next(_update_ids)),
        "from": {"id": chat_id, "is_bot": False, "first_name": "Alice"},
        "chat_instance": "1",
        "message": message,
        "data": data,
    }
    return Update.de_json({"update_id": next(_update_ids), "callback_query": query}, bot)

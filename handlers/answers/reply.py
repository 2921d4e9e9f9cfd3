"""What every answer returns: Telegram HTML text and optional buttons, free of Telegram types."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.core.locale import Locale


@dataclass(frozen=True)
class Button:
    """An inline button; pressing it runs `command` ("close 2269.HK") as if it were typed."""

    text: str
    command: str


@dataclass(frozen=True)
class Reply:
    """`text` is the message, or the caption when there is a `photo` (PNG bytes)."""

    text: str
    buttons: tuple[tuple[Button, ...], ...] = ()
    photo: bytes | None = None

    @property
    def button_list(self) -> list[Button]:
        return [button for row in self.buttons for button in row]


def no_closes(lang: Locale) -> Reply:
    """Every question about the market before any data is loaded gets the same honest answer."""
    return Reply(
        lang._("No closes are loaded yet: the day's figures arrive after the market closes.")
    )

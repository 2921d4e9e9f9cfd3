"""The commands people can use, with the one-line descriptions shown in /help and the menu."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CommandInfo:
    name: str
    description: str
    examples: tuple[str, ...]


CATALOG: tuple[CommandInfo, ...] = (
    CommandInfo(
        "close",
        "An index or one security at the close",
        ("/close", "/close innovent", "/close 700 3 Jun", "/close hang seng tech"),
    ),
    CommandInfo("sector", "A sector's move and its stocks", ("/sector healthcare", "/sector")),
    CommandInfo(
        "movers",
        "Top gainers and losers",
        ("/movers", "/movers 10 losers", "/movers hsi", "/movers all"),
    ),
    CommandInfo("chart", "A chart of the closes over a period", ("/chart", "/chart innovent 3m")),
    CommandInfo("summary", "The day's market summary", ("/summary", "/summary 2025-06-04")),
    CommandInfo(
        "watch",
        "Your own list of names against the index",
        ("/watch", "/watch add innovent, pop mart", "/watch remove pop mart"),
    ),
    CommandInfo(
        "alert",
        "Be told when a close crosses a line",
        ("/alert innovent above 80", "/alert 700 move 5", "/alert remove 1"),
    ),
    CommandInfo("alerts", "Your alerts, and when they fired", ("/alerts",)),
    CommandInfo(
        "subscribe", "The close here every trading day", ("/subscribe", "/subscribe 17:00")
    ),
    CommandInfo("unsubscribe", "Stop the daily close", ("/unsubscribe",)),
    CommandInfo("status", "Am I subscribed, and when is the next one", ("/status",)),
    CommandInfo("help", "What I can do", ("/help",)),
)

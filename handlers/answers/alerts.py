"""/alert and /alerts: lines a chat wants to hear about, judged on each session's close."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from handlers.answers.render import bold, escape, price
from handlers.answers.reply import Button, Reply
from handlers.answers.suggest import did_you_mean, no_match
from handlers.core.locale import Locale
from handlers.services import Services
from store import Store
from store.models import Alert, Close, Security
from store.tickers import INDEX

MAX_ALERTS = 20
KINDS = ("above", "below", "move")
# The words for each kind, in English and as Hong Kong and the mainland write them.
_KIND_WORDS = {
    **{kind: kind for kind in KINDS},
    **dict.fromkeys(("高於", "高于", "升穿", "升破", "突破", "超過", "超过"), "above"),
    **dict.fromkeys(("低於", "低于", "跌穿", "跌破"), "below"),
    **dict.fromkeys(("波動", "波动", "升跌"), "move"),
}
_REPEAT_WORDS = ("repeat", "重複", "重复", "每次")
_REMOVE_WORDS = ("remove", "delete", "del", "rm", "刪除", "删除", "移除", "取消")
# Chinese is written without spaces: "信達生物高於80" is "信達生物 高於 80".
_CHINESE_WORDS = re.compile(
    "(" + "|".join(w for w in (*_KIND_WORDS, *_REPEAT_WORDS) if not w.isascii()) + ")"
)


def usage(lang: Locale) -> str:
    return lang._(
        "Usage: /alert innovent above 80 · /alert 700 below 450 · /alert pop mart move 5 "
        "(a daily move of 5% either way) · add 'repeat' to keep it after it fires · "
        "/alert remove 2 · /alerts lists them"
    )


@dataclass(frozen=True)
class AlertRequest:
    name: str
    kind: str
    threshold: float
    repeat: bool


def parse_alert(text: str, lang: Locale) -> AlertRequest | str:
    """ "innovent above 70 repeat" → a request; otherwise a sentence saying what is wrong."""
    _ = lang._
    words = _CHINESE_WORDS.sub(r" \1 ", text).split()
    repeat = bool(words) and words[-1].lower() in _REPEAT_WORDS
    if repeat:
        words = words[:-1]
    positions = [i for i, w in enumerate(words) if w.lower() in _KIND_WORDS]
    if not positions:
        return _("Say above, below or move, and a number.")
    at = positions[-1]
    name, kind, rest = " ".join(words[:at]), _KIND_WORDS[words[at].lower()], words[at + 1 :]
    if not name:
        return _("Which stock? Put its name first.")
    number = rest[0].rstrip("%").replace(",", "").lstrip("$") if len(rest) == 1 else ""
    number = re.sub(r"^hk\$", "", number, flags=re.IGNORECASE)
    try:
        threshold = float(number)
    except ValueError:
        return _("After above, below or move, give one number, like 80 or 5%.")
    if not 0 < threshold < 1e9 or threshold != threshold:
        return _("The number must be greater than zero.")
    if kind == "move" and threshold >= 100:
        return _("A daily move is a percentage under 100.")
    return AlertRequest(name, kind, threshold, repeat)


def describe(alert: Alert, security: Security | None, lang: Locale) -> str:
    _ = lang._
    name = lang.name(security) if security else alert.ticker
    level = price(alert.threshold, index=True)
    if alert.kind == "move":
        line = _("{name} moving {pct}% or more in a day").format(
            name=name, pct=f"{alert.threshold:g}"
        )
    elif alert.kind == "above":
        line = _("{name} closing above {level}").format(name=name, level=level)
    else:
        line = _("{name} closing below {level}").format(name=name, level=level)
    return line


def triggered(alert: Alert, close: Close) -> bool:
    """Whether the close crosses the alert's line."""
    if alert.kind == "above":
        return close.close > alert.threshold
    if alert.kind == "below":
        return close.close < alert.threshold
    return close.pct_change is not None and abs(close.pct_change) >= alert.threshold


def judge_alerts(store: Store, day: date, at: datetime) -> int:
    """Record every alert whose line `day`'s close crossed as due to be told; how many.

    Nothing is judged until the day's index close is in (never on half a day), and chats that
    blocked the bot are left until they talk to it again.
    """
    if store.market.quote(INDEX, day) is None:
        return 0
    fired = 0
    for alert in store.chats.alerts_to_judge(day):
        if store.ledger.is_blocked(alert.chat_id):
            continue
        quote = store.market.quote(alert.ticker, day)
        if (
            quote is not None
            and triggered(alert, quote.close)
            and store.ledger.claim_alert(day, alert, at)
        ):
            fired += 1
    return fired


def due_messages(store: Store, chat_id: int, at: datetime, lang: Locale) -> list[str]:
    """The alerts of `chat_id` that fired and were not told yet, marked as told: for a chat the
    bot answers in place (the console), not by sending."""
    messages = []
    for day, alert in store.ledger.due_alerts(chat_id=chat_id):
        quote = store.market.quote(alert.ticker, day)
        if quote is not None and store.ledger.start_alert(day, alert.id, at):
            messages.append(fired_message(alert, quote.security, quote.close, lang))
            store.ledger.finish_alert(day, alert.id, "shown", at)
    return messages


def fired_message(alert: Alert, security: Security, close: Close, lang: Locale) -> str:
    """ "Innovent Biologics closed at HK$74.25, above your 70.00"."""
    _ = lang._
    unit = "" if security.is_index else "HK$"
    figures = {
        "name": bold(lang.name(security)),
        "level": unit + price(close.close, index=security.is_index),
        "day": lang.day(close.date),
        "line": price(alert.threshold, index=True),
    }
    if alert.kind == "move":
        text = _("{name} moved {pct} on {day}, beyond your {threshold}% (closed at {level}).")
        text = text.format(
            pct=f"{close.pct_change:+.2f}%", threshold=f"{alert.threshold:g}", **figures
        )
    elif alert.kind == "above":
        text = _("{name} closed at {level}, above your {line} ({day}).").format(**figures)
    else:
        text = _("{name} closed at {level}, below your {line} ({day}).").format(**figures)
    if alert.repeat:
        tail = _("It stays on (repeat).")
    else:
        tail = _("The alert is now off; /alerts lists it.")
    return f"🔔 {text}\n{tail}"


def answer_alert(services: Services, chat_id: int, args: str = "") -> Reply:
    """The reply to `/alert NAME above|below PRICE`, `/alert NAME move PCT`, `/alert remove N`."""
    lang = services.locale
    _ = lang._
    words = args.split()
    if words and words[0].lower() in _REMOVE_WORDS:
        return _remove(services, chat_id, words[1:])
    if not words or words[0].lower() in ("list", "show", "列出"):
        return answer_alerts(services, chat_id)
    request = parse_alert(args, lang)
    if isinstance(request, str):
        return Reply(f"{escape(request)}\n{escape(usage(lang))}")
    result = services.matcher.match(request.name, kinds=("security",))
    tail = f"{request.kind} {request.threshold:.15g}" + (" repeat" if request.repeat else "")
    if result.outcome == "ambiguous":
        return did_you_mean(services, result, "alert", tail)
    if result.outcome == "none" or result.best is None:
        examples = "/alert innovent above 80"
        return no_match(services, result, "alert", _("security"), examples, tail)
    store = services.store
    kept = store.chats.alerts(chat_id)
    wanted = (result.best.key, request.kind, request.threshold, request.repeat)
    if same := next((alert for alert in kept if alert.is_set_again(*wanted)), None):
        text = _("You have that alert already: {number}, {alert}. /alerts lists them.")
        described = describe(same, store.market.security(same.ticker), lang)
        return Reply(text.format(number=same.number, alert=escape(described)))
    if len(kept) >= MAX_ALERTS:
        text = _(
            "You have {most} alerts, the most a chat can keep. "
            "Remove one with /alert remove N (/alerts lists them)."
        )
        return Reply(text.format(most=MAX_ALERTS))
    latest = store.market.latest_date()
    alert = store.chats.add_alert(
        chat_id,
        result.best.key,
        request.kind,
        request.threshold,
        repeat=request.repeat,
        at=services.now(),
        since_date=latest,
    )
    security = store.market.security(alert.ticker)
    now = store.market.quote(alert.ticker, latest) if latest else None
    current = ""
    if now:
        last = price(now.close.close, index=now.security.is_index)
        current = _(" (last close {level})").format(level=last)
    if alert.repeat:
        told = _(
            "Judged on each session's close from the next one; I'll tell you every time it happens."
        )
    else:
        told = _(
            "Judged on each session's close from the next one; "
            "I'll tell you once, then it turns off."
        )
    text = _("Alert {number} set: {alert}{current}.").format(
        number=alert.number, alert=escape(describe(alert, security, lang)), current=escape(current)
    )
    return Reply(f"{text}\n{told}")


def _remove(services: Services, chat_id: int, words: list[str]) -> Reply:
    _ = services.locale._
    number = words[0].lstrip("#") if len(words) == 1 else ""
    if not (number.isascii() and number.isdigit()):
        return Reply(_("Which alert? e.g. /alert remove 2 (/alerts lists them)."))
    if len(number) > 18:  # beyond what the database can hold: no alert has that number
        return Reply(
            _("There is no alert {number}. /alerts lists them.").format(number=number[:18] + "…")
        )
    if services.store.chats.remove_alert(chat_id, int(number)):
        return Reply(_("Alert {number} removed.").format(number=int(number)))
    return Reply(_("There is no alert {number}. /alerts lists them.").format(number=int(number)))


def answer_alerts(services: Services, chat_id: int, args: str = "") -> Reply:
    """Every alert of the chat, with a remove button each."""
    lang = services.locale
    _ = lang._
    alerts = services.store.chats.alerts(chat_id)
    if not alerts:
        return Reply(_("No alerts. Set one with /alert innovent above 80."))
    lines, buttons = [bold(_("Your alerts"))], []
    for alert in alerts:
        security = services.store.market.security(alert.ticker)
        if alert.fired_on and not alert.active:
            state = _("fired {day}").format(day=lang.day(alert.fired_on))
        elif alert.fired_on:
            state = _("repeat, last fired {day}").format(day=lang.day(alert.fired_on))
        elif not alert.active:
            state = _("crossed its line: the message is on its way")
        else:
            state = _("repeat") if alert.repeat else _("waiting")
        described = escape(describe(alert, security, lang))
        lines.append(f"{alert.number}. {described} — {escape(state)}")
        remove = _("✕ Remove {number}").format(number=alert.number)
        buttons.append((Button(remove, f"/alert remove {alert.number}"),))
    lines.append(_("{count} of {most}").format(count=len(alerts), most=MAX_ALERTS))
    return Reply("\n".join(lines), tuple(buttons))

"""/lang: the language the bot replies in, chosen per chat with buttons."""

from __future__ import annotations

from handlers.answers.render import bold, escape, shorten
from handlers.answers.reply import Button, Reply
from handlers.core.locale import LANGUAGES, OWN_NAMES, language_named, locale
from handlers.services import Services

# What each /lang button sends: the tag Telegram itself would give that language.
BUTTON_TAGS = {"en": "en", "zh_Hant": "zh-hk", "zh_Hans": "zh-hans"}


def language_buttons() -> tuple[tuple[Button, ...], ...]:
    """One button per language, each named in its own language."""
    return tuple((Button(OWN_NAMES[code], f"/lang {BUTTON_TAGS[code]}"),) for code in LANGUAGES)


def answer_language(services: Services, chat_id: int, args: str = "") -> Reply:
    """The reply to `/lang` (buttons) and `/lang zh-hk|zh-hans|en` (the chat's language from
    now on, said in that language)."""
    _ = services.locale._
    asked = args.strip()
    if not asked:
        text = _("I reply in {language}. Choose another:").format(
            language=bold(services.locale.own_name)
        )
        return Reply(text, language_buttons())
    code = language_named(asked)
    if code is None:
        text = _("I don't know the language {asked}. Choose one:").format(
            asked="‘" + escape(shorten(asked, 20)) + "’"
        )
        return Reply(text, language_buttons())
    services.store.chats.set_language(chat_id, code, services.now(), chosen=True)
    chosen = locale(code)
    return Reply(chosen._("I'll reply in English from now on. /lang changes it."))

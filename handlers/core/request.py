"""Every way of asking, read into one `Request`: a slash command, a plain sentence in English or
Chinese (Traditional, Simplified, Cantonese), a button or an inline query.

Plain sentences are read by rules: the day and period are found first (handlers.core.dates,
handlers.core.periods), then the words that say what is wanted (gainers, why, chart …), then
the security, sector or index the rest names, through the store's own names (the `Matcher`
passed in) and the everyday sector words passed in. Nothing here touches Telegram or SQL.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date

from handlers.core.dates import find_day, parse_day, split_trailing_day
from handlers.core.match import AMBIGUOUS, MATCH, SECTOR, SECURITY, Candidate, Matcher
from handlers.core.periods import find_period, parse_asked
from handlers.core.script import EN, question_language

CLOSE = "close"
SECTOR_MOVE = "sector"
MOVERS = "movers"
SUMMARY = "summary"
CHART = "chart"
WATCH = "watch"
ALERTS = "alerts"
HELP = "help"
UNCLEAR = "unclear"  # nothing in it names a thing or a question the bot answers
GAINERS, LOSERS = "gainers", "losers"
ALL = "all"  # movers without the turnover floor
INDEX = "HSI"
MAX_TEXT = 300  # a question is a sentence; longer text is not read word by word

# Everyday words for sectors, written before 股 / "stocks" ("內銀股", "bank stocks"), beside the
# names and aliases the matcher knows.
SECTOR_WORDS: dict[str, str] = {
    "bank": "Financials",
    "banks": "Financials",
    "banking": "Financials",
    "financial": "Financials",
    "insurance": "Financials",
    "insurer": "Financials",
    "broker": "Financials",
    "brokers": "Financials",
    "tech": "Information Technology",
    "technology": "Information Technology",
    "internet": "Information Technology",
    "chip": "Information Technology",
    "chips": "Information Technology",
    "property": "Properties & Construction",
    "properties": "Properties & Construction",
    "developer": "Properties & Construction",
    "real estate": "Properties & Construction",
    "drug": "Healthcare",
    "drugs": "Healthcare",
    "pharma": "Healthcare",
    "biotech": "Healthcare",
    "healthcare": "Healthcare",
    "medical": "Healthcare",
    "oil": "Energy",
    "energy": "Energy",
    "coal": "Energy",
    "mining": "Materials",
    "gold": "Materials",
    "metal": "Materials",
    "metals": "Materials",
    "car": "Consumer Discretionary",
    "cars": "Consumer Discretionary",
    "auto": "Consumer Discretionary",
    "ev": "Consumer Discretionary",
    "casino": "Consumer Discretionary",
    "casinos": "Consumer Discretionary",
    "gaming": "Consumer Discretionary",
    "retail": "Consumer Discretionary",
    "consumer": "Consumer Discretionary",
    "food": "Consumer Staples",
    "telecom": "Telecommunications",
    "telecoms": "Telecommunications",
    "utility": "Utilities",
    "utilities": "Utilities",
    "shipping": "Industrials",
    "industrial": "Industrials",
    "內銀": "Financials",
    "内银": "Financials",
    "銀行": "Financials",
    "银行": "Financials",
    "內險": "Financials",
    "内险": "Financials",
    "保險": "Financials",
    "保险": "Financials",
    "券商": "Financials",
    "金融": "Financials",
    "科技": "Information Technology",
    "科網": "Information Technology",
    "科网": "Information Technology",
    "網絡": "Information Technology",
    "互聯網": "Information Technology",
    "互联网": "Information Technology",
    "晶片": "Information Technology",
    "芯片": "Information Technology",
    "半導體": "Information Technology",
    "半导体": "Information Technology",
    "內房": "Properties & Construction",
    "内房": "Properties & Construction",
    "地產": "Properties & Construction",
    "地产": "Properties & Construction",
    "房地產": "Properties & Construction",
    "房地产": "Properties & Construction",
    "醫藥": "Healthcare",
    "医药": "Healthcare",
    "藥": "Healthcare",
    "药": "Healthcare",
    "醫療": "Healthcare",
    "医疗": "Healthcare",
    "生物科技": "Healthcare",
    "生科": "Healthcare",
    "石油": "Energy",
    "石油股": "Energy",
    "能源": "Energy",
    "煤炭": "Energy",
    "煤": "Energy",
    "黃金": "Materials",
    "黄金": "Materials",
    "金": "Materials",
    "資源": "Materials",
    "资源": "Materials",
    "汽車": "Consumer Discretionary",
    "汽车": "Consumer Discretionary",
    "車": "Consumer Discretionary",
    "车": "Consumer Discretionary",
    "濠賭": "Consumer Discretionary",
    "濠赌": "Consumer Discretionary",
    "賭業": "Consumer Discretionary",
    "博彩": "Consumer Discretionary",
    "零售": "Consumer Discretionary",
    "消費": "Consumer Discretionary",
    "消费": "Consumer Discretionary",
    "食品": "Consumer Staples",
    "電訊": "Telecommunications",
    "电讯": "Telecommunications",
    "電信": "Telecommunications",
    "电信": "Telecommunications",
    "公用": "Utilities",
    "航運": "Industrials",
    "航运": "Industrials",
    "工業": "Industrials",
    "工业": "Industrials",
}

_WORD = r"(?<![a-z0-9]){}(?![a-z0-9])"


def _any(*words: str) -> re.Pattern[str]:
    """A pattern for any of `words`: Latin ones as whole words, Chinese ones anywhere."""
    latin = [w for w in words if w.isascii()]
    chinese = [w for w in words if not w.isascii()]
    parts = []
    if latin:
        parts.append(_WORD.format("(?:" + "|".join(sorted(latin, key=len, reverse=True)) + ")"))
    if chinese:
        parts.append("|".join(sorted(chinese, key=len, reverse=True)))
    return re.compile("|".join(parts))


_WHY = _any(
    "why", "how come", "what happened", "what's happening", "whats happening", "what moved",
    "what drove", "what's the story", "whats the story", "what is the story", "the story",
    "story", "news", "explain", "reason",
    "點解", "点解", "為什麼", "为什么", "為甚麼", "為何", "为何", "咩事", "乜事", "咩原因",
    "原因", "發生咩事", "发生什么", "發生什麼", "新聞", "新闻", "怎麼回事", "怎么回事",
)  # fmt: skip
_SUMMARY = _any(
    "summary", "summarise", "summarize", "recap", "wrap", "wrap-up", "wrap up", "roundup",
    "round-up", "market report", "總結", "总结", "摘要", "撮要", "市況總結", "市况总结",
)  # fmt: skip
_CHART = _any(
    "chart", "graph", "plot", "trend", "走勢圖", "走势图", "走勢", "走势", "圖表", "图表", "圖",
    "图", "k線", "k线",
)  # fmt: skip
_GAINERS = _any(
    "gainers", "gainer", "winners", "risers", "rose the most", "rose most", "up the most",
    "gained the most", "best performers", "best performing", "best stocks", "top stocks",
    "biggest gains", "biggest rises", "升幅最大", "最大升幅", "升幅榜", "升幅", "漲幅最大",
    "涨幅最大", "漲幅榜", "涨幅榜", "漲幅", "涨幅", "升得最多", "升最多", "漲最多", "涨最多",
    "領漲", "领涨", "強勢股", "强势股", "升市股", "邊隻升", "边只升", "哪只涨", "哪隻漲",
    "漲得最多", "涨得最多", "升得最勁", "升最勁", "表現最好", "表现最好", "表現最佳", "表现最佳",
    "最強", "最强",
)  # fmt: skip
_LOSERS = _any(
    "losers", "loser", "decliners", "fallers", "laggards", "fell the most", "fell most",
    "down the most", "dropped the most", "lost the most", "worst performers",
    "worst performing", "worst stocks", "biggest falls", "biggest drops", "biggest losses",
    "跌幅最大", "最大跌幅", "跌幅榜", "跌幅", "跌得最多", "跌最多", "領跌", "领跌",
    "弱勢股", "弱势股", "邊隻跌", "边只跌", "哪只跌", "哪隻跌", "跌得最勁", "跌最勁", "表現最差",
    "表现最差", "最差", "最弱",
)  # fmt: skip
_MOVERS = _any(
    "movers", "top movers", "biggest movers", "biggest moves", "moved most", "moved the most",
    "升跌榜", "異動", "异动", "升跌最多", "漲跌榜", "涨跌榜",
)  # fmt: skip
_SECTORS = _any(
    "sectors", "every sector", "all sectors", "industries", "板塊", "板块", "各行業", "各行业",
    "行業表現", "行业表现",
)  # fmt: skip
# Asking which sector did best or worst: the sectors ranked, whatever else the words say
# ("which sector rose the most", "邊個板塊升得最勁").
_WHICH_SECTOR = _any(
    "which sector", "which sectors", "which industry", "哪個板塊", "哪个板块", "邊個板塊",
    "边个板块", "哪個行業", "哪个行业", "邊個行業", "边个行业", "什麼板塊", "什么板块",
)  # fmt: skip
_WATCHLIST = _any("my watchlist", "watchlist", "watch list", "my list", "自選股", "自选股")
_MY_ALERTS = _any("my alerts", "alerts", "提醒", "我的警報", "我的警报")
_HELP = _any(
    "help", "what can you do", "how do i use", "commands", "幫助", "帮助", "點用", "点用",
    "怎麼用", "怎么用", "你識做咩", "你会做什么",
)  # fmt: skip
_MARKET = _any(
    "the market", "market", "the index", "index", "stock market", "hong kong stocks",
    "hk stocks", "hang seng", "大市", "大盤", "大盘", "股市", "港股", "恒指", "恒生指數",
    "恒生指数", "指數", "指数",
)  # fmt: skip
# Words a question is made of that name nothing: what remains is the name asked about.
_EN_FILLER_WORDS = """how what whats what's did do does doing done is was were are be been it its
    it's me my
    show tell give get got about please pls close closed closing closes finish finished
    finishing end ended ending price prices quote quoted level levels stock stocks share
    shares counter happen happened happening going go went gone perform performed
    performance trade traded trading change changed move moved up down rise rose risen
    rising fall fell fallen falling drop dropped gain gained lose lost and vs with over
    since by much many at on for to in now than today's yesterday's hk hkd today yesterday
    so far look looking like see can you could would tell check where did last day s am i we
    our the a an of top biggest best worst most largest who which were there any or vs versus
    compare"""
_EN_FILLER = frozenset(_EN_FILLER_WORDS.split())
_JOINING = frozenset({"of", "and", "&", "the"})
_ZH_FILLER = (
    "收市價", "收盤價", "收盘价", "收市", "收盤", "收盘", "收巿", "點樣", "点样", "幾多錢",
    "几多钱", "幾多", "几多", "多少錢", "多少钱", "多少", "怎麼樣", "怎么样", "怎樣", "怎样",
    "如何", "表現", "表现", "股價", "股价", "報價", "报价", "價錢", "价钱", "價位", "升咗",
    "跌咗", "升了", "跌了", "定係", "還是", "还是", "有冇", "有沒有", "有没有", "告訴我", "告诉我",
    "我想知",
    "想知", "睇下", "睇吓", "看看", "查詢", "查询", "而家", "現在", "现在", "股票", "成份股",
    "成分股", "咗", "嘅", "的", "了", "呀", "啊", "呢", "嗎", "吗", "啦", "喇", "喎", "㗎",
    "嘞", "囉", "咩", "乜嘢", "乜", "係", "是", "定", "隻", "只", "個", "个", "點", "点",
    "收", "升", "跌", "漲", "涨", "幾", "几", "多", "今", "同", "和", "與", "与", "比",
    "最好", "最強", "最强", "最勁", "最劲", "邊個", "边个", "哪個", "哪个", "哪",
)  # fmt: skip
_ZH_FILLER_PATTERN = re.compile("|".join(sorted(_ZH_FILLER, key=len, reverse=True)))
_SECTOR_PHRASE_EN = re.compile(
    r"(?<![a-z0-9])([a-z][a-z&]*(?: [a-z&]+)?) (?:stocks|shares|sector|names|counters|plays)"
    r"(?![a-z0-9])"
)
_SECTOR_PHRASE_ZH = re.compile(r"([\u3400-\u9fff]{1,4}?)(?:股|板塊|板块|類股|类股|行業|行业|業|业)")
_TOP = re.compile(r"(?<![a-z0-9])(?:top|biggest|best|worst|first)\s+(\d{1,3})(?![\d])|前(\d{1,2})")
_ALL = _any(
    "all stocks", "every stock", "whole market", "no floor", "所有股票", "全部股票", "全市場"
)  # fmt: skip
_PUNCTUATION = re.compile(r"[?？!！。，,、;；:：“”\"'‘’()（）\[\]【】~～…]+")
# Commands with their own grammar, typed without the slash ("watch add xiaomi").
_OWN_GRAMMAR = ("watch", "alert", "alerts", "subscribe", "unsubscribe", "status", "help", "start")


@dataclass(frozen=True)
class Request:
    """One question, however it was asked: what is wanted, about what, for which day and period.

    `args` holds the words of a command as typed (`/close 700 3 Jun` → "700 3 Jun") when the
    question was a command: the command reads its own words. A sentence is read here instead,
    into `target`, `day`, `period`, `side`, `universe` and `count`.
    """

    what: str
    subject: str = ""  # how the security, sector or index was written
    target: Candidate | None = None  # what it was taken to mean
    choices: tuple[Candidate, ...] = ()  # a real tie: the few it could mean
    guessed: bool = False  # the target came from a near match, not a name written in full
    day: date | None = None
    period: str | None = None
    side: str | None = None  # GAINERS or LOSERS (movers)
    universe: str | None = None  # ALL, or the index whose members are ranked (movers)
    count: int | None = None  # how many movers
    why: bool = False  # asked why: the day's story is the answer
    args: str | None = None  # a command's own words, when it was one
    language: str = EN  # the language the question was written in (handlers.core.script)
    text: str = field(default="", compare=False)  # what was written

    @property
    def suffix(self) -> str:
        """The day and period again, for buttons that answer the same question for a choice."""
        day = self.day.isoformat() if self.day else ""
        return " ".join(p for p in (day, self.period or "") if p)

    def command_line(self, key: str | None = None) -> str:
        """The command and words that answer it, as they would be typed: "/close 1810.HK
        2025-06-03"; `key` answers it for one of the choices instead."""
        if self.args is not None:
            return f"/{self.what} {self.args}".strip()
        key = key or (self.target.key if self.target else self.subject)
        if self.what == MOVERS:
            universe = self.universe or ""
            count = str(self.count) if self.count else ""
            words = [universe, count, self.side or "", self.day.isoformat() if self.day else ""]
        elif self.what == SUMMARY:
            words = [self.day.isoformat() if self.day else ""]
        elif self.what == SECTOR_MOVE:
            words = [key, self.day.isoformat() if self.day else ""]
        elif self.what == CHART:
            sector = self.target is not None and self.target.kind == SECTOR
            words = ["sector" if sector else "", key, self.suffix]
        elif self.what == CLOSE:
            words = ["" if key == INDEX else key, self.suffix]
        else:
            words = []
        return " ".join([f"/{self.what}", *(w for w in words if w)])


@dataclass(frozen=True)
class Vocabulary:
    """What the parser reads names with: the store's names, the everyday sector words and the
    command names, and the days "today" and the store's latest session."""

    matcher: Matcher
    today: date
    latest: date | None
    sector_words: Mapping[str, str] = field(default_factory=lambda: SECTOR_WORDS)
    commands: frozenset[str] = frozenset()


def parse_request(text: str, words: Vocabulary) -> Request:
    """The request a message makes: a command (`/close 700`) or a plain sentence."""
    stripped = text.strip()
    if stripped.startswith("/"):
        return parse_command(stripped, words)
    first, _, rest = stripped.partition(" ")
    if first.lower() in _OWN_GRAMMAR and first.lower() in words.commands:
        return Request(first.lower(), args=rest.strip(), language=EN, text=text)
    return parse_sentence(stripped, words)


COMMAND_LINE = re.compile(r"^/(?P<name>[A-Za-z_]+)(?:@\w+)?(?:\s+(?P<args>.*))?$", re.DOTALL)


def parse_command(line: str, words: Vocabulary) -> Request:
    """A slash command (a button carries one too): its own words kept as typed for the command
    to read, and the subject, day and period they hold read into the request. An unknown
    command is a Request whose `what` is not among the commands."""
    match = COMMAND_LINE.match(line.strip())
    if not match:
        return Request(UNCLEAR, args=line, text=line)
    name, args = match["name"].lower(), match["args"] or ""
    if name == "start":
        name = HELP
    latest = words.latest or words.today
    day, period, subject = None, None, args.strip()
    if name in (CLOSE, CHART):
        asked = parse_asked(args, today=words.today, latest=latest)
        subject, day, period = asked.query, asked.day, asked.period
    elif name in (SECTOR_MOVE, MOVERS):
        subject, day = split_trailing_day(args, today=words.today, reference=latest)
    elif name == SUMMARY:
        day = parse_day(args, today=words.today, reference=latest) if args.strip() else None
        subject = "" if day else subject
    # A command is English whatever it names: "/close 信達生物" names a stock, nothing more.
    return Request(name, subject=subject, day=day, period=period, args=args, text=line)


def _clean(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    text = text.replace("’", "'").replace("'s ", " ").replace("'s", "")
    return " ".join(_PUNCTUATION.sub(" ", text).split())


def _take(pattern: re.Pattern[str], text: str) -> tuple[str, bool]:
    """`text` without the first match of `pattern`, and whether there was one."""
    found = pattern.search(text)
    if not found:
        return text, False
    return " ".join((text[: found.start()] + " " + text[found.end() :]).split()), True


def parse_sentence(text: str, words: Vocabulary) -> Request:
    """A plain sentence: "how did xiaomi close today?", "小米今日收市幾多", "升幅最大"."""
    if len(text) > MAX_TEXT:
        return Request(UNCLEAR, text=text)
    rest = _clean(text)
    latest = words.latest or words.today
    rest, day = find_day(rest, today=words.today, reference=latest)
    rest, period = find_period(rest)
    asked = _Asked(day=day, period=period)
    rest, asked = _intent(rest, asked)
    subject, target, choices, guessed, leftover = _subject(rest, asked, words)
    # The language is in the words around the name: "how did 小米 close" is English.
    around = _clean(text).replace(subject, " ") if subject else text
    language = question_language(around if around.strip() else text)
    request = Request(
        asked.what or CLOSE,
        subject=subject,
        target=target,
        choices=choices,
        guessed=guessed,
        day=day,
        period=period,
        side=asked.side,
        universe=asked.universe,
        count=asked.count,
        why=asked.why,
        language=language,
        text=text,
    )
    return _settle(request, asked, leftover)


@dataclass(frozen=True)
class _Asked:
    """What the words of a sentence ask for, before the name in it is looked up."""

    what: str | None = None
    day: date | None = None
    period: str | None = None
    side: str | None = None
    universe: str | None = None
    count: int | None = None
    why: bool = False
    market: bool = False  # the market or the index was named
    # Some word asks for one of the bot's answers (movers, a chart, why…); a date or a period
    # alone does not: "the weather today" asks nothing the bot knows.
    understood: bool = False


def _intent(rest: str, asked: _Asked) -> tuple[str, _Asked]:
    """Take out the words that say what is wanted; what is left names the thing asked about."""
    rest, which_sector = _take(_WHICH_SECTOR, rest)
    # "what moved most" asks for the movers; "what moved the market" why it moved.
    rest, movers = _take(_MOVERS, rest)
    rest, why = _take(_WHY, rest)
    rest, summary = _take(_SUMMARY, rest)
    rest, chart = _take(_CHART, rest)
    rest, sectors = _take(_SECTORS, rest)
    rest, watchlist = _take(_WATCHLIST, rest)
    rest, alerts = _take(_MY_ALERTS, rest) if not watchlist else (rest, False)
    rest, gainers = _take(_GAINERS, rest)
    rest, losers = _take(_LOSERS, rest)
    rest, everything = _take(_ALL, rest)
    count = None
    if top := _TOP.search(rest):
        count = int(top[1] or top[2])
        rest = " ".join((rest[: top.start()] + " " + rest[top.end() :]).split())
    market_words = _MARKET.search(rest)
    market = market_words is not None
    what = None
    side = GAINERS if gainers and not losers else LOSERS if losers and not gainers else None
    if watchlist:
        what = WATCH
    elif alerts:
        what = ALERTS
    elif chart:
        what = CHART
    elif summary:
        what = SUMMARY
    elif which_sector:
        what = SECTOR_MOVE
    elif gainers or losers or movers:
        what = MOVERS
    elif sectors:
        what = SECTOR_MOVE
    universe = ALL if everything else None
    if what == MOVERS and market_words:
        # "恒指成份股升幅最大": the index's own members ranked
        universe = universe or INDEX
        rest, _ = _take(_MARKET, rest)
    if what is None:
        stripped, helped = _take(_HELP, rest)
        if helped and not stripped.strip():
            what, rest = HELP, stripped
    asked_for = (why, summary, chart, sectors, which_sector, watchlist, alerts, gainers, losers)
    understood = any(asked_for) or movers or market
    return rest, replace(
        asked,
        what=what,
        side=side,
        universe=universe,
        count=count,
        why=why,
        market=market,
        understood=understood,
    )


def _subject(
    rest: str, asked: _Asked, words: Vocabulary
) -> tuple[str, Candidate | None, tuple[Candidate, ...], bool, str]:
    """The thing a sentence asks about: (as written, what it means, the choices on a tie,
    whether it was a guess, the words left over)."""
    if asked.what in (WATCH, ALERTS, HELP):
        return "", None, (), False, rest
    matcher = words.matcher
    sector = _sector_phrase(rest, words)
    if sector is not None:
        written, candidate = sector
        return written, candidate, (), False, rest.replace(written, " ")
    found = matcher.names_in(rest)
    if found is not None:
        written, candidates = found
        leftover = rest.replace(written, " ")
        if len(candidates) == 1:
            return written, candidates[0], (), False, leftover
        return written, None, tuple(candidates), False, leftover
    if asked.market and _MARKET.search(rest):
        leftover, _ = _take(_MARKET, rest)
        if not _name_words(leftover):
            index = matcher.named_in_full(INDEX, kinds=(SECURITY,))
            return "", index, (), False, leftover
    name = _name_words(rest)
    if not name:
        return "", None, (), False, rest
    leftover = rest.replace(name, " ") if name in rest else ""
    asking = asked.understood or _asks(leftover)
    return (name, *_look_up(name, words, asking=asking), leftover)


def _name_words(text: str) -> str:
    """The words of `text` that may be a name: the question's own words taken out."""
    text = _ZH_FILLER_PATTERN.sub(" ", text) if not text.isascii() else text
    words = text.split()
    named = [w not in _EN_FILLER for w in words]
    # "of", "and", "&" inside a name stay: "bank of china", "hong kong and china gas".
    for i in range(1, len(words) - 1):
        if words[i] in _JOINING and named[i - 1] and named[i + 1]:
            named[i] = True
    return " ".join(w for w, keep in zip(words, named, strict=True) if keep)


def _sector_phrase(text: str, words: Vocabulary) -> tuple[str, Candidate] | None:
    """ "bank stocks", "內銀股", "科技板塊": a sector named by its everyday word."""
    for pattern in (_SECTOR_PHRASE_EN, _SECTOR_PHRASE_ZH):
        for found in pattern.finditer(text):
            written = found[1]
            # The words or characters nearest 股 / "stocks" name the sector: "to bank" → "bank",
            # "今日內銀" → "內銀".
            parts = written.split() if written.isascii() else list(written)
            for start in range(len(parts)):
                word = (" " if written.isascii() else "").join(parts[start:])
                candidate = _sector_named(word, words)
                if candidate is not None:
                    return found[0], candidate
    for word in sorted(words.sector_words, key=len, reverse=True):
        # A sector's own word alone ("科技", "banks") names it when nothing else is left.
        alone = not word.isascii() and len(word) >= 2 and word in text
        if alone and _name_words(text.replace(word, " ")) == "":
            candidate = _sector_named(word, words)
            if candidate is not None:
                return word, candidate
    return None


def _sector_named(word: str, words: Vocabulary) -> Candidate | None:
    if word in words.sector_words:
        sector = words.sector_words[word]
        return words.matcher.named_in_full(sector, kinds=(SECTOR,))
    return words.matcher.named_in_full(word, kinds=(SECTOR,))


def _look_up(
    name: str, words: Vocabulary, *, asking: bool
) -> tuple[Candidate | None, tuple[Candidate, ...], bool]:
    """A security first, then a sector; one candidate answers, a tie offers choices. A lone
    weak candidate answers only a question ("how did thelloy close"): chatter with no question
    in it ("hello there") is not taken for a stock it faintly resembles."""
    matcher = words.matcher
    full = matcher.named_in_full(name)
    if full is not None:
        return full, (), False
    result = matcher.match(name, kinds=(SECURITY,))
    if result.outcome == MATCH and result.best:
        return result.best, (), True
    sector = _sector_named(name, words)
    if sector is not None:
        return sector, (), False
    inside = _named_inside(name, words)
    if inside:
        return (inside[0], (), False) if len(inside) == 1 else (None, tuple(inside), False)
    if result.outcome == AMBIGUOUS:
        if len(result.candidates) == 1:
            return (result.candidates[0], (), True) if asking else (None, (), False)
        return None, tuple(result.candidates), False
    guessed = matcher.match(name, kinds=(SECTOR,))
    if guessed.outcome == MATCH and guessed.best:
        return guessed.best, (), True
    return None, (), False


def _named_inside(name: str, words: Vocabulary) -> list[Candidate]:
    """Names written in full among words the rules do not know: "xiaomi since january" →
    [Xiaomi]; "tencent and alibaba" → [Tencent, Alibaba]. Longest runs of words first, each
    word in one name at most."""
    parts = name.split()
    taken = [False] * len(parts)
    found: list[Candidate] = []
    for size in range(min(len(parts) - 1, 4), 0, -1):
        for start in range(len(parts) - size + 1):
            if any(taken[start : start + size]):
                continue
            candidate = words.matcher.named_in_full(" ".join(parts[start : start + size]))
            if candidate is not None:
                taken[start : start + size] = [True] * size
                if candidate not in found:
                    found.append(candidate)
    return found


def _settle(request: Request, asked: _Asked, leftover: str) -> Request:
    """Decide what answers it, from what it asks and what it names."""
    target = request.target
    is_sector = target is not None and target.kind == SECTOR
    is_index = target is not None and target.key == INDEX
    what = request.what
    if asked.what is None:
        if request.why and (target is None or is_index) and not request.choices:
            what = SUMMARY
        elif is_sector:
            what = SECTOR_MOVE
        elif target is None and not request.choices:
            # A name not found in a question ("how did xyzzy close") is for the close answer
            # to say so; words that ask nothing ("xyzzy") are not understood.
            what = CLOSE if asked.understood or _asks(leftover) else UNCLEAR
    elif what == MOVERS and is_index and request.universe is None:
        request = replace(request, universe=INDEX, target=None)
    elif what == SECTOR_MOVE and target is not None and not is_sector and not request.guessed:
        # "騰訊控股…板塊…": a stock named in full, in a sentence that also says "sector",
        # is answered for that stock rather than looked for among the sectors
        what = CLOSE
    elif what == SECTOR_MOVE and not is_sector:
        request = replace(request, target=None, choices=())
    if what == MOVERS and target is None:
        request = replace(request, choices=())  # "top gainers" names no stock
    if what == MOVERS and request.guessed:
        # "who were the biggest losers": a near match of a stray word is no stock asked about
        request, target = replace(request, target=None, guessed=False), None
    if what == MOVERS and target is not None and not is_index:
        # "小米升幅": the name's own gain, not the market's gainers
        what = CLOSE
        request = replace(request, side=None)
    return replace(request, what=what)


# Words that ask how a stock did: only with one of them is a name the bot does not know, or
# knows only faintly, taken for a stock. English "what" and "how" alone ask about anything
# ("what is the weather"); Cantonese 點 and Mandarin 怎 are how a stock is asked after ("騰迅點").
_ASKS_A_CLOSE = re.compile(
    r"(?<![a-z])(?:close|closed|closing|finish|finished|end|ended|price|level|doing|do|did"
    r"|trade|traded)(?![a-z])|點|点|幾多|几多|收市|收盤|收盘|多少|怎|如何|表現|表现|咩|乜|嗎|吗"
    r"|升|跌|漲|涨"
)


def _asks(leftover: str) -> bool:
    """Whether the words left over ask how a stock did ("how did … close")."""
    return _ASKS_A_CLOSE.search(leftover) is not None

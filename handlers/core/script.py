"""Which language a question is written in: English, or Chinese in Traditional or Simplified
characters (Cantonese is written in Traditional ones in Hong Kong).

Read from characters that exist in one script only; a Chinese question using none of them
("恒指收市") is taken as Traditional, as Hong Kong writes.
"""

from __future__ import annotations

EN = "en"
ZH_HANT = "zh-Hant"
ZH_HANS = "zh-Hans"
LANGUAGES = (EN, ZH_HANT, ZH_HANS)

# Common characters of market questions that differ between the scripts, pair by pair.
_PAIRS = (
    "點点 幾几 嗎吗 麼么 這这 時时 個个 們们 來来 對对 會会 過过 還还 說说 從从 與与 醫医 藥药 "
    "銀银 內内 資资 訊讯 產产 業业 漲涨 價价 週周 尋寻 見见 買买 賣卖 開开 關关 圖图 動动 "
    "帶带 為为 國国 華华 區区 號号 氣气 樣样 電电 經经 濟济 車车 險险 長长 門门 間间 "
    "飛飞 馬马 龍龙 盤盘 錢钱 現现 勢势 況况 應应 該该 樂乐 聽听 讓让 貨货 幣币 總总 "
    "結结 題题 麽么 礙碍 狀状 觀观 騰腾 匯汇 豐丰 團团 東东 網网 層层 厲厉 壞坏"
)
TRADITIONAL = frozenset(pair[0] for pair in _PAIRS.split() if pair[0] != pair[1])
SIMPLIFIED = frozenset(pair[1] for pair in _PAIRS.split() if pair[0] != pair[1])
# Mainland words written in characters both scripts share: when no character decides, these
# say the writer uses Simplified ("今天跌幅榜"; Hong Kong writes 今日).
MANDARIN = ("今天", "昨天", "前天", "哪只", "哪个", "多少钱", "大盘")
# Written Cantonese: these say Hong Kong, so Traditional, whatever else is there.
CANTONESE = frozenset("嘅咗冇佢唔係咁啲乜嘢噉喺睇嚟攞俾㗎喎嘞囉咩嗰吓揾搵琴噚")


def is_chinese(character: str) -> bool:
    return "\u3400" <= character <= "\u9fff" or "\uf900" <= character <= "\ufaff"


def question_language(text: str) -> str:
    """ "en", "zh-Hant" or "zh-Hans": Chinese when the text holds more Chinese characters than
    Latin words, and then the script its characters belong to."""
    chinese = [ch for ch in text if is_chinese(ch)]
    latin_words = sum(1 for word in text.split() if any("a" <= c <= "z" for c in word.lower()))
    if not chinese or latin_words > len(chinese):
        return EN
    traditional = sum(ch in TRADITIONAL or ch in CANTONESE for ch in chinese)
    simplified = sum(ch in SIMPLIFIED for ch in chinese)
    if simplified == traditional == 0 and any(word in text for word in MANDARIN):
        return ZH_HANS
    return ZH_HANS if simplified > traditional else ZH_HANT


def answer_language(question: str, chat: str | None = None) -> str:
    """The language to answer in: the chat's own when it has chosen one, else the language
    the question was written in."""
    return chat if chat in LANGUAGES else question

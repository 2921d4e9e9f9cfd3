"""Keep the reply catalogs in step with the code (see README, "Adding or changing a reply").

    python scripts/catalogs.py            # extract, update both catalogs, fill Simplified
    python scripts/catalogs.py --check    # exit 1 if any sentence is new or untranslated

1. Extract every sentence marked with `_`, `_n` or `N_` in bot/, handlers/ and store/ into
   handlers/locales/closebot.pot (Babel's extractor, configured by babel.cfg).
2. Update handlers/locales/{zh_Hant,zh_Hans}/LC_MESSAGES/closebot.po from it: translations
   kept, new sentences added empty, sentences gone from the code dropped.
3. Fill each Simplified sentence that is empty from its Traditional translation, converted by
   OpenCC (Hong Kong Traditional to Simplified) and then given the mainland's own words for
   a few market terms. A Simplified translation written by hand is kept.

Traditional translations are written by hand, in the .po file.
"""

from __future__ import annotations

import argparse
import io
import re
import subprocess
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from opencc import OpenCC

ROOT = Path(__file__).resolve().parent.parent
LOCALES = ROOT / "handlers" / "locales"
TEMPLATE = LOCALES / "closebot.pot"
KEYWORDS = ("_", "_n:1,2", "N_")
# Where Hong Kong and the mainland use different words for the same thing, after conversion.
MAINLAND_WORDS = {
    "收市": "收盘",
    "開市": "开盘",
    "开市": "开盘",
    "檔案": "文件",
    "档案": "文件",
    "機械人": "机器人",
    "机械人": "机器人",
    "甚麼": "什么",
    "甚么": "什么",
    "這裏": "这里",
    "这里": "这里",
    "位元組": "字节",
    "位元组": "字节",
    "訊息": "消息",
    "讯息": "消息",
    # A watchlist is 自选股 on the mainland; a lot's cost is no "entry fee" there.
    "觀察名單": "自选股",
    "观察名单": "自选股",
    "每手入場費": "每手金额",
    "每手入场费": "每手金额",
    # A price that rises 升 in Hong Kong 涨 on the mainland; 跌 is the same in both.
    "升幅": "涨幅",
    "升跌": "涨跌",
    "上升": "上涨",
    "升或跌": "涨或跌",
}
# 升 alone, or before a figure or a placeholder ("升{points}点", "{up}升"), is a price rising.
MAINLAND_RISE = re.compile(r"^升$|升(?=[{\d])|(?<=})升")


def catalog_path(code: str) -> Path:
    return LOCALES / code / "LC_MESSAGES" / "closebot.po"


def extract() -> Catalog:
    """Run Babel's extractor over the code; the template it writes."""
    command = [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg"]
    for keyword in KEYWORDS:
        command += ["-k", keyword]
    command += ["--no-location", "--sort-output", "--project=closebot", "-o", str(TEMPLATE)]
    command += ["--no-wrap", "--omit-header", "."]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
    with TEMPLATE.open("rb") as file:
        return read_po(file)


def load(code: str) -> Catalog:
    path = catalog_path(code)
    if not path.exists():
        return Catalog(locale=code, project="closebot", domain="closebot")
    with path.open("rb") as file:
        return read_po(file, locale=code)


def save(catalog: Catalog) -> bytes:
    catalog.fuzzy = False  # the header: every sentence below is checked one by one
    buffer = io.BytesIO()
    write_po(buffer, catalog, width=100, no_location=True, omit_header=False, sort_output=True)
    return buffer.getvalue()


def simplified(text: str, convert: OpenCC) -> str:
    text = convert.convert(text)
    return mainland_words(text)


def mainland_words(text: str) -> str:
    """Simplified text with the mainland's words where Hong Kong writes a term its own way."""
    for hong_kong, mainland in MAINLAND_WORDS.items():
        text = text.replace(hong_kong, mainland)
    return MAINLAND_RISE.sub("涨", text)


def fill_simplified(traditional: Catalog, target: Catalog) -> None:
    """Give every Simplified sentence not yet translated (or marked fuzzy) the conversion of
    its Traditional translation."""
    convert = OpenCC("hk2s")
    for message in target:
        if not message.id or (_translated(message.string) and "fuzzy" not in message.flags):
            continue
        source = traditional.get(message.id)
        if source is None or not _translated(source.string) or "fuzzy" in source.flags:
            continue
        if isinstance(source.string, tuple):
            message.string = tuple(simplified(s, convert) for s in source.string)
        else:
            message.string = simplified(source.string, convert)
        message.flags.discard("fuzzy")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; 1 if stale")
    args = parser.parse_args()
    template = extract()
    wanted = {m.id for m in template if m.id}
    problems = []
    for code in ("zh_Hant", "zh_Hans"):
        catalog = load(code)
        if args.check:
            have = {m.id for m in catalog if m.id}
            if have != wanted:
                problems.append(f"{code}: {len(wanted - have)} new, {len(have - wanted)} gone")
        else:
            catalog.update(template, no_fuzzy_matching=True)
            catalog.obsolete.clear()
            if code == "zh_Hans":
                fill_simplified(load("zh_Hant"), catalog)
            catalog_path(code).parent.mkdir(parents=True, exist_ok=True)
            catalog_path(code).write_bytes(save(catalog))
        missing = [m.id for m in catalog if m.id and not _translated(m.string)]
        if missing:
            problems.append(f"{code}: {len(missing)} untranslated, e.g. {missing[0]!r}")
    for line in problems:
        print(line)
    return 1 if problems else 0


def _translated(string: object) -> bool:
    return all(string) if isinstance(string, tuple) else bool(string)


if __name__ == "__main__":
    sys.exit(main())

"""Character classes, normalization and context-window helpers for Japanese text."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

import regex

# Half-width and full-width digits.
DIGIT = "[0-9０-９]"
# Dashes people type between digit groups, including the katakana long vowel mark.
DASH = "[-‐‑‒–—―−－ーｰ]"
# A character that must not touch a numeric identifier (digits and ASCII/full-width letters).
NOT_ALNUM_BEFORE = r"(?<![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
NOT_ALNUM_AFTER = r"(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])"
KANJI_DIGITS = "〇零一二三四五六七八九十百千"

_DASHES = "‐‑‒–—―−－ーｰ"
_KANJI_VALUES = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6,
                 "七": 7, "八": 8, "九": 9}
_KANJI_UNITS = {"十": 10, "百": 100, "千": 1000}


def normalize(text: str) -> str:
    """NFKC-normalize and fold dash variants to '-' (same length as the input)."""
    folded = "".join("-" if ch in _DASHES else ch for ch in text)
    out = []
    for ch in folded:
        norm = unicodedata.normalize("NFKC", ch)
        out.append(norm if len(norm) == 1 else ch)
    return "".join(out)


def digits_only(text: str) -> str:
    """The ASCII digits of `text` after NFKC normalization."""
    return "".join(ch for ch in normalize(text) if ch.isascii() and ch.isdigit())


def kanji_to_int(text: str) -> int | None:
    """Parse a kanji or Arabic numeral ('二十八', '元', '２８', '二八') into an int."""
    text = normalize(text).strip()
    if not text:
        return None
    if text == "元":
        return 1
    if text.isascii() and text.isdigit():
        return int(text)
    if all(ch in _KANJI_VALUES for ch in text):  # positional: 二〇一七
        return int("".join(str(_KANJI_VALUES[ch]) for ch in text))
    total, current = 0, 0
    for ch in text:
        if ch in _KANJI_VALUES:
            current = _KANJI_VALUES[ch]
        elif ch in _KANJI_UNITS:
            total += (current or 1) * _KANJI_UNITS[ch]
            current = 0
        elif ch.isdigit():
            current = current * 10 + int(ch)
        else:
            return None
    return total + current


def window(text: str, start: int, end: int, before: int, after: int) -> tuple[str, str]:
    """The `before` characters preceding and the `after` characters following a span."""
    return text[max(0, start - before):start], text[end:end + after]


def has_any(haystack: str, words: Iterable[str]) -> bool:
    """True when any of `words` occurs in `haystack`."""
    return any(word and word in haystack for word in words)


def near(text: str, start: int, end: int, words: Iterable[str],
         before: int = 12, after: int = 8) -> bool:
    """True when a context word occurs within a few characters before or after a span."""
    left, right = window(text, start, end, before, after)
    words = list(words)
    return has_any(left, words) or has_any(right, words)


_CELL_SEPARATORS = ("\t", "｜", "|", ",")


def table_cells(text: str) -> list[tuple[int, int, str]]:
    """(start, end, column header) of each data cell in pasted tables: lines split by tabs, bars or
    commas under a header line (宛名番号,氏名,カナ… / ｜No.｜児童｜…), the first line of the block."""
    if "\n" not in text:
        return []
    out: list[tuple[int, int, str]] = []
    lines: list[tuple[int, str]] = []
    position = 0
    for line in text.split("\n"):
        lines.append((position, line))
        position += len(line) + 1
    for sep in _CELL_SEPARATORS:
        header: list[str] | None = None
        for offset, line in lines:
            if line.count(sep) < (2 if sep == "," else 1):
                header = None
                continue
            cells = line.split(sep)
            if header is None:
                header = [c.strip(" 　") for c in cells]
                continue
            start = offset
            for index, cell in enumerate(cells):
                value = cell.strip(" 　\r")
                if value and index < len(header) and header[index]:
                    lead = len(cell) - len(cell.lstrip(" 　"))
                    out.append((start + lead, start + lead + len(value), header[index]))
                start += len(cell) + 1
    return out


# A worked example or template (記入例：氏名 和泉 太郎, （例）電話番号：090-0000-0000): what follows the
# marker up to the end of the line or sentence, or the closing bracket of a quote right after it.
_TEMPLATE_MARKER = regex.compile(
    r"(?:記入例|入力例|記載例|記入見本|記載見本|入力見本|書き方の例|[（(【]例[)）】]|(?<![\p{Han}\p{Katakana}])例[)）:：])"
    r"[ 　:：)）]*(?P<quote>[「『])?")
_SENTENCE_END = regex.compile(r"[。\n]")


def template_regions(text: str) -> list[tuple[int, int]]:
    """(start, end) of the examples in a text that only show how to fill something in."""
    regions = []
    for m in _TEMPLATE_MARKER.finditer(text):
        if m.group("quote"):
            close = text.find("」" if m.group("quote") == "「" else "』", m.end())
            end = close if close >= 0 else len(text)
        else:
            stop = _SENTENCE_END.search(text, m.end())
            end = stop.start() if stop else len(text)
        regions.append((m.start(), end))
    return regions


# Names of public offices and facilities: their addresses, rooms and postal codes are not personal
# (岸和田子ども家庭センター（岸和田市七田町8-8）, 〒594-8501 和泉市府中町二丁目7番5号 和泉市役所 子育て支援課 宛).
OFFICE_NAME = (r"(?:市役所|区役所|役所|町役場|村役場|役場|庁舎|本庁|支所|出張所|センター|保健所|児童相談所|相談所|"
               r"警察署|消防署|税務署|事務所|小学校|中学校|高等学校|高校|学校|保育所|保育園|幼稚園|こども園|病院|"
               r"会館|公民館|図書館|ひろば|広場|協議会|施設|事業所|(?<!号|家|宅)館|(?<!号)室|課)")
# The office named right before an address in brackets: 市役所（府中町2-7-5）, ひろば内（…）
# or before its postal code on the same line: 子ども家庭センター 〒594-0071 和泉市府中町…
OFFICE_BEFORE = regex.compile(rf"{OFFICE_NAME}(?:内|本館|別館|分室|分館)?[ 　]*(?:[（(][ 　]*|〒[ 　]?{DIGIT}{{3}}{DASH}?{DIGIT}{{4}}[ 　]+"
                              rf"|の(?:住所|所在地)(?:は|が|：|:)[ 　]*"  # 府中小学校の住所は和泉市府中町1-2-3
                              rf"|[（(][ 　]*〒?[ 　]?{DIGIT}{{3}}{DASH}?{DIGIT}{{4}}[ 　]+)$")  # 子育て支援室（〒594-8501 和泉市…）
# The office named right after an address on the same line: …二丁目7番5号 和泉市役所
OFFICE_AFTER = regex.compile(rf"^[ 　）)]+[\p{{Han}}\p{{Katakana}}ー・]{{0,14}}?{OFFICE_NAME}(?![\p{{Han}}])")


# A contact block under an office's name (和泉市立緑ヶ丘小学校 事務室 / 〒… 住所 / TEL … FAX … / mail):
# the office's postal code, address, landline and mailbox, not a person's.
_BLOCK_OFFICE = regex.compile(rf"(?:{OFFICE_NAME}|クリニック|医院|代表|窓口|受付)(?![\p{{Han}}])")
_BLOCK_PERSONAL = regex.compile(r"様|さん|くん|ちゃん|君|殿|自宅|携帯|本人|保護者|父|母|祖|児童氏名|氏名|住所[はが]|宅")
_CONTACT_LINE = regex.compile(r"^[ 　]*(?:〒|TEL|Tel|tel|ＴＥＬ|FAX|Fax|ＦＡＸ|電話|E-?mail|e-?mail|メール|[A-Za-z0-9._-]+@)")


def office_contact_block(text: str, start: int) -> bool:
    """A value in an office's contact block: the office named earlier on its line (in a cell or
    before it), or on a line above it with only contact lines (〒, TEL, FAX, mail) in between."""
    line_start = text.rfind("\n", 0, start) + 1
    before = text[line_start:start].replace(" ", "").replace("　", "")  # 電 話 （ 代 表 ）: OCR spacing
    if _BLOCK_OFFICE.search(before) and not _BLOCK_PERSONAL.search(before):
        return True
    if before.strip("|｜") and not _CONTACT_LINE.match(before):
        return False
    end = line_start - 1
    for _ in range(4):
        if end <= 0:
            return False
        top = text.rfind("\n", 0, end) + 1
        line = text[top:end]
        if _BLOCK_PERSONAL.search(line):
            return False
        if _BLOCK_OFFICE.search(line):
            return True
        if not _CONTACT_LINE.match(line):
            return False
        end = top - 1
    return False

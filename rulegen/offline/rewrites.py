"""The spelling rewrites of ``rewrites.yaml``: the table, loaded and compiled once, and the steps that need code."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

REWRITES_FILE = Path(__file__).with_name("rewrites.yaml")

_KANJI_DIGITS = {"一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
# A kanji numeral before a unit, not inside a word (一人親), but after 直近/過去/計 (直近二年間).
_NUMERAL = r"(?:[一二三四五六七八九]?千)?(?:[一二三四五六七八九]?百)?(?:[一二三四五六七八九]?十)?[一二三四五六七八九]?"
_UNITS = r"(?=回|件|日|か月|年|歳|点|人|度|週|つ|個|項目|グラム|g)"
_KANJI_NUM = re.compile(r"(?:(?<![一-龥])|(?<=直近)|(?<=過去)|(?<=合計)|(?<=計)|(?<=毎月)|(?<=年間)|(?<=月間)|(?<=年度)|(?<=中学)|(?<=小学)|(?<=合計で)|(?<=以上)|(?<=以下)|(?<=未満)|(?<=超)|(?<=令和)|(?<=平成)|(?<=満)|(?<=妊娠))(" + _NUMERAL + ")" + _UNITS)
# 「遅刻日数二十日以上」: a numeral of two or more characters before a unit and a comparison, after any word
_KANJI_NUM_COMPARED = re.compile(r"([一二三四五六七八九十百千]{2,})(?=(?:回|件|日|か月|年|歳|点|人|週|つ|個|項目|グラム)(?:以上|以下|未満|超|以内|を超))")
_TWO_AGES = re.compile(r"(?<!\d)(\d{1,2})歳(?:・|と)(\d{1,2})歳")
_CHILDREN_WITH_SELF = re.compile(r"(?:子ども|こども|子供|児童)が(\d+)人以上(?:いる)?(世帯|家庭)\((?:本人|本児)(?:を|も)?含(?:めて|む|め)\)")


def _numeral_value(s: str) -> int | None:
    """一 .. 九千九百九十九 as a number; None for no numeral or one that is not well formed."""
    total, digit = 0, None
    for ch in s:
        if ch in "千百十":
            total += (digit if digit is not None else 1) * {"千": 1000, "百": 100, "十": 10}[ch]
            digit = None
        elif ch in _KANJI_DIGITS and digit is None:
            digit = _KANJI_DIGITS[ch]
        else:
            return None
    return total + (digit or 0) if s else None


def _kanji_number(m: re.Match[str]) -> str:
    value = _numeral_value(m.group(1))
    return m.group(0) if value is None else str(value)


def kanji_numbers(text: str) -> str:
    return _KANJI_NUM_COMPARED.sub(_kanji_number, _KANJI_NUM.sub(_kanji_number, text))


def consecutive_ages(text: str) -> str:
    """4歳・5歳 -> 4〜5歳; two ages further apart stay two ages."""
    return _TWO_AGES.sub(lambda m: f"{m.group(1)}〜{m.group(2)}歳" if int(m.group(2)) == int(m.group(1)) + 1 else m.group(0), text)


def children_including_self(text: str) -> str:
    """子どもが3人以上いる世帯（本人を含めて） -> きょうだいが2人以上の世帯."""
    return _CHILDREN_WITH_SELF.sub(lambda m: f"きょうだいが{int(m.group(1)) - 1}人以上の{m.group(2)}", text)


_LABELLED_LINE = re.compile(r"^[ \t\u3000]*[・･●○◆◇■□*\-][ \t\u3000]*[^:：\n]{1,30}[:：][^\n]*$")


def labelled_lines(text: str) -> str:
    """「・いじめ認知：過去1年に1件以上\n・教育相談（いじめ）：あり」: bullet lines of a label and its value are one
    condition each, so a line ends a sentence (a period said on one line is not the next line's)."""
    lines = text.split("\n")
    out = [lines[0]]
    for prev, line in zip(lines, lines[1:], strict=False):
        if _LABELLED_LINE.match(prev) and _LABELLED_LINE.match(line):
            out[-1] = out[-1].rstrip(" \t\u3000、。") + "。"
            out.append(re.sub(r"^[ \t\u3000]*[・･●○◆◇■□*\-][ \t\u3000]*", "", line))
            continue
        out.append(line)
    return "\n".join(out).replace("。\n", "。")


_KANA_RUN = re.compile(r"(?:^|(?<=[\s、。,，()（）「」『』・/:：;；!?！？]))[ぁ-ゖー]+")


@lru_cache(maxsize=1)
def _table() -> dict[str, object]:
    """rewrites.yaml, read once (the rewrites and the kana_words table)."""
    doc = yaml.safe_load(REWRITES_FILE.read_text(encoding="utf-8"))
    return doc if isinstance(doc, dict) else {}


@lru_cache(maxsize=1)
def _kana_words() -> tuple[tuple[str, str], ...]:
    table = _table().get("kana_words") or {}
    assert isinstance(table, dict)
    return tuple(sorted(((str(k), str(v)) for k, v in table.items()), key=lambda kv: -len(kv[0])))


def kana_words(text: str) -> str:
    """「がいこくせきの こどもで、ほいくえん に かよっていない」: words written in hiragana (やさしい日本語, a
    hurried phone) as their usual spelling. Only a run of hiragana that starts a word (after a space or a
    mark) is read, word by word from its start, so a verb ending inside a word (見せたい) stays as it is."""
    words = _kana_words()

    def chain(m: re.Match[str]) -> str:
        run, out, pos = m.group(0), [], 0
        while pos < len(run):
            hit = next(((k, v) for k, v in words if run.startswith(k, pos)), None)
            if hit is None:
                break
            out.append(hit[1])
            pos += len(hit[0])
        return "".join(out) + run[pos:]

    return _KANA_RUN.sub(chain, text)


STEPS: dict[str, Callable[[str], str]] = {
    "kana_words": kana_words,
    "labelled_lines": labelled_lines,
    "kanji_numbers": kanji_numbers,
    "consecutive_ages": consecutive_ages,
    "children_including_self": children_including_self,
}


@dataclass(frozen=True)
class Rewrite:
    note: str
    pattern: re.Pattern[str] | None = None
    to: str = ""
    step: Callable[[str], str] | None = None

    def apply(self, text: str) -> str:
        if self.step is not None:
            return self.step(text)
        assert self.pattern is not None
        return self.pattern.sub(self.to, text)


def parse_rewrites(doc: object, where: str = str(REWRITES_FILE)) -> tuple[Rewrite, ...]:
    """The rewrites of a loaded table; a broken entry fails with its place in the file."""
    if not isinstance(doc, dict) or not isinstance(doc.get("rewrites"), list):
        raise ValueError(f"{where}: a top-level 'rewrites' list is expected")
    out: list[Rewrite] = []
    for i, entry in enumerate(doc["rewrites"], 1):
        if not isinstance(entry, dict) or ("pattern" in entry) == ("step" in entry):
            raise ValueError(f"{where}: rewrite {i} needs exactly one of 'pattern' and 'step'")
        note = str(entry.get("note", ""))
        if "step" in entry:
            if entry["step"] not in STEPS:
                raise ValueError(f"{where}: rewrite {i}: unknown step {entry['step']!r} (known: {', '.join(STEPS)})")
            out.append(Rewrite(note=note, step=STEPS[entry["step"]]))
            continue
        try:
            pattern = re.compile(str(entry["pattern"]))
        except re.error as e:
            raise ValueError(f"{where}: rewrite {i}: bad pattern {entry['pattern']!r}: {e}") from e
        out.append(Rewrite(note=note, pattern=pattern, to=str(entry.get("to", ""))))
    return tuple(out)


@lru_cache(maxsize=1)
def rewrites() -> tuple[Rewrite, ...]:
    return parse_rewrites(_table())


def rewrite(text: str) -> str:
    """``text`` with every rewrite of the table applied in order."""
    for r in rewrites():
        text = r.apply(text)
    return text

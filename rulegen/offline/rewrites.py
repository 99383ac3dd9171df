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
_KANJI_NUM = re.compile(r"(?:(?<![一-龥])|(?<=直近)|(?<=過去)|(?<=合計)|(?<=計)|(?<=毎月)|(?<=年間)|(?<=月間)|(?<=年度)|(?<=中学)|(?<=小学)|(?<=合計で)|(?<=以上)|(?<=以下)|(?<=未満)|(?<=超))([一二三四五六七八九]?百|[一二三四五六七八九]?十[一二三四五六七八九]?|[一二三四五六七八九])(?=回|件|日|か月|年|歳|点|人|度|週|つ|個)")
_TWO_AGES = re.compile(r"(?<!\d)(\d{1,2})歳(?:・|と)(\d{1,2})歳")
_CHILDREN_WITH_SELF = re.compile(r"(?:子ども|こども|子供|児童)が(\d+)人以上(?:いる)?(世帯|家庭)\((?:本人|本児)(?:を|も)?含(?:めて|む|め)\)")


def _kanji_number(m: re.Match[str]) -> str:
    s = m.group(1)
    if s.endswith("百"):
        return str((_KANJI_DIGITS[s[0]] if len(s) == 2 else 1) * 100)
    if "十" in s:
        tens, _, ones = s.partition("十")
        return str((_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0))
    return str(_KANJI_DIGITS[s])


def kanji_numbers(text: str) -> str:
    return _KANJI_NUM.sub(_kanji_number, text)


def consecutive_ages(text: str) -> str:
    """4歳・5歳 -> 4〜5歳; two ages further apart stay two ages."""
    return _TWO_AGES.sub(lambda m: f"{m.group(1)}〜{m.group(2)}歳" if int(m.group(2)) == int(m.group(1)) + 1 else m.group(0), text)


def children_including_self(text: str) -> str:
    """子どもが3人以上いる世帯（本人を含めて） -> きょうだいが2人以上の世帯."""
    return _CHILDREN_WITH_SELF.sub(lambda m: f"きょうだいが{int(m.group(1)) - 1}人以上の{m.group(2)}", text)


STEPS: dict[str, Callable[[str], str]] = {
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
    return parse_rewrites(yaml.safe_load(REWRITES_FILE.read_text(encoding="utf-8")))


def rewrite(text: str) -> str:
    """``text`` with every rewrite of the table applied in order."""
    for r in rewrites():
        text = r.apply(text)
    return text

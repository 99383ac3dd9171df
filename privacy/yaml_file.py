"""Reading the YAML files a city edits (the use policy, the legal-basis registry): one error path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from engine.errors import TsunaguError


def read_yaml_file(path: Path, what_ja: str, error: type[TsunaguError]) -> Any:
    """The parsed YAML of ``path``; otherwise ``error`` with a Japanese message naming the file and the line."""
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{what_ja}が見つかりません: {path}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" {mark.line + 1}行目" if mark is not None else ""
        raise error(f"{what_ja} {path}{line} を YAML として読めません: {getattr(exc, 'problem', exc)}") from None

"""Versioned prompt templates, loaded from the `prompts` data package (works in non-editable installs)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import yaml

from engine.errors import Category, TsunaguError


class PromptError(TsunaguError, ValueError):
    category = Category.UNAVAILABLE


@dataclass(frozen=True)
class PromptSet:
    version: str
    system: str
    repair: str
    examples: list[dict[str, Any]]


@lru_cache(maxsize=8)
def load_prompts(version: str = "v1", family: str = "drafting") -> PromptSet:
    root = resources.files("prompts").joinpath(family, version)
    meta_file = root.joinpath("meta.yaml")
    if not meta_file.is_file():
        raise PromptError(f"プロンプトの版 {family}/{version} が見つかりません (prompts/{family}/{version}/meta.yaml)")
    meta = yaml.safe_load(meta_file.read_text(encoding="utf-8"))
    files = meta.get("files", {})
    read = lambda key: root.joinpath(files.get(key, f"{key}.md")).read_text(encoding="utf-8")  # noqa: E731
    examples = yaml.safe_load(root.joinpath(files.get("examples", "examples.yaml")).read_text(encoding="utf-8"))
    return PromptSet(version=str(meta["version"]), system=read("system"), repair=read("repair"), examples=list(examples["examples"]))

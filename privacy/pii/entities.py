"""Entity ids and their Japanese labels (from labels.yaml)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

_LABELS_PATH = Path(__file__).with_name("labels.yaml")


@lru_cache(maxsize=1)
def entity_labels() -> dict[str, str]:
    """Entity id -> Japanese label, in display order."""
    data = yaml.safe_load(_LABELS_PATH.read_text(encoding="utf-8"))
    return {str(k): str(v) for k, v in data.items()}


def label_of(entity_type: str) -> str:
    """Japanese label of an entity id (the id itself when unknown)."""
    return entity_labels().get(entity_type, entity_type)


def supported_entities() -> list[str]:
    """All entity ids Tsunagu's analyzer reports."""
    return list(entity_labels())

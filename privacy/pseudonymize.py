"""Keyed pseudonyms for identifiers (宛名番号, 世帯番号, 学籍番号).

pseudonym = HMAC-SHA256(subkey, version | purpose | id type | normalized id), hex, first 32 chars
(128 bits). The subkey is derived from the key file (see privacy.keys); a different purpose or key
gives unrelated pseudonyms. Normalization = NFKC + strip + zero-fill to the id type's width
(privacy/id_types.yaml); a value that is not all digits after that is not an identifier (None).

The class satisfies ``engine.ingest.Pseudonymizer`` structurally; engine never imports privacy.
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from pathlib import Path

import yaml

from privacy.keys import KeyFile, load_key_file

PSEUDONYM_HEX_CHARS = 32


@lru_cache(maxsize=1)
def id_type_config() -> dict:
    text = resources.files("privacy").joinpath("id_types.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)


def normalize_id(value: str | None, width: int) -> str | None:
    """NFKC + strip (incl. inner spaces and hyphens) + zero-fill; None when not a digit string."""
    if value is None:
        return None
    s = unicodedata.normalize("NFKC", str(value)).strip().replace(" ", "").replace("-", "")
    if not s or not s.isascii() or not s.isdigit() or len(s) > width:
        return None
    return s.zfill(width)


class HmacPseudonymizer:
    """Deterministic keyed pseudonyms; optionally remembers pseudonym -> normalized id for re-identification."""

    def __init__(self, key: bytes, key_id: str, *, purpose: str | None = None, record_types: Sequence[str] = ()):
        cfg = id_type_config()
        self.key_id = key_id
        self.version = int(cfg["version"])
        self.purpose = purpose or str(cfg["purpose"])
        self.widths: dict[str, int] = {k: int(v["width"]) for k, v in cfg["id_types"].items()}
        self._key = key
        self.record_types = frozenset(record_types)
        self.issued: dict[str, dict[str, str]] = {t: {} for t in self.record_types}
        self._memo: dict[str, dict[str | None, str | None]] = {}

    @classmethod
    def from_key_file(cls, path: str | Path, *, purpose: str | None = None,
                      record_types: Sequence[str] = ()) -> HmacPseudonymizer:
        return cls.from_key(load_key_file(path), purpose=purpose, record_types=record_types)

    @classmethod
    def from_key(cls, key: KeyFile, *, purpose: str | None = None, record_types: Sequence[str] = ()) -> HmacPseudonymizer:
        return cls(key.pseudonym_key, key.key_id, purpose=purpose, record_types=record_types)

    def normalize(self, id_type: str, value: str | None) -> str | None:
        if id_type not in self.widths:
            raise KeyError(f"unknown id type {id_type!r}")
        return normalize_id(value, self.widths[id_type])

    def _digest(self, id_type: str, normalized: str) -> str:
        msg = f"{self.version}|{self.purpose}|{id_type}|{normalized}".encode()
        return hmac.digest(self._key, msg, hashlib.sha256).hex()[:PSEUDONYM_HEX_CHARS]

    def pseudonymize(self, id_type: str, values: Sequence[str | None]) -> list[str | None]:
        """Pseudonyms for each value (None where the value is not a valid identifier).

        Distinct values are hashed once and the results joined back.
        """
        width = self.widths.get(id_type)
        if width is None:
            raise KeyError(f"unknown id type {id_type!r}")
        # raw value -> pseudonym, kept across calls: the same 宛名番号 appears in many exports
        cache = self._memo.setdefault(id_type, {})
        record = self.issued.get(id_type) if id_type in self.record_types else None
        for v in set(values):
            if v in cache:
                continue
            n = normalize_id(v, width)
            p = None if n is None else self._digest(id_type, n)
            cache[v] = p
            if record is not None and p is not None and n is not None:  # (p is None exactly when n is)
                record[p] = n
        return [cache[v] for v in values]

"""Japanese PII detection for Tsunagu.

- `privacy.pii.analyzer`: the presidio analyzer with GiNZA and Tsunagu's Japanese recognizers
  (loaded once per process; `get_analyzer()` / `analyze()`).
- `privacy.pii.guard`: `guard_text()` for every text bound for an LLM.
- `privacy.pii.mart_scan`: `scan_mart()` to check a pseudonymized DuckDB mart before publishing.

Importing this package is cheap; presidio and spaCy load on first use. `guard_text`,
`GuardResult`, `scan_mart` and `MartScanReport` are also available from here.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_EXPORTS = {
    "guard_text": "privacy.pii.guard",
    "GuardResult": "privacy.pii.guard",
    "scan_mart": "privacy.pii.mart_scan",
    "MartScanReport": "privacy.pii.mart_scan",
    "analyze": "privacy.pii.analyzer",
    "Finding": "privacy.pii.analyzer",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'privacy.pii' has no attribute {name!r}")

"""Japanese PII detection for Tsunagu.

- `privacy.pii.engine`: the presidio analyzer with GiNZA and Tsunagu's Japanese recognizers
  (loaded once per process; `get_analyzer()` / `analyze()`).
- `privacy.pii.guard`: `guard_text()` for every text bound for an LLM.
- `privacy.pii.mart_scan`: `scan_mart()` to check a pseudonymized DuckDB mart before publishing.

Importing this package is cheap; presidio and spaCy load on first use.
"""

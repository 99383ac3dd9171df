"""Service settings: embedded defaults under TSUNAGU_HOME, overridable by environment.

Environment variables (all optional):

- ``TSUNAGU_HOME``          data directory (default ``./tsunagu-home``)
- ``TSUNAGU_DATABASE_URL``  SQLAlchemy URL (default: SQLite file ``HOME/tsunagu.db``);
                            PostgreSQL in production: ``postgresql+psycopg://user@host/db``
- ``TSUNAGU_DATABASE_SCHEMA`` PostgreSQL schema to use (search_path; default: the server's)
- ``TSUNAGU_MART``          DuckDB mart (default ``HOME/mart/mart.duckdb``)
- ``TSUNAGU_RESULTS``       folder of child-level results, one engine result file per run
                            (``run-<id>.jsonl`` + ``.manifest.json``; default ``HOME/results``)
- ``TSUNAGU_KEY_FILE``      pseudonymization key file (default ``HOME/keys/tsunagu.key``)
- ``TSUNAGU_REID_MAP``      encrypted re-identification map (default ``HOME/keys/mart.reid``; never next to the mart)
- ``TSUNAGU_SESSION_MINUTES`` session lifetime (default 480)
- ``TSUNAGU_COOKIE_SECURE`` ``1`` to mark cookies Secure (behind HTTPS)
- ``TSUNAGU_POLICY``        city policy file overriding ``privacy/policy.yaml``
- ``TSUNAGU_RISE_MARGIN``   score rise that a run's diff reports (default 10 points)
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

DEFAULT_HOME = "tsunagu-home"
MAX_BODY_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    mart_path: Path
    results_dir: Path
    key_file: Path
    reid_map_path: Path
    database_schema: str | None = None  # PostgreSQL schema (tests use a fresh one)
    session_minutes: int = 480
    cookie_secure: bool = False
    max_body_bytes: int = MAX_BODY_BYTES
    policy_path: Path | None = None
    rise_margin: int = 10
    results_page_max: int = 500
    scheduler_lease_seconds: int = 120
    city_name: str = ""  # the municipality's name (TSUNAGU_CITY_NAME), shown on pages and in the 個人情報ファイル簿
    extra: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_home(cls, home: Path | str, **overrides: object) -> Settings:
        h = Path(home).resolve()
        base = cls(
            home=h,
            database_url=f"sqlite:///{h / 'tsunagu.db'}",
            mart_path=h / "mart" / "mart.duckdb",
            results_dir=h / "results",
            key_file=h / "keys" / "tsunagu.key",
            reid_map_path=h / "keys" / "mart.reid",
        )
        return replace(base, **overrides) if overrides else base  # type: ignore[arg-type]

    @classmethod
    def from_env(cls, home: Path | str | None = None, env: dict[str, str] | None = None) -> Settings:
        e = os.environ if env is None else env
        s = cls.for_home(home or e.get("TSUNAGU_HOME") or DEFAULT_HOME)
        updates: dict[str, object] = {}
        if e.get("TSUNAGU_DATABASE_URL"):
            updates["database_url"] = e["TSUNAGU_DATABASE_URL"]
        if e.get("TSUNAGU_DATABASE_SCHEMA"):
            updates["database_schema"] = e["TSUNAGU_DATABASE_SCHEMA"]
        for key, attr in (("TSUNAGU_MART", "mart_path"), ("TSUNAGU_RESULTS", "results_dir"),
                          ("TSUNAGU_KEY_FILE", "key_file"), ("TSUNAGU_REID_MAP", "reid_map_path"),
                          ("TSUNAGU_POLICY", "policy_path")):
            if e.get(key):
                updates[attr] = Path(e[key])
        if e.get("TSUNAGU_SESSION_MINUTES"):
            updates["session_minutes"] = int(e["TSUNAGU_SESSION_MINUTES"])
        if e.get("TSUNAGU_RISE_MARGIN"):
            updates["rise_margin"] = int(e["TSUNAGU_RISE_MARGIN"])
        if e.get("TSUNAGU_CITY_NAME"):
            updates["city_name"] = e["TSUNAGU_CITY_NAME"].strip()
        if e.get("TSUNAGU_COOKIE_SECURE", "").lower() in ("1", "true", "yes"):
            updates["cookie_secure"] = True
        return replace(s, **updates) if updates else s  # type: ignore[arg-type]

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")

    def ensure_dirs(self) -> None:
        self.home.mkdir(parents=True, exist_ok=True)
        for d in (self.results_dir, self.mart_path.parent, self.key_file.parent):
            d.mkdir(parents=True, exist_ok=True)

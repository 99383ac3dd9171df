"""What every request and job shares: settings, database, catalog, policy."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from sqlalchemy.orm import Session, sessionmaker

from api.db.engine import make_engine, make_sessionmaker, upgrade
from api.settings import Settings


@dataclass
class ServiceContext:
    settings: Settings
    engine: object
    sessions: sessionmaker[Session]

    @classmethod
    def open(cls, settings: Settings, *, migrate: bool = True) -> ServiceContext:
        settings.ensure_dirs()
        engine = make_engine(settings)
        if migrate:
            upgrade(engine)
        from api.audit_store import ANCHOR_FILE_NAME, configure_anchor

        configure_anchor(engine, settings.home / ANCHOR_FILE_NAME)
        return cls(settings=settings, engine=engine, sessions=make_sessionmaker(engine))

    @cached_property
    def catalog(self):
        from engine.catalog import default_catalog

        return default_catalog()

    @cached_property
    def policy(self):
        from privacy.policy import default_policy, load_policy

        return load_policy(self.settings.policy_path) if self.settings.policy_path else default_policy()

    def close(self) -> None:
        self.engine.dispose()  # type: ignore[attr-defined]

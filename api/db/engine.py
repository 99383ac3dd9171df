"""Database engine, sessions and migrations (run programmatically on start-up)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

from api.settings import Settings
from engine.errors import Category, TsunaguError

MIGRATIONS_DIR = Path(__file__).with_name("migrations")
READ_ONLY_OPTION = "tsunagu_read_only"


class DatabaseError(TsunaguError, RuntimeError):
    """The database cannot be reached or migrated (Japanese message)."""

    category = Category.UNAVAILABLE


def make_engine(settings: Settings) -> sa.Engine:
    url = settings.database_url
    if url.startswith("sqlite"):
        if ":///" in url and not url.endswith(":memory:"):
            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # pragma: no cover - trivial
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        # pysqlite's own transaction handling defers BEGIN; take the write lock at BEGIN instead
        # so that read-then-write sequences (audit chain head) are serialized.
        @event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_conn, _record):  # pragma: no cover - trivial
            dbapi_conn.isolation_level = None

        # A session from ``read_only_session`` begins DEFERRED instead: a WAL reader takes no lock, so pages
        # that only read (their audit entry is written in its own short transaction) never queue on writers.
        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):  # pragma: no cover - trivial
            deferred = conn.get_execution_options().get(READ_ONLY_OPTION)
            conn.exec_driver_sql("BEGIN DEFERRED" if deferred else "BEGIN IMMEDIATE")

        return engine
    connect_args: dict[str, object] = {}
    if settings.database_schema:
        connect_args["options"] = f"-csearch_path={settings.database_schema}"
    return sa.create_engine(url, connect_args=connect_args, pool_pre_ping=True)


def make_sessionmaker(engine: sa.Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def read_only_session(factory: sessionmaker[Session], engine: sa.Engine) -> Session:
    """A session for reading only: on SQLite its transactions begin DEFERRED (no write lock); a flush
    that would write raises (a deferred reader upgrading to a writer can fail with "database is locked")."""
    return factory(bind=engine.execution_options(**{READ_ONLY_OPTION: True}), info={READ_ONLY_OPTION: True})


@event.listens_for(Session, "before_flush")
def _refuse_writes_on_readers(session: Session, _ctx, _instances) -> None:
    if session.info.get(READ_ONLY_OPTION) and (session.new or session.dirty or session.deleted):
        raise RuntimeError("a read-only session may not write: use a session from ctx.sessions() for writes")


def alembic_config(connection: sa.Connection | None = None):
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def upgrade(engine: sa.Engine, revision: str = "head") -> str | None:
    """Bring the schema to ``revision``; return the revision now current."""
    from alembic import command
    from alembic.runtime.migration import MigrationContext

    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    except sa.exc.OperationalError as exc:
        raise DatabaseError(f"データベースに接続できません（{engine.url.render_as_string(hide_password=True)}）: {exc.orig}") from None


def current_revision(engine: sa.Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()

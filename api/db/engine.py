"""Database engine, sessions and migrations (run programmatically on start-up)."""

from __future__ import annotations

import threading
from collections import deque
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
WRITER_WAIT_SECONDS = 30.0


class WriterQueue:
    """A lock handed to its waiters in the order they came (a waiter that gives up leaves the queue)."""

    def __init__(self) -> None:
        self._mutex = threading.Lock()
        self._held = False
        self._waiters: deque[threading.Event] = deque()

    def acquire(self, timeout: float) -> bool:
        with self._mutex:
            if not self._held and not self._waiters:
                self._held = True
                return True
            turn = threading.Event()
            self._waiters.append(turn)
        if turn.wait(timeout):
            return True
        with self._mutex:
            if turn.is_set():  # handed over while timing out
                return True
            self._waiters.remove(turn)
            return False

    def release(self) -> None:
        with self._mutex:
            if self._waiters:
                self._waiters.popleft().set()  # the lock passes to the next waiter directly
            else:
                self._held = False


_queues: dict[str, WriterQueue] = {}
_queues_lock = threading.Lock()


def _writer_queue(url: str) -> WriterQueue:
    """One queue per database file in this process (engines on the same file share it)."""
    path = url.split(":///", 1)[1] if ":///" in url else ""
    if not path or path == ":memory:" or "mode=memory" in url:
        return WriterQueue()  # a database of this engine only
    key = str(Path(path.split("?", 1)[0]).resolve())
    with _queues_lock:
        return _queues.setdefault(key, WriterQueue())


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
        # Writers of this process queue first for a first-come-first-served lock of the database file:
        # SQLite's busy handler polls with growing sleeps, so under many writers one could wait for seconds
        # while later ones got through; in the queue each waits for the ones before it only.
        queue = _writer_queue(url)
        holders: set[int] = set()  # DB-API connections of this engine that hold the queue
        holders_lock = threading.Lock()

        def _let_go(dbapi_conn) -> None:
            key = id(getattr(dbapi_conn, "dbapi_connection", dbapi_conn))  # the pool's proxy or the connection
            with holders_lock:
                held = key in holders
                holders.discard(key)
            if held:
                queue.release()

        @event.listens_for(engine, "begin")
        def _begin_immediate(conn):  # pragma: no cover - trivial
            if conn.get_execution_options().get(READ_ONLY_OPTION):
                conn.exec_driver_sql("BEGIN DEFERRED")
                return
            dbapi_conn = conn.connection.dbapi_connection
            if not queue.acquire(WRITER_WAIT_SECONDS):
                raise DatabaseError(f"データベースの書き込みが混み合っています（{WRITER_WAIT_SECONDS:.0f}秒待ちました）。"
                                    "しばらくしてからもう一度お試しください")
            with holders_lock:
                holders.add(id(dbapi_conn))
            try:
                conn.exec_driver_sql("BEGIN IMMEDIATE")
            except BaseException:
                _let_go(dbapi_conn)
                raise

        # The queue is let go once COMMIT / ROLLBACK has finished (so the next writer finds the file unlocked).
        dialect = engine.dialect
        plain_commit, plain_rollback = dialect.do_commit, dialect.do_rollback

        def _commit(dbapi_conn) -> None:  # pragma: no cover - trivial
            try:
                plain_commit(dbapi_conn)
            finally:
                _let_go(dbapi_conn)

        def _rollback(dbapi_conn) -> None:  # pragma: no cover - trivial
            try:
                plain_rollback(dbapi_conn)
            finally:
                _let_go(dbapi_conn)

        dialect.do_commit = _commit  # type: ignore[method-assign]
        dialect.do_rollback = _rollback  # type: ignore[method-assign]

        @event.listens_for(engine, "checkin")
        def _checkin(dbapi_conn, _record):  # pragma: no cover - a transaction ended without commit/rollback
            _let_go(dbapi_conn)

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

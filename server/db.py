"""Engine and sessions.

PostgreSQL: READ COMMITTED; money-changing writes lock the indicator row (SELECT … FOR UPDATE).
SQLite (embedded default): WAL, foreign keys on, and every transaction starts with
``BEGIN IMMEDIATE`` so that writers are serialized by the database itself (no lost updates, no
SQLITE_BUSY upgrade deadlocks); ``busy_timeout`` makes concurrent writers wait instead of failing.
"""
from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from server import chain
from server.settings import Settings


def make_engine(settings: Settings | str, **kw) -> Engine:
    url = settings if isinstance(settings, str) else settings.database_url
    echo = False if isinstance(settings, str) else settings.sql_echo
    if url.startswith("sqlite"):
        if url.startswith("sqlite:///") and ":memory:" not in url:
            from pathlib import Path
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        kw.setdefault("pool_timeout", 120)  # waiting for the (serialized) writer is normal
        engine = create_engine(url, echo=echo, connect_args={"check_same_thread": False,
                                                             "timeout": 60}, **kw)

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # pragma: no cover - exercised by every test
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=60000")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):
            # Readers (GET requests, authentication) take a deferred snapshot, which in WAL mode
            # never blocks the single writer; everything else takes the write lock up front.
            if conn.get_execution_options().get("jincai_readonly"):
                conn.exec_driver_sql("BEGIN")
            else:
                conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    kw.setdefault("pool_size", 20)
    kw.setdefault("max_overflow", 20)
    kw.setdefault("pool_pre_ping", True)
    return create_engine(url, echo=echo, **kw)


def make_session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    """``readonly``: for requests that only read (a deferred snapshot on SQLite)."""
    bind = engine.execution_options(jincai_readonly=True) if readonly else engine
    factory = sessionmaker(bind=bind, expire_on_commit=False, autoflush=True)
    chain.install(factory)
    return factory


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


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"

"""The client's local SQLite database: engine, sessions, start-up checks, backups, recovery.

Start-up (``open_database``):

1. integrity check (``PRAGMA quick_check`` by default) of an existing file; a damaged file
   raises :class:`DatabaseCorruptError`, which carries what the UI needs to offer the two
   recovery paths: :func:`restore_backup` (newest good backup, unsent drafts carried over)
   or :func:`start_fresh` (new empty database, unsent drafts exported to JSON and
   re-imported; everything else is downloaded again by the next sync);
2. a dated backup through SQLite's online backup API (never a file copy of a live WAL
   database), verified, keeping the last ``keep_backups`` (3) — before every schema
   upgrade, and otherwise when the newest backup is older than ``backup_every`` (20 h);
3. Alembic upgrade to head in one transaction, with foreign keys off while tables are
   rebuilt (batch mode) and ``PRAGMA foreign_key_check`` before commit.

Every connection runs in WAL mode with foreign keys on, a busy timeout and
``synchronous=FULL`` (a committed payment draft survives a power cut; NORMAL would
only guarantee consistency). Transactions are real SQLite transactions: pysqlite's
implicit transaction handling is switched off and SQLAlchemy emits ``BEGIN`` itself;
:meth:`Database.transaction` uses ``BEGIN IMMEDIATE`` so two writers never deadlock
on a lock upgrade.
"""
from __future__ import annotations

import json
import logging
import os
import re
import sqlite3
from collections.abc import Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

APP_NAME = "JincaiDesk"
APP_AUTHOR = "Jincai"
DB_FILE_NAME = "jincai.sqlite3"
BACKUP_DIR_NAME = "backups"
FILES_DIR_NAME = "files"
EXPORTS_DIR_NAME = "exports"
KEEP_BACKUPS = 3
# a verified backup at start-up when the newest is older than this, and always before an
# upgrade: the last three then span days, not the last three launches of one morning
BACKUP_EVERY = timedelta(hours=20)
BUSY_TIMEOUT_MS = 10_000
DEFAULT_SYNCHRONOUS = "FULL"

# statuses whose content exists only on this machine (never confirmed by the server)
UNSENT_STATUSES = ("draft", "queued", "returned")


# --------------------------------------------------------------------------- errors


class LocalDatabaseError(Exception):
    """Base class; ``message`` is for the user (Chinese first, English after)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class DatabaseCorruptError(LocalDatabaseError):
    """The integrity check failed: offer restore_backup() or start_fresh()."""

    def __init__(self, path: Path, problems: list[str], backups: list[BackupInfo]) -> None:
        self.path = path
        self.problems = problems
        self.backups = backups
        hint = (
            f"可以恢复最近的备份（{backups[0].created_at:%Y-%m-%d %H:%M} UTC），"
            if backups
            else "没有可用的备份；"
        )
        super().__init__(
            f"本地数据库已损坏：{path}。{hint}或重新开始（未发送的草稿会先导出并保留），"
            f"其余数据下次同步时从服务器重新下载。"
            f" / The local database is damaged ({'; '.join(problems[:3])}). Restore the last"
            f" backup or start fresh; unsent drafts are exported and kept."
        )


class DatabaseTooNewError(LocalDatabaseError):
    def __init__(self, path: Path, revision: str) -> None:
        self.path = path
        self.revision = revision
        super().__init__(
            f"本地数据库 {path} 由更新版本的金财桌面端创建（结构版本 {revision}），请升级客户端。"
            f" / The local database was written by a newer Jincai Desk (schema {revision});"
            f" please upgrade the client."
        )


# --------------------------------------------------------------------------- paths


def data_dir() -> Path:
    """``$JINCAI_DATA_DIR`` if set, else the per-user data directory of the platform."""
    override = os.environ.get("JINCAI_DATA_DIR")
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_data_path(APP_NAME, APP_AUTHOR)


def default_db_path() -> Path:
    return data_dir() / DB_FILE_NAME


def backups_dir(db_path: Path) -> Path:
    return Path(db_path).parent / BACKUP_DIR_NAME


def files_dir(db_path: Path) -> Path:
    """Attachment files live here, named by SHA-256 (``ab/abcdef…``)."""
    return Path(db_path).parent / FILES_DIR_NAME


def _stamp(now: datetime | None = None) -> str:
    return (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")


# --------------------------------------------------------------------------- engine


def make_engine(
    path: Path | str,
    *,
    foreign_keys: bool = True,
    synchronous: str = DEFAULT_SYNCHRONOUS,
    busy_timeout_ms: int = BUSY_TIMEOUT_MS,
) -> Engine:
    """A SQLAlchemy engine for a local database file with the house pragmas on every
    connection. ``foreign_keys=False`` only for migrations (table rebuilds)."""
    synchronous = synchronous.upper()
    if synchronous not in ("NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous must be NORMAL, FULL or EXTRA, not {synchronous!r}")
    engine = create_engine(f"sqlite:///{Path(path)}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves (see "begin" below)
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            mode = cur.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                log.warning("SQLite refused WAL mode (%s); running in %s mode", path, mode)
            cur.execute(f"PRAGMA synchronous = {synchronous}")
            cur.execute(f"PRAGMA foreign_keys = {'ON' if foreign_keys else 'OFF'}")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


@dataclass
class Database:
    """An open local database. Sessions never leave the services layer."""

    path: Path
    engine: Engine
    revision: str | None = None
    backup: Path | None = None  # the backup taken at this start-up
    _sessions: sessionmaker[Session] = field(init=False, repr=False)
    _write_sessions: sessionmaker[Session] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._sessions = sessionmaker(bind=self.engine, expire_on_commit=False)
        self._write_sessions = sessionmaker(
            bind=self.engine.execution_options(sqlite_begin="IMMEDIATE"), expire_on_commit=False
        )

    @property
    def data_dir(self) -> Path:
        return self.path.parent

    @property
    def files_dir(self) -> Path:
        return files_dir(self.path)

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only unit of work (deferred transaction, always rolled back)."""
        with self._sessions() as session:
            try:
                yield session
            finally:
                session.rollback()

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A write unit of work: ``BEGIN IMMEDIATE``, commit on success, rollback on error."""
        with self._write_sessions() as session, session.begin():
            yield session

    def pragma(self, name: str) -> Any:
        with self.engine.connect() as conn:
            return conn.exec_driver_sql(f"PRAGMA {name}").scalar()

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Database:  # noqa: PYI034
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --------------------------------------------------------------------------- integrity


@dataclass(frozen=True)
class IntegrityReport:
    ok: bool
    check: str  # quick_check | integrity_check
    problems: list[str]


def check_integrity(path: Path | str, *, full: bool = False) -> IntegrityReport:
    """``PRAGMA quick_check`` (or the slower ``integrity_check``) plus ``foreign_key_check``.

    A file that is not a database at all is reported as a problem, not raised."""
    check = "integrity_check" if full else "quick_check"
    problems: list[str] = []
    try:
        with closing(sqlite3.connect(f"file:{Path(path)}?mode=ro", uri=True)) as conn:
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            rows = [r[0] for r in conn.execute(f"PRAGMA {check}").fetchall()]
            if rows != ["ok"]:
                problems.extend(str(r) for r in rows)
            for table, rowid, parent, _fk in conn.execute("PRAGMA foreign_key_check"):
                problems.append(f"foreign key: {table} row {rowid} -> missing {parent}")
    except sqlite3.DatabaseError as exc:
        problems.append(f"{type(exc).__name__}: {exc}")
    return IntegrityReport(ok=not problems, check=check, problems=problems)


# --------------------------------------------------------------------------- backups


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    created_at: datetime
    revision: str | None
    size: int


_BACKUP_RE = re.compile(r"^(?P<stem>.+)-(?P<ts>\d{8}T\d{12}Z)-(?P<rev>[^.]+)\.sqlite3$")


def list_backups(db_path: Path | str) -> list[BackupInfo]:
    """Backups of ``db_path``, newest first."""
    db_path = Path(db_path)
    folder = backups_dir(db_path)
    if not folder.is_dir():
        return []
    found: list[BackupInfo] = []
    for item in folder.iterdir():
        m = _BACKUP_RE.match(item.name)
        if not m or m["stem"] != db_path.stem:
            continue
        created = datetime.strptime(m["ts"], "%Y%m%dT%H%M%S%fZ").replace(tzinfo=UTC)
        rev = None if m["rev"] == "base" else m["rev"]
        found.append(BackupInfo(item, created, rev, item.stat().st_size))
    found.sort(key=lambda b: b.path.name, reverse=True)
    return found


def _online_copy(src_path: Path, dst_path: Path) -> None:
    """Copy a (possibly live, WAL-mode) database with SQLite's online backup API."""
    tmp = dst_path.with_name(dst_path.name + ".part")
    tmp.unlink(missing_ok=True)
    with closing(sqlite3.connect(f"file:{src_path}?mode=ro", uri=True)) as src:
        src.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        with closing(sqlite3.connect(tmp)) as dst:
            src.backup(dst)
            dst.execute("PRAGMA journal_mode = DELETE")  # a backup is one self-contained file
    report = check_integrity(tmp)
    if not report.ok:
        tmp.unlink(missing_ok=True)
        raise LocalDatabaseError(f"备份校验失败 / backup failed its check: {report.problems[:3]}")
    with open(tmp, "rb") as fh:
        os.fsync(fh.fileno())
    os.replace(tmp, dst_path)


def make_backup(
    db_path: Path | str,
    *,
    revision: str | None = None,
    keep: int = KEEP_BACKUPS,
    now: datetime | None = None,
) -> Path:
    """A dated, verified backup of ``db_path`` in ``<data dir>/backups``; keeps the last ``keep``."""
    db_path = Path(db_path)
    folder = backups_dir(db_path)
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{db_path.stem}-{_stamp(now)}-{revision or 'base'}.sqlite3"
    _online_copy(db_path, target)
    rotate_backups(db_path, keep=keep)
    return target


def rotate_backups(db_path: Path | str, *, keep: int = KEEP_BACKUPS) -> list[Path]:
    """Delete all but the newest ``keep`` backups; returns what was deleted."""
    removed = []
    for old in list_backups(db_path)[keep:]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


# --------------------------------------------------------------------------- migrations


def current_revision(engine: Engine) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def _known_revisions() -> set[str]:
    from alembic.script import ScriptDirectory

    from app.migrations import alembic_config

    script = ScriptDirectory.from_config(alembic_config())
    return {rev.revision for rev in script.walk_revisions()}


def upgrade(path: Path | str, revision: str = "head") -> str | None:
    """Upgrade the file to ``revision`` in one transaction (foreign keys off while tables
    are rebuilt; ``foreign_key_check`` must be clean before commit). Returns the new revision."""
    from alembic import command

    from app.migrations import alembic_config

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    engine = make_engine(path, foreign_keys=False)
    try:
        with engine.begin() as conn:
            command.upgrade(alembic_config(conn), revision)
            bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if bad:
                raise LocalDatabaseError(
                    f"迁移后外键检查失败 / foreign keys broken after migration: {bad[:3]}"
                )
        return current_revision(engine)
    finally:
        engine.dispose()


# --------------------------------------------------------------------------- open


def open_database(
    path: Path | str | None = None,
    *,
    backup: bool = True,
    backup_every: timedelta = BACKUP_EVERY,
    keep_backups: int = KEEP_BACKUPS,
    migrate: bool = True,
    full_check: bool = False,
    synchronous: str = DEFAULT_SYNCHRONOUS,
) -> Database:
    """Open (creating if needed) the local database: check, back up, migrate, return it.

    Raises :class:`DatabaseCorruptError` (offer :func:`restore_backup` / :func:`start_fresh`)
    or :class:`DatabaseTooNewError`.
    """
    path = Path(path) if path is not None else default_db_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    existed = path.exists() and path.stat().st_size > 0

    if existed:
        report = check_integrity(path, full=full_check)
        if not report.ok:
            log.error("local database %s failed %s: %s", path, report.check, report.problems)
            raise DatabaseCorruptError(path, report.problems, list_backups(path))

    engine = make_engine(path, synchronous=synchronous)
    try:
        return _prepare(engine, path, existed=existed, backup=backup, backup_every=backup_every,
                        keep_backups=keep_backups, migrate=migrate)
    except BaseException:
        engine.dispose()
        raise


def _prepare(
    engine: Engine, path: Path, *, existed: bool, backup: bool, backup_every: timedelta,
    keep_backups: int, migrate: bool,
) -> Database:
    from app.migrations import head_revision

    rev = current_revision(engine)
    if rev is not None and rev not in _known_revisions():
        raise DatabaseTooNewError(path, rev)
    upgrade_pending = migrate and rev != head_revision()
    backup_path = None
    if existed and backup:
        newest = next(iter(list_backups(path)), None)
        due = newest is None or datetime.now(UTC) - newest.created_at >= backup_every
        if upgrade_pending or due:
            backup_path = make_backup(path, revision=rev, keep=keep_backups)
            log.info("local database backed up to %s", backup_path)
    if upgrade_pending:
        log.info("upgrading local database %s from %s to head", path, rev or "empty")
        rev = upgrade(path)
    db = Database(path=path, engine=engine, revision=rev, backup=backup_path)
    if migrate:
        _ensure_sync_state(db)
    return db


def _ensure_sync_state(db: Database) -> None:
    from app.models import SyncState

    with db.transaction() as s:
        if s.get(SyncState, 1) is None:
            s.add(SyncState(id=1))


# --------------------------------------------------------------------------- recovery


@dataclass(frozen=True)
class RecoveryResult:
    database: Database
    moved_aside: Path | None  # the damaged file, kept for support
    restored_from: Path | None
    drafts_export: Path | None  # JSON with the salvaged unsent drafts
    drafts_salvaged: int
    drafts_reimported: int


def _move_aside(path: Path) -> Path | None:
    if not path.exists():
        return None
    target = path.with_name(f"{path.name}.damaged-{_stamp()}")
    os.replace(path, target)
    for suffix in ("-wal", "-shm"):
        side = path.with_name(path.name + suffix)
        if side.exists():
            os.replace(side, target.with_name(target.name + suffix))
    return target


def export_unsent_drafts(db_path: Path | str, out_file: Path | str) -> int:
    """Salvage what can be read of the applications that exist only locally
    (draft / queued / returned) and their attachment records into a JSON file.

    Best effort, row by row, so one damaged page costs one row, not all of them.
    Returns the number of applications written."""
    db_path, out_file = Path(db_path), Path(out_file)
    apps: list[dict[str, Any]] = []
    atts: list[dict[str, Any]] = []
    placeholders = ", ".join("?" for _ in UNSENT_STATUSES)
    try:
        conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    except sqlite3.Error:
        conn = None
    if conn is not None:
        conn.row_factory = sqlite3.Row
        with closing(conn):
            try:
                rowids = [
                    r[0]
                    for r in conn.execute(
                        f"SELECT rowid FROM payment_applications "
                        f"WHERE local_status IN ({placeholders})",
                        UNSENT_STATUSES,
                    )
                ]
            except sqlite3.Error:
                rowids = _scan_rowids(conn, "payment_applications")
            for rowid in rowids:
                try:
                    row = conn.execute(
                        "SELECT * FROM payment_applications WHERE rowid = ?", (rowid,)
                    ).fetchone()
                except sqlite3.Error:
                    continue
                if row is None or row["local_status"] not in UNSENT_STATUSES:
                    continue
                apps.append(dict(row))
                try:
                    for a in conn.execute(
                        "SELECT * FROM attachments WHERE application_id = ?", (row["id"],)
                    ):
                        atts.append(dict(a))
                except sqlite3.Error:
                    pass
    out_file.parent.mkdir(parents=True, exist_ok=True)
    payload = {
        "format": "jincai-unsent-drafts/1",
        "exported_at": datetime.now(UTC).isoformat(),
        "source": str(db_path),
        "applications": apps,
        "attachments": atts,
    }
    tmp = out_file.with_name(out_file.name + ".part")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, indent=1, default=str), "utf-8")
    os.replace(tmp, out_file)
    return len(apps)


def _scan_rowids(conn: sqlite3.Connection, table: str, limit: int = 1_000_000) -> list[int]:
    try:
        top = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()[0] or 0
    except sqlite3.Error:
        top = 0
    return list(range(1, min(top, limit) + 1))


def import_drafts(db: Database, export_file: Path | str) -> int:
    """Re-create exported drafts that the database does not have (or has an older copy of,
    when that copy is still unsent). They come back as ``draft``: the user queues them
    again, which re-runs the budget pre-check; their client UUID keeps the server from
    creating a duplicate if one had already reached it. Returns the number imported."""
    from app.models import Attachment, PaymentApplication

    data = json.loads(Path(export_file).read_text("utf-8"))
    app_cols = set(PaymentApplication.__table__.columns.keys())
    att_cols = set(Attachment.__table__.columns.keys())
    atts_by_app: dict[str, list[dict[str, Any]]] = {}
    for a in data.get("attachments", []):
        atts_by_app.setdefault(a["application_id"], []).append(a)
    imported = 0
    with db.transaction() as s:
        for raw in data.get("applications", []):
            existing = s.get(PaymentApplication, raw["id"])
            if existing is not None:
                if existing.local_status not in UNSENT_STATUSES:
                    continue
                raw_updated = _parse_utc(raw.get("updated_at"))
                if raw_updated is None or existing.updated_at >= raw_updated:
                    continue
                s.delete(existing)
                s.flush()
            values = {k: v for k, v in raw.items() if k in app_cols}
            for key in ("extra",):
                if isinstance(values.get(key), str):
                    values[key] = json.loads(values[key])
            for key in ("created_at", "updated_at", "queued_at", "submitted_at"):
                if isinstance(values.get(key), str):
                    values[key] = _parse_utc(values[key])
            for key in ("dirty",):
                if key in values and values[key] is not None:
                    values[key] = bool(values[key])
            values["local_status"] = "draft"
            values["dirty"] = True
            values["queued_at"] = None
            if values.get("indicator_id"):
                from app.models import Indicator

                if s.get(Indicator, values["indicator_id"]) is None:
                    extra = dict(values.get("extra") or {})
                    extra["recovered_indicator_id"] = values["indicator_id"]
                    values["extra"] = extra
                    values["indicator_id"] = None
            app = PaymentApplication(**values)
            s.add(app)
            for a in atts_by_app.get(raw["id"], []):
                av = {k: v for k, v in a.items() if k in att_cols}
                if isinstance(av.get("ocr_result"), str):
                    av["ocr_result"] = json.loads(av["ocr_result"])
                if isinstance(av.get("created_at"), str):
                    av["created_at"] = _parse_utc(av["created_at"])
                av["uploaded"] = bool(av.get("uploaded"))
                app.attachments.append(Attachment(**av))
            imported += 1
    return imported


def _parse_utc(value: Any) -> datetime | None:
    if not value:
        return None
    parsed = datetime.fromisoformat(str(value))
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def restore_backup(
    db_path: Path | str, *, backup: Path | str | None = None, keep_drafts: bool = True
) -> RecoveryResult:
    """Recovery path 1: put the newest good backup (or ``backup``) in place of the damaged
    file, which is moved aside. Unsent drafts salvaged from the damaged file that the backup
    lacks are re-imported. Server-owned data catches up at the next sync."""
    db_path = Path(db_path)
    candidates = [Path(backup)] if backup else [b.path for b in list_backups(db_path)]
    chosen = next((c for c in candidates if check_integrity(c).ok), None)
    if chosen is None:
        raise LocalDatabaseError(
            "没有可用的完好备份，请选择“重新开始”。 / No usable backup; choose 'start fresh'."
        )
    export = None
    salvaged = 0
    if keep_drafts and db_path.exists():
        export = _export_path(db_path)
        salvaged = export_unsent_drafts(db_path, export)
    moved = _move_aside(db_path)
    _online_copy(chosen, db_path)
    db = open_database(db_path, backup=False)
    reimported = import_drafts(db, export) if export and salvaged else 0
    return RecoveryResult(db, moved, chosen, export, salvaged, reimported)


def start_fresh(db_path: Path | str, *, keep_drafts: bool = True) -> RecoveryResult:
    """Recovery path 2: export the unsent drafts, move the damaged file aside, create an
    empty database and re-import the drafts. The next sync downloads everything else."""
    db_path = Path(db_path)
    export = None
    salvaged = 0
    if keep_drafts and db_path.exists():
        export = _export_path(db_path)
        salvaged = export_unsent_drafts(db_path, export)
    moved = _move_aside(db_path)
    db = open_database(db_path, backup=False)
    reimported = import_drafts(db, export) if export and salvaged else 0
    return RecoveryResult(db, moved, None, export, salvaged, reimported)


def _export_path(db_path: Path) -> Path:
    return db_path.parent / EXPORTS_DIR_NAME / f"unsent-drafts-{_stamp()}.json"


def latest_sync_seq(db: Database) -> int:
    from app.models import SyncState

    with db.read() as s:
        return s.scalar(select(SyncState.last_server_seq).where(SyncState.id == 1)) or 0

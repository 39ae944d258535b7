"""app.db: pragmas, backups with rotation, migrations with data intact, integrity recovery."""
from __future__ import annotations

import sqlite3
from contextlib import closing
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import select, text

from app import db as appdb
from app.db import (
    DatabaseCorruptError,
    DatabaseTooNewError,
    check_integrity,
    default_db_path,
    list_backups,
    make_backup,
    open_database,
    restore_backup,
    start_fresh,
)
from app.migrations import head_revision
from app.models import Base, Indicator, Payee, PaymentApplication, SyncState


def test_data_dir_honours_env(data_dir: Path) -> None:
    assert default_db_path() == data_dir / "jincai.sqlite3"


def test_pragmas_on_every_connection(db) -> None:
    assert db.pragma("journal_mode") == "wal"
    assert db.pragma("foreign_keys") == 1
    assert db.pragma("synchronous") == 2  # FULL
    assert db.pragma("busy_timeout") == appdb.BUSY_TIMEOUT_MS
    assert db.revision == head_revision()
    with db.read() as s:
        assert s.get(SyncState, 1).stage == "idle"


def test_foreign_keys_enforced(db) -> None:
    with pytest.raises(Exception, match="FOREIGN KEY"), db.transaction() as s:
        s.add(PaymentApplication(fiscal_year=2026, indicator_id="nope"))


def test_transactions_are_real_including_ddl(db) -> None:
    with db.engine.connect() as conn:
        conn.begin()
        conn.exec_driver_sql("CREATE TABLE scratch (x)")
        conn.rollback()
    with db.engine.connect() as conn:
        names = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master")}
    assert "scratch" not in names


def test_models_match_migrations(db) -> None:
    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert diff == [], "models changed without a migration: python -m app.migrations revision"


def test_backup_at_start_keeps_last_three(data_dir: Path) -> None:
    path = data_dir / "jincai.sqlite3"
    open_database(path).close()  # creation: nothing to back up yet
    assert list_backups(path) == []
    taken = []
    for _ in range(5):
        d = open_database(path, backup_every=timedelta(0))
        taken.append(d.backup)
        d.close()
    kept = list_backups(path)
    assert [b.path for b in kept] == taken[::-1][:3]
    assert all(check_integrity(b.path).ok for b in kept)
    assert kept[0].revision == head_revision()


def test_backup_once_a_day_and_before_every_upgrade(data_dir: Path) -> None:
    path = data_dir / "jincai.sqlite3"
    appdb.upgrade(path, "0001")
    first = open_database(path)  # upgrade pending: backup even though none is due
    assert first.backup is not None and first.backup.name.endswith("-0001.sqlite3")
    first.close()
    again = open_database(path)  # same day, nothing to upgrade: no new copy
    assert again.backup is None
    again.close()
    assert len(list_backups(path)) == 1


def test_rotation_by_date_not_by_mtime(data_dir: Path) -> None:
    path = data_dir / "jincai.sqlite3"
    open_database(path).close()
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for days in (5, 1, 3, 4, 2):
        make_backup(path, revision="0002", now=base + timedelta(days=days))
    assert [b.created_at.day for b in list_backups(path)] == [6, 5, 4]


def test_backup_of_live_wal_database_sees_committed_rows(db) -> None:
    with db.transaction() as s:
        s.add(Indicator(id="I1", fiscal_year=2026, unit_code="001", amount=100, available=100))
    # the row may still be only in the -wal file: the online backup API includes it
    target = make_backup(db.path, revision=db.revision)
    with closing(sqlite3.connect(target)) as conn:
        assert conn.execute("SELECT amount FROM indicators").fetchall() == [(100,)]
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "delete"


def test_migration_from_first_revision_keeps_data(data_dir: Path) -> None:
    path = data_dir / "jincai.sqlite3"
    assert appdb.upgrade(path, "0001") == "0001"
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute(
            "INSERT INTO payees (name, account_no, kind) VALUES ('张三', '6222000011112222',"
            " 'person')"
        )
        conn.execute(
            "INSERT INTO indicators (id, fiscal_year, unit_code, amount, paid, reserved,"
            " available, server_version, server_seq) VALUES ('I1', 2026, '001', 500000, 1000,"
            " 2000, 497000, 3, 42)"
        )
        conn.execute(
            "INSERT INTO payment_applications (id, fiscal_year, indicator_id, amount, use_des,"
            " payee_name, payee_account, local_status, created_at, updated_at)"
            " VALUES ('a-1', 2026, 'I1', 12345, '办公用品', '某某文具店', '110', 'draft',"
            " '2026-11-01 08:00:00.000000', '2026-11-01 08:00:00.000000'),"
            " ('a-2', 2026, 'I1', 500, '劳务费', '张三', '6222000011112222', 'queued',"
            " '2026-11-01 08:00:00.000000', '2026-11-01 08:00:00.000000')"
        )
        conn.execute(
            "INSERT INTO attachments (id, application_id, sha256, file_name, created_at)"
            " VALUES ('t-1', 'a-1', ?, 'fp.jpg', '2026-11-01 08:00:00.000000')",
            ("ab" * 32,),
        )
        conn.execute(
            "INSERT INTO outbox_commands (idempotency_key, kind, entity_type, entity_id,"
            " payload, created_at, updated_at) VALUES ('a-1', 'application.submit',"
            " 'application', 'a-1', '{\"amount\": 12345}', '2026-11-01 08:00:00',"
            " '2026-11-01 08:00:00')"
        )
    d = open_database(path)
    try:
        assert d.revision == head_revision() != "0001"
        assert d.backup is not None and d.backup.name.endswith("-0001.sqlite3")
        with d.read() as s:
            app = s.get(PaymentApplication, "a-1")
            assert (app.amount, app.use_des, app.payee_name) == (12345, "办公用品", "某某文具店")
            assert app.payee_is_personal is False  # column added by 0002 with its default
            assert s.get(PaymentApplication, "a-2").payee_is_personal is True  # 0002 data step
            assert app.payee_id_number is None  # 0007: older applications have none
            assert app.created_at == datetime(2026, 11, 1, 8, tzinfo=UTC)
            assert [a.sha256 for a in app.attachments] == ["ab" * 32]
            ind = s.get(Indicator, "I1")
            assert (ind.amount, ind.paid, ind.reserved, ind.available) == (
                500000, 1000, 2000, 497000,
            )
            assert s.scalar(text("SELECT payload FROM outbox_commands")) == '{"amount": 12345}'
            # 0006: the address-book entry keeps its data, the new details start empty
            payee = s.scalar(select(Payee))
            assert (payee.name, payee.account_no, payee.kind) == ("张三", "6222000011112222", "person")
            assert (payee.id_no, payee.phone, payee.remark) == (None, None, None)
        # 0003 rebuilt payment_applications (new CHECK): the cascade to attachments must not
        # have fired (checked above) and the new status is accepted, unknown ones are not
        with d.transaction() as s:
            s.get(PaymentApplication, "a-1").local_status = "voided"
        with pytest.raises(Exception, match="CHECK"), d.transaction() as s:
            s.get(PaymentApplication, "a-1").local_status = "bogus"
    finally:
        d.close()
    # the backup still holds the first revision, untouched
    with closing(sqlite3.connect(list_backups(path)[0].path)) as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)


def test_every_revision_downgrades_and_upgrades_again(data_dir: Path) -> None:
    from alembic import command

    from app.migrations import alembic_config

    path = data_dir / "jincai.sqlite3"
    open_database(path).close()
    engine = appdb.make_engine(path, foreign_keys=False)
    try:
        with engine.begin() as conn:
            command.downgrade(alembic_config(conn), "base")
        with engine.connect() as conn:
            names = {r[0] for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert names <= {"alembic_version"}
    finally:
        engine.dispose()
    d = open_database(path)
    assert d.revision == head_revision()
    d.close()


def test_database_from_newer_client_is_refused(data_dir: Path) -> None:
    path = data_dir / "jincai.sqlite3"
    open_database(path).close()
    with closing(sqlite3.connect(path)) as conn, conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    with pytest.raises(DatabaseTooNewError, match="9999"):
        open_database(path)


def _corrupt(path: Path, table: str = "indicators") -> None:
    """Overwrite the root b-tree page of one table with garbage (the others stay readable)."""
    with closing(sqlite3.connect(path)) as conn:
        page_size = conn.execute("PRAGMA page_size").fetchone()[0]
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)
        ).fetchone()
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with open(path, "r+b") as fh:
        fh.seek((root - 1) * page_size)
        fh.write(b"\xde\xad\xbe\xef" * (page_size // 4))


def _seed(path: Path, *, drafts: list[str]) -> None:
    d = open_database(path)
    with d.transaction() as s:
        s.add(Indicator(id="I1", fiscal_year=2026, unit_code="001", amount=10, available=10))
        for i, name in enumerate(drafts):
            s.add(PaymentApplication(id=f"d-{i}", fiscal_year=2026, use_des=name, amount=i))
    d.close()


def test_corrupt_database_offers_recovery_and_start_fresh_keeps_drafts(data_dir: Path) -> None:
    path = data_dir / "jincai.sqlite3"
    _seed(path, drafts=["差旅费报销", "会议费"])
    _corrupt(path)
    with pytest.raises(DatabaseCorruptError) as err:
        open_database(path)
    assert "损坏" in err.value.message and err.value.problems
    result = start_fresh(path)
    try:
        assert result.moved_aside is not None and result.moved_aside.exists()
        assert result.drafts_export is not None and result.drafts_export.exists()
        with result.database.read() as s:
            purposes = set(s.scalars(select(PaymentApplication.use_des)))
            assert s.get(Indicator, "I1") is None  # server data: re-downloaded by the next sync
        assert purposes == {"差旅费报销", "会议费"}
        assert result.drafts_reimported == result.drafts_salvaged == 2
        assert check_integrity(path).ok
    finally:
        result.database.close()


def test_restore_backup_brings_back_newer_drafts(data_dir: Path) -> None:
    path = data_dir / "jincai.sqlite3"
    _seed(path, drafts=["old"])
    d = open_database(path)  # start-up backup holds "old"
    with d.transaction() as s:
        s.add(PaymentApplication(id="new", fiscal_year=2026, use_des="typed after backup"))
    d.close()
    export = data_dir / "exports" / "manual.json"
    assert appdb.export_unsent_drafts(path, export) == 2
    _corrupt(path)
    assert not check_integrity(path).ok
    result = restore_backup(path)
    try:
        assert result.restored_from == list_backups(path)[0].path
        with result.database.read() as s:
            assert s.get(Indicator, "I1").available == 10
            purposes = set(s.scalars(select(PaymentApplication.use_des)))
        assert "old" in purposes
        assert "typed after backup" in purposes  # salvaged from the damaged file
        assert result.drafts_reimported == 1  # "old" was already in the backup
    finally:
        result.database.close()
    # and the manual export re-imports cleanly (idempotent: nothing newer, nothing doubled)
    d = open_database(path)
    try:
        appdb.import_drafts(d, export)
        with d.read() as s:
            ids = sorted(s.scalars(select(PaymentApplication.id)))
        assert ids == ["d-0", "new"]
    finally:
        d.close()


def test_not_a_database_file(data_dir: Path) -> None:
    path = data_dir / "jincai.sqlite3"
    data_dir.mkdir(parents=True)
    path.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(DatabaseCorruptError) as err:
        open_database(path)
    assert err.value.backups == []
    result = start_fresh(path)
    assert result.drafts_salvaged == 0
    result.database.close()


def test_failed_upgrade_leaves_previous_revision_and_data(data_dir: Path, tmp_path: Path,
                                                         monkeypatch) -> None:
    """A revision that fails half-way (or a crash during it) changes nothing: the whole
    upgrade is one SQLite transaction, and the backup was taken before it."""
    import shutil

    from app import migrations

    path = data_dir / "jincai.sqlite3"
    _seed(path, drafts=["保留我"])
    before = current = head_revision()
    scripts = tmp_path / "migrations"
    shutil.copytree(migrations.MIGRATIONS_DIR, scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "9999_broken.py").write_text(
        "import sqlalchemy as sa\nfrom alembic import op\n"
        f"revision = '9999'\ndown_revision = '{current}'\nbranch_labels = None\n"
        "depends_on = None\n\n\ndef upgrade():\n"
        "    with op.batch_alter_table('payment_applications', recreate='always') as b:\n"
        "        b.add_column(sa.Column('half_done', sa.Integer()))\n"
        "    op.execute('DELETE FROM payment_applications')\n"
        "    raise RuntimeError('power cut')\n\n\ndef downgrade():\n    pass\n",
        "utf-8",
    )
    monkeypatch.setattr(migrations, "MIGRATIONS_DIR", scripts)
    assert head_revision() == "9999"
    with pytest.raises(RuntimeError, match="power cut"):
        open_database(path)
    monkeypatch.undo()
    assert check_integrity(path).ok
    d = open_database(path)
    try:
        assert d.revision == before
        with d.read() as s:
            assert list(s.scalars(select(PaymentApplication.use_des))) == ["保留我"]
            cols = {r[1] for r in s.execute(text("PRAGMA table_info(payment_applications)"))}
            assert "half_done" not in cols
    finally:
        d.close()
    assert list_backups(path)[0].revision == before  # taken before the attempt


def test_readers_never_wait_for_a_writer_and_writers_queue(db) -> None:
    """WAL: a long write does not block the UI's reads; a second writer waits (busy
    timeout, BEGIN IMMEDIATE) instead of failing with 'database is locked'."""
    import threading
    import time

    with db.transaction() as s:
        s.add(Indicator(id="R1", fiscal_year=2026, unit_code="001", amount=1, available=1))
    holding, release = threading.Event(), threading.Event()
    order: list[str] = []

    def long_writer() -> None:
        with db.transaction() as s:
            s.get(Indicator, "R1").available = 0
            s.flush()
            holding.set()
            release.wait(5)
        order.append("writer 1 done")

    def second_writer() -> None:
        with db.transaction() as s:
            s.get(Indicator, "R1").paid = 1
        order.append("writer 2 done")

    t1 = threading.Thread(target=long_writer)
    t1.start()
    assert holding.wait(5)
    started = time.monotonic()
    with db.read() as s:  # not blocked, and sees the last committed state
        assert s.get(Indicator, "R1").available == 1
    assert time.monotonic() - started < 1
    t2 = threading.Thread(target=second_writer)
    t2.start()
    time.sleep(0.3)
    release.set()
    t1.join(5)
    t2.join(10)
    assert order == ["writer 1 done", "writer 2 done"]
    with db.read() as s:
        ind = s.get(Indicator, "R1")
        assert (ind.available, ind.paid) == (0, 1)

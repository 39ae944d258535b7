"""Settings, CLI (migrate, seed-demo, create-user, audit verify, ledger check), health/version,
and the Alembic migration matching the ORM."""
from __future__ import annotations

import os

import pytest
from sqlalchemy import text

from server import cli
from server.settings import DEFAULT_SECRET, SettingsError, get_settings, load_settings


def test_settings_refuse_default_secret_outside_development(tmp_path, monkeypatch):
    monkeypatch.setenv("JINCAI_DATA_DIR", str(tmp_path))
    s = load_settings()
    assert s.environment == "development" and s.database_url.startswith("sqlite:///")
    assert str(tmp_path) in s.database_url
    monkeypatch.setenv("JINCAI_ENV", "production")
    with pytest.raises(SettingsError, match="JINCAI_SECRET_KEY"):
        load_settings()
    monkeypatch.setenv("JINCAI_SECRET_KEY", "short")
    with pytest.raises(SettingsError):
        load_settings()
    monkeypatch.setenv("JINCAI_SECRET_KEY", "x" * 40)
    assert load_settings().secret_key == "x" * 40
    assert DEFAULT_SECRET != "x" * 40


def test_cli_refuses_default_secret_in_production(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("JINCAI_ENV", "production")
    monkeypatch.setenv("JINCAI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("JINCAI_SECRET_KEY", raising=False)
    get_settings.cache_clear()
    try:
        assert cli.main(["ledger", "check"]) == 2
    finally:
        get_settings.cache_clear()
    assert "JINCAI_SECRET_KEY" in capsys.readouterr().err


@pytest.fixture
def cli_env(database, monkeypatch, tmp_path):
    """A database the CLI has to migrate itself (a fresh SQLite file / PG schema)."""
    from tests.server.conftest import PG_URL, pg_schema_url
    if database.kind == "sqlite":
        url = f"sqlite:///{tmp_path}/cli.sqlite3"
        schema = None
    else:
        import uuid

        from sqlalchemy import create_engine
        schema = f"c_{uuid.uuid4().hex[:10]}"
        e = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with e.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        e.dispose()
        url = pg_schema_url(schema)
    monkeypatch.setenv("JINCAI_DATABASE_URL", url)
    monkeypatch.setenv("JINCAI_DATA_DIR", str(tmp_path))
    get_settings.cache_clear()
    yield url
    get_settings.cache_clear()
    if schema:
        from sqlalchemy import create_engine
        e = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with e.connect() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        e.dispose()


def test_cli_end_to_end(cli_env, capsys):
    assert cli.main(["seed-demo"]) == 2  # not migrated yet: a clear refusal
    assert "jincai-server migrate" in capsys.readouterr().err
    assert cli.main(["migrate"]) == 0
    assert cli.main(["migrate"]) == 0  # idempotent
    assert cli.main(["seed-demo"]) == 0
    out = capsys.readouterr().out
    for role in ("admin", "accountant", "unit_finance_head", "unit_head", "bureau_division", "treasury"):
        assert role in out
    assert cli.main(["seed-demo"]) == 1
    assert cli.main(["create-user", "--username", "zhang3", "--password", "Wenjian-pass-2026",
                     "--role", "accountant", "--unit", "101001"]) == 0
    assert cli.main(["create-user", "--username", "li4", "--password", "Li4-pass-2026x",
                     "--role", "accountant"]) == 1
    assert "必须绑定一个单位" in capsys.readouterr().err
    assert cli.main(["create-user", "--username", "wang5", "--password", "short",
                     "--role", "admin"]) == 1
    assert cli.main(["audit", "verify"]) == 0
    assert "审计链完整" in capsys.readouterr().out
    assert cli.main(["ledger", "check"]) == 0
    assert "指标台账一致" in capsys.readouterr().out
    # a hand edit of a cached balance is caught by `ledger check`
    from server.db import make_engine
    e = make_engine(cli_env)
    with e.begin() as c:
        c.execute(text("ALTER TABLE indicators DROP CONSTRAINT ck_indicators_available_sum")
                  if e.dialect.name == "postgresql" else text("SELECT 1"))
        if e.dialect.name == "postgresql":
            c.execute(text("UPDATE indicators SET paid = paid + 1, available = available - 1 "
                           "WHERE id = 'DEMO20260001'"))
        else:
            c.execute(text("PRAGMA ignore_check_constraints = 1"))
            c.execute(text("UPDATE indicators SET paid = paid + 1, available = available - 1 "
                           "WHERE id = 'DEMO20260001'"))
    e.dispose()
    assert cli.main(["ledger", "check"]) == 1
    assert "DEMO20260001" in capsys.readouterr().err


def test_health_and_version_need_no_token(world):
    h = world.client.get("/health")
    assert h.status_code == 200 and h.json()["status"] == "ok"
    v = world.client.get("/version").json()
    assert v["name"] == "jincai-server" and v["min_protocol_version"] <= v["protocol_version"]
    spec = world.client.get("/openapi.json").json()
    assert "/api/v1/sync/pull" in spec["paths"]


def test_migration_matches_models(database):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from server.db import make_engine
    from server.models import Base
    e = make_engine(database.url)
    with e.connect() as c:
        diffs = compare_metadata(MigrationContext.configure(c, opts={"compare_type": False}),
                                 Base.metadata)
    e.dispose()
    assert diffs == []


def test_check_constraints_guard_the_cache(world):
    from sqlalchemy.exc import IntegrityError
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [{
        "id": "CK-1", "fiscal_year": 2026, "unit_code": "A1", "func_code": "2010101",
        "amount_fen": 100}]}).status_code == 200
    with world.session() as s, pytest.raises(IntegrityError):
        s.execute(text("UPDATE indicators SET reserved = 200, available = -100 WHERE id = 'CK-1'"))
        s.commit()


_ = os


def test_signed_checkpoints_and_offline_export(cli_env, capsys, tmp_path):
    import json

    assert cli.main(["migrate"]) == 0
    assert cli.main(["seed-demo"]) == 0
    capsys.readouterr()
    assert cli.main(["audit", "checkpoint"]) == 0
    out = capsys.readouterr().out
    pub = out.strip().splitlines()[-1].split("：")[-1]
    assert len(pub) == 64
    export = tmp_path / "audit.jsonl"
    assert cli.main(["audit", "export", "--out", str(export)]) == 0
    assert cli.main(["audit", "verify-export", str(export), "--public-key", pub]) == 0
    assert "签名检查点均有效" in capsys.readouterr().out
    # an attacker rewrites event 3 in the export AND recomputes every later hash: the chain is
    # self-consistent again, but the signed head no longer matches
    from server import chain
    lines = export.read_text(encoding="utf-8").splitlines()
    header, rest = lines[0], [json.loads(x) for x in lines[1:]]
    prev = chain.GENESIS
    for item in rest:
        if "event" in item:
            ev = item["event"]
            if ev["seq"] == 3:
                ev["actor"] = "intruder"
            ev["prev_hash"] = prev
            ev["hash"] = prev = chain.event_hash(ev)
    forged = tmp_path / "forged.jsonl"
    forged.write_text("\n".join([header] + [json.dumps(x, ensure_ascii=False) for x in rest]) + "\n",
                      encoding="utf-8")
    assert cli.main(["audit", "verify-export", str(forged), "--public-key", pub]) == 1
    assert "签名后被改写" in capsys.readouterr().out
    assert cli.main(["audit", "verify-export", str(export), "--public-key", "00" * 32]) == 1
    assert cli.main(["audit", "verify"]) == 0


def test_readers_do_not_block_the_writer(world):
    """On SQLite a GET holds a deferred snapshot (WAL), never the write lock."""
    import time
    reader = world.app.state.read_sessionmaker()
    try:
        reader.execute(text("SELECT COUNT(*) FROM indicators")).scalar_one()  # snapshot open
        started = time.perf_counter()
        r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [{
            "id": "RW-1", "fiscal_year": 2026, "unit_code": "A1", "func_code": "2010101",
            "amount_fen": 100}]})
        assert r.status_code == 200 and time.perf_counter() - started < 10
    finally:
        reader.close()


def test_migrations_downgrade_and_upgrade_again(cli_env):
    from alembic import command

    from server.db import make_engine
    from server.migrate import alembic_config, current, expected_heads, upgrade
    head = expected_heads()
    e = make_engine(cli_env)
    upgrade(e)
    assert current(e) == head
    cfg = alembic_config()
    with e.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "base")
    assert current(e) is None
    upgrade(e)
    assert current(e) == head
    with e.connect() as c:
        assert c.execute(text("SELECT audit_hash FROM chain_head")).scalar_one() == "0" * 64
    e.dispose()


def test_gen_secret(capsys):
    assert cli.main(["gen-secret"]) == 0
    secret = capsys.readouterr().out.strip()
    assert len(secret) >= 48 and secret != DEFAULT_SECRET


def test_migrations_have_a_single_head() -> None:
    """Parallel branches are allowed while work is in flight, but a release has one head, so
    operators' plain `alembic upgrade head` works."""
    from alembic.script import ScriptDirectory

    from server.migrate import alembic_config
    assert len(ScriptDirectory.from_config(alembic_config()).get_heads()) == 1


def test_demo_passwords_never_contain_the_username() -> None:
    """Seeding drew random passwords and failed by chance when one contained a short username."""
    from server.security import password_problem
    from server.seed import _password
    for _ in range(2000):
        assert password_problem(_password("gk"), username="gk") is None


def test_refdata_publish_sends_changes_without_a_restart(cli_env, capsys, tmp_path, monkeypatch):
    """`jincai-server refdata publish`: what changed gets a new sequence number (clients get it
    at their next sync); a second run finds nothing to publish."""
    import json
    import shutil

    from fiscal.dictionaries import dictionaries
    from fiscal.resources import resources_dir

    assert cli.main(["migrate"]) == 0
    assert cli.main(["seed-demo"]) == 0
    capsys.readouterr()
    assert cli.main(["refdata", "publish"]) == 0
    first = capsys.readouterr().out
    assert "分类代码表 无变化" not in first  # a CLI-only installation had not published them yet
    assert cli.main(["refdata", "publish"]) == 0
    assert capsys.readouterr().out.count("无变化") == 2
    target = tmp_path / "resources"
    shutil.copytree(resources_dir(), target)
    monkeypatch.setenv("JINCAI_RESOURCES", str(target))
    resources_dir.cache_clear()
    dictionaries.cache_clear()
    try:
        override = target / "dictionaries" / "regions" / "330700.json"
        data = json.loads(override.read_text(encoding="utf-8"))
        data.setdefault("thresholds", {})["cash_settlement_start_fen"] = 60_000
        override.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
        assert cli.main(["refdata", "publish"]) == 0
        out = capsys.readouterr().out
        assert "分类代码表 无变化" in out and "330700" in out
    finally:
        monkeypatch.delenv("JINCAI_RESOURCES")
        resources_dir.cache_clear()
        dictionaries.cache_clear()
    assert cli.main(["audit", "verify"]) == 0

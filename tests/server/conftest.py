"""Server test fixtures: every module runs against SQLite and PostgreSQL (JINCAI_TEST_PG_URL),
each module on a fresh database state (a new SQLite file / a new PostgreSQL schema) built by the
real Alembic migrations."""
from __future__ import annotations

import os
import uuid
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

with warnings.catch_warnings():  # starlette's TestClient on httpx 0.28 warns on import
    warnings.simplefilter("ignore")
    import fastapi.testclient  # noqa: F401

PG_URL = os.environ.get("JINCAI_TEST_PG_URL", "").strip()
# In CI PostgreSQL is part of the contract: its absence fails the PostgreSQL tests instead of
# quietly skipping them.
PG_REQUIRED = os.environ.get("CI", "").lower() == "true"

DB_PARAMS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("postgres", id="postgres", marks=[
        pytest.mark.postgres,
        pytest.mark.skipif(not PG_URL and not PG_REQUIRED, reason="JINCAI_TEST_PG_URL is empty: PostgreSQL not available")]),
]


def pg_schema_url(schema: str) -> str:
    sep = "&" if "?" in PG_URL else "?"
    return f"{PG_URL}{sep}options={quote(f'-csearch_path={schema}')}"


@dataclass
class Database:
    kind: str
    url: str
    data_dir: str
    schema: str | None = None
    _cleanup: list = field(default_factory=list)


def make_database(kind: str, tmp_dir) -> Database:
    from server.db import make_engine
    from server.migrate import upgrade

    if kind == "sqlite":
        url = f"sqlite:///{tmp_dir}/server.sqlite3"
        db = Database(kind, url, str(tmp_dir))
    else:
        if not PG_URL:
            pytest.fail("CI=true but JINCAI_TEST_PG_URL is empty: scripts/start-postgres.sh could not "
                        "start PostgreSQL (see its [postgres] lines above)")
        schema = f"t_{uuid.uuid4().hex[:12]}"
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'CREATE SCHEMA "{schema}"'))
        admin.dispose()
        db = Database(kind, pg_schema_url(schema), str(tmp_dir), schema)
    engine = make_engine(db.url)
    upgrade(engine)
    engine.dispose()
    return db


def drop_database(db: Database) -> None:
    if db.kind == "postgres":
        admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{db.schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="module", params=DB_PARAMS)
def database(request, tmp_path_factory):
    db = make_database(request.param, tmp_path_factory.mktemp(f"db-{request.param}"))
    yield db
    drop_database(db)


class Api:
    """A TestClient bound to one user's access token."""

    def __init__(self, client, token: str | None = None):
        self.client = client
        self.token = token

    def _h(self, headers=None):
        h = dict(headers or {})
        if self.token:
            h["Authorization"] = f"Bearer {self.token}"
        return h

    def get(self, url, **kw):
        return self.client.get(url, headers=self._h(kw.pop("headers", None)), **kw)

    def post(self, url, **kw):
        return self.client.post(url, headers=self._h(kw.pop("headers", None)), **kw)

    def put(self, url, **kw):
        return self.client.put(url, headers=self._h(kw.pop("headers", None)), **kw)

    def patch(self, url, **kw):
        return self.client.patch(url, headers=self._h(kw.pop("headers", None)), **kw)

    def delete(self, url, **kw):
        return self.client.delete(url, headers=self._h(kw.pop("headers", None)), **kw)


PASSWORD = "Passw0rd-Test-123"
YEAR = 2026


@dataclass
class World:
    db: Database
    settings: object
    app: object
    client: object
    sessionmaker: object
    apis: dict

    def api(self, username: str | None) -> Api:
        if username is None:
            return Api(self.client)
        return self.apis[username]

    def session(self):
        return self.sessionmaker()

    def counts(self) -> dict:
        """Row counts of every table plus the chain head: 'nothing written' checks."""
        from server.models import Base
        with self.sessionmaker() as s:
            out = {t.name: s.execute(text(f"SELECT COUNT(*) FROM {t.name}")).scalar_one()
                   for t in Base.metadata.sorted_tables if t.name not in ("refresh_tokens",)}
            out["head"] = tuple(s.execute(text(
                "SELECT sync_seq, audit_seq, audit_hash FROM chain_head")).one())
        return out


UNITS = [("A1", "DA", "行政"), ("A2", "DA", "事业"), ("B1", "DB", "行政")]
USERS = [("acc_a1", "accountant", "A1", None), ("acc_a2", "accountant", "A2", None),
         ("acc_b1", "accountant", "B1", None), ("fin_a1", "unit_finance_head", "A1", None),
         ("bur_a", "bureau_division", None, ["DA"]), ("bur_b", "bureau_division", None, ["DB"]),
         ("treas", "treasury", None, ["DA", "DB"]), ("admin", "admin", None, None)]


def build_world(db: Database, **setting_overrides) -> World:
    from fastapi.testclient import TestClient

    from server import chain
    from server.app import create_app
    from server.db import make_engine
    from server.services import org
    from server.settings import load_settings

    settings = load_settings(database_url=db.url, data_dir=__import__("pathlib").Path(db.data_dir),
                             **setting_overrides)
    engine = make_engine(db.url)
    app = create_app(settings, engine)
    sm = app.state.sessionmaker
    with sm() as s, _one_hash():
        chain.ensure_head(s)
        org.ensure_region(s, "330700000", "金华市本级")
        for code, name in (("DA", "甲部门"), ("DB", "乙部门")):
            org.create_department(s, code=code, name=name, region_code="330700000")
        for code, dept, utype in UNITS:
            org.create_unit(s, code=code, name=f"单位{code}", department_code=dept, unit_type=utype)
        for username, role, unit, oversees in USERS:
            org.create_user(s, username=username, password=PASSWORD, role=role, unit_code=unit,
                            oversees=oversees)
        s.commit()
    client = TestClient(app, raise_server_exceptions=False)
    apis = {}
    # Tokens are issued directly (test_auth exercises the real login): argon2 on every fixture
    # would cost seconds per module.
    from server.models import User
    from server.services.auth import _issue
    with sm() as s:
        for username, *_ in USERS:
            user = s.query(User).filter_by(username=username).one()
            pair = _issue(s, settings, user, device_id=f"dev-{username}", device_name=None)
            apis[username] = Api(client, pair["access_token"])
        s.commit()
    return World(db, settings, app, client, sm, apis)


@contextmanager
def _one_hash():
    """Every test user has the same password: hash it once per process, not once per user."""
    from server import security
    from server.services import org
    real = security.hash_password
    cache: dict[str, str] = {}

    def cached(password: str) -> str:
        if password not in cache:
            cache[password] = real(password)
        return cache[password]
    org.hash_password = cached
    try:
        yield
    finally:
        org.hash_password = real


@pytest.fixture(scope="module")
def world(database):
    w = build_world(database)
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def indicator(id_: str, unit: str, amount_fen: int, *, func="2010101", eco="30299", **kw) -> dict:
    d = {"id": id_, "fiscal_year": YEAR, "unit_code": unit, "func_code": func,
         "dep_eco_code": eco, "amount_fen": amount_fen}
    d.update(kw)
    return d


def draft(indicator_id: str, amount_fen: int, **kw) -> dict:
    d = {"indicator_id": indicator_id, "amount_fen": amount_fen, "payee_name": "某某文具有限公司",
         "payee_account": "6222021234567890123", "payee_bank": "中国工商银行金华分行",
         "use_des": "支付物业维修材料款", "dep_eco_code": "30299", "settlement_mode": "1"}
    d.update(kw)
    return d


def new_id() -> str:
    return str(uuid.uuid4())

"""Client sync against the real server, a uvicorn process on loopback (issue 5's benchmarks):

- first sync of 100,000 indicators into an empty local database (target < 20 s), with the
  client's peak RSS;
- a sync with nothing to do (target < 200 ms; median of 5);
- pushing 1,000 queued applications (each a save_draft + submit command: 2,000 commands),
  the pull of what they changed included (target < 15 s).

Each is a ratio to the time the server alone needs to serve the same requests, measured in
the same run with raw httpx calls from the same client process (same page size, same chunks
of commands, JSON decoded, nothing written locally). The server runs on an SQLite file and,
when ``JINCAI_TEST_PG_URL`` is set, on PostgreSQL. The client runs in a child process, so
its peak RSS is the client's alone. Every loop is bounded; nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from urllib.parse import quote

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Bench-Passw0rd-2026"
INDICATORS = int(os.environ.get("JINCAI_BENCH_SYNC_INDICATORS", "100000"))
APPLICATIONS = int(os.environ.get("JINCAI_BENCH_SYNC_APPLICATIONS", "1000"))
BULK = 5_000
TARGETS = {"first": 20.0, "noop": 0.2, "push": 15.0}
PROTO = {"X-Jincai-Protocol": "1"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


# ---------------------------------------------------------------------------- server side

def _seed(url: str) -> None:
    from server import chain
    from server.db import make_engine, make_session_factory
    from server.migrate import upgrade
    from server.services import org

    engine = make_engine(url)
    try:
        upgrade(engine)
        with make_session_factory(engine)() as s:
            chain.ensure_head(s)
            org.ensure_region(s, "330700000", "金华市本级")
            org.create_department(s, code="D1", name="压测部门", region_code="330700000")
            for unit in ("U000", "U001"):
                org.create_unit(s, code=unit, name=f"压测单位{unit}", department_code="D1",
                                unit_type="行政")
            org.create_user(s, username="acc000", password=PASSWORD, role="accountant",
                            unit_code="U000")
            org.create_user(s, username="acc001", password=PASSWORD, role="accountant",
                            unit_code="U001")
            org.create_user(s, username="bureau", password=PASSWORD, role="bureau_division",
                            oversees=["D1"])
            s.commit()
    finally:
        engine.dispose()


def _login(client, username: str) -> dict:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD,
                                                 "device_id": f"bench-raw-{username}"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _load_indicators(base: str) -> None:
    import httpx

    with httpx.Client(base_url=base, timeout=600) as c:
        bureau = _login(c, "bureau")
        big = [{"id": f"APP-{u}", "fiscal_year": 2026, "unit_code": u, "func_code": "2010101",
                "dep_eco_code": "30299", "amount_fen": 10**12} for u in ("U000", "U001")]
        c.post("/api/v1/indicators/bulk", json={"items": big}, headers=bureau).raise_for_status()
        for b in range(0, INDICATORS, BULK):
            items = [{"id": f"SYNC-{i:06d}", "fiscal_year": 2026, "unit_code": "U000",
                      "func_code": "2010101", "dep_eco_code": "30299", "amount_fen": 1_000_00 + i,
                      "doc_no": f"金财预〔2026〕{i}号", "pro_name": f"压测项目{i % 97}",
                      "fund_type_code": "1"}
                     for i in range(b, min(b + BULK, INDICATORS))]
            c.post("/api/v1/indicators/bulk", json={"items": items},
                   headers=bureau).raise_for_status()


def _backend(name: str, url: str) -> list[dict]:
    import httpx

    data_dir = tempfile.mkdtemp(prefix="jincai-bench-sync-")
    _seed(url)
    port = _free_port()
    env = dict(os.environ, JINCAI_DATABASE_URL=url, JINCAI_DATA_DIR=data_dir)
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "server.main:app", "--host",
                             "127.0.0.1", "--port", str(port), "--log-level", "warning"],
                            env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        _load_indicators(base)
        work = tempfile.mkdtemp(prefix="jincai-bench-client-")
        out = subprocess.run([sys.executable, "-m", "bench.bench_sync", "--client", base, work],
                             check=False, cwd=ROOT, capture_output=True, text=True, timeout=1800,
                             env=dict(os.environ, JINCAI_DATA_DIR=work))
        if out.returncode != 0:
            raise RuntimeError(f"client failed: {out.stderr[-2000:]}")
        m = json.loads(out.stdout.strip().splitlines()[-1])
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
    warned = _warnings_raised(url)

    def row(bench: str, key: str, target: float, note: str) -> dict:
        value, baseline = m[key], m[f"{key}_raw"]
        verdict = "met" if value < target else "MISSED"
        return {"benchmark": f"{bench}, {name}", "value": value, "unit": "s", "baseline": baseline,
                "ratio": value / baseline if baseline else None,
                "note": f"target < {target:g} s: {verdict}; {note}"}

    return [
        row(f"first sync of {m['indicators']:,} indicators", "first", TARGETS["first"],
            f"pages of {m['page_size']}; baseline = the same pages by raw httpx (JSON decoded)"),
        {"benchmark": f"client peak RSS during the first sync, {name}", "value": m["rss_mb"],
         "unit": "MB", "note": f"ru_maxrss of the client process (before the sync: {m['rss_start_mb']:.0f} MB)"},
        row("sync with nothing to do (median of 5)", "noop", TARGETS["noop"],
            "baseline = /version, an empty pull, the two count requests"),
        row(f"push {APPLICATIONS:,} queued applications ({m['commands']:,} commands)", "push",
            TARGETS["push"], f"chunks of {m['chunk_size']} commands, then the pull of the result; "
            "baseline = the same commands (other unit) + the same pull by raw httpx; "
            f"warnings raised at submission (both units): {warned}"),
    ]


def _warnings_raised(url: str) -> str:
    """What the push data makes the 事中 monitoring store, per rule: the bench's cost depends
    on it (each stored warning is a row, a sequence number and an audit event)."""
    from sqlalchemy import create_engine, func, select

    from server.models import MonitorWarning

    engine = create_engine(url)
    try:
        with engine.connect() as c:
            counts = c.execute(select(MonitorWarning.rule_id, func.count()).group_by(
                MonitorWarning.rule_id).order_by(MonitorWarning.rule_id)).all()
    finally:
        engine.dispose()
    return ", ".join(f"{rule} {n:,}" for rule, n in counts) or "none"


def run() -> list[dict]:
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="jincai-bench-sqlite-") as tmp:
        rows += _backend("SQLite", f"sqlite:///{tmp}/server.sqlite3")
    pg = os.environ.get("JINCAI_TEST_PG_URL", "").strip()
    if not pg:
        rows.append({"benchmark": "sync, PostgreSQL", "value": "", "unit": "",
                     "note": "skipped: JINCAI_TEST_PG_URL is empty"})
        return rows
    from sqlalchemy import create_engine, text

    schema = f"bench_sync_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        rows += _backend("PostgreSQL", _schema_url(pg, schema))
    finally:
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return rows


# ---------------------------------------------------------------------------- client side

def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _client(base: str, work: str) -> dict:
    import httpx
    import keyring
    from keyring.backend import KeyringBackend
    from sqlalchemy import func, select

    from app.db import open_database
    from app.models import Indicator, OutboxCommand
    from app.services import DraftInput, queue_application, save_draft
    from app.sync.engine import SyncEngine
    from app.sync.http import HttpTransport, sign_in

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict = {}

        def get_password(self, service, username):
            return self.store.get((service, username))

        def set_password(self, service, username, password):
            self.store[(service, username)] = password

        def delete_password(self, service, username):
            self.store.pop((service, username), None)

    keyring.set_keyring(MemoryKeyring())
    db = open_database(Path(work) / "jincai.sqlite3")
    sign_in(db=db, server_url=base, username="acc000", password=PASSWORD, device_id="bench-client")
    transport = HttpTransport(server_url=base, username="acc000", device_id="bench-client",
                              timeout=300)

    def engine() -> SyncEngine:
        return SyncEngine(db=db, transport=transport, server_url=base)

    raw = httpx.Client(base_url=base, timeout=300)
    acc0 = {**_login(raw, "acc000"), **PROTO}
    acc1 = {**_login(raw, "acc001"), **PROTO}

    def pull_all(headers, since=0) -> int:
        pages = 0
        while pages < 10_000:
            page = raw.get("/api/v1/sync/pull", params={"since": since, "limit": m["page_size"]},
                           headers=headers).json()
            since, pages = page["next_since"], pages + 1
            if not page["has_more"]:
                return since
        return since

    # ---- first sync, then the server alone serving the same pages
    m: dict = {"rss_start_mb": _rss_mb()}
    eng = engine()
    m["page_size"], m["chunk_size"] = eng.page_size, eng.chunk_size
    started = time.perf_counter()
    report = eng.run()
    m["first"] = time.perf_counter() - started
    m["rss_mb"] = _rss_mb()
    assert report.sanity_ok is True, report
    with db.read() as s:
        m["indicators"] = s.scalar(select(func.count()).select_from(Indicator)) - 1  # APP-U000
    started = time.perf_counter()
    head = pull_all(acc0)
    m["first_raw"] = time.perf_counter() - started

    # ---- nothing to do
    times = []
    for _ in range(5):
        started = time.perf_counter()
        engine().run()
        times.append(time.perf_counter() - started)
    m["noop"] = statistics.median(times)

    def noop_raw() -> None:
        raw.get("/version").raise_for_status()
        raw.get("/api/v1/sync/pull", params={"since": head, "limit": m["page_size"]},
                headers=acc0).json()
        raw.get("/api/v1/indicators", params={"limit": 1}, headers=acc0).json()
        raw.get("/api/v1/applications", params={"limit": 1}, headers=acc0).json()

    times = []
    for _ in range(5):
        started = time.perf_counter()
        noop_raw()
        times.append(time.perf_counter() - started)
    m["noop_raw"] = statistics.median(times)

    # ---- push 1,000 queued applications
    for i in range(APPLICATIONS):
        app_id = save_draft(db=db, draft=DraftInput(
            indicator_id="APP-U000", amount=100_00 + i, use_des=f"支付办公用品款{i}",
            payee_name="某某文具有限公司", payee_account="6222021234567890123",
            payee_bank="中国工商银行金华分行", dep_eco_code="30299", fiscal_year=2026,
            settlement_mode="转账")).application.id
        queue_application(db=db, application_id=app_id)
    with db.read() as s:
        commands = [(c.kind, dict(c.payload or {})) for c in s.scalars(
            select(OutboxCommand).where(OutboxCommand.state == "pending").order_by(OutboxCommand.id))]
    m["commands"] = len(commands)
    started = time.perf_counter()
    report = engine().run()
    m["push"] = time.perf_counter() - started
    assert (report.pushed, report.refused) == (len(commands), 0), report
    transport.close()
    db.close()

    # the same commands for unit U001, in the engine's order: per block of chunk_size
    # applications, their save_draft commands, then their submits; then the same pull
    start1 = pull_all(acc1)
    saves = [p for k, p in commands if k == "application.save_draft"]
    ids = [str(uuid.uuid4()) for _ in saves]
    chunk = m["chunk_size"]
    started = time.perf_counter()
    raw.get("/version").raise_for_status()
    for b in range(0, len(saves), chunk):
        batch = [{"idempotency_key": str(uuid.uuid4()), "type": "application.save_draft",
                  "entity_id": ids[b + j], "payload": {**p, "indicator_id": "APP-U001",
                                                       "unit_code": None}}
                 for j, p in enumerate(saves[b:b + chunk])]
        for cmds in (batch, [{"idempotency_key": str(uuid.uuid4()), "type": "application.submit",
                              "entity_id": x["entity_id"], "payload": {}} for x in batch]):
            r = raw.post("/api/v1/sync/push", json={"commands": cmds}, headers=acc1)
            r.raise_for_status()
            bad = [x for x in r.json()["results"] if x["status"] != "ok"]
            assert not bad, bad[:3]
    pull_all(acc1, start1)
    raw.get("/api/v1/indicators", params={"limit": 1}, headers=acc1).json()
    raw.get("/api/v1/applications", params={"limit": 1}, headers=acc1).json()
    m["push_raw"] = time.perf_counter() - started
    raw.close()
    return m


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--client":
        print(json.dumps(_client(sys.argv[2], sys.argv[3])))
    else:
        for r in run():
            print(r)

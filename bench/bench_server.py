"""Central server on PostgreSQL, through real HTTP to a uvicorn process on loopback:
payment submissions per second with 1, 8 and 32 concurrent clients (each client submits its own
drafts against its own indicator; baseline = 1 client), bulk indicator import, and the time to
pull 100,000 indicators through the sync API (baseline = a bare SELECT of the same rows).

Needs JINCAI_TEST_PG_URL (``make bench`` sets it); without it the rows say so and carry no value.
Every loop is bounded; nothing leaves 127.0.0.1.
"""
from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from urllib.parse import quote

PASSWORD = "Bench-Passw0rd-2026"
SUBMITS = {1: 150, 8: 400, 32: 640}
PULL_ROWS = 100_000
WORKERS = int(os.environ.get("JINCAI_BENCH_WORKERS", "1"))  # uvicorn worker processes
BATCH = 5_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _schema_url(base: str, schema: str) -> str:
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


def run() -> list[dict]:
    pg = os.environ.get("JINCAI_TEST_PG_URL", "").strip()
    if not pg:
        return [{"benchmark": "server (PostgreSQL)", "value": "", "unit": "",
                 "note": "skipped: JINCAI_TEST_PG_URL is empty (PostgreSQL not available)"}]
    import httpx
    from sqlalchemy import create_engine, text

    from server import chain
    from server.db import make_engine, make_session_factory
    from server.migrate import upgrade
    from server.services import org

    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = _schema_url(pg, schema)
    engine = make_engine(url)
    data_dir = tempfile.mkdtemp(prefix="jincai-bench-")
    proc = None
    rows: list[dict] = []
    try:
        upgrade(engine)
        sm = make_session_factory(engine)
        clients = max(SUBMITS)
        with sm() as s:
            chain.ensure_head(s)
            org.ensure_region(s, "330700000", "金华市本级")
            org.create_department(s, code="D1", name="压测部门", region_code="330700000")
            for i in range(clients):
                org.create_unit(s, code=f"U{i:03d}", name=f"压测单位{i}", department_code="D1",
                                unit_type="行政")
                org.create_user(s, username=f"acc{i:03d}", password=PASSWORD, role="accountant",
                                unit_code=f"U{i:03d}")
            org.create_user(s, username="bureau", password=PASSWORD, role="bureau_division",
                            oversees=["D1"])
            s.commit()
        port = _free_port()
        env = dict(os.environ, JINCAI_DATABASE_URL=url, JINCAI_DATA_DIR=data_dir)
        proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "server.main:app", "--host",
                                 "127.0.0.1", "--port", str(port), "--log-level", "warning",
                                 "--workers", str(WORKERS)],
                                env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        base = f"http://127.0.0.1:{port}"
        for _ in range(300):
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        rows += _submissions(base, clients)
        rows += _pull(base, engine)
    finally:
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
        engine.dispose()
        with admin.connect() as c:
            c.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()
    return rows


def _login(client, username: str) -> dict:
    r = client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD,
                                                 "device_id": f"bench-{username}"})
    r.raise_for_status()
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


def _submissions(base: str, clients: int) -> list[dict]:
    import httpx
    with httpx.Client(base_url=base, timeout=120) as c:
        bureau = _login(c, "bureau")
        tokens = [_login(c, f"acc{i:03d}") for i in range(clients)]
        items = [{"id": f"BENCH-{i:03d}", "fiscal_year": 2026, "unit_code": f"U{i:03d}",
                  "func_code": "2010101", "dep_eco_code": "30299", "amount_fen": 10**12}
                 for i in range(clients)]
        c.post("/api/v1/indicators/bulk", json={"items": items}, headers=bureau).raise_for_status()

    async def level(n: int, total: int) -> float:
        per = total // n
        limits = httpx.Limits(max_connections=n + 4)
        async with httpx.AsyncClient(base_url=base, timeout=120, limits=limits) as ac:
            drafts: list[list[str]] = []
            for k in range(n):
                ids = [str(uuid.uuid4()) for _ in range(per)]
                drafts.append(ids)

            async def make(k: int) -> None:
                for aid in drafts[k]:
                    r = await ac.put(f"/api/v1/applications/{aid}", headers=tokens[k], json={
                        "indicator_id": f"BENCH-{k:03d}", "amount_fen": 1_00,
                        "payee_name": "某某公司", "payee_account": "6222000011112222",
                        "use_des": "压测", "dep_eco_code": "30299", "settlement_mode": "1"})
                    r.raise_for_status()
            await asyncio.gather(*(make(k) for k in range(n)))

            async def submit(k: int) -> None:
                for aid in drafts[k]:
                    r = await ac.post(f"/api/v1/applications/{aid}/submit", headers=tokens[k])
                    r.raise_for_status()
            started = time.perf_counter()
            await asyncio.gather(*(submit(k) for k in range(n)))
            return per * n / (time.perf_counter() - started)

    rates = {n: asyncio.run(level(n, total)) for n, total in SUBMITS.items()}
    base_rate = rates[1]
    return [{"benchmark": f"submit payment application, {n} concurrent client(s), PostgreSQL",
             "value": rate, "unit": "submissions/s", "baseline": base_rate,
             "ratio": rate / base_rate,
             "note": f"ratio = throughput relative to 1 client; {WORKERS} uvicorn worker(s)"}
            for n, rate in rates.items()]


def _pull(base: str, engine) -> list[dict]:
    import httpx
    from sqlalchemy import text
    with httpx.Client(base_url=base, timeout=300) as c:
        bureau = _login(c, "bureau")
        acc = _login(c, "acc000")
        started = time.perf_counter()
        for b in range(0, PULL_ROWS, BATCH):
            items = [{"id": f"PULL-{i:06d}", "fiscal_year": 2026, "unit_code": "U000",
                      "func_code": "2010101", "dep_eco_code": "30299", "amount_fen": 1_000_00,
                      "doc_no": f"金财预〔2026〕{i}号", "pro_name": "压测项目"}
                     for i in range(b, b + BATCH)]
            c.post("/api/v1/indicators/bulk", json={"items": items}, headers=bureau).raise_for_status()
        upsert_rate = PULL_ROWS / (time.perf_counter() - started)

        with engine.connect() as conn:
            started = time.perf_counter()
            n = len(conn.execute(text("SELECT * FROM indicators")).all())
            bare = time.perf_counter() - started
        started = time.perf_counter()
        since, got, pages = 0, 0, 0
        headers = {**acc, "X-Jincai-Protocol": "1"}
        while pages < 1000:
            page = c.get("/api/v1/sync/pull", params={"since": since, "limit": 5000},
                         headers=headers).json()
            got += sum(1 for ch in page["changes"] if ch["entity"] == "indicator")
            since, pages = page["next_since"], pages + 1
            if not page["has_more"]:
                break
        pull = time.perf_counter() - started
    assert got >= PULL_ROWS, (got, n)
    return [
        {"benchmark": "bulk indicator upsert over HTTP (5,000 per request), PostgreSQL",
         "value": upsert_rate, "unit": "indicators/s", "note": "journal + audit event per row"},
        {"benchmark": f"sync pull of {got:,} indicators ({pages} pages of 5,000), PostgreSQL",
         "value": pull, "unit": "s", "baseline": bare, "ratio": pull / bare,
         "note": "baseline = bare SELECT * of the indicators table"},
    ]


if __name__ == "__main__":
    for row in run():
        print(row)

"""Atomic reservation under real concurrency: HTTP requests against a uvicorn process.

200 concurrent submissions against an indicator with room for exactly 50 → exactly 50 accepted,
available exactly 0, ledger clean; and a mixed storm of submits and withdrawals keeps the books
exact. Runs on PostgreSQL (row locks) and, smaller, on SQLite (serialized writes)."""
from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import time
from collections import Counter

import httpx
import pytest

from tests.server.conftest import DB_PARAMS, PASSWORD, draft, drop_database, make_database, new_id

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module", params=DB_PARAMS)
def live(request, tmp_path_factory):
    db = make_database(request.param, tmp_path_factory.mktemp(f"live-{request.param}"))
    from server import chain
    from server.db import make_engine, make_session_factory
    from server.services import org
    engine = make_engine(db.url)
    sm = make_session_factory(engine)
    with sm() as s:
        chain.ensure_head(s)
        org.ensure_region(s, "330700000", "金华市本级")
        org.create_department(s, code="DA", name="甲部门", region_code="330700000")
        org.create_unit(s, code="A1", name="单位A1", department_code="DA", unit_type="行政")
        org.create_user(s, username="acc", password=PASSWORD, role="accountant", unit_code="A1")
        org.create_user(s, username="bur", password=PASSWORD, role="bureau_division", oversees=["DA"])
        s.commit()
    port = free_port()
    env = dict(os.environ, JINCAI_DATABASE_URL=db.url, JINCAI_DATA_DIR=db.data_dir,
               JINCAI_ENV="development")
    proc = subprocess.Popen([sys.executable, "-m", "uvicorn", "server.main:app", "--host", "127.0.0.1",
                             "--port", str(port), "--log-level", "warning",
                             "--timeout-keep-alive", "120"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            time.sleep(0.1)
    else:
        proc.kill()
        pytest.fail("uvicorn did not start: " + proc.stderr.read().decode(errors="replace"))
    tokens = {}
    for u in ("acc", "bur"):
        r = httpx.post(f"{base}/api/v1/auth/login", json={"username": u, "password": PASSWORD,
                                                          "device_id": f"load-{u}"})
        tokens[u] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    yield {"base": base, "tokens": tokens, "db": db, "sm": sm, "kind": request.param}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    engine.dispose()
    drop_database(db)


def _books_are_clean(live):
    from server import chain, ledger
    with live["sm"]() as s:
        assert ledger.check(s) == []
        assert chain.verify(s).ok


def _make_drafts(live, ind_id, n, amount):
    ids = [new_id() for _ in range(n)]
    with httpx.Client(base_url=live["base"], headers=live["tokens"]["acc"], timeout=60) as c:
        for aid in ids:
            r = c.put(f"/api/v1/applications/{aid}", json=draft(ind_id, amount))
            assert r.status_code == 201, r.text
    return ids


def _indicator(live, ind_id, amount):
    r = httpx.post(f"{live['base']}/api/v1/indicators/bulk", headers=live["tokens"]["bur"], timeout=60,
                   json={"items": [{"id": ind_id, "fiscal_year": 2026, "unit_code": "A1",
                                    "func_code": "2010101", "dep_eco_code": "30299",
                                    "amount_fen": amount}]})
    assert r.status_code == 200, r.text


async def _storm(live, ops):
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
    async with httpx.AsyncClient(base_url=live["base"], headers=live["tokens"]["acc"],
                                 timeout=120, limits=limits) as c:
        async def one(kind, aid):
            # submit and withdraw are idempotent, so a request lost on a loaded machine
            # (connection reset) is simply sent again, as the desktop client does
            for attempt in range(3):
                try:
                    r = await c.post(f"/api/v1/applications/{aid}/{kind}")
                    return kind, aid, r.status_code, r.json()
                except httpx.TransportError:
                    if attempt == 2:
                        raise
                    await asyncio.sleep(0.2)
        return await asyncio.gather(*(one(k, a) for k, a in ops))


def test_200_concurrent_submissions_exactly_50_accepted(live):
    n = 200 if live["kind"] == "postgres" else 80
    _indicator(live, "RACE-1", 50 * 1_00)
    ids = _make_drafts(live, "RACE-1", n, 1_00)
    results = asyncio.run(_storm(live, [("submit", a) for a in ids]))
    codes = Counter(status for _, _, status, _ in results)
    assert codes == {200: 50, 409: n - 50}, codes
    assert all(body["code"] == "insufficient_balance" for _, _, st, body in results if st == 409)
    with httpx.Client(base_url=live["base"], headers=live["tokens"]["acc"]) as c:
        ind = c.get("/api/v1/indicators/RACE-1").json()
        states = Counter(c.get(f"/api/v1/applications/{a}").json()["status"] for a in ids)
    assert states == {"submitted": 50, "draft": n - 50}
    assert ind["available_fen"] == 0 and ind["reserved_fen"] == 50 * 1_00
    _books_are_clean(live)


def test_mixed_submit_and_withdraw_storm(live):
    n = 100 if live["kind"] == "postgres" else 40
    room = 50 if live["kind"] == "postgres" else 20
    _indicator(live, "RACE-2", room * 1_00)
    ids = _make_drafts(live, "RACE-2", n, 1_00)
    rnd = random.Random(7)
    ops = [(rnd.choice(["submit", "submit", "withdraw"]), rnd.choice(ids)) for _ in range(3 * n)]
    results = asyncio.run(_storm(live, ops))
    assert not [r for r in results if r[2] >= 500], [r for r in results if r[2] >= 500][:3]
    with httpx.Client(base_url=live["base"], headers=live["tokens"]["acc"]) as c:
        statuses = Counter(c.get(f"/api/v1/applications/{a}").json()["status"] for a in ids)
        ind = c.get("/api/v1/indicators/RACE-2").json()
    assert statuses["submitted"] <= room
    assert ind["reserved_fen"] == statuses["submitted"] * 1_00
    assert ind["available_fen"] == (room - statuses["submitted"]) * 1_00 >= 0
    _books_are_clean(live)


def test_identical_draft_creations_racing(live):
    _indicator(live, "RACE-3", 1_000_00)
    aid = new_id()

    async def go():
        async with httpx.AsyncClient(base_url=live["base"], headers=live["tokens"]["acc"],
                                     timeout=60) as c:
            return await asyncio.gather(*(c.put(f"/api/v1/applications/{aid}",
                                                json=draft("RACE-3", 1_00)) for _ in range(10)))
    rs = asyncio.run(go())
    assert sorted(r.status_code for r in rs) == [200] * 9 + [201], [r.text for r in rs]
    assert len({r.json()["app_no"] for r in rs}) == 1


def test_same_push_sent_four_times_at_once(live):
    """A client whose push timed out sends the same chunk again while the first is still
    running: each command runs once, every copy gets the same answers, the books stay clean."""
    from sqlalchemy import func, select

    from server.models import Application, IdempotencyRecord

    _indicator(live, "RACE-4", 1_000_00)
    ids = [new_id() for _ in range(12)]
    cmds = [{"idempotency_key": f"dup-{a}-s", "type": "application.save_draft", "entity_id": a,
             "payload": draft("RACE-4", 10_00)} for a in ids]
    cmds += [{"idempotency_key": f"dup-{a}-u", "type": "application.submit", "entity_id": a}
             for a in ids]

    async def go():
        async with httpx.AsyncClient(base_url=live["base"], timeout=120, headers={
                **live["tokens"]["acc"], "X-Jincai-Protocol": "1"}) as c:
            return await asyncio.gather(*(c.post("/api/v1/sync/push", json={"commands": cmds})
                                          for _ in range(4)))
    rs = asyncio.run(go())
    assert all(r.status_code == 200 for r in rs), [r.text[:300] for r in rs]
    answers = [[(x["status"], x["http_status"], (x["data"] or {}).get("app_no"))
                for x in r.json()["results"]] for r in rs]
    assert all(a == answers[0] for a in answers)  # replays answer exactly as the original
    assert [s for s, *_ in answers[0]] == ["ok"] * 24
    with live["sm"]() as s:
        assert s.scalar(select(func.count()).select_from(Application)
                        .where(Application.indicator_id == "RACE-4")) == 12
        assert s.scalar(select(func.count()).select_from(IdempotencyRecord)
                        .where(IdempotencyRecord.key.like("dup-%"))) == 24
    ind = httpx.get(f"{live['base']}/api/v1/indicators/RACE-4", headers=live["tokens"]["acc"]).json()
    assert ind["reserved_fen"] == 12 * 10_00
    _books_are_clean(live)


def test_concurrent_pushes_never_overspend(live):
    """Four clients push drafts and submissions for one indicator at once, with room for 50 of
    the 80 (push groups run without savepoints until a refusal, then redo with them): exactly
    50 are submitted, the 30 others are refused for the balance and stay drafts, books clean."""
    n_clients, per = 4, 20
    _indicator(live, "RACE-P", 50 * 1_00)
    batches = []
    for k in range(n_clients):
        ids = [new_id() for _ in range(per)]
        cmds = [{"idempotency_key": f"rp{k}-{a}-s", "type": "application.save_draft",
                 "entity_id": a, "payload": draft("RACE-P", 1_00)} for a in ids]
        cmds += [{"idempotency_key": f"rp{k}-{a}-u", "type": "application.submit", "entity_id": a}
                 for a in ids]
        batches.append((ids, cmds))

    async def go():
        async with httpx.AsyncClient(base_url=live["base"], timeout=120, headers={
                **live["tokens"]["acc"], "X-Jincai-Protocol": "1"}) as c:
            return await asyncio.gather(*(c.post("/api/v1/sync/push", json={"commands": cmds})
                                          for _, cmds in batches))
    rs = asyncio.run(go())
    assert all(r.status_code == 200 for r in rs), [r.text[:300] for r in rs]
    submits = [x for r in rs for x in r.json()["results"][per:]]
    outcome = Counter(x["code"] or x["status"] for x in submits)
    assert outcome == {"ok": 50, "insufficient_balance": n_clients * per - 50}, outcome
    assert all(x["status"] == "ok" for r in rs for x in r.json()["results"][:per])
    with httpx.Client(base_url=live["base"], headers=live["tokens"]["acc"]) as c:
        ind = c.get("/api/v1/indicators/RACE-P").json()
        states = Counter(c.get(f"/api/v1/applications/{a}").json()["status"]
                         for ids, _ in batches for a in ids)
    assert states == {"submitted": 50, "draft": n_clients * per - 50}
    assert ind["available_fen"] == 0 and ind["reserved_fen"] == 50 * 1_00
    _books_are_clean(live)

"""A draft created by a push command runs without a savepoint of its own (server.services.sync
._one holds one per command): when several pushes create the same application at once, with
different idempotency keys, exactly one creates it and the others are answered as its repeat."""
from __future__ import annotations

import asyncio
import uuid

import httpx

from tests.server.conftest import draft, new_id
from tests.server.test_concurrency import _indicator, live  # noqa: F401  (module fixture)


def test_same_draft_created_by_racing_pushes(live):  # noqa: F811
    _indicator(live, "RACE-P", 1_000_00)
    aid = new_id()
    body = draft("RACE-P", 5_00)

    async def go():
        async with httpx.AsyncClient(base_url=live["base"], timeout=120, headers={
                **live["tokens"]["acc"], "X-Jincai-Protocol": "1"}) as c:
            return await asyncio.gather(*(c.post("/api/v1/sync/push", json={"commands": [
                {"idempotency_key": f"race-{aid}-{k}", "type": "application.save_draft",
                 "entity_id": aid, "payload": body}]}) for k in range(8)))
    rs = asyncio.run(go())
    assert all(r.status_code == 200 for r in rs), [r.text[:300] for r in rs]
    results = [r.json()["results"][0] for r in rs]
    assert [x["status"] for x in results] == ["ok"] * 8, results
    assert sorted(x["http_status"] for x in results) == [200] * 7 + [201]
    assert len({x["data"]["app_no"] for x in results}) == 1
    with live["sm"]() as s:
        from sqlalchemy import func, select

        from server.models import Application, AuditEvent
        assert s.scalar(select(func.count()).select_from(Application)
                        .where(Application.id == uuid.UUID(aid))) == 1
        # one creation event: the racing copies neither wrote one nor took an application number
        assert s.scalar(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.action == "application.create", AuditEvent.entity_id == aid)) == 1

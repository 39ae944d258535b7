"""Sync for issue 4: approvals and warnings in pull pages (scoped), ``awaiting_me`` for the
caller, the ``approval.decide`` and ``application.attach`` push commands (idempotent)."""
from __future__ import annotations

import hashlib

import pytest

from fiscal.schemas.sync import MAX_PROTOCOL_VERSION, PullPage
from tests.server.conftest import draft, indicator, new_id
from tests.server.test_approvals import add_user

P = {"X-Jincai-Protocol": str(MAX_PROTOCOL_VERSION)}


def pull_all(api):
    since, out = 0, []
    while True:
        r = api.get("/api/v1/sync/pull", params={"since": since, "limit": 50}, headers=P)
        assert r.status_code == 200, r.text
        page = PullPage.model_validate(r.json())
        out += page.changes
        since = page.next_since
        if not page.has_more:
            return out


@pytest.fixture(scope="module")
def w(world):
    add_user(world, "acc2_a1", "accountant", "A1")
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("SY-A1", "A1", 1_000_000_00, fund_type_code="1")]})
    assert r.status_code == 200, r.text
    return world


def test_pull_push_approvals_and_warnings(w):
    acc = w.api("acc_a1")
    app_id = new_id()
    assert acc.put(f"/api/v1/applications/{app_id}", json=draft("SY-A1", 1_000_00,
                                                                use_des="职工福利")).status_code == 201
    content = b"%PDF-1.4\n%sync\n%%EOF\n"
    sha = hashlib.sha256(content).hexdigest()
    assert acc.put(f"/api/v1/attachments/{sha}", content=content,
                   headers={"Content-Type": "application/pdf"}).status_code in (200, 201)
    cmds = {"commands": [
        {"idempotency_key": "attach-0001", "type": "application.attach", "entity_id": app_id,
         "payload": {"sha256": sha, "role": "other"}},
        {"idempotency_key": "submit-0001", "type": "application.submit", "entity_id": app_id}]}
    res = acc.post("/api/v1/sync/push", json=cmds, headers=P).json()["results"]
    assert [r["status"] for r in res] == ["ok", "ok"], res
    mine = {c.id: c for c in pull_all(w.api("acc2_a1")) if c.entity in ("approval_task", "warning")}
    assert mine[app_id].op == "upsert" and mine[app_id].data["status"] == "pending"
    assert mine[app_id].data["role"] == "accountant" and mine[app_id].data["step"] == 0
    warns = [c for c in mine.values() if c.entity == "warning"]
    assert warns and all(c.data["application_id"] == app_id for c in warns)
    creator = [c for c in pull_all(w.api("acc_a1")) if c.entity == "approval_task"]
    assert creator and all(c.op == "delete" for c in creator)  # the creator has no task
    assert not [c for c in pull_all(w.api("acc_b1")) if c.entity in ("approval_task", "warning")]
    # the yellow warning is explained, then approval.decide through push (idempotent)
    for c in warns:
        if not c.data["cleared"]:
            assert w.api("bur_a").post(f"/api/v1/warnings/{c.id}/dispose",
                                       json={"action": "mark_normal"}).status_code == 200
    v = w.api("admin").get(f"/api/v1/applications/{app_id}").json()["version"]
    # exactly what the desktop client sends (entity_id = its decision id)
    cmd = {"commands": [{"idempotency_key": "decide-0001", "type": "approval.decide",
                         "entity_id": new_id(), "payload": {
                             "task_id": app_id, "application_id": app_id, "decision": "approve",
                             "comment": "", "expected_version": v}}]}
    r1 = w.api("acc2_a1").post("/api/v1/sync/push", json=cmd, headers=P).json()["results"][0]
    assert r1["status"] == "ok", r1
    assert r1["data"]["approval"]["current_step"] == 1
    r2 = w.api("acc2_a1").post("/api/v1/sync/push", json=cmd, headers=P).json()["results"][0]
    assert r2["replayed"] and r2["status"] == "ok"
    stale = {"commands": [{"idempotency_key": "decide-0002", "type": "approval.decide",
                           "entity_id": app_id, "payload": {"kind": "approve", "expected_version": v}}]}
    r3 = w.api("fin_a1").post("/api/v1/sync/push", json=stale, headers=P).json()["results"][0]
    assert r3["http_status"] == 409 and r3["code"] == "stale_version"
    after = {c.id: c for c in pull_all(w.api("fin_a1")) if c.entity == "approval_task"}
    assert after[app_id].op == "upsert" and after[app_id].data["role"] == "unit_finance_head"
    gone = {c.id: c for c in pull_all(w.api("acc2_a1")) if c.entity == "approval_task"}
    assert gone[app_id].op == "delete"


def test_delegate_gets_the_task_in_the_pull_feed_until_revoked(w):
    from datetime import UTC, datetime, timedelta
    add_user(w, "head_a1s", "unit_head", "A1")
    app_id = new_id()
    acc = w.api("acc_a1")
    assert acc.put(f"/api/v1/applications/{app_id}", json=draft("SY-A1", 2_000_00)).status_code == 201
    assert acc.post(f"/api/v1/applications/{app_id}/submit").status_code == 200
    v = w.api("admin").get(f"/api/v1/applications/{app_id}").json()["version"]
    r = w.api("acc2_a1").post(f"/api/v1/applications/{app_id}/decisions",
                              json={"kind": "approve", "expected_version": v})
    assert r.status_code == 200, r.text

    def pull_since(since):
        r = w.api("head_a1s").get("/api/v1/sync/pull", params={"since": since, "limit": 500}, headers=P)
        page = PullPage.model_validate(r.json())
        assert not page.has_more
        return {c.id: c for c in page.changes if c.entity == "approval_task"}.get(app_id), page.next_since

    first, cursor = pull_since(0)
    assert first is None or first.op == "delete"   # not his role
    r = w.api("fin_a1").post("/api/v1/delegations", json={
        "delegate": "head_a1s", "role": "unit_finance_head", "reason": "出差",
        "expires_at": (datetime.now(UTC) + timedelta(days=3)).isoformat()})
    assert r.status_code == 201, r.text
    # the delegation re-sequences the open chains it covers: the delegate's *next* pull has it
    t, cursor = pull_since(cursor)
    assert t is not None and t.op == "upsert" and t.data["role"] == "unit_finance_head"
    assert w.api("fin_a1").post(f"/api/v1/delegations/{r.json()['id']}/revoke", json={}).status_code == 200
    t, cursor = pull_since(cursor)
    assert t is not None and t.op == "delete"


def test_a_page_of_tasks_is_built_together_each_with_its_own_warnings(w):
    """Tasks of one pull page are read in batches: each task still carries exactly its own
    application's warnings, the creator's copies are deletes, another unit sees none."""
    acc = w.api("acc_a1")
    ids = [new_id() for _ in range(3)]
    for app_id, use in zip(ids, ("职工福利", "办公用品", "职工福利费"), strict=True):
        assert acc.put(f"/api/v1/applications/{app_id}",
                       json=draft("SY-A1", 2_000_00, use_des=use)).status_code == 201
    cmds = [{"idempotency_key": f"page-{a}", "type": "application.submit", "entity_id": a}
            for a in ids]
    res = acc.post("/api/v1/sync/push", json={"commands": cmds}, headers=P).json()["results"]
    assert [r["status"] for r in res] == ["ok"] * 3, res
    r = w.api("acc2_a1").get("/api/v1/sync/pull", params={"since": 0, "limit": 5000}, headers=P)
    page = PullPage.model_validate(r.json())
    tasks = {c.id: c for c in page.changes if c.entity == "approval_task" and c.id in ids}
    assert set(tasks) == set(ids) and all(t.op == "upsert" for t in tasks.values())
    stored = {c.id: c.data for c in page.changes if c.entity == "warning"}
    for app_id, t in tasks.items():
        embedded = {x["id"] for x in t.data["warnings"]}
        assert all(x["application_id"] == app_id for x in t.data["warnings"])
        assert embedded == {int(k) for k, d in stored.items() if d["application_id"] == app_id}
    assert tasks[ids[0]].data["warnings"] and tasks[ids[2]].data["warnings"]  # 职工福利 words
    creator = {c.id: c for c in pull_all(w.api("acc_a1")) if c.entity == "approval_task"}
    assert all(creator[a].op == "delete" for a in ids)

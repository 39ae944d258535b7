"""Sync API: paged pull since a server sequence number (with tombstones), idempotent push,
protocol version window (HTTP 426)."""
from __future__ import annotations

import pytest

from fiscal.schemas.sync import MAX_PROTOCOL_VERSION, PullPage, PushResults
from tests.server.conftest import draft, indicator, new_id

P = {"X-Jincai-Protocol": str(MAX_PROTOCOL_VERSION)}


@pytest.fixture(scope="module")
def seeded(world):
    items = [indicator(f"SYN-{i:03d}", "A1", 1_000_00) for i in range(25)]
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": items}).status_code == 200
    return world


def pull_all(api, since=0, limit=7):
    seen, pages = [], 0
    while True:
        r = api.get("/api/v1/sync/pull", params={"since": since, "limit": limit}, headers=P)
        assert r.status_code == 200, r.text
        page = PullPage.model_validate(r.json())
        seqs = [c.seq for c in page.changes]
        assert seqs == sorted(seqs) and all(s > since for s in seqs)
        seen += page.changes
        pages += 1
        since = page.next_since
        if not page.has_more:
            return seen, since, pages


def test_pull_pages_everything_once(seeded):
    changes, cursor, pages = pull_all(seeded.api("acc_a1"))
    ids = [c.id for c in changes if c.entity == "indicator"]
    assert sorted(ids) == [f"SYN-{i:03d}" for i in range(25)]
    assert pages >= 4
    assert any(c.entity == "unit" and c.id == "A1" for c in changes)
    again, cursor2, _ = pull_all(seeded.api("acc_a1"), since=cursor)
    assert again == [] and cursor2 == cursor


def test_changes_after_cursor_and_tombstones(seeded):
    acc = seeded.api("acc_a1")
    _, cursor, _ = pull_all(acc)
    keep, gone = new_id(), new_id()
    acc.put(f"/api/v1/applications/{keep}", json=draft("SYN-000", 1_00))
    acc.put(f"/api/v1/applications/{gone}", json=draft("SYN-000", 2_00))
    acc.post(f"/api/v1/applications/{keep}/submit")  # also touches the indicator
    acc.delete(f"/api/v1/applications/{gone}")
    changes, _, _ = pull_all(acc, since=cursor)
    by = {(c.entity, c.id): c for c in changes}
    assert by[("application", keep)].data["status"] == "submitted"
    assert by[("indicator", "SYN-000")].data["reserved_fen"] == 1_00
    assert by[("application", gone)].op == "delete" and by[("application", gone)].data is None
    # other units never receive the tombstone
    b_changes, _, _ = pull_all(seeded.api("acc_b1"), since=cursor)
    assert all(c.id != gone for c in b_changes)


def test_push_commands_each_answered_and_idempotent(seeded):
    acc = seeded.api("acc_a1")
    aid = new_id()
    cmds = {"commands": [
        {"idempotency_key": f"k-{aid}-1", "type": "application.save_draft", "entity_id": aid,
         "payload": draft("SYN-001", 5_00)},
        {"idempotency_key": f"k-{aid}-2", "type": "application.submit", "entity_id": aid},
        {"idempotency_key": f"k-{aid}-3", "type": "application.submit", "entity_id": new_id()},
        {"idempotency_key": f"k-{aid}-4", "type": "application.save_draft", "entity_id": new_id(),
         "payload": {**draft("SYN-001", 5_00), "amount_fen": -1}},
        {"idempotency_key": f"k-{aid}-5", "type": "voucher.issue", "entity_id": new_id()},
    ]}
    r = acc.post("/api/v1/sync/push", json=cmds, headers=P)
    assert r.status_code == 200, r.text
    res = PushResults.model_validate(r.json()).results
    assert [x.status for x in res] == ["ok", "ok", "error", "error", "error"]
    assert res[0].http_status == 201 and res[1].data["status"] == "submitted"
    assert res[2].http_status == 404 and res[3].code == "invalid_payload"
    assert res[4].code == "unsupported_command" and "voucher.issue" in res[4].message
    reserved = acc.get("/api/v1/indicators/SYN-001").json()["reserved_fen"]
    # the client did not get the answer and sends the same batch again
    r2 = acc.post("/api/v1/sync/push", json=cmds, headers=P)
    res2 = r2.json()["results"]
    assert [x["replayed"] for x in res2] == [True, True, True, True, False]
    assert [x["status"] for x in res2] == ["ok", "ok", "error", "error", "error"]
    assert acc.get("/api/v1/indicators/SYN-001").json()["reserved_fen"] == reserved
    # reusing a key for a different command is refused
    bad = {"commands": [{**cmds["commands"][0], "payload": draft("SYN-001", 9_00)}]}
    r3 = acc.post("/api/v1/sync/push", json=bad, headers=P).json()["results"][0]
    assert r3["code"] == "idempotency_key_reused"


@pytest.mark.parametrize("headers", [{}, {"X-Jincai-Protocol": "0"}, {"X-Jincai-Protocol": "abc"},
                                     {"X-Jincai-Protocol": str(MAX_PROTOCOL_VERSION + 1)}])
def test_protocol_window_426(seeded, headers):
    acc = seeded.api("acc_a1")
    r = acc.get("/api/v1/sync/pull", headers=headers)
    assert r.status_code == 426
    body = r.json()
    assert body["code"] == "upgrade_required" and "升级" in body["message"]
    push = acc.post("/api/v1/sync/push", headers=headers, json={"commands": [
        {"idempotency_key": "whatever-1", "type": "application.void", "entity_id": new_id()}]})
    assert push.status_code == 426


def test_code_tables_are_published_through_sync(seeded):
    changes, _, _ = pull_all(seeded.api("acc_a1"), limit=5000)
    tables = {c.id: c.data for c in changes if c.entity == "code_tables"}
    assert "2026" in tables
    t = tables["2026"]
    assert any(r["code"] == "2050202" and r["name"] == "小学教育" for r in t["functional"])
    assert {"unit_type": "行政", "dep_code": "30201", "gov_code": "50201"} in t["dep_to_gov"]
    assert len(t["digest"]) == 64
    from server.services import codes
    with seeded.session() as s:
        assert codes.publish(s) == []  # unchanged tables are not re-sent


def test_cursor_ahead_of_server_is_refused(seeded):
    r = seeded.api("acc_a1").get("/api/v1/sync/pull", params={"since": 10**9}, headers=P)
    assert r.status_code == 409 and r.json()["code"] == "sync_cursor_ahead"
    assert "since=0" in r.json()["message"]


def test_push_group_refusal_rolls_back_only_that_command(seeded, monkeypatch):
    """Commands of one push share a transaction (one savepoint each): a refused submit in the
    middle changes nothing, its neighbours commit with one audit event per fact, the chain holds."""
    from sqlalchemy import func, select

    from server import chain
    from server.models import AuditEvent, IdempotencyRecord
    from server.services import sync as sync_svc

    monkeypatch.setattr(sync_svc, "GROUP_SECONDS", 60.0)  # all six in one transaction
    seeded.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("SYN-GRP", "A1", 10_00)]}).raise_for_status()
    acc = seeded.api("acc_a1")
    ids = [new_id() for _ in range(3)]
    amounts = [4_00, 7_00, 5_00]  # the second exceeds what the first leaves (10 - 4 = 6 yuan)
    cmds = [{"idempotency_key": f"g-{a}-s", "type": "application.save_draft", "entity_id": a,
             "payload": draft("SYN-GRP", amt)} for a, amt in zip(ids, amounts, strict=True)]
    cmds += [{"idempotency_key": f"g-{a}-u", "type": "application.submit", "entity_id": a}
             for a in ids]
    with seeded.session() as s:
        events_before = s.scalar(select(func.count()).select_from(AuditEvent))
    r = acc.post("/api/v1/sync/push", json={"commands": cmds}, headers=P)
    assert r.status_code == 200, r.text
    res = r.json()["results"]
    assert [x["status"] for x in res] == ["ok"] * 4 + ["error", "ok"]
    assert res[4]["code"] == "insufficient_balance" and res[4]["http_status"] == 409
    ind = acc.get("/api/v1/indicators/SYN-GRP").json()
    assert (ind["reserved_fen"], ind["available_fen"]) == (9_00, 1_00)
    assert acc.get(f"/api/v1/applications/{ids[1]}").json()["status"] == "draft"
    with seeded.session() as s:
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_id.in_(ids))
                            .order_by(AuditEvent.seq)).all()
        assert actions.count("application.create") == 3
        assert actions.count("application.submit") == 2  # the refused one left no trace
        assert s.scalar(select(func.count()).select_from(AuditEvent)) > events_before
        assert chain.verify(s).ok
        # every answer, the refusal included, was stored with its command
        keys = {c["idempotency_key"] for c in cmds}
        assert s.scalar(select(func.count()).select_from(IdempotencyRecord)
                        .where(IdempotencyRecord.key.in_(keys))) == 6
    again = acc.post("/api/v1/sync/push", json={"commands": cmds}, headers=P).json()["results"]
    assert all(x["replayed"] for x in again) and again[4]["code"] == "insufficient_balance"


def test_push_group_runs_without_savepoints_until_a_refusal(seeded, monkeypatch):
    """A group first runs without savepoints; the first refusal rolls the group back and
    redoes it once with a savepoint per command, which the rest of the request keeps: the
    refused commands change nothing, the others commit once, numbers have no gaps."""
    from server.services import sync as sync_svc

    monkeypatch.setattr(sync_svc, "GROUP_SECONDS", 60.0)  # one transaction for the whole push
    seeded.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("SYN-OPT", "A1", 10_00)]}).raise_for_status()
    acc = seeded.api("acc_a1")
    ids = [new_id() for _ in range(4)]
    amounts = [4_00, 7_00, 5_00, 9_00]  # the 2nd and the 4th exceed what is left
    cmds = [{"idempotency_key": f"o-{a}-s", "type": "application.save_draft", "entity_id": a,
             "payload": draft("SYN-OPT", amt)} for a, amt in zip(ids, amounts, strict=True)]
    cmds += [{"idempotency_key": f"o-{a}-u", "type": "application.submit", "entity_id": a}
             for a in ids]
    real_run, calls, nested = sync_svc._run, [], []

    def counted(session, principal, cmd):
        calls.append((cmd.type.split(".")[1], ids.index(cmd.entity_id)))
        nested.append(session.in_nested_transaction())
        return real_run(session, principal, cmd)

    monkeypatch.setattr(sync_svc, "_run", counted)
    res = acc.post("/api/v1/sync/push", json={"commands": cmds}, headers=P).json()["results"]
    assert [x["status"] for x in res] == ["ok"] * 5 + ["error", "ok", "error"]
    assert res[5]["code"] == res[7]["code"] == "insufficient_balance"
    first = [("save_draft", k) for k in range(4)] + [("submit", 0), ("submit", 1)]
    assert calls == first + first + [("submit", 2), ("submit", 3)]
    assert nested == [False] * 6 + [True] * 8  # savepoints only from the redo on
    apps = [acc.get(f"/api/v1/applications/{a}").json() for a in ids]
    assert [a["status"] for a in apps] == ["submitted", "draft", "submitted", "draft"]
    numbers = sorted(int(a["app_no"][-8:]) for a in apps)
    assert numbers == list(range(numbers[0], numbers[0] + 4))  # the rolled-back try took none
    ind = acc.get("/api/v1/indicators/SYN-OPT").json()
    assert (ind["reserved_fen"], ind["available_fen"]) == (9_00, 1_00)


def test_a_draft_created_after_the_chunk_was_read_is_not_created_twice(seeded, monkeypatch):
    """A push reads once which of its draft ids are new and inserts those without reading each
    again. If one is created meanwhile (here: the read is made to miss it), the insert fails on
    the key, the group is redone with each draft read again: one application, answered as the
    repeat it is; a tombstoned id is still refused."""
    import uuid

    from server.services import sync as sync_svc

    acc = seeded.api("acc_a1")
    existing, fresh = new_id(), new_id()
    body = draft("SYN-002", 3_00)
    assert acc.put(f"/api/v1/applications/{existing}", json=body).status_code == 201
    real = sync_svc._absent_drafts
    monkeypatch.setattr(sync_svc, "_absent_drafts",
                        lambda session, commands: real(session, commands) | {uuid.UUID(existing)})
    cmds = [{"idempotency_key": f"abs-{a}", "type": "application.save_draft", "entity_id": a,
             "payload": body} for a in (fresh, existing)]
    res = acc.post("/api/v1/sync/push", json={"commands": cmds}, headers=P).json()["results"]
    assert [(x["status"], x["http_status"]) for x in res] == [("ok", 201), ("ok", 200)]
    assert res[1]["data"]["version"] == 1  # the identical repeat changed nothing
    listed = acc.get("/api/v1/applications", params={"limit": 500}).json()
    items = listed["items"] if isinstance(listed, dict) else listed
    assert sum(1 for a in items if a["id"] in (existing, fresh)) == 2
    gone = new_id()
    assert acc.put(f"/api/v1/applications/{gone}", json=body).status_code == 201
    assert acc.delete(f"/api/v1/applications/{gone}").status_code == 204
    res = acc.post("/api/v1/sync/push", json={"commands": [
        {"idempotency_key": f"abs-{gone}", "type": "application.save_draft", "entity_id": gone,
         "payload": body}]}, headers=P).json()["results"]
    assert res[0]["code"] == "id_deleted"


def test_a_push_group_locks_its_submissions_together(seeded, monkeypatch):
    """The applications a group submits are locked and loaded with one statement, not one
    each; every submission still reserves its own amount."""
    from sqlalchemy import event

    from server.services import sync as sync_svc

    monkeypatch.setattr(sync_svc, "GROUP_SECONDS", 60.0)
    seeded.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("SYN-LCK", "A1", 100_00)]}).raise_for_status()
    acc = seeded.api("acc_a1")
    ids = [new_id() for _ in range(5)]
    for a in ids:
        assert acc.put(f"/api/v1/applications/{a}", json=draft("SYN-LCK", 3_00)).status_code == 201
    locking = []

    def seen(conn, cursor, statement, params, context, executemany):
        if "FROM applications" in statement and "FOR UPDATE" in statement:
            locking.append(statement)

    engine = seeded.app.state.engine
    event.listen(engine, "before_cursor_execute", seen)
    try:
        res = acc.post("/api/v1/sync/push", json={"commands": [
            {"idempotency_key": f"lck-{a}", "type": "application.submit", "entity_id": a}
            for a in ids]}, headers=P).json()["results"]
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert [x["status"] for x in res] == ["ok"] * 5
    if engine.dialect.name == "postgresql":  # SQLite has no FOR UPDATE (the file is locked)
        assert len(locking) == 1
    ind = acc.get("/api/v1/indicators/SYN-LCK").json()
    assert (ind["reserved_fen"], ind["available_fen"]) == (15_00, 85_00)


def test_a_deadlock_while_locking_a_groups_submissions_redoes_the_group(seeded, monkeypatch):
    """The group's submissions are locked together; a database failure there (a deadlock with
    another client) is redone one transaction per command like any other: all submitted once."""
    from sqlalchemy.exc import OperationalError

    from server.services import applications as apps_svc
    from server.services import sync as sync_svc

    monkeypatch.setattr(sync_svc, "GROUP_SECONDS", 60.0)
    seeded.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("SYN-DLK", "A1", 100_00)]}).raise_for_status()
    acc = seeded.api("acc_a1")
    ids = [new_id() for _ in range(3)]
    for a in ids:
        assert acc.put(f"/api/v1/applications/{a}", json=draft("SYN-DLK", 2_00)).status_code == 201
    real, calls = apps_svc.lock_many, []

    def flaky(session, app_ids):
        calls.append(len(app_ids))
        if len(calls) == 1:
            raise OperationalError("SELECT … FOR UPDATE", {}, Exception("deadlock detected"))
        return real(session, app_ids)

    monkeypatch.setattr(apps_svc, "lock_many", flaky)
    res = acc.post("/api/v1/sync/push", json={"commands": [
        {"idempotency_key": f"dlk-{a}", "type": "application.submit", "entity_id": a}
        for a in ids]}, headers=P).json()["results"]
    assert [x["status"] for x in res] == ["ok"] * 3
    assert calls == [3, 1, 1, 1]  # the group's lock failed; then each submission locks its own
    ind = acc.get("/api/v1/indicators/SYN-DLK").json()
    assert ind["reserved_fen"] == 6_00


def test_push_group_redone_one_by_one_after_a_database_failure(seeded, monkeypatch):
    """A database error in the middle of a group (a deadlock, a busy file) rolls the whole group
    back and re-runs its commands each in its own transaction: nothing is lost or doubled."""
    from sqlalchemy.exc import OperationalError

    from server.services import sync as sync_svc

    acc = seeded.api("acc_a1")
    ids = [new_id() for _ in range(4)]
    cmds = [{"idempotency_key": f"d-{a}", "type": "application.save_draft", "entity_id": a,
             "payload": draft("SYN-002", 1_00 + k)} for k, a in enumerate(ids)]
    real_run, calls = sync_svc._run, []

    def flaky(session, principal, cmd):
        calls.append(cmd.entity_id)
        if len(calls) == 3:
            raise OperationalError("INSERT …", {}, Exception("deadlock detected"))
        return real_run(session, principal, cmd)

    monkeypatch.setattr(sync_svc, "_run", flaky)
    monkeypatch.setattr(sync_svc, "GROUP_SECONDS", 60.0)
    res = acc.post("/api/v1/sync/push", json={"commands": cmds}, headers=P).json()["results"]
    assert [x["status"] for x in res] == ["ok"] * 4
    assert [x["http_status"] for x in res] == [201] * 4  # the redo created them, once
    assert calls == ids[:3] + ids  # the group up to the failure, then each command again
    apps = {a: acc.get(f"/api/v1/applications/{a}").json() for a in ids}
    assert [apps[a]["amount_fen"] for a in ids] == [1_00, 1_01, 1_02, 1_03]
    assert len({apps[a]["app_no"] for a in ids}) == 4


def test_savepoint_rollback_forgets_only_its_own_pending_chain_entries(seeded):
    """A push group's savepoints: rolling one back (after a flush inside it) drops the audit
    events and sequence touches registered inside it, and keeps the earlier commands' ones."""
    from sqlalchemy import select

    from server import chain
    from server.models import AuditEvent, Tombstone

    with seeded.session() as s:
        chain.audit(s, actor=chain.SYSTEM, action="test.kept", entity_type="test", entity_id="k")
        kept = Tombstone(entity="test", entity_id="kept-row", unit_id=None)
        s.add(kept)
        chain.touch(s, kept)
        sp = s.begin_nested()
        gone = Tombstone(entity="test", entity_id="gone-row", unit_id=None)
        s.add(gone)
        s.flush()  # a flush inside the savepoint (an inner subtransaction of its own)
        chain.touch(s, gone)
        chain.audit(s, actor=chain.SYSTEM, action="test.gone", entity_type="test", entity_id="g")
        sp.rollback()
        s.commit()
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.entity_type == "test")).all()
        assert actions == ["test.kept"]
        assert s.get(Tombstone, kept.id).seq > 0
        assert s.scalar(select(Tombstone.id).where(Tombstone.entity_id == "gone-row")) is None
        assert chain.verify(s).ok


def test_monitoring_in_a_push_group_sees_the_groups_own_submissions(seeded, monkeypatch):
    """The 事中 history is read once per transaction and then follows the group's own status
    changes: a split payment across two submissions of one push is caught, and a submission
    withdrawn in the same push no longer counts."""
    import uuid

    from sqlalchemy import select

    from server.models import MonitorWarning
    from server.services import sync as sync_svc

    monkeypatch.setattr(sync_svc, "GROUP_SECONDS", 60.0)  # one transaction for the whole push
    seeded.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("SYN-SPL", "A1", 1_000_000_00)]}).raise_for_status()
    acc = seeded.api("acc_a1")

    def push(cmds):
        r = acc.post("/api/v1/sync/push", json={"commands": cmds}, headers=P)
        assert r.status_code == 200 and all(x["status"] == "ok" for x in r.json()["results"]), r.text

    def save(a, payee):  # 4.8万 each: just under the 5万 limit of split_payment
        return {"idempotency_key": f"m-{a}-s", "type": "application.save_draft", "entity_id": a,
                "payload": draft("SYN-SPL", 48_000_00, payee_name=payee,
                                 payee_account=ACCOUNTS[payee])}

    def act(a, kind):
        return {"idempotency_key": f"m-{a}-{kind}", "type": f"application.{kind}", "entity_id": a}

    def split_hits(a):
        with seeded.session() as s:
            return s.scalars(select(MonitorWarning.rule_id).where(
                MonitorWarning.application_id == uuid.UUID(a), MonitorWarning.rule_id == "split_payment")).all()

    ACCOUNTS = {"拆分甲公司": "6222020000000001", "拆分乙公司": "6222020000000002"}
    a1, a2 = new_id(), new_id()
    push([save(a1, "拆分甲公司"), save(a2, "拆分甲公司"), act(a1, "submit"), act(a2, "submit")])
    assert split_hits(a1) == [] and split_hits(a2) == ["split_payment"]

    b1, b2 = new_id(), new_id()
    push([save(b1, "拆分乙公司"), save(b2, "拆分乙公司"), act(b1, "submit"), act(b1, "withdraw"),
          act(b2, "submit")])
    assert split_hits(b2) == []  # b1 was withdrawn before b2 went in

"""Staged indicator imports (/api/v1/indicator-imports): all-or-nothing across chunks, idempotent
chunks and commit, server-side re-validation, audit events — on SQLite and PostgreSQL."""
from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from tests.server.conftest import indicator

API = "/api/v1/indicator-imports"


def _open(api, batch_id=None, **kw):
    batch_id = batch_id or str(uuid.uuid4())
    r = api.post(API, json={"id": batch_id, "file_name": "指标.xlsx", **kw})
    assert r.status_code in (200, 201), r.text
    return batch_id, r


def _chunk(api, batch_id, index, items, key=None):
    return api.post(f"{API}/{batch_id}/chunks",
                    json={"index": index, "idempotency_key": key or f"{batch_id}:{index}",
                          "items": items})


def _commit(api, batch_id, chunks, rows):
    return api.post(f"{API}/{batch_id}/commit",
                    json={"expected_chunks": chunks, "expected_rows": rows})


def _indicator_ids(world, prefix):
    from server.models import Indicator
    with world.session() as s:
        return sorted(s.execute(select(Indicator.id).where(Indicator.id.like(f"{prefix}%"))).scalars())


def _audit_actions(world, batch_id):
    from server.models import AuditEvent
    with world.session() as s:
        return [e.action for e in s.execute(select(AuditEvent).where(
            AuditEvent.entity_id == batch_id).order_by(AuditEvent.seq)).scalars()]


def test_three_chunks_commit_atomically_and_a_retried_commit_answers_the_same(world):
    bur = world.api("bur_a")
    batch_id, r = _open(bur)
    assert r.status_code == 201 and r.json()["status"] == "open"
    _, again = _open(bur, batch_id)  # a retried create
    assert again.status_code == 200 and again.json()["id"] == batch_id
    rows = [indicator(f"OK{i:03d}", "A1" if i % 2 else "A2", 1000 + i) for i in range(9)]
    for n in range(3):
        r = _chunk(bur, batch_id, n, rows[3 * n:3 * n + 3])
        assert r.status_code == 200 and r.json()["replayed"] is False, r.text
    # nothing is visible before the commit
    assert _indicator_ids(world, "OK") == []
    # a retried chunk (same key, same rows) is answered, not stored twice
    r = _chunk(bur, batch_id, 1, rows[3:6])
    assert r.json() == {"index": 1, "rows": 3, "replayed": True, "batch_rows": 9, "batch_chunks": 3}
    assert bur.get(f"{API}/{batch_id}").json()["chunks"] == [0, 1, 2]

    before = world.counts()
    r = _commit(bur, batch_id, 3, 9)
    assert r.status_code == 200, r.text
    assert {k: r.json()[k] for k in ("created", "updated", "unchanged", "rows", "replayed")} == {
        "created": 9, "updated": 0, "unchanged": 0, "rows": 9, "replayed": False}
    assert _indicator_ids(world, "OK") == [f"OK{i:03d}" for i in range(9)]
    assert bur.get("/api/v1/indicators/OK004").json()["available_fen"] == 1004
    after = world.counts()
    assert after["indicators"] - before["indicators"] == 9
    assert after["ledger_entries"] - before["ledger_entries"] == 9
    assert after["indicator_import_chunks"] == before["indicator_import_chunks"] - 3  # staging dropped

    # the client lost the answer and commits again: same figures, nothing written twice
    r2 = _commit(bur, batch_id, 3, 9)
    assert r2.status_code == 200 and r2.json()["replayed"] is True
    assert {k: r2.json()[k] for k in ("created", "updated", "unchanged")} == {
        "created": 9, "updated": 0, "unchanged": 0}
    assert world.counts() == after
    assert _audit_actions(world, batch_id) == ["indicator_import.open", "indicator_import.commit"]
    # a committed batch is closed: no more chunks, no abort
    assert _chunk(bur, batch_id, 3, rows[:1], key="late-chunk-key").json()["code"] == "batch_not_open"
    assert bur.post(f"{API}/{batch_id}/abort").json()["code"] == "batch_committed"


def test_a_bad_row_in_chunk_three_leaves_nothing_written(world):
    bur = world.api("bur_a")
    batch_id, _ = _open(bur)
    good = [indicator(f"FA{i}", "A1", 500) for i in range(4)]
    assert _chunk(bur, batch_id, 0, good[:2]).status_code == 200
    assert _chunk(bur, batch_id, 1, good[2:]).status_code == 200
    # chunk 3: a unit outside bur_a's scope, an unknown code, and an id repeated from chunk 1
    bad = [indicator("FB1", "B1", 5), indicator("FB2", "A1", 5, func="2059999"),
           indicator("FA0", "A2", 7)]
    assert _chunk(bur, batch_id, 2, bad).status_code == 200  # staged: checked at commit
    before = world.counts()
    r = _commit(bur, batch_id, 3, 7)
    assert r.status_code == 422 and r.json()["code"] == "indicator_rows_invalid", r.text
    body = r.json()
    assert "整批未写入任何数据" in body["message"]
    located = {(e["chunk"], e["chunk_row"], e["code"]) for e in body["details"]["errors"]}
    assert located == {(2, 0, "unit_not_found"), (2, 1, "unknown_func_code"), (2, 2, "duplicate_id")}
    assert all("第" in e["message"] for e in body["details"]["errors"])
    after = world.counts()
    assert _indicator_ids(world, "FA") == [] and _indicator_ids(world, "FB") == []
    assert after["indicators"] == before["indicators"]
    assert after["ledger_entries"] == before["ledger_entries"]
    assert after["head"][0] == before["head"][0]  # no sync sequence handed out
    # a retried commit gets the same refusal; the batch is closed
    r2 = _commit(bur, batch_id, 3, 7)
    assert r2.status_code == 422 and r2.json() == body
    assert bur.get(f"{API}/{batch_id}").json()["status"] == "rejected"
    assert _audit_actions(world, batch_id) == ["indicator_import.open", "indicator_import.reject"]
    assert world.counts()["indicators"] == before["indicators"]


def test_decrease_below_what_is_used_is_refused_for_the_whole_batch(world):
    bur = world.api("bur_a")
    assert bur.post("/api/v1/indicators/bulk", json={"items": [indicator("DX1", "A1", 10_000)]}).status_code == 200
    assert bur.post("/api/v1/indicators/DX1/adjustments",
                    json={"kind": "freeze", "amount_fen": 8_000}).status_code == 200
    batch_id, _ = _open(bur)
    assert _chunk(bur, batch_id, 0, [indicator("DX2", "A1", 1)]).status_code == 200
    assert _chunk(bur, batch_id, 1, [indicator("DX1", "A1", 1_000)]).status_code == 200
    r = _commit(bur, batch_id, 2, 2)
    assert r.status_code == 422
    [err] = r.json()["details"]["errors"]
    assert (err["chunk"], err["chunk_row"], err["code"]) == (1, 0, "decrease_exceeds_available")
    assert "调减" in err["message"] and "可用余额" in err["message"]
    assert _indicator_ids(world, "DX2") == []
    assert bur.get("/api/v1/indicators/DX1").json()["amount_fen"] == 10_000


def test_incomplete_batch_is_not_committed_until_the_missing_chunk_arrives(world):
    bur = world.api("bur_a")
    batch_id, _ = _open(bur)
    assert _chunk(bur, batch_id, 0, [indicator("IC1", "A1", 1)]).status_code == 200
    assert _chunk(bur, batch_id, 2, [indicator("IC3", "A1", 3)]).status_code == 200
    r = _commit(bur, batch_id, 3, 3)
    assert r.status_code == 409 and r.json()["code"] == "import_incomplete"
    assert "缺少第 2 块" in r.json()["message"] and r.json()["details"]["missing"] == [1]
    assert _indicator_ids(world, "IC") == []
    assert bur.get(f"{API}/{batch_id}").json()["status"] == "open"  # still usable
    assert _chunk(bur, batch_id, 1, [indicator("IC2", "A1", 2)]).status_code == 200
    r = _commit(bur, batch_id, 3, 2)  # a wrong row count is caught too
    assert r.status_code == 409 and "客户端声明 2 行" in r.json()["message"]
    r = _commit(bur, batch_id, 3, 3)
    assert r.status_code == 200 and r.json()["created"] == 3


def test_idempotency_key_and_chunk_index_cannot_be_reused_for_other_rows(world):
    bur = world.api("bur_a")
    batch_id, _ = _open(bur)
    assert _chunk(bur, batch_id, 0, [indicator("IK1", "A1", 1)], key="key-0000").status_code == 200
    r = _chunk(bur, batch_id, 0, [indicator("IK1", "A1", 2)], key="key-0000")
    assert r.status_code == 409 and r.json()["code"] == "idempotency_key_reused"
    r = _chunk(bur, batch_id, 0, [indicator("IK9", "A1", 2)], key="key-other")
    assert r.status_code == 409 and r.json()["code"] == "chunk_index_taken"
    assert bur.get(f"{API}/{batch_id}").json()["row_count"] == 1


def test_abort_is_cancel_and_changes_nothing(world):
    bur = world.api("bur_a")
    batch_id, _ = _open(bur)
    assert _chunk(bur, batch_id, 0, [indicator("AB1", "A1", 1)]).status_code == 200
    before = world.counts()["indicators"]
    r = bur.post(f"{API}/{batch_id}/abort")
    assert r.status_code == 200 and r.json()["status"] == "aborted"
    assert bur.post(f"{API}/{batch_id}/abort").json()["status"] == "aborted"  # idempotent
    r = _commit(bur, batch_id, 1, 1)
    assert r.status_code == 409 and r.json()["code"] == "batch_not_open" and "已放弃" in r.json()["message"]
    assert world.counts()["indicators"] == before and _indicator_ids(world, "AB") == []
    assert _audit_actions(world, batch_id) == ["indicator_import.open", "indicator_import.abort"]


def test_roles_and_ownership(world):
    r = world.api("acc_a1").post(API, json={"id": str(uuid.uuid4())})
    assert r.status_code == 403 and r.json()["code"] == "role_forbidden"
    batch_id, _ = _open(world.api("bur_a"))
    # another bureau user neither sees nor touches it, nor can take its id
    assert world.api("bur_b").get(f"{API}/{batch_id}").status_code == 404
    assert _chunk(world.api("bur_b"), batch_id, 0, [indicator("OW1", "B1", 1)]).status_code == 404
    assert world.api("bur_b").post(f"{API}/{batch_id}/commit",
                                   json={"expected_chunks": 1, "expected_rows": 1}).status_code == 404
    r = world.api("bur_b").post(API, json={"id": batch_id})
    assert r.status_code == 409 and r.json()["code"] == "batch_id_taken"


@pytest.mark.parametrize("body, word", [
    ({"index": 0, "idempotency_key": "k-000001", "items": []}, "太短"),
    ({"index": -1, "idempotency_key": "k-000001", "items": [indicator("V1", "A1", 1)]}, "不能小于"),
    ({"index": 0, "idempotency_key": "k-000001", "items": [indicator("V1", "A1", 1.5)]}, "整数"),
    ({"index": 0, "idempotency_key": "k-000001", "items": [indicator("V1", "A1", 1)], "x": 1}, "未知字段"),
])
def test_bad_chunks_are_refused_in_chinese_and_stage_nothing(world, body, word):
    bur = world.api("bur_a")
    batch_id, _ = _open(bur)
    r = bur.post(f"{API}/{batch_id}/chunks", json=body)
    assert r.status_code == 422 and word in r.json()["message"], r.text
    assert bur.get(f"{API}/{batch_id}").json()["row_count"] == 0


def test_more_than_one_bulk_request_worth_of_rows_in_one_transaction(world):
    """12,000 rows (three 5,000-row chunks): one commit, one sync sequence range."""
    from server.models import Indicator

    bur = world.api("bur_a")
    batch_id, _ = _open(bur)
    rows = [indicator(f"BIG{i:05d}", "A1", 100 + i) for i in range(12_000)]
    for n, start in enumerate(range(0, len(rows), 5000)):
        assert _chunk(bur, batch_id, n, rows[start:start + 5000]).status_code == 200
    head = world.counts()["head"][0]
    r = _commit(bur, batch_id, 3, 12_000)
    assert r.status_code == 200 and r.json()["created"] == 12_000, r.text[:500]
    with world.session() as s:
        seqs = sorted(s.execute(select(Indicator.seq).where(Indicator.id.like("BIG%"))).scalars())
    assert seqs == list(range(head + 1, head + 12_001))  # contiguous: one transaction
    audit = _audit_actions(world, batch_id)
    assert audit == ["indicator_import.open", "indicator_import.commit"]
    from server.models import AuditEvent
    with world.session() as s:
        ev = s.execute(select(AuditEvent).where(AuditEvent.entity_id == batch_id,
                                                AuditEvent.action == "indicator_import.commit")).scalar_one()
        assert json.loads(ev.detail)["after"]["created"] == 12_000


def test_a_batch_left_open_for_a_day_is_given_up_when_its_user_starts_another(world):
    from datetime import timedelta

    from server.models import IndicatorImportBatch, IndicatorImportChunk, utcnow

    bur = world.api("bur_a")
    old_id, _ = _open(bur)
    assert _chunk(bur, old_id, 0, [indicator("EX1", "A1", 1)]).status_code == 200
    fresh_id, _ = _open(bur)
    assert _chunk(bur, fresh_id, 0, [indicator("EX2", "A1", 1)]).status_code == 200
    with world.session() as s:  # the client vanished a day ago
        s.get(IndicatorImportBatch, uuid.UUID(old_id)).updated_at = utcnow() - timedelta(hours=25)
        s.commit()
    _open(world.api("bur_b"))  # another user's batch expires nothing of bur_a's
    assert bur.get(f"{API}/{old_id}").json()["status"] == "open"
    _open(bur)
    assert bur.get(f"{API}/{old_id}").json()["status"] == "aborted"
    assert bur.get(f"{API}/{fresh_id}").json()["status"] == "open"  # recent: kept
    with world.session() as s:
        assert s.execute(select(IndicatorImportChunk).where(
            IndicatorImportChunk.batch_id == uuid.UUID(old_id))).first() is None
    assert _audit_actions(world, old_id) == ["indicator_import.open", "indicator_import.expire"]
    assert _indicator_ids(world, "EX") == []

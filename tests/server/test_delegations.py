"""Delegations (授权委托) stored and enforced by the server (issue 4): who may create one, a
delegate deciding for the delegator (and counting as both people for separation of duties),
expired / revoked / not-yet-valid delegations refused with a clear message, listing, audit.
SQLite and PostgreSQL."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server import chain
from tests.server.test_approvals import add_user, approval, decide, submit


@pytest.fixture(scope="module")
def w(world):
    mp = pytest.MonkeyPatch()
    from server.services import monitoring
    mp.setattr(monitoring, "on_submit", lambda *a, **k: [])  # warnings: test_warnings_server
    add_user(world, "acc2_a1", "accountant", "A1")
    add_user(world, "acc3_a1", "accountant", "A1")
    add_user(world, "head_a1", "unit_head", "A1")
    add_user(world, "head2_a1", "unit_head", "A1")
    add_user(world, "bur2_a", "bureau_division", oversees=["DA"])
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        {"id": "DL-A1", "fiscal_year": 2026, "unit_code": "A1", "func_code": "2010101",
         "dep_eco_code": "30299", "amount_fen": 50_000_000_00, "fund_type_code": "1"}]})
    assert r.status_code == 200, r.text
    for u in ("fin_a1", "head_a1", "head2_a1"):
        assert world.api("admin").post("/api/v1/committees/members",
                                       json={"username": u, "target": "A1"}).status_code == 201
    yield world
    mp.undo()


def later(days=7) -> str:
    return (datetime.now(UTC) + timedelta(days=days)).isoformat()


def delegate(w, by, to, role, *, expires=None, **kw):
    body = {"delegate": to, "role": role, "expires_at": expires or later(), "reason": "出差"} | kw
    return w.api(by).post("/api/v1/delegations", json=body)


def make(w, *a, **kw):
    return submit(w, *a, ind="DL-A1", **kw)


def test_creation_refusals_are_clear_and_change_nothing(w):
    before = w.counts()
    cases = [
        (("fin_a1", "fin_a1", "unit_finance_head"), {}, 422, "self_delegation", "不能是委托人本人"),
        (("acc2_a1", "acc3_a1", "unit_head"), {}, 422, "grant_not_held", "本人不具有“单位负责人”"),
        (("acc2_a1", "acc_b1", "accountant"), {}, 422, "target_out_of_scope", "数据范围不包含"),
        (("fin_a1", "admin", "unit_finance_head"), {}, 422, "admin_cannot_approve", "系统管理员不参与审批"),
        (("fin_a1", "nobody", "unit_finance_head"), {}, 422, "unknown_user", "受托人 nobody 不存在"),
        (("fin_a1", "acc3_a1", "unit_finance_head"),
         {"expires": (datetime.now(UTC) - timedelta(hours=1)).isoformat()}, 422, "invalid_period", "已过"),
        (("fin_a1", "acc3_a1", "unit_finance_head"),
         {"valid_from": later(10), "expires": later(5)}, 422, "invalid_period", "晚于生效时间"),
        (("fin_a1", "acc3_a1", "unit_finance_head"),
         {"expires": later(400)}, 422, "invalid_period", "366 天"),
        # someone else may not register a delegation in fin_a1's name; the admin may
        (("acc2_a1", "acc3_a1", "unit_finance_head"), {"delegator": "fin_a1"}, 403, "not_delegator", "委托人本人"),
        # a committee seat held on no committee
        (("acc2_a1", "acc3_a1", "committee"), {}, 422, "grant_not_held", "领导班子集体决策"),
    ]
    for (by, to, role), kw, status, code, words in cases:
        r = delegate(w, by, to, role, **kw)
        assert (r.status_code, r.json()["code"]) == (status, code), (by, to, role, r.text)
        assert words in r.json()["message"], r.json()["message"]
    r = w.api("fin_a1").post("/api/v1/delegations", json={"delegate": "acc3_a1", "role": "unit_finance_head",
                                                           "expires_at": "2030-01-01T00:00:00"})
    assert r.status_code == 422  # a naive time, no reason
    assert w.counts() == before


def test_delegate_decides_for_the_delegator_and_it_is_recorded(w):
    expires = later()
    r = delegate(w, "fin_a1", "acc3_a1", "unit_finance_head", reason="休假一周", expires=expires)
    assert r.status_code == 201, r.text
    d = r.json()
    retry = delegate(w, "fin_a1", "acc3_a1", "unit_finance_head", reason="休假一周", expires=expires)
    assert retry.status_code == 201 and retry.json()["id"] == d["id"]  # a retry is not a second one
    assert (d["delegator"], d["delegate"], d["role"], d["scope"], d["target"], d["state"]) == (
        "fin_a1", "acc3_a1", "unit_finance_head", "own_unit", "A1", "in_force")
    app_id = make(w, 2_000_00)
    assert decide(w, "acc2_a1", app_id).status_code == 200
    # the delegate has the task, and decides
    tasks = w.api("acc3_a1").get("/api/v1/approvals/tasks").json()["items"]
    assert app_id in {t["application"]["id"] for t in tasks}
    r = decide(w, "acc3_a1", app_id, comment="代财务负责人审批")
    assert r.status_code == 200, r.text
    a = r.json()["approval"]
    assert a["status"] == "approved"
    last = [x for x in a["decisions"] if x["kind"] == "approve"][-1]
    assert (last["actor"], last["on_behalf_of"], last["role"]) == ("acc3_a1", "fin_a1", "unit_finance_head")
    with w.session() as s:
        import json

        from server.models import AuditEvent
        ev = s.query(AuditEvent).filter_by(entity_id=app_id, action="approval.approve").all()[-1]
        assert json.loads(ev.detail)["on_behalf_of"] == "fin_a1"
        assert s.query(AuditEvent).filter_by(action="delegation.create",
                                             entity_id=str(d["id"])).count() == 1
        assert chain.verify(s).ok
    # listed as given by fin_a1 and received by acc3_a1, not for a bystander
    given = w.api("fin_a1").get("/api/v1/delegations", params={"direction": "given"}).json()["items"]
    got = w.api("acc3_a1").get("/api/v1/delegations", params={"direction": "received"}).json()["items"]
    assert d["id"] in {x["id"] for x in given} and d["id"] in {x["id"] for x in got}
    assert not w.api("acc3_a1").get("/api/v1/delegations", params={"direction": "given"}).json()["items"]
    assert w.api("head2_a1").get("/api/v1/delegations", params={"username": "fin_a1"}).status_code == 403


def test_delegate_counts_as_both_people(w):
    """Separation of duties with a delegation: the delegate's own history and the delegator's
    both count."""
    # (1) the delegate approved the accountant step himself: he may not take the next step
    #     for the finance head (one person never approves two steps)
    app_id = make(w, 2_100_00)
    assert decide(w, "acc3_a1", app_id).status_code == 200
    r = decide(w, "acc3_a1", app_id)
    assert r.status_code == 403 and r.json()["code"] == "already_approved_other_step", r.text
    # (2) the delegator approved an earlier step: his delegate may not approve a later one
    #     for him. head_a1 approves as 单位负责人, then delegates his committee seat.
    app2 = make(w, 500_000_00)  # 会计 → 财务 → 单位负责人 → 集体决策 2/3 → 业务处室 → 国库
    assert decide(w, "acc2_a1", app2).status_code == 200
    assert decide(w, "acc3_a1", app2).status_code == 200   # as fin_a1's delegate
    assert decide(w, "head_a1", app2).status_code == 200
    assert delegate(w, "head_a1", "acc2_a1", "committee").status_code == 201
    r = decide(w, "acc2_a1", app2)  # acc2_a1 approved step 1 and head_a1 approved step 3
    assert r.status_code == 403
    msgs = r.json()["message"]
    assert r.json()["code"] == "already_approved_other_step" and "同一人不能审批" in msgs
    # (3) a committee member and the delegate acting for him are one vote, not two
    assert delegate(w, "head2_a1", "head_a1", "committee").status_code == 201
    r = decide(w, "fin_a1", app2)   # fin_a1's own seat; acc3_a1 approved step 2 *for* him
    assert r.status_code == 403 and r.json()["code"] == "already_approved_other_step"
    assert decide(w, "head2_a1", app2).status_code == 200          # 1 of 2
    r = decide(w, "head_a1", app2)  # head_a1 for head2_a1: head2_a1 already voted (and head_a1 decided step 3)
    assert r.status_code == 403 and r.json()["code"] in ("already_decided_step",
                                                         "already_approved_other_step")
    assert approval(w, app2)["current_step"] == 3
    # (4) the creator can never approve, not even under somebody's delegation
    assert delegate(w, "fin_a1", "acc_a1", "unit_finance_head").status_code == 201
    app3 = make(w, 2_200_00)  # created by acc_a1
    assert decide(w, "acc2_a1", app3).status_code == 200
    r = decide(w, "acc_a1", app3)
    assert r.status_code == 403 and r.json()["code"] == "creator"
    # (5) … nor does a delegate approve for the creator: acc2_a1 created app4 and delegated
    #     the accountant role to head2_a1, who holds no accountant role of his own
    assert delegate(w, "acc2_a1", "head2_a1", "accountant").status_code == 201
    app4 = make(w, 2_300_00, user="acc2_a1")
    r = decide(w, "head2_a1", app4)
    assert r.status_code == 403 and r.json()["code"] == "creator" and "委托人 acc2_a1" in r.json()["message"]


def test_expired_revoked_and_future_delegations_are_refused(w):
    # --- expiry: fin_a1 → head2_a1 (unit_finance_head), then time passes
    r = delegate(w, "fin_a1", "head2_a1", "unit_finance_head")
    assert r.status_code == 201
    exp_id = r.json()["id"]
    app2 = make(w, 2_400_00)
    assert decide(w, "acc2_a1", app2).status_code == 200
    from server.models import Delegation
    with w.session() as s:
        d = s.get(Delegation, exp_id)
        d.valid_from = datetime.now(UTC) - timedelta(days=10)
        d.expires_at = datetime.now(UTC) - timedelta(days=1)
        s.commit()
    r = decide(w, "head2_a1", app2)
    assert r.status_code == 403 and r.json()["code"] == "delegation_expired"
    assert "授权已于" in r.json()["message"] and "到期" in r.json()["message"]
    mine = w.api("head2_a1").get("/api/v1/delegations", params={"direction": "received"}).json()
    assert {x["id"]: x["state"] for x in mine["items"]}[exp_id] == "expired"
    # --- revocation: only the delegator (or admin); the delegate then gets a clear refusal
    r = delegate(w, "fin_a1", "head2_a1", "unit_finance_head")
    rid = r.json()["id"]
    assert w.api("head2_a1").post(f"/api/v1/delegations/{rid}/revoke", json={}).status_code == 403
    assert w.api("acc_b1").post(f"/api/v1/delegations/{rid}/revoke", json={}).status_code == 404
    with w.session() as s:  # both delegations point at the same grant: keep only the revoked one
        s.delete(s.get(Delegation, exp_id))
        s.commit()
    r = w.api("fin_a1").post(f"/api/v1/delegations/{rid}/revoke", json={"reason": "提前返岗"})
    assert r.status_code == 200 and r.json()["state"] == "revoked" and r.json()["revoked_by"] == "fin_a1"
    again = w.api("fin_a1").post(f"/api/v1/delegations/{rid}/revoke", json={})
    assert again.status_code == 200 and again.json()["revoked_at"] == r.json()["revoked_at"]
    r = decide(w, "head2_a1", app2)
    assert r.status_code == 403 and r.json()["code"] == "delegation_revoked" and "已撤销" in r.json()["message"]
    # --- not yet valid
    r = delegate(w, "fin_a1", "head2_a1", "unit_finance_head", valid_from=later(2), expires=later(9))
    assert r.status_code == 201 and r.json()["state"] == "pending"
    with w.session() as s:
        s.delete(s.get(Delegation, rid))
        s.commit()
    r = decide(w, "head2_a1", app2)
    assert r.status_code == 403 and r.json()["code"] == "delegation_not_started" and "起生效" in r.json()["message"]
    with w.session() as s:
        from server.models import AuditEvent
        assert s.query(AuditEvent).filter_by(action="delegation.revoke", entity_id=str(rid)).count() == 1


def test_admin_registers_for_a_delegator_and_a_deactivated_delegator_no_longer_counts(w):
    r = delegate(w, "admin", "acc3_a1", "unit_head", delegator="head2_a1", reason="代登记")
    assert r.status_code == 201 and r.json()["created_by"] == "admin", r.text
    app_id = make(w, 60_000_00)
    assert decide(w, "acc2_a1", app_id).status_code == 200
    assert decide(w, "fin_a1", app_id).status_code == 200
    assert w.api("admin").patch("/api/v1/users/head2_a1", json={"is_active": False}).status_code == 200
    r = decide(w, "acc3_a1", app_id)
    assert r.status_code == 403 and r.json()["code"] == "role_mismatch"
    assert w.api("admin").patch("/api/v1/users/head2_a1", json={"is_active": True}).status_code == 200
    r = decide(w, "acc3_a1", app_id)
    assert r.status_code == 200, r.text
    assert r.json()["approval"]["decisions"][-1]["on_behalf_of"] == "head2_a1"

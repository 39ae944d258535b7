"""Approval chains (issue 4) through the API: routing by band, separation of duties, stale
versions, return / reject / restart, batch approve, tasks, scoping, and a full lifecycle ending
with ledger check and audit verify clean. SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from server import chain, ledger
from tests.server.conftest import PASSWORD, draft, indicator, new_id


def add_user(world, username, role, unit=None, oversees=None):
    from server.models import User
    from server.services import org
    from server.services.auth import _issue
    from tests.server.conftest import Api, _one_hash
    with world.session() as s, _one_hash():
        org.create_user(s, username=username, password=PASSWORD, role=role, unit_code=unit,
                        oversees=oversees)
        s.commit()
    with world.session() as s:
        user = s.query(User).filter_by(username=username).one()
        pair = _issue(s, world.settings, user, device_id=f"dev-{username}", device_name=None)
        s.commit()
    world.apis[username] = Api(world.client, pair["access_token"])
    return world.apis[username]


@pytest.fixture(scope="module")
def people(world):
    # Warnings are exercised in test_warnings_server.py; here the daily-total / split-payment
    # rules would (correctly) block the many test payments of one unit.
    mp = pytest.MonkeyPatch()
    from server.services import monitoring
    mp.setattr(monitoring, "on_submit", lambda *a, **k: [])
    add_user(world, "acc2_a1", "accountant", "A1")       # 会计审核 (not the creator)
    add_user(world, "head_a1", "unit_head", "A1")
    add_user(world, "head2_a1", "unit_head", "A1")       # a second committee member
    add_user(world, "fin2_a1", "unit_finance_head", "A1")
    add_user(world, "acc2_b1", "accountant", "B1")
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("AP-A1", "A1", 50_000_000_00, fund_type_code="1"),
        indicator("AP-A1-OWN", "A1", 50_000_000_00, fund_type_code="6")]})
    assert r.status_code == 200, r.text
    # A1's 集体决策 committee (role ``committee`` bound to the unit)
    for u in ("fin_a1", "head_a1", "head2_a1", "fin2_a1"):
        r = world.api("admin").post("/api/v1/committees/members",
                                    json={"username": u, "target": "A1"})
        assert r.status_code == 201, r.text
    yield world
    mp.undo()


def submit(world, amount_fen, *, user="acc_a1", ind="AP-A1", **kw):
    api = world.api(user)
    app_id = new_id()
    r = api.put(f"/api/v1/applications/{app_id}", json=draft(ind, amount_fen, **kw))
    assert r.status_code == 201, r.text
    r = api.post(f"/api/v1/applications/{app_id}/submit")
    assert r.status_code == 200, r.text
    return app_id


def approval(world, app_id, user="admin"):
    r = world.api(user).get(f"/api/v1/applications/{app_id}/approval")
    assert r.status_code == 200, r.text
    return r.json()


def version(world, app_id):
    return world.api("admin").get(f"/api/v1/applications/{app_id}").json()["version"]


def decide(world, user, app_id, kind="approve", ev=None, comment=""):
    ev = version(world, app_id) if ev is None else ev
    return world.api(user).post(f"/api/v1/applications/{app_id}/decisions",
                                json={"kind": kind, "expected_version": ev, "comment": comment})


@pytest.mark.parametrize("amount_fen, roles", [
    (1_000_00, ["accountant", "unit_finance_head"]),
    (49_999_99, ["accountant", "unit_finance_head"]),
    (50_000_00, ["accountant", "unit_finance_head", "unit_head", "bureau_division"]),
    (500_000_00, ["accountant", "unit_finance_head", "unit_head", "committee",
                  "bureau_division", "treasury"]),
])
def test_routing_by_amount_band(people, amount_fen, roles):
    a = approval(people, submit(people, amount_fen, payee_name="某某文具有限公司"))
    assert [s["role"] for s in a["steps"]] == roles
    assert a["rule_set_id"] == "default" and a["rule_set_version"] == 1
    assert a["status"] == "in_progress" and a["current_step"] == 0


def test_cash_adds_bureau_division(people):
    a = approval(people, submit(people, 1_000_00, settlement_mode="现金"))
    assert "bureau_division" in [s["role"] for s in a["steps"]]


def test_separation_of_duties_refusals(people):
    w = people
    app_id = submit(w, 60_000_00)
    # creator never approves; a unit finance head cannot take the accountant step
    r = decide(w, "acc_a1", app_id)
    assert r.status_code == 403 and r.json()["code"] == "creator"
    r = decide(w, "fin_a1", app_id)
    assert r.status_code == 403 and r.json()["code"] == "role_mismatch"
    # across scope: another unit's accountant does not even see it
    assert decide(w, "acc2_b1", app_id, ev=1).status_code == 404
    r = decide(w, "acc2_a1", app_id)
    assert r.status_code == 200, r.text
    # one person never approves two steps (fin_a1 approves step 2, then may not take the committee/other)
    assert decide(w, "fin_a1", app_id).status_code == 200
    r = decide(w, "fin_a1", app_id)  # step 3 is unit_head: role mismatch for fin_a1
    assert r.status_code == 403 and r.json()["code"] == "role_mismatch"
    # bureau of another department: 404 (not in scope)
    assert decide(w, "bur_b", app_id, ev=1).status_code == 404
    assert decide(w, "head_a1", app_id).status_code == 200
    # the bureau step: a unit head cannot do it
    r = decide(w, "head2_a1", app_id)
    assert r.status_code == 403 and r.json()["code"] == "role_mismatch"
    assert decide(w, "bur_a", app_id).status_code == 200
    a = approval(w, app_id)
    assert a["status"] == "approved" and len([d for d in a["decisions"] if d["kind"] == "approve"]) == 4
    r = decide(w, "bur_a", app_id)
    assert r.status_code == 409 and r.json()["code"] == "chain_closed"


def test_same_person_cannot_approve_two_steps_committee(people):
    w = people
    app_id = submit(w, 500_000_00)
    for u in ("acc2_a1", "fin_a1", "head_a1"):
        assert decide(w, u, app_id).status_code == 200, u
    # committee (2 of 3): fin_a1 and head_a1 already approved other steps
    for u in ("fin_a1", "head_a1"):
        r = decide(w, u, app_id)
        assert r.status_code == 403 and r.json()["code"] == "already_approved_other_step", r.text
    assert decide(w, "head2_a1", app_id).status_code == 200
    assert decide(w, "fin2_a1", app_id).status_code == 200
    assert approval(w, app_id)["current_step"] == 4  # bureau division


def test_stale_version_refused_with_chinese_message(people):
    w = people
    app_id = submit(w, 2_000_00)
    v = version(w, app_id)
    r = decide(w, "acc2_a1", app_id, ev=v - 1)
    assert r.status_code == 409 and r.json()["code"] == "stale_version"
    assert "请刷新后重新审核" in r.json()["message"]
    assert decide(w, "acc2_a1", app_id, ev=v).status_code == 200
    r = decide(w, "fin_a1", app_id, ev=v)  # saw the version before the first approval
    assert r.status_code == 409 and r.json()["code"] == "stale_version"


def test_reject_releases_reservation_and_ledger_is_clean(people):
    w = people
    before = w.api("admin").get("/api/v1/indicators/AP-A1").json()
    app_id = submit(w, 3_000_00)
    assert decide(w, "acc2_a1", app_id).status_code == 200
    r = decide(w, "fin_a1", app_id, kind="reject", comment="用途不符")
    assert r.status_code == 200, r.text
    assert r.json()["application"]["status"] == "voided"
    assert r.json()["approval"]["status"] == "rejected"
    after = w.api("admin").get("/api/v1/indicators/AP-A1").json()
    assert after["available_fen"] == before["available_fen"]
    with w.session() as s:
        assert ledger.check(s) == []


def test_return_keeps_reservation_and_resubmission_restarts(people):
    w = people
    app_id = submit(w, 4_000_00)
    avail = w.api("admin").get("/api/v1/indicators/AP-A1").json()["available_fen"]
    assert decide(w, "acc2_a1", app_id).status_code == 200
    r = decide(w, "fin_a1", app_id, kind="return", comment="请补充发票")
    assert r.status_code == 200 and r.json()["approval"]["status"] == "returned"
    assert r.json()["application"]["status"] == "submitted"  # 在途 kept
    assert w.api("admin").get("/api/v1/indicators/AP-A1").json()["available_fen"] == avail
    # the unit withdraws, edits, resubmits: a new round from the first step
    api = w.api("acc_a1")
    assert api.post(f"/api/v1/applications/{app_id}/withdraw").status_code == 200
    assert api.put(f"/api/v1/applications/{app_id}", json=draft("AP-A1", 4_000_00,
                                                               use_des="补充说明后")).status_code == 200
    assert api.post(f"/api/v1/applications/{app_id}/submit").status_code == 200
    a = approval(w, app_id)
    assert a["round"] == 2 and a["status"] == "in_progress" and a["current_step"] == 0
    # an approver of round 1 at the same step may approve again in round 2
    assert decide(w, "acc2_a1", app_id).status_code == 200


def test_amount_change_after_approval_restarts_chain(people):
    w = people
    app_id = submit(w, 5_000_00)
    assert decide(w, "acc2_a1", app_id).status_code == 200
    api = w.api("acc_a1")
    assert api.post(f"/api/v1/applications/{app_id}/withdraw").status_code == 200
    assert api.put(f"/api/v1/applications/{app_id}", json=draft("AP-A1", 60_000_00)).status_code == 200
    assert api.post(f"/api/v1/applications/{app_id}/submit").status_code == 200
    a = approval(w, app_id)
    assert a["round"] == 2 and a["current_step"] == 0
    assert [s["role"] for s in a["steps"]][-1] == "bureau_division"  # re-routed for the new amount


def test_editor_never_approves(people):
    w = people
    # acc2_a1 edits acc_a1's draft? drafts are per creator unit: acc2_a1 saves the same id
    app_id = new_id()
    assert w.api("acc_a1").put(f"/api/v1/applications/{app_id}",
                               json=draft("AP-A1", 1_500_00)).status_code == 201
    assert w.api("acc2_a1").put(f"/api/v1/applications/{app_id}",
                                json=draft("AP-A1", 1_600_00)).status_code == 200
    assert w.api("acc_a1").post(f"/api/v1/applications/{app_id}/submit").status_code == 200
    r = decide(w, "acc2_a1", app_id)
    assert r.status_code == 403 and r.json()["code"] == "editor"


def test_comment_tasks_and_batch_approve(people):
    w = people
    ids = [submit(w, 1_100_00 + i) for i in range(3)]
    tasks = w.api("acc2_a1").get("/api/v1/approvals/tasks").json()["items"]
    assert set(ids) <= {t["application"]["id"] for t in tasks}
    assert not [t for t in w.api("acc_a1").get("/api/v1/approvals/tasks").json()["items"]
                if t["application"]["id"] in ids]  # the creator has nothing to approve
    assert not w.api("acc2_b1").get("/api/v1/approvals/tasks").json()["items"]
    r = decide(w, "fin_a1", ids[0], kind="comment", comment="金额请核对")
    assert r.status_code == 200
    r = w.api("acc2_a1").post("/api/v1/approvals/batch-approve", json={"items": [
        {"application_id": i, "expected_version": version(w, i)} for i in ids]})
    assert r.status_code == 200 and r.json()["approved"] == 3, r.text
    r = w.api("acc2_a1").post("/api/v1/approvals/batch-approve", json={"items": [
        {"application_id": ids[0]}]})
    assert r.json()["results"][0]["code"] == "role_mismatch"
    kinds = [d["kind"] for d in approval(w, ids[0])["decisions"]]
    assert kinds == ["comment", "approve"]


def test_lifecycle_four_step_approval_ledger_and_audit_clean(people):
    w = people
    before = w.api("admin").get("/api/v1/indicators/AP-A1").json()
    app_id = submit(w, 80_000_00)
    for u in ("acc2_a1", "fin_a1", "head_a1", "bur_a"):
        r = decide(w, u, app_id, comment=f"{u} 同意")
        assert r.status_code == 200, r.text
    a = approval(w, app_id)
    assert a["status"] == "approved"
    ind = w.api("admin").get("/api/v1/indicators/AP-A1").json()
    assert ind["available_fen"] == before["available_fen"] - 80_000_00  # still reserved (在途)
    with w.session() as s:
        assert ledger.check(s) == []
        assert chain.verify(s).ok
        from server.models import AuditEvent
        acts = [e.action for e in s.query(AuditEvent).filter_by(entity_id=app_id)]
    assert acts.count("approval.approve") == 4 and "approval.route" in acts


def test_lifecycle_voucher_writeback_refund(people):
    w = people
    before = w.api("admin").get("/api/v1/indicators/AP-A1").json()
    app_id = submit(w, 60_000_00)  # 4 steps: 会计 → 财务负责人 → 单位负责人 → 业务处室
    assert w.api("treas").post(f"/api/v1/applications/{app_id}/voucher").json()["code"] == "not_approved"
    for u in ("acc2_a1", "fin_a1", "head_a1", "bur_a"):
        assert decide(w, u, app_id).status_code == 200
    t = w.api("treas")
    assert w.api("acc_a1").post(f"/api/v1/applications/{app_id}/voucher").status_code == 403
    v = t.post(f"/api/v1/applications/{app_id}/voucher").json()
    assert v["voucher_no"].startswith("PZ2026330700000") and v["status"] == "issued"
    assert t.post(f"/api/v1/applications/{app_id}/voucher").json()["id"] == v["id"]  # idempotent
    rec = t.get("/api/v1/payments/reconciliation").json()
    assert v["voucher_no"] in [x["voucher_no"] for x in rec["vouchers_without_writeback"]]
    r = t.post(f"/api/v1/vouchers/{v['id']}/writeback", json={"bank_serial": "B0001"})
    assert r.status_code == 200 and r.json()["status"] == "paid", r.text
    ind = w.api("admin").get("/api/v1/indicators/AP-A1").json()
    assert ind["paid_fen"] == before["paid_fen"] + 60_000_00
    assert ind["available_fen"] == before["available_fen"] - 60_000_00
    r = t.post(f"/api/v1/vouchers/{v['id']}/refund", json={"amount_fen": 5_000_00, "reason": "多付"})
    assert r.status_code == 200 and r.json()["refunded_fen"] == 5_000_00
    r = t.post(f"/api/v1/vouchers/{v['id']}/refund", json={"amount_fen": 60_000_00})
    assert r.status_code == 422
    ind = w.api("admin").get("/api/v1/indicators/AP-A1").json()
    assert ind["available_fen"] == before["available_fen"] - 55_000_00
    assert ind["paid_fen"] == before["paid_fen"] + 55_000_00
    with w.session() as s:
        assert ledger.check(s) == [] and chain.verify(s).ok


def test_bounced_writeback_releases(people):
    w = people
    before = w.api("admin").get("/api/v1/indicators/AP-A1").json()
    app_id = submit(w, 7_000_00)
    for u in ("acc2_a1", "fin_a1"):
        assert decide(w, u, app_id).status_code == 200
    t = w.api("treas")
    v = t.post(f"/api/v1/applications/{app_id}/voucher").json()
    r = t.post(f"/api/v1/vouchers/{v['id']}/writeback", json={"bank_serial": "B0002", "success": False})
    assert r.json()["status"] == "bounced"
    assert w.api("admin").get("/api/v1/indicators/AP-A1").json()["available_fen"] == before["available_fen"]
    with w.session() as s:
        assert ledger.check(s) == []


def test_approved_application_cannot_be_withdrawn(people):
    w = people
    app_id = submit(w, 1_234_00)
    for u in ("acc2_a1", "fin_a1"):
        assert decide(w, u, app_id).status_code == 200
    r = w.api("acc_a1").post(f"/api/v1/applications/{app_id}/withdraw")
    assert r.status_code == 409 and r.json()["code"] == "already_approved"


# --------------------------------------------------------------------------- the approval matrix

# who decides each role's step in unit A1 (committee: two members who decided nothing before)
DECIDERS = {"accountant": ["acc2_a1"], "unit_finance_head": ["fin_a1"], "unit_head": ["head_a1"],
            "committee": ["head2_a1", "fin2_a1"], "bureau_division": ["bur_a"], "treasury": ["treas"]}
UNIT_CHAIN = ["accountant", "unit_finance_head"]
TIER2 = UNIT_CHAIN + ["unit_head", "bureau_division"]


@pytest.mark.parametrize("amount_fen", [1_000_00, 50_000_00, 500_000_00], ids=["1k", "50k", "500k"])
@pytest.mark.parametrize("fund_type", ["1", "6"], ids=["一般公共预算", "单位资金"])
def test_approval_matrix_bands_fund_types_roles(people, amount_fen, fund_type):
    """Bands × fund types decide the chain; at every step only its role decides (another role is
    refused with role_mismatch) and the committee step needs 2 distinct members."""
    w = people
    expected = {1_000_00: UNIT_CHAIN, 50_000_00: TIER2,
                500_000_00: (UNIT_CHAIN + ["unit_head", "committee", "bureau_division"]
                             + (["treasury"] if fund_type == "1" else []))}[amount_fen]
    app_id = submit(w, amount_fen, ind="AP-A1" if fund_type == "1" else "AP-A1-OWN")
    a = approval(w, app_id)
    assert [s["role"] for s in a["steps"]] == expected
    committee = [s for s in a["steps"] if s["role"] == "committee"]
    assert all((s["required"], s["pool"], s["seats"]) == (2, 3, 4) for s in committee)
    for index, role in enumerate(expected):
        outsider = "treas" if role == "bureau_division" else "bur_a"
        r = decide(w, outsider, app_id)
        assert r.status_code == 403 and r.json()["code"] == "role_mismatch", (role, r.text)
        for n, user in enumerate(DECIDERS[role]):
            assert approval(w, app_id)["current_step"] == index
            r = decide(w, user, app_id)
            assert r.status_code == 200, (role, user, r.text)
            if role == "committee" and n == 0:  # 1 of 2: the step is still open …
                again = decide(w, user, app_id)  # … and the same member cannot vote twice
                assert again.status_code == 403 and again.json()["code"] == "already_decided_step"
    final = approval(w, app_id)
    assert final["status"] == "approved"
    assert [d["role"] for d in final["decisions"] if d["kind"] == "approve"] == [
        r for r in expected for _ in DECIDERS[r]]


# ------------------------------------------------------------------ separation of duties, enumerated

def _at_step(w, amount_fen, done):
    app_id = submit(w, amount_fen)
    for u in done:
        assert decide(w, u, app_id).status_code == 200, u
    return app_id


@pytest.mark.parametrize("case", [
    # (amount, approvals before, who tries, expected refusal)
    ("creator at the first step", 1_000_00, [], "acc_a1", "creator"),
    ("creator at a later step (as a committee member he is not)", 500_000_00,
     ["acc2_a1", "fin_a1", "head_a1"], "acc_a1", "creator"),
    ("finance head approves the finance step, then votes as committee member", 500_000_00,
     ["acc2_a1", "fin_a1", "head_a1"], "fin_a1", "already_approved_other_step"),
    ("unit head approves the unit-head step, then votes as committee member", 500_000_00,
     ["acc2_a1", "fin_a1", "head_a1"], "head_a1", "already_approved_other_step"),
    ("a committee member votes twice on the committee step", 500_000_00,
     ["acc2_a1", "fin_a1", "head_a1", "head2_a1"], "head2_a1", "already_decided_step"),
    ("a role the person does not hold", 50_000_00, ["acc2_a1", "fin_a1"], "fin2_a1", "role_mismatch"),
], ids=lambda c: c[0])
def test_separation_of_duties_enumerated(people, case):
    _, amount, done, who, code = case
    app_id = _at_step(people, amount, done)
    r = decide(people, who, app_id)
    assert r.status_code == 403 and r.json()["code"] == code, r.text
    assert r.json()["details"]["refusals"][0]["message"]  # said in Chinese, with the reason


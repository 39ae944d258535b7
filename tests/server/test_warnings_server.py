"""三级预警 on the server (issue 4): hits stored at submission, red blocks approval until cleared,
yellow until the unit explains with an attachment, the disposition loop with who/when, scoping,
and the scheduled batch (``jincai-server monitor run``'s service). SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import uuid
from datetime import UTC, datetime

import pytest

from server import chain, ledger
from tests.server.conftest import draft, indicator, new_id
from tests.server.test_approvals import add_user, decide


@pytest.fixture(scope="module")
def w(world):
    add_user(world, "acc2_a1", "accountant", "A1")
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("WN-A1", "A1", 5_000_000_00, fund_type_code="1")]})
    assert r.status_code == 200, r.text
    return world


def make(w, amount_fen, *, created_at=None, **kw):
    api = w.api("acc_a1")
    app_id = new_id()
    assert api.put(f"/api/v1/applications/{app_id}", json=draft("WN-A1", amount_fen, **kw)).status_code == 201
    if created_at is not None:
        from server.models import Application
        with w.session() as s:
            s.get(Application, uuid.UUID(app_id)).created_at = created_at
            s.commit()
    r = api.post(f"/api/v1/applications/{app_id}/submit")
    assert r.status_code == 200, r.text
    return app_id


def warnings_of(w, app_id, user="admin"):
    r = w.api(user).get("/api/v1/warnings", params={"application_id": app_id})
    assert r.status_code == 200, r.text
    return r.json()["items"]


def upload(w, user, content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    r = w.api(user).put(f"/api/v1/attachments/{sha}", content=content,
                        headers={"Content-Type": "application/pdf"})
    assert r.status_code in (200, 201), r.text
    return sha


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_all_three_levels_are_raised_at_submission(w):
    # a Sunday night (Asia/Shanghai) draft, 福利 in the purpose, cash over the limit
    sunday_night = datetime(2026, 3, 8, 15, 30, tzinfo=UTC)  # 23:30 Beijing, Sunday
    app_id = make(w, 1_000_00, created_at=sunday_night, use_des="职工福利慰问品")
    levels = {x["level"] for x in warnings_of(w, app_id)}
    assert {2, 3} <= levels, warnings_of(w, app_id)
    rules = {x["rule_id"] for x in warnings_of(w, app_id)}
    assert "sensitive_purpose" in rules and "off_hours" in rules


def test_yellow_blocks_until_unit_explains_with_attachment(w):
    app_id = make(w, 1_200_00, use_des="发放奖金")
    y = next(x for x in warnings_of(w, app_id) if x["rule_id"] == "sensitive_purpose")
    assert y["level"] == 2 and y["state"] == "raised" and y["outcome"] == "疑点"
    r = decide(w, "acc2_a1", app_id)
    assert r.status_code == 409 and r.json()["code"] == "warning_block"
    # the bureau may not explain, other units do not see it
    assert w.api("bur_a").post(f"/api/v1/warnings/{y['id']}/explain",
                               json={"note": "x"}).status_code == 403
    assert w.api("acc_b1").get(f"/api/v1/warnings/{y['id']}").status_code == 404
    sha = upload(w, "acc_a1", PDF + b"explain")
    r = w.api("acc_a1").post(f"/api/v1/warnings/{y['id']}/explain",
                             json={"note": "系年度考核奖，有文件依据", "attachments": [sha]})
    assert r.status_code == 200, r.text
    assert decide(w, "acc2_a1", app_id).status_code == 200


def test_red_blocks_until_bureau_clears_and_disposition_loop(w):
    app_id = make(w, 60_000_00, settlement_mode="现金", use_des="现金支付零星材料款")
    hits = warnings_of(w, app_id)
    red = [x for x in hits if x["level"] == 1]
    assert red, hits
    r = decide(w, "acc2_a1", app_id)
    assert r.status_code == 409 and r.json()["code"] == "warning_block"
    assert "红色预警" in r.json()["message"]
    red_id = red[0]["id"]
    # unit cannot rule 认定正常
    r = w.api("acc_a1").post(f"/api/v1/warnings/{red_id}/dispose", json={"action": "mark_normal"})
    assert r.status_code == 403 and r.json()["code"] == "wrong_side"
    # bureau: 需要核实 (note required)
    r = w.api("bur_a").post(f"/api/v1/warnings/{red_id}/dispose", json={"action": "request_verify"})
    assert r.status_code == 422 and r.json()["code"] == "note_required"
    r = w.api("bur_a").post(f"/api/v1/warnings/{red_id}/dispose",
                            json={"action": "request_verify", "note": "请说明现金用途"})
    assert r.status_code == 200 and r.json()["state"] == "verifying"
    # unit answers 核实无误: attachment required at red
    r = w.api("acc_a1").post(f"/api/v1/warnings/{red_id}/dispose",
                             json={"action": "answer_ok", "note": "确为零星采购"})
    assert r.status_code == 422 and r.json()["code"] == "attachment_required"
    sha = upload(w, "acc_a1", PDF + b"red")
    v = w.api("acc_a1").get(f"/api/v1/warnings/{red_id}").json()["version"]
    r = w.api("acc_a1").post(f"/api/v1/warnings/{red_id}/dispose",
                             json={"action": "answer_ok", "note": "确为零星采购", "attachments": [sha],
                                   "contact": "张三 13800000000", "expected_version": v - 1})
    assert r.status_code == 409 and r.json()["code"] == "version_conflict"
    r = w.api("acc_a1").post(f"/api/v1/warnings/{red_id}/dispose",
                             json={"action": "answer_ok", "note": "确为零星采购", "attachments": [sha],
                                   "contact": "张三 13800000000", "expected_version": v})
    assert r.status_code == 200 and r.json()["state"] == "answered_ok"
    assert decide(w, "acc2_a1", app_id).status_code == 409  # still blocked until the bureau rules
    r = w.api("bur_a").post(f"/api/v1/warnings/{red_id}/dispose", json={"action": "mark_normal"})
    assert r.status_code == 200 and r.json()["state"] == "normal" and r.json()["outcome"] == "核实"
    hist = r.json()["history"]
    assert [h["action"] for h in hist] == ["request_verify", "answer_ok", "mark_normal"]
    assert hist[1]["by"] == "acc_a1" and hist[1]["attachments"] == [sha] and hist[0]["at"]
    # clear any other red / yellow hits the bureau can rule normal
    for x in warnings_of(w, app_id):
        if not x["cleared"]:
            assert w.api("bur_a").post(f"/api/v1/warnings/{x['id']}/dispose",
                                       json={"action": "mark_normal"}).status_code == 200
    assert decide(w, "acc2_a1", app_id).status_code == 200
    with w.session() as s:
        assert ledger.check(s) == [] and chain.verify(s).ok


def test_scheduled_batch_adds_no_duplicates(w):
    from server.services import monitoring
    with w.session() as s:
        monitoring.run_scheduled(s)
        s.commit()
        again = monitoring.run_scheduled(s)
        s.commit()
    assert again == []


def test_explanation_is_fiscal_transition_recorded_and_red_cannot_be_explained(w):
    app_id = make(w, 60_000_00, use_des="发放慰问金", settlement_mode="现金")
    ws = {x["rule_id"]: x for x in warnings_of(w, app_id)}
    y = ws["sensitive_purpose"]
    assert "explain" in y["allowed_actions"]
    sha = upload(w, "acc_a1", PDF + b"explain-2")
    # without an attachment the transition refuses (fiscal.warnings: attachment_required)
    r = w.api("acc_a1").post(f"/api/v1/warnings/{y['id']}/explain", json={"note": "有文件依据"})
    assert r.status_code == 422 and r.json()["code"] == "attachment_required"
    r = w.api("acc_a1").post(f"/api/v1/warnings/{y['id']}/dispose",
                             json={"action": "explain", "note": "系工会慰问，有文件依据", "attachments": [sha]})
    assert r.status_code == 200, r.text
    got = r.json()
    assert (got["state"], got["state_name"], got["cleared"]) == ("explained", "已书面说明（待认定）", False)
    step = got["history"][-1]
    assert (step["action"], step["from"], step["to"], step["by"], step["attachments"]) == (
        "explain", "raised", "explained", "acc_a1", [sha]) and step["at"]
    assert set(got["allowed_actions"]) >= {"mark_normal", "request_verify", "mark_violation"}
    # a red warning is not explained away: the bureau must rule on it
    red = next(x for x in warnings_of(w, app_id) if x["level"] == 1)
    r = w.api("acc_a1").post(f"/api/v1/warnings/{red['id']}/explain",
                             json={"note": "现金支付确有必要", "attachments": [sha]})
    assert r.status_code == 422 and r.json()["code"] == "level_not_explainable"
    assert "财政部门认定" in r.json()["message"]
    assert w.api("acc_a1").get(f"/api/v1/warnings/{red['id']}").json()["state"] == "raised"
    # the bureau later rules on the explained yellow one
    r = w.api("bur_a").post(f"/api/v1/warnings/{y['id']}/dispose", json={"action": "mark_normal"})
    assert r.status_code == 200 and r.json()["state"] == "normal"
    assert [h["action"] for h in r.json()["history"]] == ["explain", "mark_normal"]

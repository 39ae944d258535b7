"""The desktop's offline warning dispositions through sync push (issues #5, #6):
``warning.explain`` / ``warning.dispose`` run the same service as the HTTP endpoints (roles,
unit scope, the fiscal state machine), are idempotent by key, and a command made on a state the
warning has since left is refused with a message. SQLite and PostgreSQL."""
from __future__ import annotations

import hashlib
import json

import pytest

from fiscal.schemas.sync import MAX_PROTOCOL_VERSION, SUPPORTED_COMMANDS
from server import chain
from server.models import MonitorWarning
from tests.server.conftest import draft, indicator, new_id
from tests.server.test_approvals import add_user, decide

P = {"X-Jincai-Protocol": str(MAX_PROTOCOL_VERSION)}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(scope="module")
def w(world):
    add_user(world, "acc2_a1", "accountant", "A1")
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("SW-A1", "A1", 5_000_000_00, fund_type_code="1")]})
    assert r.status_code == 200, r.text
    return world


def yellow(w) -> tuple[str, dict]:
    """A submitted application with a raised yellow 敏感用途 warning."""
    api = w.api("acc_a1")
    app_id = new_id()
    assert api.put(f"/api/v1/applications/{app_id}",
                   json=draft("SW-A1", 1_200_00, use_des="发放奖金")).status_code == 201
    assert api.post(f"/api/v1/applications/{app_id}/submit").status_code == 200
    items = w.api("admin").get("/api/v1/warnings", params={"application_id": app_id}).json()["items"]
    y = next(x for x in items if x["rule_id"] == "sensitive_purpose")
    assert y["level"] == 2 and y["state"] == "raised"
    return app_id, y


def upload(w, user: str, content: bytes) -> str:
    sha = hashlib.sha256(content).hexdigest()
    r = w.api(user).put(f"/api/v1/attachments/{sha}", content=content,
                        headers={"Content-Type": "application/pdf"})
    assert r.status_code in (200, 201), r.text
    return sha


def push(w, user: str, *cmds: dict) -> list[dict]:
    r = w.api(user).post("/api/v1/sync/push", json={"commands": list(cmds)}, headers=P)
    assert r.status_code == 200, r.text
    return r.json()["results"]


def cmd(key: str, type_: str, warning_id, **payload) -> dict:
    return {"idempotency_key": key, "type": type_, "entity_id": str(warning_id), "payload": payload}


def state(w, warning_id: int) -> dict:
    return w.api("admin").get(f"/api/v1/warnings/{warning_id}").json()


def test_commands_are_in_the_protocol():
    assert {"warning.explain", "warning.dispose"} <= set(SUPPORTED_COMMANDS)


def test_explain_through_push_is_idempotent_and_lifts_the_block(w):
    app_id, y = yellow(w)
    assert decide(w, "acc2_a1", app_id).status_code == 409  # blocked before the explanation
    sha = upload(w, "acc_a1", PDF + b"sync-explain")
    c = cmd("wexp-0001-a", "warning.explain", y["id"], note="系年度考核奖，有文件依据",
            attachments=[sha], expected_state="raised", expected_version=y["version"])
    [r] = push(w, "acc_a1", c)
    assert (r["status"], r["replayed"]) == ("ok", False), r
    assert r["data"]["state"] == "explained" and r["data"]["attachments"] == [sha]
    assert r["data"]["explanation"] == "系年度考核奖，有文件依据"
    # the answer was lost: the client sends the same command again — nothing is recorded twice
    [again] = push(w, "acc_a1", c)
    assert again["status"] == "ok" and again["replayed"] is True
    now = state(w, y["id"])
    assert [h["action"] for h in now["history"]] == ["explain"]
    assert now["version"] == y["version"] + 1 and now["history"][0]["by"] == "acc_a1"
    # the same key with different content is not a retry
    [reused] = push(w, "acc_a1", {**c, "payload": {**c["payload"], "note": "别的说明"}})
    assert reused["status"] == "error" and reused["code"] == "idempotency_key_reused"
    assert decide(w, "acc2_a1", app_id).status_code == 200  # the reviewer may approve now
    with w.session() as s:
        assert chain.verify(s).ok


def test_verify_then_rectified_loop_through_push(w):
    _app_id, y = yellow(w)
    [r] = push(w, "bur_a", cmd("wdis-0001-a", "warning.dispose", y["id"], action="request_verify",
                               note="请说明奖金发放依据", expected_state="raised"))
    assert r["status"] == "ok" and r["data"]["state"] == "verifying", r
    # the unit's 已整改 needs an attachment at yellow (the fiscal state machine, on the server)
    [r] = push(w, "acc_a1", cmd("wdis-0002-a", "warning.dispose", y["id"], action="answer_fixed",
                                note="已追回并重新走审批", expected_state="verifying"))
    assert r["status"] == "error" and r["code"] == "attachment_required", r
    assert "附件" in r["message"]
    sha = upload(w, "acc_a1", PDF + b"sync-fixed")
    [r] = push(w, "acc_a1", cmd("wdis-0003-a", "warning.dispose", y["id"], action="answer_fixed",
                                note="已追回并重新走审批", attachments=[sha],
                                contact="张三 13800000000", expected_state="verifying"))
    assert r["status"] == "ok" and r["data"]["state"] == "answered_fixed", r
    [r] = push(w, "bur_a", cmd("wdis-0004-a", "warning.dispose", y["id"],
                               action="accept_rectification", expected_state="answered_fixed"))
    assert r["status"] == "ok" and r["data"]["state"] == "rectified" and r["data"]["cleared"], r
    hist = state(w, y["id"])["history"]
    assert [(h["action"], h["by"]) for h in hist] == [
        ("request_verify", "bur_a"), ("answer_fixed", "acc_a1"), ("accept_rectification", "bur_a")]
    assert hist[1]["attachments"] == [sha] and hist[1]["contact"] == "张三 13800000000"


def test_stale_and_forbidden_commands_are_refused_and_change_nothing(w):
    _app_id, y = yellow(w)
    sha = upload(w, "acc_a1", PDF + b"sync-stale")
    [r] = push(w, "acc_a1", cmd("wstl-0001-a", "warning.explain", y["id"], note="说明",
                                attachments=[sha], expected_state="raised"))
    assert r["status"] == "ok"
    before = state(w, y["id"])
    # ruled offline on the raised warning, arriving after the unit's explanation: refused,
    # although 需要核实 would be a legal step from 已书面说明
    results = push(
        w, "bur_a",
        cmd("wstl-0002-a", "warning.dispose", y["id"], action="request_verify", note="请核实",
            expected_state="raised"),
        # a unit may not rule, and the bureau may not explain on the unit's behalf
        cmd("wstl-0003-a", "warning.explain", y["id"], note="代为说明", expected_state="explained"),
        cmd("wstl-0004-a", "warning.dispose", "not-a-number", action="mark_normal"),
        cmd("wstl-0005-a", "warning.dispose", y["id"], note="缺少动作"),
        cmd("wstl-0006-a", "warning.dispose", y["id"], action="mark_normal",
            expected_state="nonsense"))
    codes = [(x["http_status"], x["code"]) for x in results]
    assert codes == [(409, "warning_state_changed"), (403, "wrong_side"), (422, "invalid_entity_id"),
                     (422, "invalid_payload"), (422, "invalid_payload")], results
    stale = results[0]
    assert "已从“待处理”变为“已书面说明（待认定）”" in stale["message"]
    assert "acc_a1" in stale["message"] and "未执行" in stale["message"]
    assert stale["data"]["details"]["state"] == "explained"
    assert "expected_state" in results[4]["message"]
    [r] = push(w, "acc_a1", cmd("wstl-0007-a", "warning.dispose", y["id"], action="mark_normal",
                                expected_state="explained"))
    assert (r["http_status"], r["code"]) == (403, "wrong_side")
    # another unit does not see it; an attachment never uploaded to the unit is refused
    [r] = push(w, "acc_b1", cmd("wstl-0008-a", "warning.explain", y["id"], note="x",
                                attachments=[sha], expected_state="explained"))
    assert (r["http_status"], r["code"]) == (404, "not_found"), r
    missing = hashlib.sha256(b"never uploaded").hexdigest()
    [r] = push(w, "acc_a1", cmd("wstl-0009-a", "warning.explain", y["id"], note="补充说明",
                                attachments=[missing], expected_state="explained"))
    assert (r["http_status"], r["code"]) == (404, "attachment_not_found"), r
    after = state(w, y["id"])
    assert (after["state"], after["version"], after["history"]) == (
        before["state"], before["version"], before["history"])
    # the refused answers are stored too: a retry gets the same refusal, not a second try
    [again] = push(w, "bur_a", cmd("wstl-0002-a", "warning.dispose", y["id"],
                                   action="request_verify", note="请核实", expected_state="raised"))
    assert again["replayed"] is True and again["code"] == "warning_state_changed"
    # with the current state the bureau's ruling goes through
    [r] = push(w, "bur_a", cmd("wstl-0010-a", "warning.dispose", y["id"], action="mark_normal",
                               expected_state="explained"))
    assert r["status"] == "ok" and r["data"]["state"] == "normal", r
    with w.session() as s:
        row = s.get(MonitorWarning, y["id"])
        assert [h["action"] for h in json.loads(row.history)] == ["explain", "mark_normal"]

"""Approval rule-set administration (issue 4): the admin lists the versions per 区划 (and unit),
uploads a new version (validated by fiscal.approval; a bad one changes nothing) and activates it
from a date; an application keeps the version in force when it was submitted. SQLite and
PostgreSQL."""
from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

import pytest

from fiscal.approval import default_rules_path
from tests.server.test_approvals import add_user, approval, decide, submit

REGION = "330700000"


@pytest.fixture(scope="module")
def w(world):
    mp = pytest.MonkeyPatch()
    from server.services import monitoring
    mp.setattr(monitoring, "on_submit", lambda *a, **k: [])
    add_user(world, "acc2_a1", "accountant", "A1")
    add_user(world, "head_a1", "unit_head", "A1")
    add_user(world, "fin_a2", "unit_finance_head", "A2")
    add_user(world, "head_a2", "unit_head", "A2")
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        {"id": ind, "fiscal_year": 2026, "unit_code": unit, "func_code": "2010101",
         "dep_eco_code": "30299", "amount_fen": 5_000_000_00, "fund_type_code": "1"}
        for ind, unit in (("RA-A1", "A1"), ("RA-A2", "A2"))]})
    assert r.status_code == 200, r.text
    yield world
    mp.undo()


def doc(*rule_sets) -> dict:
    return {"format": "jincai.approval-rules/1", "rule_sets": list(rule_sets)}


def strict_set(version=1, *, id_="jinhua", unit=None, effective="2026-01-01") -> dict:
    """Every payment also needs the 单位负责人 (a stricter local version)."""
    return {"id": id_, "version": version, "region": REGION, "unit": unit,
            "effective_from": effective, "name": f"金华市本级 v{version}",
            "rules": [{"id": "all", "when": {}, "steps": [
                {"role": "accountant"}, {"role": "unit_finance_head"}, {"role": "unit_head"}]}]}


def roles(a) -> list[str]:
    return [s["role"] for s in a["steps"]]


def listing(w, **params):
    r = w.api("admin").get("/api/v1/approval-rule-sets", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def test_bad_rule_sets_are_refused_clearly_and_change_nothing(w):
    admin = w.api("admin")
    before = w.counts()
    bad_step = strict_set()
    bad_step["rules"][0]["steps"].append({"role": "committee", "required": 3, "pool": 2})
    bad_band = strict_set()
    bad_band["rules"][0]["when"] = {"amount_min_fen": 500, "amount_max_fen": 100}
    bad_role = strict_set()
    bad_role["rules"][0]["steps"][0] = {"role": "cashier"}
    bad_scope = strict_set()
    bad_scope["rules"][0]["steps"][0] = {"role": "accountant", "scope": "treasury"}
    shipped = json.loads(default_rules_path().read_text(encoding="utf-8"))["rule_sets"][0]
    cases = [
        (doc(bad_step), 422, "invalid_rules", "会签人数 3 不能大于成员人数 2"),
        (doc(bad_band), 422, "invalid_rules", "金额区间无效"),
        (doc(bad_role), 422, "invalid_rules", "审批规则配置无效"),
        (doc(bad_scope), 422, "invalid_rules", "不能配置在范围"),
        ({"format": "other/9", "rule_sets": [strict_set()]}, 422, "invalid_rules", "不支持的审批规则文件格式"),
        (doc(strict_set(), strict_set()), 422, "duplicate_version", "重复"),
        (doc(shipped), 409, "version_exists", "已有版本 v1"),           # the shipped default
        (doc(strict_set() | {"region": "999999000"}), 422, "unknown_region", "区划 999999000 不存在"),
        (doc(strict_set(unit="B9")), 422, "unknown_unit", "单位 B9 不存在"),
        # a good set next to a bad one: nothing of the document is stored
        (doc(strict_set(), bad_step), 422, "invalid_rules", "会签人数"),
    ]
    for body, status, code, words in cases:
        r = admin.post("/api/v1/approval-rule-sets", json=body)
        assert (r.status_code, r.json()["code"]) == (status, code), r.text
        assert words in r.json()["message"], r.json()["message"]
    r = w.api("bur_a").post("/api/v1/approval-rule-sets", json=doc(strict_set()))
    assert r.status_code == 403
    assert w.api("acc_a1").get("/api/v1/approval-rule-sets").status_code == 403
    assert w.counts() == before


def test_upload_activate_and_applications_keep_their_version(w):
    admin = w.api("admin")
    # before: the shipped default is in force (¥1,000 → 会计审核 → 财务负责人)
    old_app = submit(w, 1_000_00, ind="RA-A1")
    assert (approval(w, old_app)["rule_set_id"], roles(approval(w, old_app))) == (
        "default", ["accountant", "unit_finance_head"])
    assert decide(w, "acc2_a1", old_app).status_code == 200   # one step under the old chain
    # upload a stricter version: stored inactive, nothing changes yet
    r = admin.post("/api/v1/approval-rule-sets", json=doc(strict_set()))
    assert r.status_code == 201 and r.json()["items"] == [
        {"id": "jinhua", "version": 1, "region": REGION, "unit": None, "active": False}], r.text
    rows = {(x["id"], x["version"]): x for x in listing(w, region=REGION)["items"]}
    assert rows[("jinhua", 1)]["active"] is False and rows[("default", 1)]["in_force"] is True
    assert roles(approval(w, submit(w, 1_100_00, ind="RA-A1"))) == ["accountant", "unit_finance_head"]
    # activation: never back-dated; from now on
    yesterday = (datetime.now(UTC) - timedelta(days=2)).isoformat()
    r = admin.post("/api/v1/approval-rule-sets/jinhua/versions/1/activate",
                   json={"effective_from": yesterday})
    assert r.status_code == 422 and r.json()["code"] == "effective_in_past" and "不能追溯" in r.json()["message"]
    assert admin.post("/api/v1/approval-rule-sets/jinhua/versions/9/activate", json={}).status_code == 404
    assert w.api("bur_a").post("/api/v1/approval-rule-sets/jinhua/versions/1/activate",
                               json={}).status_code == 403
    now = datetime.now(UTC).isoformat()
    r = admin.post("/api/v1/approval-rule-sets/jinhua/versions/1/activate", json={"effective_from": now})
    assert r.status_code == 200 and r.json()["active"] is True, r.text
    again = admin.post("/api/v1/approval-rule-sets/jinhua/versions/1/activate",
                       json={"effective_from": (datetime.now(UTC) + timedelta(days=3)).isoformat()})
    assert again.status_code == 409 and again.json()["code"] == "already_active"
    got = listing(w, region=REGION)
    assert got["in_force"] == {"id": "jinhua", "version": 1}
    # a new submission routes under the new version …
    new_app = submit(w, 1_200_00, ind="RA-A1")
    a = approval(w, new_app)
    assert (a["rule_set_id"], a["rule_set_version"], roles(a)) == (
        "jinhua", 1, ["accountant", "unit_finance_head", "unit_head"])
    # … while the old application is approved under its old two-step chain
    r = decide(w, "fin_a1", old_app)
    assert r.status_code == 200 and r.json()["approval"]["status"] == "approved", r.text
    assert r.json()["approval"]["rule_set_id"] == "default"
    # a restart (amount changed after an approval) stays on the version of the first submission
    mid = submit(w, 1_300_00, ind="RA-A1")  # routed under jinhua v1
    assert decide(w, "acc2_a1", mid).status_code == 200
    r = admin.post("/api/v1/approval-rule-sets", json=doc(strict_set(2) | {"rules": [
        {"id": "all", "when": {}, "steps": [{"role": "accountant"}]}]}))
    assert r.status_code == 201
    assert admin.post("/api/v1/approval-rule-sets/jinhua/versions/2/activate",
                      json={"effective_from": datetime.now(UTC).isoformat()}).status_code == 200
    api = w.api("acc_a1")
    assert api.post(f"/api/v1/applications/{mid}/withdraw").status_code == 200
    from tests.server.conftest import draft
    assert api.put(f"/api/v1/applications/{mid}", json=draft("RA-A1", 1_400_00)).status_code == 200
    assert api.post(f"/api/v1/applications/{mid}/submit").status_code == 200
    a = approval(w, mid)
    assert (a["round"], a["rule_set_version"], roles(a)) == (
        2, 1, ["accountant", "unit_finance_head", "unit_head"])
    assert roles(approval(w, submit(w, 1_500_00, ind="RA-A1"))) == ["accountant"]  # v2 for new ones
    with w.session() as s:
        from server.models import AuditEvent
        acts = [e.action for e in s.query(AuditEvent).filter(AuditEvent.entity_type == "rule_set")]
    assert acts.count("rule_set.upload") == 2 and acts.count("rule_set.activate") == 2


def test_unit_specific_version_applies_to_that_unit_only(w):
    admin = w.api("admin")
    unit_set = strict_set(1, id_="a2-own", unit="A2") | {"rules": [
        {"id": "a2", "when": {}, "steps": [{"role": "accountant"}, {"role": "unit_head"}]}]}
    assert admin.post("/api/v1/approval-rule-sets", json=doc(unit_set)).status_code == 201
    today = datetime.now(UTC).isoformat()
    assert admin.post("/api/v1/approval-rule-sets/a2-own/versions/1/activate",
                      json={"effective_from": today}).status_code == 200
    a2 = approval(w, submit(w, 1_000_00, ind="RA-A2", user="acc_a2"))
    assert (a2["rule_set_id"], roles(a2)) == ("a2-own", ["accountant", "unit_head"])
    a1 = approval(w, submit(w, 1_000_00, ind="RA-A1"))
    assert a1["rule_set_id"] == "jinhua"
    assert listing(w, region=REGION, unit="A2")["in_force"] == {"id": "a2-own", "version": 1}
    ids = {x["id"] for x in listing(w, region=REGION, unit="A1")["items"]}
    assert "a2-own" not in ids and {"default", "jinhua"} <= ids
    # a future activation does not yet apply
    nxt = copy.deepcopy(unit_set) | {"version": 2}
    assert admin.post("/api/v1/approval-rule-sets", json=doc(nxt)).status_code == 201
    soon = (datetime.now(UTC) + timedelta(days=30)).isoformat()
    assert admin.post("/api/v1/approval-rule-sets/a2-own/versions/2/activate",
                      json={"effective_from": soon}).status_code == 200
    assert listing(w, region=REGION, unit="A2")["in_force"] == {"id": "a2-own", "version": 1}

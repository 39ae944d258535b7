"""Indicator ledger, bulk upsert and payment applications end to end over HTTP."""
from __future__ import annotations

import pytest

from tests.server.conftest import draft, indicator, new_id


@pytest.fixture(scope="module")
def ind(world):
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-A1-1", "A1", 100_000_00),
        indicator("IND-A1-OPEN", "A1", 50_000_00, eco=None),
        indicator("IND-A1-CARD", "A1", 50_000_00, eco="30201"),
        indicator("IND-A1-PUR", "A1", 50_000_00, eco="31002", is_gov_procurement=True),
        indicator("IND-A1-OFF", "A1", 50_000_00, executable=False),
        indicator("IND-A2-1", "A2", 10_000_00, func="2050204"),
    ]})
    assert r.status_code == 200, r.text
    assert r.json()["created"] == 6
    return "IND-A1-1"


def test_bulk_upsert_is_idempotent_and_journals_changes(world, ind):
    bur = world.api("bur_a")
    again = bur.post("/api/v1/indicators/bulk", json={"items": [indicator("IND-A1-1", "A1", 100_000_00)]})
    assert again.json() == {"created": 0, "updated": 0, "unchanged": 1, "errors": []}
    up = bur.post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-A1-1", "A1", 120_000_00, doc_no="金财预〔2026〕9号")]})
    assert up.json()["updated"] == 1
    down = bur.post("/api/v1/indicators/bulk", json={"items": [indicator("IND-A1-1", "A1", 100_000_00)]})
    assert down.json()["updated"] == 1
    got = bur.get("/api/v1/indicators/IND-A1-1").json()
    assert got["amount_fen"] == 100_000_00 and got["available_fen"] == 100_000_00
    kinds = [e["kind"] for e in bur.get("/api/v1/indicators/IND-A1-1/ledger").json()]
    assert kinds == ["release", "increase", "decrease"]


def test_bulk_upsert_is_all_or_nothing(world, ind):
    before = world.counts()
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("NEW-OK", "A1", 100), indicator("NEW-BAD", "A1", 100, func="9999999"),
        indicator("NEW-B1", "B1", 100)]})
    assert r.status_code == 422
    body = r.json()
    assert body["code"] == "indicator_rows_invalid"
    codes = sorted(e["code"] for e in body["details"]["errors"])
    assert codes == ["unit_not_found", "unknown_func_code"]
    assert "第 2 行" in body["details"]["errors"][0]["message"]
    assert world.counts() == before


def test_accountant_cannot_upsert_indicators(world, ind):
    r = world.api("acc_a1").post("/api/v1/indicators/bulk", json={"items": [indicator("X1", "A1", 1)]})
    assert r.status_code == 403 and r.json()["code"] == "role_forbidden"


def test_draft_create_is_idempotent_and_edit_bumps_version(world, ind):
    acc = world.api("acc_a1")
    aid = new_id()
    r1 = acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 1_000_00))
    assert r1.status_code == 201, r1.text
    a = r1.json()
    assert a["status"] == "draft" and a["version"] == 1 and a["unit_code"] == "A1"
    assert a["app_no"].startswith("2026330700000")
    r2 = acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 1_000_00))
    assert r2.status_code == 200 and r2.json()["version"] == 1 and r2.json()["app_no"] == a["app_no"]
    r3 = acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 2_000_00, expected_version=1))
    assert r3.status_code == 200 and r3.json()["version"] == 2 and r3.json()["amount_fen"] == 2_000_00
    stale = acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 3_000_00, expected_version=1))
    assert stale.status_code == 409 and stale.json()["code"] == "version_conflict"


def test_amount_in_yuan_text(world, ind):
    r = world.api("acc_a1").put(f"/api/v1/applications/{new_id()}",
                                json={**{k: v for k, v in draft(ind, 1).items() if k != "amount_fen"},
                                      "amount": "¥1,234.56"})
    assert r.status_code == 201 and r.json()["amount_fen"] == 123456


def test_submit_reserves_and_withdraw_releases(world, ind):
    acc = world.api("acc_a1")
    aid = new_id()
    acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 30_000_00))
    before = acc.get(f"/api/v1/indicators/{ind}").json()
    r = acc.post(f"/api/v1/applications/{aid}/submit")
    assert r.status_code == 200, r.text
    assert r.json()["status"] == "submitted" and r.json()["gov_eco_code"] == "50299"
    mid = acc.get(f"/api/v1/indicators/{ind}").json()
    assert mid["reserved_fen"] == before["reserved_fen"] + 30_000_00
    assert mid["available_fen"] == before["available_fen"] - 30_000_00
    assert acc.post(f"/api/v1/applications/{aid}/submit").status_code == 200  # idempotent
    assert acc.get(f"/api/v1/indicators/{ind}").json()["reserved_fen"] == mid["reserved_fen"]
    edit = acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 1_00))
    assert edit.status_code == 409 and edit.json()["code"] == "not_draft"
    w = acc.post(f"/api/v1/applications/{aid}/withdraw")
    assert w.status_code == 200 and w.json()["status"] == "draft"
    after = acc.get(f"/api/v1/indicators/{ind}").json()
    assert after["available_fen"] == before["available_fen"]
    assert acc.post(f"/api/v1/applications/{aid}/withdraw").status_code == 200  # idempotent


def test_insufficient_balance_message_names_the_figures(world, ind):
    acc = world.api("acc_a1")
    a1, a2 = new_id(), new_id()
    acc.put(f"/api/v1/applications/{a1}", json=draft("IND-A1-OPEN", 40_000_00))
    assert acc.post(f"/api/v1/applications/{a1}/submit").status_code == 200
    acc.put(f"/api/v1/applications/{a2}", json=draft("IND-A1-OPEN", 12_345_67))
    r = acc.post(f"/api/v1/applications/{a2}/submit")
    assert r.status_code == 409
    body = r.json()
    assert body["code"] == "insufficient_balance"
    assert ("指标 50,000.00 − 已支付 0.00 − 在途 40,000.00 − 本次 12,345.67 = 差额 -2,345.67"
            in body["message"])
    assert body["details"]["violations"][0]["details"]["difference"] == -2_345_67
    assert acc.get(f"/api/v1/applications/{a2}").json()["status"] == "draft"


@pytest.mark.parametrize("ind_id,fields,code", [
    ("IND-A1-OFF", {}, "indicator_not_executable"),
    ("IND-A1-1", {"dep_eco_code": "30201", "settlement_mode": "1"}, "dep_eco_code_out_of_scope"),
    ("IND-A1-1", {"func_code": "2010102"}, "func_code_out_of_scope"),
    ("IND-A1-OPEN", {"dep_eco_code": None}, "dep_eco_code_required"),
    ("IND-A1-OPEN", {"dep_eco_code": "30201", "gov_eco_code": "50101", "settlement_mode": "3"},
     "eco_mapping_mismatch"),
    ("IND-A1-CARD", {"dep_eco_code": "30201", "settlement_mode": "1"}, "official_card_required"),
    ("IND-A1-PUR", {"dep_eco_code": "31002"}, "contract_required"),
    ("IND-A1-PUR", {"dep_eco_code": "31002", "contract_no": "NOPE-1"}, "contract_not_registered"),
    ("IND-A1-1", {"payee_is_personal": True, "amount_fen": 6_000_000}, "personal_payee_basis_required"),
    ("IND-A1-1", {"fiscal_year": 2025}, "indicator_year_mismatch"),
])
def test_submission_rules(world, ind, ind_id, fields, code):
    acc = world.api("acc_a1")
    aid = new_id()
    fields = dict(fields)
    body = draft(ind_id, fields.pop("amount_fen", 1_00), **fields)
    r = acc.put(f"/api/v1/applications/{aid}", json=body)
    assert r.status_code == 201, r.text
    before = acc.get(f"/api/v1/indicators/{ind_id}").json()
    s = acc.post(f"/api/v1/applications/{aid}/submit")
    assert s.status_code == 422, s.text
    assert s.json()["code"] == code
    assert s.json()["message"]
    assert acc.get(f"/api/v1/indicators/{ind_id}").json() == before


def test_official_card_exceptions_pass(world, ind):
    acc = world.api("acc_a1")
    for fields in ({"settlement_mode": "3"}, {"settlement_mode": "公务卡"},
                   {"settlement_mode": "1", "payee_is_personal": True},
                   {"settlement_mode": "1", "card_not_accepted": True, "amount_fen": 150_00},
                   {"settlement_mode": "2", "use_des": "签证费"}):
        aid = new_id()
        amount = fields.pop("amount_fen", 10_00)
        r = acc.put(f"/api/v1/applications/{aid}", json=draft("IND-A1-CARD", amount,
                                                                dep_eco_code="30201", **fields))
        assert r.status_code == 201, r.text
        s = acc.post(f"/api/v1/applications/{aid}/submit")
        assert s.status_code == 200, (fields, s.text)


def test_void_and_delete(world, ind):
    acc = world.api("acc_a1")
    aid = new_id()
    acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 1_00))
    assert acc.delete(f"/api/v1/applications/{aid}").status_code == 204
    assert acc.get(f"/api/v1/applications/{aid}").status_code == 404
    again = acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 1_00))
    assert again.status_code == 409 and again.json()["code"] == "id_deleted"
    bid = new_id()
    acc.put(f"/api/v1/applications/{bid}", json=draft(ind, 1_00))
    acc.post(f"/api/v1/applications/{bid}/submit")
    assert acc.delete(f"/api/v1/applications/{bid}").status_code == 409
    assert acc.post(f"/api/v1/applications/{bid}/void").status_code == 409
    acc.post(f"/api/v1/applications/{bid}/withdraw")
    assert acc.delete(f"/api/v1/applications/{bid}").status_code == 409  # was submitted once
    v = acc.post(f"/api/v1/applications/{bid}/void")
    assert v.status_code == 200 and v.json()["status"] == "voided"


def test_bureau_adjustments_and_role_separation(world, ind):
    bur, acc = world.api("bur_a"), world.api("acc_a1")
    before = bur.get("/api/v1/indicators/IND-A2-1").json()
    r = bur.post("/api/v1/indicators/IND-A2-1/adjustments", json={"kind": "freeze", "amount_fen": 1_000_00})
    assert r.status_code == 200 and r.json()["frozen_fen"] == 1_000_00
    assert r.json()["available_fen"] == before["available_fen"] - 1_000_00
    too_much = bur.post("/api/v1/indicators/IND-A2-1/adjustments",
                        json={"kind": "decrease", "amount_fen": before["amount_fen"]})
    assert too_much.status_code == 409 and too_much.json()["code"] == "ledger_decrease_exceeds"
    assert bur.post("/api/v1/indicators/IND-A2-1/adjustments",
                    json={"kind": "unfreeze", "amount_fen": 1_000_00}).status_code == 200
    assert acc.post(f"/api/v1/indicators/{ind}/adjustments",
                    json={"kind": "increase", "amount_fen": 1}).status_code == 403
    assert bur.put(f"/api/v1/applications/{new_id()}", json=draft(ind, 1)).status_code == 403


def test_ledger_check_is_clean(world, ind):
    from server import ledger
    with world.session() as s:
        assert ledger.check(s) == []


def test_procurement_with_registered_contract(world, ind):
    acc = world.api("acc_a1")
    r = acc.post("/api/v1/contracts", json={"contract_no": "CG-2026-01", "name": "设备采购",
                                             "amount_fen": 10_000_00, "supplier": "某公司"})
    assert r.status_code == 201, r.text
    assert acc.post("/api/v1/contracts", json={"contract_no": "CG-2026-01",
                                               "amount_fen": 1}).status_code == 409
    assert world.api("bur_a").post("/api/v1/contracts", json={
        "contract_no": "X-1", "amount_fen": 1}).status_code == 403
    first, second = new_id(), new_id()
    acc.put(f"/api/v1/applications/{first}", json=draft("IND-A1-PUR", 8_000_00, dep_eco_code="31002",
                                                        contract_no="CG-2026-01"))
    assert acc.post(f"/api/v1/applications/{first}/submit").status_code == 200
    acc.put(f"/api/v1/applications/{second}", json=draft("IND-A1-PUR", 2_000_01, dep_eco_code="31002",
                                                         contract_no="CG-2026-01"))
    r = acc.post(f"/api/v1/applications/{second}/submit")
    assert r.status_code == 422 and r.json()["code"] == "contract_exceeded"
    assert "差额 -0.01" in r.json()["message"]
    listed = acc.get("/api/v1/contracts").json()
    assert listed[0]["applied_fen"] == 8_000_00
    assert world.api("acc_b1").get("/api/v1/contracts").json() == []

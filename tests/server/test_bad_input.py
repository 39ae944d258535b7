"""Bad input gets a 4xx with a clear (Chinese) message, and nothing is written."""
from __future__ import annotations

import pytest

from tests.server.conftest import draft, indicator, new_id


@pytest.fixture(scope="module")
def ready(world):
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-BAD", "A1", 10_000_00)]}).status_code == 200
    return "IND-BAD"


def _app_url():
    return f"/api/v1/applications/{new_id()}"


BAD_DRAFTS = [
    ("three decimals (text)", lambda d: {**{k: v for k, v in d.items() if k != "amount_fen"}, "amount": "100.005"}, "invalid_request", "小数"),
    ("three decimals (number)", lambda d: {**d, "amount_fen": 100.005}, "invalid_request", "整数"),
    ("fractional fen", lambda d: {**d, "amount_fen": 10.5}, "invalid_request", "整数"),
    ("negative", lambda d: {**d, "amount_fen": -100}, "invalid_request", "不能小于"),
    ("zero", lambda d: {**d, "amount_fen": 0}, "invalid_request", "不能小于"),
    ("negative text", lambda d: {**{k: v for k, v in d.items() if k != "amount_fen"}, "amount": "-5.00"}, "invalid_request", "金额"),
    ("amount as string fen", lambda d: {**d, "amount_fen": "100"}, "invalid_request", "整数"),
    ("too large", lambda d: {**d, "amount_fen": 10**15}, "invalid_request", "不能大于"),
    ("bool amount", lambda d: {**d, "amount_fen": True}, "invalid_request", "整数"),
    ("wrong type payee", lambda d: {**d, "payee_name": 123}, "invalid_request", "文本"),
    ("missing payee", lambda d: {k: v for k, v in d.items() if k != "payee_name"}, "invalid_request", "必须填写"),
    ("unknown field", lambda d: {**d, "approved": True}, "invalid_request", "未知字段"),
    ("unknown economic code", lambda d: {**d, "dep_eco_code": "39998"}, "unknown_dep_eco_code", "39998"),
    ("unknown functional code", lambda d: {**d, "func_code": "2999999"}, "unknown_func_code", "2999999"),
    ("unknown settlement mode", lambda d: {**d, "settlement_mode": "9"}, "unknown_settlement_mode", "结算方式"),
    ("unknown indicator", lambda d: {**d, "indicator_id": "NOPE"}, "indicator_not_found", "NOPE"),
    ("forged unit", lambda d: {**d, "unit_code": "B1"}, "unit_forbidden", "B1"),
    ("unknown unit", lambda d: {**d, "unit_code": "ZZ9"}, "unit_forbidden", "ZZ9"),
    ("code with letters", lambda d: {**d, "dep_eco_code": "30x01"}, "invalid_request", "格式"),
    ("unsupported year", lambda d: {**d, "fiscal_year": 2031}, "fiscal_year_unsupported", "2031"),
    ("bad payee account", lambda d: {**d, "payee_account": "ABC-123"}, "invalid_payee_account", "收款账号"),
]


@pytest.mark.parametrize("name,mutate,code,needle", BAD_DRAFTS, ids=[b[0] for b in BAD_DRAFTS])
def test_bad_drafts(world, ready, name, mutate, code, needle):
    before = world.counts()
    r = world.api("acc_a1").put(_app_url(), json=mutate(draft(ready, 1_00)))
    assert 400 <= r.status_code < 500, r.text
    body = r.json()
    assert body["code"] == code, body
    assert needle in body["message"], body["message"]
    assert world.counts() == before


def test_malformed_json(world, ready):
    before = world.counts()
    r = world.api("acc_a1").put(_app_url(), content=b'{"indicator_id": "IND-BAD", "amount_fen": 1',
                                headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    r = world.api("acc_a1").put(_app_url(), content=b"\xff\xfe not json",
                                headers={"Content-Type": "application/json"})
    assert r.status_code in (400, 422)
    r = world.api("acc_a1").put(_app_url(), content=b"[1, 2, 3]",
                                headers={"Content-Type": "application/json"})
    assert r.status_code == 422
    assert world.counts() == before


def test_huge_bodies(world, ready):
    before = world.counts()
    huge = b'{"x": "' + b"a" * (3 * 1024 * 1024) + b'"}'
    r = world.api("acc_a1").put(_app_url(), content=huge, headers={"Content-Type": "application/json"})
    assert r.status_code == 413 and r.json()["code"] == "body_too_large"

    def gen():  # chunked, no Content-Length
        for _ in range(40):
            yield b"a" * (100 * 1024)
    r = world.api("acc_a1").put(_app_url(), content=gen(), headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    items = [indicator(f"HUGE-{i}", "A1", 1) for i in range(5001)]
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": items})
    assert r.status_code in (413, 422)
    assert world.counts() == before


def test_bad_indicator_rows(world, ready):
    before = world.counts()
    bur = world.api("bur_a")
    for item in (indicator("N1", "A1", -1), indicator("N1", "A1", 1.5), indicator("N 1", "A1", 1),
                 indicator("N1", "A1", 1, func="20101x1"), indicator("N1", "A1", 1, fiscal_year="2026")):
        r = bur.post("/api/v1/indicators/bulk", json={"items": [item]})
        assert r.status_code == 422, r.text
        assert r.json()["message"].startswith("请求数据有误")
    r = bur.post("/api/v1/indicators/bulk", json={"items": [indicator("N1", "A1", 1, eco="39998")]})
    assert r.status_code == 422 and r.json()["details"]["errors"][0]["code"] == "unknown_dep_eco_code"
    assert world.counts() == before


@pytest.mark.parametrize("path", ["/api/v1/applications/not-a-uuid", "/api/v1/attachments/XYZ",
                                  "/api/v1/indicators/a%20b"])
def test_bad_path_parameters(world, path):
    r = world.api("acc_a1").get(path)
    assert r.status_code == 422 and r.json()["code"] == "invalid_request"


def test_unknown_route_and_method(world):
    assert world.api("acc_a1").get("/api/v1/nothing").json()["code"] == "http_404"
    assert world.api("acc_a1").delete("/api/v1/indicators").status_code == 405


def test_nul_characters_are_refused_not_500(world, ready):
    before = world.counts()
    acc = world.api("acc_a1")
    r = acc.put(_app_url(), json=draft(ready, 1_00, payee_name="坏\x00名字"))
    assert r.status_code == 422, r.text
    r = acc.get("/api/v1/indicators", params={"unit_code": "A\x001"})
    assert r.status_code in (200, 422), r.text
    r = acc.get("/api/v1/units/A%001")
    assert r.status_code in (404, 422), r.text
    assert world.counts() == before

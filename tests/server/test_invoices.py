"""POST /api/v1/invoices/check: is an invoice already attached to a live application anywhere on
the server — answered for every unit, but *which* application only within the caller's scope."""
from __future__ import annotations

import hashlib
import os

import pytest

from tests.server.conftest import draft, indicator, new_id

DIGITAL = "25332000000087654321"
LEGACY = ("044031900111", "12345678")
LEGACY_KEY = "044031900111:12345678"


@pytest.fixture(scope="module")
def used(world):
    """Unit A1 attaches a 数电票 and a legacy invoice to one draft application."""
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-INV", "A1", 100_000_00)]}).status_code == 200
    a1 = world.api("acc_a1")
    app_id = new_id()
    assert a1.put(f"/api/v1/applications/{app_id}", json=draft("IND-INV", 5_00)).status_code in (200, 201)
    for number, code in ((DIGITAL, None), (LEGACY[1], LEGACY[0])):
        data = b"%PDF-1.7 invoice " + number.encode() + os.urandom(8)
        h = hashlib.sha256(data).hexdigest()
        assert a1.put(f"/api/v1/attachments/{h}", content=data).status_code in (200, 201)
        inv = {"kind": "发票", "number": number, "amount_fen": 5_00, "issue_date": "2026-03-01"}
        if code:
            inv["code"] = code
        r = a1.post(f"/api/v1/applications/{app_id}/attachments",
                    json={"sha256": h, "role": "invoice", "invoice": inv})
        assert r.status_code == 200, r.text
    app_no = a1.get(f"/api/v1/applications/{app_id}").json()["app_no"]
    return app_id, app_no


def check(world, user, keys):
    return world.api(user).post("/api/v1/invoices/check", json={"keys": keys})


def test_own_unit_sees_which_application(world, used):
    app_id, app_no = used
    r = check(world, "acc_a1", [DIGITAL, LEGACY_KEY, "25332000000000000001"])
    assert r.status_code == 200, r.text
    a, b, c = r.json()["results"]
    assert a == {"key": DIGITAL, "used": True, "application_id": app_id, "app_no": app_no,
                 "status": "draft", "same_unit": True}
    assert b["used"] is True and b["application_id"] == app_id
    assert c == {"key": "25332000000000000001", "used": False}


@pytest.mark.parametrize("user", ["acc_a2", "acc_b1", "bur_b"])
def test_other_units_learn_only_that_it_is_used(world, used, user):
    r = check(world, user, [DIGITAL, LEGACY_KEY])
    assert r.status_code == 200, r.text
    for row in r.json()["results"]:
        assert row["used"] is True
        assert set(row) == {"key", "used"}  # no application, number, status or unit
    assert used[1] not in r.text and used[0] not in r.text


def test_overseeing_bureau_sees_the_application(world, used):
    row = check(world, "bur_a", [DIGITAL]).json()["results"][0]
    assert row["used"] is True and row["application_id"] == used[0] and row["same_unit"] is False


def test_detached_invoice_is_free_again(world, used):
    app_id, _ = used
    a1 = world.api("acc_a1")
    atts = a1.get(f"/api/v1/applications/{app_id}").json()["attachments"]
    legacy = next(a for a in atts if a["invoice_key"] == LEGACY_KEY)
    assert a1.delete(f"/api/v1/applications/{app_id}/attachments/{legacy['sha256']}").status_code == 200
    rows = check(world, "acc_a1", [LEGACY_KEY, DIGITAL]).json()["results"]
    assert rows[0] == {"key": LEGACY_KEY, "used": False} and rows[1]["used"] is True


@pytest.mark.parametrize("keys,fragment", [
    (["12345678"], "第 1 个发票键"),                       # 8 digits without a code
    ([DIGITAL, "0440319001:ABC"], "第 2 个发票键"),          # letters in the number
    ([" 2533 2000 0000 8765 4321"], "第 1 个发票键"),       # not in the canonical form
    (["1:"], "第 1 个发票键"),                              # a code without a number
    (["044031900111:1234567"], "第 1 个发票键"),            # 7-digit number
    (["٢٥٣٣٢٠٠٠٠٠٠٠٨٧٦٥٤٣٢١"], "第 1 个发票键"),          # not ASCII digits
    ([], None),
    (["1" * 20] * 201, None),
])
def test_bad_keys_are_refused_with_a_clear_message(world, used, keys, fragment):
    before = world.counts()
    r = check(world, "acc_a1", keys)
    assert r.status_code == 422, r.text
    if fragment:
        assert fragment in r.json()["message"] and "格式不正确" in r.json()["message"]
    assert world.counts() == before


def test_requires_a_token(world, used):
    r = world.api(None).post("/api/v1/invoices/check", json={"keys": [DIGITAL]})
    assert r.status_code == 401

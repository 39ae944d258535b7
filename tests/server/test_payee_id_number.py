"""A personal payee's 身份证号 (``payee_id_number``) on the payment application: validated by the
wire schema (checksum, personal payees only, absent allowed), stored with the draft, returned and
pulled, and matched by the staff_labor_fee warning against the 人员信息 before the name.
SQLite and PostgreSQL."""
from __future__ import annotations

import pytest

from fiscal.ids import resident_id_check_char
from fiscal.schemas.sync import MAX_PROTOCOL_VERSION, PullPage
from tests.server.conftest import draft, indicator, new_id

P = {"X-Jincai-Protocol": str(MAX_PROTOCOL_VERSION)}
STAFF_ID = "33070219750615004" + resident_id_check_char("33070219750615004")
OTHER_ID = "33070219900101003" + resident_id_check_char("33070219900101003")
# a valid number whose check character is X (sent lower-case by a careless hand)
X_ID = next(f + "X" for f in (f"3307021985010100{i}" for i in range(10))
            if resident_id_check_char(f) == "X")
BAD_CHECKSUM = STAFF_ID[:17] + ("0" if STAFF_ID[17] != "0" else "1")
PERSON = {"payee_name": "钱多多", "payee_account": "6228480000000077001", "payee_is_personal": True,
          "dep_eco_code": "30226", "use_des": "支付评审劳务费"}


@pytest.fixture(scope="module")
def w(world):
    r = world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("PID-LAB", "A1", 5_000_000_00, eco="30226", fund_type_code="1")]})
    assert r.status_code == 200, r.text
    # the staff member is listed under another name than the payee's
    r = world.api("admin").put("/api/v1/monitoring/units/A1/staff",
                               json={"items": [{"name": "孙 立新", "id_number": STAFF_ID}]})
    assert r.status_code == 200, r.text
    return world


def _hits(w, app_id) -> dict[str, dict]:
    r = w.api("admin").get("/api/v1/warnings", params={"application_id": app_id})
    assert r.status_code == 200, r.text
    return {x["rule_id"]: x for x in r.json()["items"]}


def _submit(w, amount_fen, **kw) -> str:
    acc = w.api("acc_a1")
    app_id = new_id()
    r = acc.put(f"/api/v1/applications/{app_id}", json=draft("PID-LAB", amount_fen, **{**PERSON, **kw}))
    assert r.status_code == 201, r.text
    r = acc.post(f"/api/v1/applications/{app_id}/submit")
    assert r.status_code == 200, r.text
    return app_id


def test_staff_id_number_fires_staff_labor_fee_under_another_name(w):
    a = _submit(w, 700_00, payee_id_number=STAFF_ID)
    hit = _hits(w, a)["staff_labor_fee"]
    assert hit["details"]["matched_by"] == "身份证号"
    assert "钱多多" in hit["message"] and "身份证号" in hit["message"]
    # the same name with someone else's number, and no number at all: the names differ, silent
    b = _submit(w, 710_00, payee_id_number=OTHER_ID)
    assert "staff_labor_fee" not in _hits(w, b)
    c = _submit(w, 720_00)
    assert "staff_labor_fee" not in _hits(w, c)


def test_staff_id_number_stops_matching_when_the_person_leaves(w):
    admin = w.api("admin")
    r = admin.put("/api/v1/monitoring/units/A1/staff", json={"items": []})
    assert r.status_code == 200 and r.json()["total"] == 0
    try:
        a = _submit(w, 730_00, payee_id_number=STAFF_ID)
        assert "staff_labor_fee" not in _hits(w, a)
    finally:
        r = admin.put("/api/v1/monitoring/units/A1/staff",
                      json={"items": [{"name": "孙立新", "id_number": STAFF_ID}]})
        assert r.status_code == 200, r.text


def test_id_number_stored_upper_case_returned_and_pulled(w):
    acc = w.api("acc_a1")
    app_id = new_id()
    body = draft("PID-LAB", 800_00, **PERSON, payee_id_number=X_ID.lower())
    r = acc.put(f"/api/v1/applications/{app_id}", json=body)
    assert r.status_code == 201 and r.json()["payee_id_number"] == X_ID, r.text
    assert r.json()["version"] == 1
    # the identical repeat is a no-op; a changed number is an update; dropping it clears it
    r = acc.put(f"/api/v1/applications/{app_id}", json=body)
    assert r.status_code == 200 and r.json()["version"] == 1, r.text
    r = acc.put(f"/api/v1/applications/{app_id}", json={**body, "payee_id_number": OTHER_ID})
    assert r.status_code == 200 and r.json()["version"] == 2, r.text
    assert acc.get(f"/api/v1/applications/{app_id}").json()["payee_id_number"] == OTHER_ID
    # the pull feed carries it
    changes, cursor = [], 0
    while True:
        page = PullPage.model_validate(acc.get("/api/v1/sync/pull", params={"since": cursor},
                                               headers=P).json())
        changes += page.changes
        cursor = page.next_since
        if not page.has_more:
            break
    pulled = [c for c in changes if c.entity == "application" and c.id == app_id]
    assert len(pulled) == 1 and pulled[0].data["payee_id_number"] == OTHER_ID
    no_id = {k: v for k, v in body.items() if k != "payee_id_number"}
    r = acc.put(f"/api/v1/applications/{app_id}", json=no_id)
    assert r.status_code == 200 and r.json()["version"] == 3, r.text
    assert r.json()["payee_id_number"] is None


def _refused(r, *, words: str) -> dict:
    assert r.status_code == 422, r.text
    body = r.json()
    assert body["code"] == "invalid_request"
    assert "payee_id_number" in body["message"] and "证件号码" in body["message"], body
    assert words in body["message"], body
    assert any(d["loc"][-1] == "payee_id_number" for d in body["details"]), body
    return body


@pytest.mark.parametrize(("payload", "words"), [
    ({**PERSON, "payee_id_number": BAD_CHECKSUM}, "校验位"),
    ({**PERSON, "payee_id_number": STAFF_ID[:17]}, "18 位"),
    ({**PERSON, "payee_is_personal": False, "payee_name": "某某咨询有限公司",
      "payee_id_number": STAFF_ID}, "不是个人"),
])
def test_bad_id_number_refused_naming_the_field_and_nothing_stored(w, payload, words):
    acc = w.api("acc_a1")
    before = w.counts()
    app_id = new_id()
    _refused(acc.put(f"/api/v1/applications/{app_id}", json=draft("PID-LAB", 900_00, **payload)),
             words=words)
    assert acc.get(f"/api/v1/applications/{app_id}").status_code == 404
    assert w.counts() == before


def test_bad_id_number_refused_on_an_existing_draft_which_stays_as_it_was(w):
    acc = w.api("acc_a1")
    app_id = new_id()
    body = draft("PID-LAB", 910_00, **PERSON, payee_id_number=OTHER_ID)
    assert acc.put(f"/api/v1/applications/{app_id}", json=body).status_code == 201
    _refused(acc.put(f"/api/v1/applications/{app_id}", json={**body, "payee_id_number": BAD_CHECKSUM}),
             words="校验位")
    got = acc.get(f"/api/v1/applications/{app_id}").json()
    assert got["payee_id_number"] == OTHER_ID and got["version"] == 1


def test_pushed_draft_with_bad_id_number_answers_the_field(w):
    acc = w.api("acc_a1")
    app_id = new_id()
    r = acc.post("/api/v1/sync/push", headers=P, json={"commands": [
        {"idempotency_key": f"pid-{app_id}", "type": "application.save_draft", "entity_id": app_id,
         "payload": draft("PID-LAB", 920_00, **PERSON, payee_id_number=BAD_CHECKSUM)}]})
    assert r.status_code == 200, r.text
    res = r.json()["results"][0]
    assert res["status"] == "error" and res["http_status"] == 422 and res["code"] == "invalid_payload"
    assert "payee_id_number" in res["message"] and "校验位" in res["message"], res
    assert acc.get(f"/api/v1/applications/{app_id}").status_code == 404


def test_scheduled_context_reads_the_staff_id_numbers_of_live_personal_payees(w):
    """定时触发 (``jincai-server monitor run``) builds one context per unit from its live
    payments: the staff id numbers among their personal payees are read too."""
    from datetime import UTC, datetime

    from server.models import Unit
    from server.services import monitoring
    _submit(w, 740_00, payee_id_number=STAFF_ID)
    with w.session() as s:
        a1 = s.query(Unit).filter_by(code="A1").one()
        ctx = monitoring.context(s, None, now=datetime.now(UTC), unit_id=a1.id)
        b1 = s.query(Unit).filter_by(code="B1").one()
        other = monitoring.context(s, None, now=datetime.now(UTC), unit_id=b1.id)
    assert ctx.staff_id_numbers == frozenset({STAFF_ID})
    assert other.staff_id_numbers == frozenset()  # B1 has no live personal payee

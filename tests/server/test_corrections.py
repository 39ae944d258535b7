"""更正 (corrections, issue 4): re-booking classification or indicator of a vouchered / paid
application without moving money — both versions kept, balances exact, ``ledger check`` and
``audit verify`` clean, refusals change nothing, retries and concurrent corrections never
overdraw. SQLite and PostgreSQL."""
from __future__ import annotations

import threading

import pytest

from server import chain, ledger
from tests.server.conftest import draft, indicator, new_id
from tests.server.test_payment_files import add_user

T = "/api/v1"
FIELDS = ("amount_fen", "frozen_fen", "reserved_fen", "paid_fen", "available_fen")


@pytest.fixture(scope="module")
def w(world):
    mp = pytest.MonkeyPatch()
    from server.services import monitoring
    mp.setattr(monitoring, "on_submit", lambda *a, **k: [])
    add_user(world, "acc2_a1", "accountant", "A1")
    r = world.api("bur_a").post(f"{T}/indicators/bulk", json={"items": [
        indicator("C-A1", "A1", 10_000_000_00, func="20101", eco="302"),
        indicator("C-A1B", "A1", 1_000_00, func="20101", eco="302"),  # room for 1,000.00 only
        indicator("C-A1C", "A1", 5_000_000_00, func="20101", eco="302")]})
    assert r.status_code == 200, r.text
    r = world.api("bur_b").post(f"{T}/indicators/bulk", json={"items": [
        indicator("C-B1", "B1", 5_000_000_00, func="20101", eco="302")]})
    assert r.status_code == 200, r.text
    yield world
    mp.undo()


def vouchered(w, amount_fen, *, ind="C-A1", paid=False, serial=None, **kw) -> dict:
    app_id = new_id()
    acc = w.api("acc_a1")
    kw.setdefault("func_code", "2010101")
    assert acc.put(f"{T}/applications/{app_id}", json=draft(ind, amount_fen, **kw)).status_code == 201
    assert acc.post(f"{T}/applications/{app_id}/submit").status_code == 200
    for u in ("acc2_a1", "fin_a1"):
        ev = w.api("admin").get(f"{T}/applications/{app_id}").json()["version"]
        assert w.api(u).post(f"{T}/applications/{app_id}/decisions",
                             json={"kind": "approve", "expected_version": ev}).status_code == 200
    v = w.api("treas").post(f"{T}/applications/{app_id}/voucher").json()
    if paid:
        r = w.api("treas").post(f"{T}/vouchers/{v['id']}/writeback",
                                json={"bank_serial": serial or f"S-{app_id[:8]}"})
        assert r.status_code == 200, r.text
        v = r.json()
    return v


def bal(w, ind) -> tuple[int, ...]:
    d = w.api("admin").get(f"{T}/indicators/{ind}").json()
    return tuple(d[k] for k in FIELDS)


def correct(w, voucher_id, user="treas", **body):
    body.setdefault("reason", "科目用错，按调整书更正")
    return w.api(user).post(f"{T}/vouchers/{voucher_id}/corrections", json=body)


def clean(w):
    with w.session() as s:
        assert ledger.check(s) == []
        assert chain.verify(s).ok


def test_correct_codes_keeps_both_versions_and_moves_no_money(w):
    v = vouchered(w, 2_500_00, paid=True)
    before = bal(w, "C-A1")
    r = correct(w, v["id"], func_code="2010102", dep_eco_code="30201")
    assert r.status_code == 201, r.text
    c = r.json()
    assert c["correction_no"].startswith("GZ2026330700000")
    assert (c["before"]["func_code"], c["before"]["dep_eco_code"], c["before"]["gov_eco_code"]) == (
        "2010101", "30299", "50299")
    assert (c["after"]["func_code"], c["after"]["dep_eco_code"], c["after"]["gov_eco_code"]) == (
        "2010102", "30201", "50201")
    assert c["moved_fen"] == 0 and c["from_indicator"] == c["to_indicator"] == "C-A1"
    assert bal(w, "C-A1") == before  # not one fen moved
    app = w.api("acc_a1").get(f"{T}/applications/{v['application_id']}").json()
    assert (app["func_code"], app["dep_eco_code"], app["gov_eco_code"]) == ("2010102", "30201", "50201")
    # the unit sees its corrections with both versions; another unit does not
    listed = w.api("acc_a1").get(f"{T}/vouchers/{v['id']}/corrections").json()
    assert [x["correction_no"] for x in listed] == [c["correction_no"]]
    assert listed[0]["before"]["func_code"] == "2010101" and listed[0]["reason"] == "科目用错，按调整书更正"
    assert w.api("acc_b1").get(f"{T}/vouchers/{v['id']}/corrections").status_code == 404
    with w.session() as s:
        from server.models import AuditEvent
        ev = s.query(AuditEvent).filter_by(action="voucher.correct", entity_id=v["voucher_no"]).one()
        assert ev.before_digest and ev.after_digest and ev.before_digest != ev.after_digest
        assert c["correction_no"] in ev.detail and ev.actor == "treas"
    clean(w)


def test_indicator_change_of_an_unpaid_voucher_moves_the_reservation(w):
    v = vouchered(w, 300_00)
    a0, c0 = bal(w, "C-A1"), bal(w, "C-A1C")
    r = correct(w, v["id"], indicator_id="C-A1C")
    assert r.status_code == 201, r.text
    assert (r.json()["moved_fen"], r.json()["moved_kind"]) == (300_00, "reserved")
    a1, c1 = bal(w, "C-A1"), bal(w, "C-A1C")
    assert a1[2] == a0[2] - 300_00 and a1[4] == a0[4] + 300_00 and a1[3] == a0[3]
    assert c1[2] == c0[2] + 300_00 and c1[4] == c0[4] - 300_00 and c1[3] == c0[3]
    clean(w)  # 在途 == Σ submitted applications on each indicator
    # the bank's write-back now pays from the new indicator
    r = w.api("treas").post(f"{T}/vouchers/{v['id']}/writeback", json={"bank_serial": "CR-UNPAID-1"})
    assert r.status_code == 200
    c2 = bal(w, "C-A1C")
    assert c2[2] == c0[2] and c2[3] == c0[3] + 300_00 and c2[4] == c0[4] - 300_00
    assert bal(w, "C-A1") == a1
    clean(w)


def test_indicator_change_after_a_partial_refund_moves_the_net_payment(w):
    v = vouchered(w, 800_00, paid=True)
    r = w.api("treas").post(f"{T}/vouchers/{v['id']}/refund", json={"amount_fen": 150_00})
    assert r.status_code == 200
    a0, c0 = bal(w, "C-A1"), bal(w, "C-A1C")
    r = correct(w, v["id"], indicator_id="C-A1C", func_code="2010150")
    assert r.status_code == 201, r.text
    assert (r.json()["moved_fen"], r.json()["moved_kind"]) == (650_00, "paid")
    a1, c1 = bal(w, "C-A1"), bal(w, "C-A1C")
    assert a1[3] == a0[3] - 650_00 and a1[4] == a0[4] + 650_00
    assert c1[3] == c0[3] + 650_00 and c1[4] == c0[4] - 650_00
    assert a1[0] + c1[0] == a0[0] + c0[0]  # budgets untouched: money did not move
    clean(w)
    # and back again: a second correction of the same voucher, both recorded
    r = correct(w, v["id"], indicator_id="C-A1", reason="改回原指标")
    assert r.status_code == 201 and r.json()["moved_fen"] == 650_00
    assert bal(w, "C-A1") == a0 and bal(w, "C-A1C") == c0
    hist = w.api("treas").get(f"{T}/vouchers/{v['id']}/corrections").json()
    assert [(h["from_indicator"], h["to_indicator"]) for h in hist] == [("C-A1", "C-A1C"), ("C-A1C", "C-A1")]
    clean(w)


def test_refusals_are_named_and_change_nothing(w):
    v = vouchered(w, 2_000_00, paid=True)
    counts = w.counts()
    cases = [
        ({"indicator_id": "C-A1B"}, 409, "insufficient_balance", "C-A1B"),  # room for 1,000.00
        ({"func_code": "2010601"}, 422, None, "功能分类"),            # outside the indicator's 20101
        ({"func_code": "9999999"}, 422, "unknown_func_code", "9999999"),
        ({"dep_eco_code": "30101"}, 422, None, "经济分类"),            # 301 is outside 302
        ({"indicator_id": "C-B1"}, 422, "indicator_unit_mismatch", None),  # another unit's
        ({"indicator_id": "NO-SUCH"}, 404, "indicator_not_found", "NO-SUCH"),
        ({"func_code": "2010101"}, 422, "no_change", "无需更正"),
        ({"func_code": "2010102", "reason": " "}, 422, None, None),
    ]
    for body, status, code, text in cases:
        r = correct(w, v["id"], **body)
        assert r.status_code == status, (body, r.text)
        if code:
            assert r.json()["code"] == code, (body, r.text)
        if text:
            assert text in r.json()["message"], (body, r.text)
    assert correct(w, v["id"], user="acc_a1", func_code="2010102").status_code == 403
    assert correct(w, v["id"], user="bur_a", func_code="2010102").status_code == 403
    # a bounced voucher has nothing to re-book
    b = vouchered(w, 50_00)
    w.api("treas").post(f"{T}/vouchers/{b['id']}/writeback", json={"bank_serial": "CR-B", "success": False})
    counts = w.counts()
    r = correct(w, b["id"], func_code="2010102")
    assert r.status_code == 409 and r.json()["code"] == "not_correctable"
    assert w.counts() == counts
    clean(w)


def test_retry_with_the_same_request_id_corrects_once(w):
    v = vouchered(w, 400_00, paid=True)
    a0, c0 = bal(w, "C-A1"), bal(w, "C-A1C")
    r1 = correct(w, v["id"], indicator_id="C-A1C", request_id="corr-retry-0001")
    r2 = correct(w, v["id"], indicator_id="C-A1C", request_id="corr-retry-0001")
    assert r1.status_code == 201 and r2.status_code == 200
    assert r1.json()["correction_no"] == r2.json()["correction_no"]
    assert bal(w, "C-A1")[3] == a0[3] - 400_00 and bal(w, "C-A1C")[3] == c0[3] + 400_00
    clean(w)


def test_ledger_check_catches_a_voucher_moved_without_its_money(w):
    v = vouchered(w, 100_00, paid=True)
    from sqlalchemy import text
    with w.session() as s:
        s.execute(text("UPDATE payment_vouchers SET indicator_id = 'C-A1C' WHERE id = :i"), {"i": v["id"]})
        s.commit()
        problems = {(p.indicator_id, p.field) for p in ledger.check(s)}
        s.execute(text("UPDATE payment_vouchers SET indicator_id = 'C-A1' WHERE id = :i"), {"i": v["id"]})
        s.commit()
    assert {("C-A1", "paid_vs_vouchers"), ("C-A1C", "paid_vs_vouchers")} <= problems
    clean(w)


def test_concurrent_corrections_never_overdraw_the_new_indicator(w):
    """Two corrections race to move 600.00 each onto C-A1B, which has room for 1,000.00 minus
    what earlier tests left: at most one fits, and the indicator never goes below zero."""
    room = bal(w, "C-A1B")[4]
    amount = room // 2 + 1_00  # each fits alone, both together do not
    v1, v2 = vouchered(w, amount, paid=True), vouchered(w, amount, paid=True)
    from server.errors import ApiError
    from server.models import User
    from server.services import corrections
    from server.services.org import Principal, scope_for
    barrier = threading.Barrier(2)
    results: list[str] = []

    def run(vid):
        with w.session() as s:
            user = s.query(User).filter_by(username="treas").one()
            p = Principal(user=user, unit_ids=scope_for(s, user))
            s.commit()
            barrier.wait()
            try:
                corrections.correct(s, principal=p, voucher_id=vid, reason="并发更正",
                                    indicator_id="C-A1B")
                s.commit()
                results.append("ok")
            except ApiError as exc:  # the loser's refusal, asserted below
                s.rollback()
                results.append(exc.code)

    threads = [threading.Thread(target=run, args=(v["id"],)) for v in (v1, v2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(results) == ["insufficient_balance", "ok"], results
    after = bal(w, "C-A1B")
    assert after[4] == room - amount and after[4] >= 0
    clean(w)

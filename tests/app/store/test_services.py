"""app.services: drafts, queueing with the offline budget pre-check, balances, payees."""
from __future__ import annotations

import threading
from dataclasses import replace

import pytest
from sqlalchemy import select

from app.models import Indicator, OutboxCommand, Payee, PaymentApplication, SyncState
from app.services import (
    BudgetExceeded,
    DraftInput,
    IncompleteApplication,
    InvalidField,
    NotEditable,
    check_budget,
    get_application,
    get_indicator_balances,
    list_applications,
    queue_application,
    save_draft,
    search_payees,
    withdraw_queued,
)
from app.services.results import ApplicationView


@pytest.fixture
def seeded(db):
    with db.transaction() as s:
        s.add(Indicator(
            id="BGT-1", fiscal_year=2026, region_code="110101000", unit_code="101001",
            func_code="2010101", amount=200_000, paid=50_000, reserved=50_000,
            available=100_000, server_version=4, server_seq=10, doc_title="办公经费",
        ))
        s.add(Indicator(
            id="BGT-GP", fiscal_year=2026, region_code="110101000", unit_code="101001",
            func_code="2010101", amount=1_000_000, available=1_000_000, is_gov_procurement=True,
            server_seq=10,
        ))
    return db


def form(**kw) -> DraftInput:
    base = DraftInput(
        indicator_id="BGT-1", amount=60_000, use_des="办公用品采购", payee_name="北京某某文具有限公司",
        payee_account="1100 2233 4455", payee_bank="工商银行东城支行", fiscal_year=2026,
        func_code="2010101",
    )
    return replace(base, **kw)


def test_save_draft_returns_plain_objects(seeded) -> None:
    res = save_draft(db=seeded, draft=form())
    v = res.application
    assert isinstance(v, ApplicationView)
    assert (v.local_status, v.amount, v.payee_account, v.dirty) == ("draft", 60_000, "110022334455", True)
    assert res.changes.applications == {v.id}
    again = save_draft(db=seeded, application_id=v.id, draft=form(amount=70_000)).application
    assert again.id == v.id and again.amount == 70_000
    assert [a.id for a in list_applications(db=seeded)] == [v.id]
    assert get_application(db=seeded, application_id=v.id).use_des == "办公用品采购"


def test_draft_validation(seeded) -> None:
    with pytest.raises(InvalidField, match="分为单位的整数"):
        save_draft(db=seeded, draft=form(amount=12.5))
    with pytest.raises(InvalidField, match="指标 NOPE"):
        save_draft(db=seeded, draft=form(indicator_id="NOPE"))
    with pytest.raises(InvalidField, match="用途最多 300"):
        save_draft(db=seeded, draft=form(use_des="字" * 301))
    incomplete = save_draft(db=seeded, draft=DraftInput(fiscal_year=2026)).application
    with pytest.raises(IncompleteApplication) as err:
        queue_application(db=seeded, application_id=incomplete.id)
    assert "指标" in err.value.message and "收款人全称" in err.value.message


def test_queue_writes_outbox_and_remembers_payee(seeded) -> None:
    app_id = save_draft(db=seeded, draft=form()).application.id
    res = queue_application(db=seeded, application_id=app_id)
    assert res.application.local_status == "queued"
    assert res.check.ok and res.check.available_after_pending == 100_000
    assert res.commands == (f"{app_id}:save:1", f"{app_id}:submit:1")
    with seeded.read() as s:
        cmds = s.scalars(select(OutboxCommand).order_by(OutboxCommand.id)).all()
        assert [c.kind for c in cmds] == ["application.save_draft", "application.submit"]
        assert cmds[0].payload["amount_fen"] == 60_000
        assert cmds[0].payload["unit_code"] == "101001"  # filled from the indicator
    with pytest.raises(NotEditable, match="撤回"):
        save_draft(db=seeded, application_id=app_id, draft=form())
    assert [p.name for p in search_payees(db=seeded, text="文具")] == ["北京某某文具有限公司"]
    assert [p.use_count for p in search_payees(db=seeded, text="1100 22")] == [1]
    assert search_payees(db=seeded, text="不存在") == []


def test_offline_precheck_refuses_naming_rule_and_figures(seeded) -> None:
    first = save_draft(db=seeded, draft=form(amount=60_000)).application.id
    queue_application(db=seeded, application_id=first)
    [bal] = get_indicator_balances(db=seeded, indicator_ids=["BGT-1"])
    assert (bal.confirmed_available, bal.pending_own, bal.available_after_pending) == (
        100_000, 60_000, 40_000,
    )
    second = save_draft(db=seeded, draft=form(amount=40_001)).application.id
    with pytest.raises(BudgetExceeded) as err:
        queue_application(db=seeded, application_id=second)
    check = err.value.check
    assert (check.confirmed_available, check.pending_own, check.available_after_pending) == (
        100_000, 60_000, 40_000,
    )
    assert (check.requested, check.shortfall, check.rule_name) == (40_001, 1, "不得超指标")
    msg = err.value.message
    for text in ("不得超指标", "1,000.00", "600.00", "400.00", "400.01", "0.01"):
        assert text in msg, (text, msg)
    assert get_application(db=seeded, application_id=second).local_status == "draft"
    # exactly the remaining balance is fine
    save_draft(db=seeded, application_id=second, draft=form(amount=40_000))
    assert queue_application(db=seeded, application_id=second).check.available_after_pending == 40_000
    assert check_budget(db=seeded, indicator_id="BGT-1", amount=1).shortfall == 1


def test_withdraw_frees_the_pending_amount(seeded) -> None:
    app_id = save_draft(db=seeded, draft=form(amount=100_000)).application.id
    queue_application(db=seeded, application_id=app_id)
    assert get_indicator_balances(db=seeded, indicator_ids=["BGT-1"])[0].pending_own == 100_000
    assert withdraw_queued(db=seeded, application_id=app_id).application.local_status == "draft"
    assert get_indicator_balances(db=seeded, indicator_ids=["BGT-1"])[0].pending_own == 0
    with seeded.read() as s:
        assert s.scalars(select(OutboxCommand)).all() == []
    # a started send cannot be withdrawn
    queue_application(db=seeded, application_id=app_id)
    with seeded.transaction() as s:
        for c in s.scalars(select(OutboxCommand)):
            c.state, c.attempts = "sending", 1
    with pytest.raises(NotEditable, match="已开始发送"):
        withdraw_queued(db=seeded, application_id=app_id)


def test_submitted_but_not_yet_reflected_counts_as_pending(seeded) -> None:
    app_id = save_draft(db=seeded, draft=form(amount=30_000)).application.id
    queue_application(db=seeded, application_id=app_id)
    with seeded.transaction() as s:  # what the sync engine does when the server accepts it
        app = s.get(PaymentApplication, app_id)
        app.local_status, app.ack_seq, app.server_version = "submitted", 12, 1
    assert get_indicator_balances(db=seeded, indicator_ids=["BGT-1"])[0].pending_own == 30_000
    with seeded.transaction() as s:  # the pull passes seq 12: the reservation is mirrored
        ind = s.get(Indicator, "BGT-1")
        ind.server_seq, ind.reserved, ind.available = 12, 80_000, 70_000
        s.get(SyncState, 1).last_server_seq = 12
    [bal] = get_indicator_balances(db=seeded, indicator_ids=["BGT-1"])
    assert (bal.confirmed_available, bal.pending_own, bal.available_after_pending) == (
        70_000, 0, 70_000,
    )


def test_rule_notes_from_fiscal_rules(seeded) -> None:
    pytest.importorskip("fiscal.rules.budget")
    app_id = save_draft(db=seeded, draft=form(indicator_id="BGT-GP")).application.id
    res = queue_application(db=seeded, application_id=app_id)
    assert "contract_required" in {n.code for n in res.notes}


def test_concurrent_queueing_cannot_overspend(seeded) -> None:
    ids = [save_draft(db=seeded, draft=form(amount=60_000)).application.id for _ in range(2)]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def worker(app_id: str) -> None:
        barrier.wait()
        try:
            queue_application(db=seeded, application_id=app_id)
            outcomes.append("queued")
        except BudgetExceeded:
            outcomes.append("refused")

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["queued", "refused"]


def test_returned_application_keeps_base_version(seeded) -> None:
    app_id = save_draft(db=seeded, draft=form()).application.id
    with seeded.transaction() as s:
        app = s.get(PaymentApplication, app_id)
        app.local_status, app.server_version, app.dirty = "returned", 7, False
    v = save_draft(db=seeded, application_id=app_id, draft=replace(form(), amount=1)).application
    assert (v.base_server_version, v.dirty, v.local_status) == (7, True, "returned")
    res = queue_application(db=seeded, application_id=app_id)
    with seeded.read() as s:
        cmd = s.scalar(select(OutboxCommand).where(OutboxCommand.idempotency_key == res.commands[0]))
        assert cmd.payload["expected_version"] == 7



def _id_number(first17: str) -> str:
    from fiscal.ids import resident_id_check_char

    return first17 + resident_id_check_char(first17)


GOOD_ID = _id_number("11010119900307001")
BAD_CHECK_ID = GOOD_ID[:17] + ("0" if GOOD_ID[17] != "0" else "1")


@pytest.mark.parametrize(("kw", "words"), [
    ({"payee_is_personal": True, "payee_id_number": BAD_CHECK_ID}, "校验位"),
    ({"payee_is_personal": True, "payee_id_number": GOOD_ID[:17]}, "18位"),
    ({"payee_is_personal": False, "payee_id_number": GOOD_ID}, "收款人不是个人"),
])
def test_payee_id_number_checked_at_the_field_and_nothing_changes(seeded, kw, words) -> None:
    v = save_draft(db=seeded, draft=form(payee_is_personal=True, payee_id_number=GOOD_ID)).application
    with pytest.raises(InvalidField, match=words) as err:
        save_draft(db=seeded, application_id=v.id, draft=form(**kw))
    assert err.value.field == "payee_id_number" and "证件号码" in err.value.message
    after = get_application(db=seeded, application_id=v.id)
    assert (after.payee_id_number, after.updated_at) == (GOOD_ID, v.updated_at)


def test_payee_id_number_sent_with_the_draft_only_when_there_is_one(seeded) -> None:
    a = save_draft(db=seeded, draft=form(payee_is_personal=True,
                                         payee_id_number=f" {GOOD_ID.lower()} ")).application
    assert a.payee_id_number == GOOD_ID.upper()
    b = save_draft(db=seeded, draft=form(amount=1_000, payee_is_personal=True,
                                         payee_id_number="  ")).application
    assert b.payee_id_number is None
    for app_id in (a.id, b.id):
        queue_application(db=seeded, application_id=app_id)
    with seeded.read() as s:
        payloads = {c.entity_id: c.payload for c in s.scalars(select(OutboxCommand).where(
            OutboxCommand.kind == "application.save_draft"))}
        remembered = s.scalar(select(Payee).where(Payee.name == "北京某某文具有限公司"))
        assert remembered.id_no == GOOD_ID.upper() and remembered.kind == "person"
    assert payloads[a.id]["payee_id_number"] == GOOD_ID.upper()
    # absent, not null: a server older than the field refuses unknown keys
    assert "payee_id_number" not in payloads[b.id]

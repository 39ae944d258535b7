"""apply_page loads a page's rows in bulk and flushes once, with the same result as applying
its changes one by one (``apply_change``, one ``Session.get`` and autoflush each, the path
every page took before): new records created, unsent local edits kept with a conflict
holding both versions, in-flight records left to their commands' answers, local warning
dispositions carried over, task deletions honoured."""
from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from sqlalchemy import select

from app.db import open_database
from app.models import (
    ApprovalTask,
    Conflict,
    Indicator,
    MonitoringWarning,
    OutboxCommand,
    PaymentApplication,
)
from app.sync.apply import Touched, apply_change, apply_page

EDITED = "00000000-0000-4000-8000-00000000000a"  # edited here, changed on the server
NEW = "00000000-0000-4000-8000-00000000000b"  # not known here yet
SENDING = "00000000-0000-4000-8000-00000000000c"  # a command for it is still unanswered
PLAIN = "00000000-0000-4000-8000-00000000000d"  # known, not edited: the server's copy wins


def _app(app_id: str, *, version: int, seq: int, amount: int, status: str = "returned") -> dict:
    return {"id": app_id, "app_no": None, "status": status, "version": version,
            "fiscal_year": 2026, "region_code": "330700000", "unit_code": "U1",
            "indicator_id": "IND-1", "amount_fen": amount, "func_code": "2010101",
            "dep_eco_code": "30299", "gov_eco_code": None, "payee_name": "某某公司",
            "payee_account": "6222021234567890123", "payee_bank": "工行",
            "payee_is_personal": False, "settlement_mode": "转账", "use_des": "办公用品",
            "contract_no": None, "card_not_accepted": False, "submitted_at": None,
            "created_at": "2026-11-20T08:00:00+00:00", "updated_at": "2026-11-20T09:00:00+00:00",
            "seq": seq, "attachments": []}


def _warning(wid: int, app_id: str, seq: int, state: str = "raised") -> dict:
    return {"id": wid, "application_id": app_id, "rule_id": "non_working_day",
            "rule_name": "非工作日支付", "level": 2, "colour": "yellow", "message": "非工作日支付",
            "state": state, "state_name": "待处理", "outcome": "open", "cleared": False,
            "allowed_actions": ["explain"], "explanation": "", "attachments": [],
            "history": [], "version": 2, "created_at": "2026-11-20T08:00:00+00:00", "seq": seq}


PAGE = [
    {"seq": 101, "entity": "application", "id": NEW, "op": "upsert",
     "data": _app(NEW, version=1, seq=101, amount=5_000, status="submitted")},
    {"seq": 102, "entity": "application", "id": EDITED, "op": "upsert",
     "data": _app(EDITED, version=3, seq=102, amount=7_000, status="voided")},
    {"seq": 103, "entity": "application", "id": SENDING, "op": "upsert",
     "data": _app(SENDING, version=2, seq=103, amount=6_000, status="submitted")},
    {"seq": 104, "entity": "application", "id": PLAIN, "op": "upsert",
     "data": _app(PLAIN, version=4, seq=104, amount=4_000, status="approved")},
    {"seq": 105, "entity": "warning", "id": "7", "op": "upsert", "data": _warning(7, NEW, 105)},
    {"seq": 106, "entity": "warning", "id": "8", "op": "upsert",
     "data": _warning(8, EDITED, 106, state="explained")},
    {"seq": 107, "entity": "approval_task", "id": PLAIN, "op": "delete", "data": None},
    {"seq": 108, "entity": "approval_task", "id": NEW, "op": "upsert",
     "data": {"id": NEW, "application_id": NEW, "step": 1, "step_name": "单位财务负责人审核",
              "role": "unit_finance_head", "status": "pending", "application_version": 1,
              "version": 1, "summary": "2026 某某公司 ¥50.00", "seq": 108,
              "created_at": "2026-11-20T08:00:00+00:00"}},
    {"seq": 109, "entity": "warning", "id": "9", "op": "delete", "data": None},
]


def _store(path: Path) -> None:
    db = open_database(path)
    try:
        with db.transaction() as s:
            s.add(Indicator(id="IND-1", fiscal_year=2026, unit_code="U1", amount=10**8,
                            available=10**8))
            s.flush()  # the applications refer to it
            common = {"fiscal_year": 2026, "unit_code": "U1", "indicator_id": "IND-1",
                      "payee_name": "某某公司", "payee_account": "6222021234567890123"}
            # the user is fixing a returned application the server has since voided
            s.add(PaymentApplication(id=EDITED, amount=9_000, local_status="returned", dirty=True,
                                     base_server_version=2, server_version=2, **common))
            s.add(PaymentApplication(id=SENDING, amount=6_000, local_status="queued", dirty=True,
                                     base_server_version=1, server_version=1, **common))
            s.add(OutboxCommand(idempotency_key="k-sending", kind="application.submit",
                                entity_type="application", entity_id=SENDING, payload={},
                                state="sending"))
            s.add(PaymentApplication(id=PLAIN, amount=3_000, local_status="submitted",
                                     dirty=False, base_server_version=3, server_version=3,
                                     **common))
            s.add(ApprovalTask(id=PLAIN, application_id=PLAIN, status="pending"))
            # an explanation typed offline, not yet sent: the pulled copy must keep it
            s.add(MonitoringWarning(id="8", rule_code="non_working_day", application_id=EDITED,
                                    status="pending_send", server_seq=50, details={
                                        "pending": {"note": "周末加班采购", "from_state": "raised"},
                                        "server_state": "raised"}))
            s.add(MonitoringWarning(id="9", rule_code="low_execution", server_seq=40))
    finally:
        db.close()


def _dump(path: Path) -> dict[str, list[tuple]]:
    """Every row the apply can touch, without the columns stamped with the wall clock."""
    volatile = {"updated_at", "detected_at", "confirmed_at"}
    out = {}
    with sqlite3.connect(path) as c:
        for table in ("payment_applications", "conflicts", "warnings", "approval_tasks",
                      "indicators", "outbox_commands"):
            cols = [r[1] for r in c.execute(f"PRAGMA table_info({table})") if r[1] not in volatile]
            rows = c.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall()
            if table == "conflicts":
                # the snapshot's updated_at: the one-by-one path autoflushes (stamps the row
                # with the wall clock) before taking it
                at = cols.index("local_version")
                rows = [(*r[:at], {k: v for k, v in json.loads(r[at]).items()
                                   if k != "updated_at"}, *r[at + 1:]) for r in rows]
            out[table] = sorted(rows, key=repr)
    return out


def test_mixed_page_applies_as_change_by_change(tmp_path: Path) -> None:
    bulk, one_by_one = tmp_path / "bulk.sqlite3", tmp_path / "one.sqlite3"
    _store(bulk)
    shutil.copy(bulk, one_by_one)

    db = open_database(bulk)
    touched = Touched()
    with db.transaction() as s:
        apply_page(s, [dict(c) for c in PAGE], touched)
    db.close()
    db = open_database(one_by_one)
    reference = Touched()
    with db.transaction() as s:
        for c in PAGE:
            apply_change(s, dict(c), reference)
    db.close()

    assert _dump(bulk) == _dump(one_by_one)
    assert touched.applications == reference.applications == {NEW, EDITED, SENDING, PLAIN}
    assert touched.conflicts and reference.conflicts

    db = open_database(bulk)
    try:
        with db.read() as s:
            new = s.get(PaymentApplication, NEW)
            assert (new.local_status, new.amount, new.dirty, new.server_version) == (
                "submitted", 5_000, False, 1)
            edited = s.get(PaymentApplication, EDITED)
            # the local edit is kept, the server's word is recorded beside it
            assert (edited.amount, edited.dirty, edited.local_status) == (9_000, True, "returned")
            assert (edited.server_status, edited.server_version, edited.base_server_version) == (
                "voided", 3, 2)
            [conflict] = s.scalars(select(Conflict)).all()
            assert conflict.entity_id == EDITED and conflict.resolved_at is None
            assert conflict.local_version["amount_fen"] == 9_000
            assert (conflict.server_version["amount_fen"], conflict.server_version["status"]) == (
                7_000, "voided")
            sending = s.get(PaymentApplication, SENDING)
            assert (sending.local_status, sending.server_version, sending.base_server_version) == (
                "queued", 2, 1)  # its command's answer decides
            plain = s.get(PaymentApplication, PLAIN)
            assert (plain.local_status, plain.amount, plain.base_server_version) == (
                "approved", 4_000, 4)
            w7, w8 = s.get(MonitoringWarning, "7"), s.get(MonitoringWarning, "8")
            assert (w7.application_id, w7.status, w7.severity, w7.server_seq) == (
                NEW, "raised", "yellow", 105)
            assert w8.status == "pending_send" and w8.details["pending"]["note"] == "周末加班采购"
            assert w8.details["server_state"] == "explained" and w8.server_seq == 106
            assert s.get(MonitoringWarning, "9") is None
            assert s.get(ApprovalTask, PLAIN) is None
            assert s.get(ApprovalTask, NEW).step_name == "单位财务负责人审核"
    finally:
        db.close()


def test_the_same_page_again_changes_nothing_more(tmp_path: Path) -> None:
    """A page pulled again (the cursor commit was lost) keeps one open conflict per record."""
    path = tmp_path / "again.sqlite3"
    _store(path)
    db = open_database(path)
    try:
        with db.transaction() as s:
            apply_page(s, [dict(c) for c in PAGE], Touched())
        first = _dump(path)
        with db.transaction() as s:
            apply_page(s, [dict(c) for c in PAGE], Touched())
        again = _dump(path)
        assert again["conflicts"] == first["conflicts"] and len(first["conflicts"]) == 1
        assert again["warnings"] == first["warnings"]
        assert again["approval_tasks"] == first["approval_tasks"]
    finally:
        db.close()

"""Offline review decisions: queued like any command; refused when the version changed."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import OutboxCommand
from app.services import DraftInput, get_application, queue_application, save_draft
from app.services.approvals import decide_task, list_approval_tasks
from app.services.errors import InvalidField, NotEditable
from app.sync import engine as sync_engine
from tests.app.store.fake_server import FakeServer
from tests.app.store.test_sync_engine import engine


def _submitted(db, server, amount=10_000) -> str:
    app_id = save_draft(db=db, draft=DraftInput(
        indicator_id="I1", amount=amount, use_des="会议费", payee_name="某酒店",
        payee_account="6222000000000001", fiscal_year=2026)).application.id
    queue_application(db=db, application_id=app_id)
    engine(db, server).run()
    return app_id


@pytest.fixture
def server() -> FakeServer:
    srv = FakeServer()
    srv.add_indicator("I1", 100_000)
    return srv


def test_decision_waits_while_the_protocol_cannot_carry_it(db, server, monkeypatch) -> None:
    monkeypatch.setattr(sync_engine, "SERVER_COMMANDS",
                        frozenset({"application.save_draft", "application.submit"}))
    engine(db, server).run()
    app_id = _submitted(db, server)
    server.add_task("T1", app_id)
    engine(db, server).run()
    [task] = list_approval_tasks(db=db)
    assert (task.id, task.application_id, task.status) == ("T1", app_id, "pending")
    with pytest.raises(InvalidField, match="必须填写意见"):
        decide_task(db=db, task_id="T1", decision="return")
    decide_task(db=db, task_id="T1", decision="approve")
    with pytest.raises(NotEditable):
        decide_task(db=db, task_id="T1", decision="approve")
    other = _submitted(db, server, amount=1_000)  # other commands still flow
    assert get_application(db=db, application_id=other).local_status == "submitted"
    with db.read() as s:
        held = s.scalar(select(OutboxCommand).where(OutboxCommand.kind == "approval.decide"))
        assert held.state == "pending" and "尚不支持" in held.last_error


def test_decision_on_a_changed_version_is_refused(db, server, monkeypatch) -> None:
    monkeypatch.setattr(sync_engine, "SERVER_COMMANDS", None)  # the server takes decisions
    engine(db, server).run()
    app_id = _submitted(db, server)
    server.add_task("T1", app_id)
    engine(db, server).run()
    decide_task(db=db, task_id="T1", decision="approve")
    server.apps[app_id]["version"] += 1  # changed on the server after the reviewer saw it
    report = engine(db, server).run()
    assert report.refused == 1
    [task] = list_approval_tasks(db=db)
    assert task.decision_state == "refused" and "重新审核" in task.decision_message
    assert server.apps[app_id]["status"] == "submitted"  # never applied blindly


def test_decision_accepted(db, server, monkeypatch) -> None:
    monkeypatch.setattr(sync_engine, "SERVER_COMMANDS", None)
    engine(db, server).run()
    app_id = _submitted(db, server)
    server.add_task("T1", app_id)
    engine(db, server).run()
    decide_task(db=db, task_id="T1", decision="approve")
    engine(db, server).run()
    assert list_approval_tasks(db=db) == []
    [task] = list_approval_tasks(db=db, status=None)
    assert task.decision_state == "accepted"
    assert get_application(db=db, application_id=app_id).local_status == "approved"


def test_unsupported_command_answer_keeps_it_waiting(db, server, monkeypatch) -> None:
    """Should a command reach a server that does not run it yet, the answer
    `unsupported_command` is not final: the command stays pending with its key."""
    monkeypatch.setattr(sync_engine, "SERVER_COMMANDS", None)
    engine(db, server).run()
    app_id = _submitted(db, server)
    server.add_task("T1", app_id)
    engine(db, server).run()
    decide_task(db=db, task_id="T1", decision="approve")
    original = server._run

    def older_server(cmd):
        if cmd["type"] == "approval.decide":
            return server._error(cmd["idempotency_key"], 400, "unsupported_command", "不支持")
        return original(cmd)

    monkeypatch.setattr(server, "_run", older_server)
    server.idem.clear()
    report = engine(db, server).run()
    assert report.refused == 0
    with db.read() as s:
        cmd = s.scalar(select(OutboxCommand).where(OutboxCommand.kind == "approval.decide"))
        assert cmd.state == "pending" and "unsupported_command" in cmd.last_error
    [task] = list_approval_tasks(db=db)
    assert task.decision_state == "queued"


def test_task_warning_level_counts_only_warnings_still_open(db) -> None:
    """A warning the server has closed (认定正常) no longer marks the reviewer's task; one still
    in the disposition loop does."""
    from app.models import ApprovalTask, MonitoringWarning
    from app.services.approvals import list_approval_tasks

    with db.transaction() as s:
        for task_id, app_id in (("T1", "a-1"), ("T2", "a-2")):
            s.add(ApprovalTask(id=task_id, application_id=app_id, step=1, step_name="单位负责人",
                               role="unit_head", status="pending", summary={"amount_fen": 100}))
        s.add(MonitoringWarning(id="W1", rule_code="cash_limit", severity="red",
                                application_id="a-1", status="normal"))       # closed
        s.add(MonitoringWarning(id="W2", rule_code="personal_payee", severity="yellow",
                                application_id="a-1", status="explained"))    # still open
        s.add(MonitoringWarning(id="W3", rule_code="cash_limit", severity="red",
                                application_id="a-2", status="rectified"))    # closed
    levels = {t.id: t.summary.get("warning_level") for t in list_approval_tasks(db=db)}
    assert levels == {"T1": "yellow", "T2": None}

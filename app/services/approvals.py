"""Approval tasks and offline decisions (issue 5, item 4).

A reviewer may decide offline: the decision is stored and queued like any command, keyed by
its own UUID, and names the application version the reviewer saw. The server refuses a
decision on a version that has changed since; the refusal comes back as the decision's
``server_message`` and is never applied blindly."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from app.db import Database
from app.models import (
    ApprovalDecision,
    ApprovalTask,
    Indicator,
    MonitoringWarning,
    OutboxCommand,
    PaymentApplication,
    new_uuid,
    utcnow,
)
from app.models.approvals import DECISIONS
from app.services.errors import InvalidField, NotEditable, NotFound
from app.services.results import Changes


@dataclass(frozen=True, slots=True)
class ApprovalTaskView:
    """One task of the reviewer's queue with this machine's latest decision on it."""

    id: str
    application_id: str
    step: int
    step_name: str
    role: str
    status: str  # pending | decided (a local decision waits or was accepted) | server words
    application_version: int
    summary: dict[str, Any]
    created_at: datetime | None
    decision: str | None = None  # the latest local decision, refused ones included
    decision_state: str | None = None  # queued | sent | accepted | refused
    decision_comment: str = ""
    server_message: str | None = None  # why the server refused the latest decision

    @property
    def amount(self) -> int:
        return int(self.summary.get("amount_fen") or self.summary.get("amount") or 0)

    @property
    def decision_message(self) -> str | None:
        return self.server_message

    @property
    def is_open(self) -> bool:
        """The reviewer can (still or again) decide: no decision, or the server refused it."""
        return self.decision is None or self.decision_state == "refused"


@dataclass(frozen=True, slots=True)
class DecisionView:
    id: str
    task_id: str
    decision: str
    comment: str
    base_application_version: int
    state: str
    server_message: str | None
    decided_at: datetime


_LEVEL_RANK = {"red": 0, "yellow": 1, "blue": 2}


def _summary(raw: Any, app: PaymentApplication | None, fund_types: dict[str, str | None],
             level: str | None) -> dict[str, Any]:
    """The task's snapshot for the queue: the server's (a dict from older feeds, a one-line
    text from the current one) completed from this machine's copy of the application."""
    summary: dict[str, Any] = dict(raw) if isinstance(raw, dict) else (
        {"text": str(raw)} if raw else {})
    if app is not None:
        for key, value in (("app_no", app.app_no), ("unit_code", app.unit_code),
                           ("payee_name", app.payee_name), ("payee_account", app.payee_account),
                           ("payee_bank", app.payee_bank), ("amount_fen", app.amount),
                           ("use_des", app.use_des), ("indicator_id", app.indicator_id),
                           ("dep_eco_code", app.dep_eco_code),
                           ("settlement_mode", app.settlement_mode),
                           ("fund_type_code", fund_types.get(app.indicator_id or ""))):
            if summary.get(key) in (None, "") and value not in (None, ""):
                summary[key] = value
    if level and not summary.get("warning_level"):
        summary["warning_level"] = level
    return summary


def list_approval_tasks(
    *, db: Database, status: str | None = "pending", include_decided: bool = True,
    text: str = "", min_amount: int | None = None, fund_type_code: str | None = None,
    warning_level: str | None = None, min_age_hours: int | None = None,
) -> list[ApprovalTaskView]:
    """The reviewer's tasks, oldest first. ``status`` filters on the server's task status
    (None: all); ``include_decided=False`` leaves out tasks this machine has decided (a
    decision the server refused opens the task again). The other filters work on the task's
    summary snapshot and its age."""
    now = utcnow()
    with db.read() as s:
        tasks = s.scalars(select(ApprovalTask).order_by(ApprovalTask.created_at, ApprovalTask.id))
        latest: dict[str, ApprovalDecision] = {}
        for d in s.scalars(select(ApprovalDecision).order_by(ApprovalDecision.decided_at)):
            latest[d.task_id] = d  # the latest one wins
        tasks = list(tasks)
        app_ids = list({t.application_id for t in tasks})
        apps: dict[str, PaymentApplication] = {}
        levels: dict[str, str] = {}
        # a warning the server has closed (认定正常, 整改完成) no longer marks the task
        from app.services.ui_queries import OPEN_WARNING_STATES as open_states
        for i in range(0, len(app_ids), 500):  # SQLite host-parameter budget
            chunk = app_ids[i:i + 500]
            apps.update((a.id, a) for a in s.scalars(
                select(PaymentApplication).where(PaymentApplication.id.in_(chunk))))
            for app_id, severity in s.execute(
                    select(MonitoringWarning.application_id, MonitoringWarning.severity)
                    .where(MonitoringWarning.application_id.in_(chunk),
                           MonitoringWarning.status.in_(sorted(open_states)))):
                if _LEVEL_RANK.get(severity, 9) < _LEVEL_RANK.get(levels.get(app_id, ""), 9):
                    levels[app_id] = severity
        ind_ids = sorted({a.indicator_id for a in apps.values() if a.indicator_id})
        fund_types: dict[str, str | None] = {}
        for i in range(0, len(ind_ids), 500):
            fund_types.update((ind_id, fund) for ind_id, fund in s.execute(
                select(Indicator.id, Indicator.fund_type_code)
                .where(Indicator.id.in_(ind_ids[i:i + 500]))))
        out = []
        for t in tasks:
            d = latest.get(t.id)
            refused = d is not None and d.state == "refused"
            decided = d is not None and not refused
            if status is not None and t.status != status:
                continue
            if not include_decided and decided:
                continue
            summary = _summary(t.summary, apps.get(t.application_id),
                               fund_types, levels.get(t.application_id))
            view = ApprovalTaskView(
                id=t.id, application_id=t.application_id, step=t.step, step_name=t.step_name,
                role=t.role, status="decided" if decided else t.status,
                application_version=t.application_version, summary=summary,
                created_at=t.created_at, decision=d.decision if d else None,
                decision_state=d.state if d else None, decision_comment=d.comment if d else "",
                server_message=d.server_message if refused else None,
            )
            if text and not any(text in str(summary.get(k, "")) for k in
                                ("unit_name", "unit_code", "payee_name", "use_des", "app_no",
                                 "indicator_id")):
                continue
            if min_amount is not None and view.amount < min_amount:
                continue
            if fund_type_code and summary.get("fund_type_code") != fund_type_code:
                continue
            if warning_level and summary.get("warning_level") != warning_level:
                continue
            if min_age_hours is not None and (
                    t.created_at is None or now - t.created_at < timedelta(hours=min_age_hours)):
                continue
            out.append(view)
    return out


def decide_task(
    *, db: Database, task_id: str, decision: str, comment: str = ""
) -> tuple[DecisionView, Changes]:
    """Record a decision (approve / return / reject) and queue it for the server."""
    if decision not in DECISIONS:
        raise InvalidField(f"审核意见只能是 {', '.join(DECISIONS)}。", field="decision")
    comment = (comment or "").strip()
    if decision in ("return", "reject") and not comment:
        raise InvalidField("退回或拒绝时必须填写意见。", field="comment")
    with db.transaction() as s:
        task = s.get(ApprovalTask, task_id)
        if task is None:
            raise NotFound(f"找不到审核任务 {task_id}，请先同步。")
        if task.status != "pending":
            raise NotEditable("该审核任务已处理。", status=task.status)
        if s.scalar(select(ApprovalDecision).where(
                ApprovalDecision.task_id == task_id,
                ApprovalDecision.state.in_(("queued", "sent")))) is not None:
            raise NotEditable("该任务已有待发送的审核意见。", status="queued")
        d = ApprovalDecision(id=new_uuid(), task_id=task_id, decision=decision, comment=comment,
                             base_application_version=task.application_version,
                             state="queued")
        s.add(d)
        s.add(OutboxCommand(
            idempotency_key=d.id, kind="approval.decide", entity_type="approval_decision",
            entity_id=d.id,
            payload={"task_id": task_id, "application_id": task.application_id,
                     "decision": decision, "comment": comment,
                     "expected_version": task.application_version},
        ))
        s.flush()
        view = DecisionView(d.id, d.task_id, d.decision, d.comment, d.base_application_version,
                            d.state, d.server_message, d.decided_at)
    return view, Changes(outbox=True)

"""Approval tasks and offline decisions (issue 5, item 4).

A reviewer may decide offline: the decision is stored and queued like any command, keyed by
its own UUID, and names the application version the reviewer saw. The server refuses a
decision on a version that has changed since; the refusal comes back as the decision's
``server_message`` and is never applied blindly."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from app.db import Database
from app.models import ApprovalDecision, ApprovalTask, OutboxCommand, new_uuid
from app.models.approvals import DECISIONS
from app.services.errors import InvalidField, NotEditable, NotFound
from app.services.results import Changes


@dataclass(frozen=True, slots=True)
class ApprovalTaskView:
    id: str
    application_id: str
    step: int
    step_name: str
    role: str
    status: str
    application_version: int
    summary: dict[str, Any] | None
    decision: str | None  # the local decision, if any
    decision_state: str | None  # queued | sent | accepted | refused
    decision_message: str | None


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


def list_approval_tasks(*, db: Database, status: str | None = "pending") -> list[ApprovalTaskView]:
    stmt = select(ApprovalTask).order_by(ApprovalTask.created_at, ApprovalTask.id)
    if status is not None:
        stmt = stmt.where(ApprovalTask.status == status)
    out = []
    with db.read() as s:
        for t in s.scalars(stmt):
            d = s.scalar(select(ApprovalDecision).where(ApprovalDecision.task_id == t.id)
                         .order_by(ApprovalDecision.decided_at.desc()))
            out.append(ApprovalTaskView(
                t.id, t.application_id, t.step, t.step_name, t.role, t.status,
                t.application_version, t.summary, d.decision if d else None,
                d.state if d else None, d.server_message if d else None))
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

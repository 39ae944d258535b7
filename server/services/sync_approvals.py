"""Sync additions for issue 4: ``approval`` and ``warning`` entities in pull pages and the
``approval.decide`` / ``application.attach`` push commands."""
from __future__ import annotations

import json
import uuid
from typing import Any

from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fiscal import approval as fa
from fiscal.schemas.applications import AttachmentLink
from fiscal.schemas.sync import PushCommand
from server.errors import ApiError
from server.models import Application, ApplicationApproval, MonitorWarning, utcnow
from server.services import applications as apps
from server.services import approvals, monitoring
from server.services.org import Principal


def pull_rows(session: Session, principal: Principal, since: int, upper: int,
              fetch: int) -> list[tuple[int, str, str, str, Any]]:
    """``approval_task`` (id = application UUID): an upsert with ``status='pending'`` when the
    caller may decide the current step now, else a delete (the client drops its copy);
    ``warning`` (id = warning number) for every warning in scope."""
    q = select(ApplicationApproval).where(ApplicationApproval.seq > since,
                                          ApplicationApproval.seq <= upper)
    wq = select(MonitorWarning).where(MonitorWarning.seq > since, MonitorWarning.seq <= upper)
    if principal.unit_ids is not None:
        q = q.where(ApplicationApproval.unit_id.in_(principal.unit_ids or {-1}))
        wq = wq.where(MonitorWarning.unit_id.in_(principal.unit_ids or {-1}))
    out: list[tuple[int, str, str, str, Any]] = []
    actor = approvals.actor_for(session, principal.user)
    for r in session.execute(q.order_by(ApplicationApproval.seq).limit(fetch)).scalars():
        task = _task(session, actor, r)
        out.append((r.seq, "approval_task", str(r.application_id),
                    "upsert" if task is not None else "delete", task))
    for w in session.execute(wq.order_by(MonitorWarning.seq).limit(fetch)).scalars():
        out.append((w.seq, "warning", str(w.id), "upsert", w))
    return out


def _task(session: Session, actor: fa.Actor, rec: ApplicationApproval) -> dict | None:
    if rec.status != fa.ChainStatus.IN_PROGRESS.value or not (actor.grants or actor.delegations):
        return None
    app = session.get(Application, rec.application_id)
    if app is None or app.status != "submitted":
        return None
    state = approvals.load_state(session, rec)
    if fa.check_can_decide(state, actor, approvals.parties(session, app), at=utcnow()):
        return None
    step = fa.current_step(state)
    assert step is not None
    return approvals.public(session, rec) | {
        "id": str(rec.application_id), "application_id": str(rec.application_id),
        "step": step.index, "step_name": step.describe(), "role": step.role.value,
        "status": "pending", "application_version": app.version, "version": app.version,
        "summary": f"{app.app_no} {app.payee_name} ¥{app.amount // 100:,}.{app.amount % 100:02d}",
        "created_at": rec.updated_at,
        "warnings": [monitoring.public(w) for w in monitoring.for_application(session, app.id)]}


def payload(session: Session, principal: Principal, entity: str, row: Any) -> dict:
    return monitoring.public(row) if entity == "warning" else row


def _invalid(exc: ValidationError) -> ApiError:
    first = exc.errors()[0]
    loc = ".".join(str(x) for x in first.get("loc", ()))
    return ApiError(422, "invalid_payload", f"字段 {loc or '(整体)'} 无效：{first.get('msg')}",
                    {"errors": json.loads(exc.json(include_url=False))})


def run(session: Session, principal: Principal, cmd: PushCommand, app_id: uuid.UUID) -> tuple[int, dict]:
    if cmd.type == "application.attach":
        try:
            link = AttachmentLink.model_validate(cmd.payload)
        except ValidationError as exc:
            raise _invalid(exc) from None
        app = apps.attach(session, principal=principal, app_id=app_id, link=link)
        session.flush()
        return 200, apps.public(app)
    # approval.decide — the desktop client sends entity_id = its decision id and
    # payload {task_id, application_id, decision, comment, expected_version}; ``kind`` is accepted too
    p = cmd.payload
    kind = p.get("kind") or p.get("decision")
    if p.get("application_id"):
        try:
            app_id = uuid.UUID(str(p["application_id"]))
        except ValueError:
            raise ApiError(422, "invalid_payload", "application_id 不是有效的 UUID。") from None
    ev = p.get("expected_version")
    comment = p.get("comment") or ""
    if kind not in ("approve", "return", "reject", "comment") or not isinstance(comment, str) or (
            ev is not None and (not isinstance(ev, int) or isinstance(ev, bool))):
        raise ApiError(422, "invalid_payload",
                       "approval.decide 的 payload 应为 {kind: approve|return|reject|comment, "
                       "expected_version: 整数, comment: 文本}。")
    app = approvals.decide(session, principal=principal, app_id=app_id, kind=kind,
                           expected_version=ev, comment=comment[:500])
    session.flush()
    return 200, apps.public(app) | {"approval": approvals.public(
        session, session.get(ApplicationApproval, app.id))}

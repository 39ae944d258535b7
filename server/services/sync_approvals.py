"""Sync additions for issue 4: ``approval`` and ``warning`` entities in pull pages and the
``approval.decide`` / ``application.attach`` push commands; issues #5/#6: the
``warning.explain`` / ``warning.dispose`` push commands (the desktop's offline dispositions)."""
from __future__ import annotations

import json
import uuid
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from fiscal import approval as fa
from fiscal import warnings as fw
from fiscal.schemas.applications import AttachmentLink
from fiscal.schemas.common import WireModel
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
    recs = session.execute(q.order_by(ApplicationApproval.seq).limit(fetch)).scalars().all()
    tasks = _tasks(session, actor, recs)
    for r in recs:
        task = tasks.get(r.application_id)
        out.append((r.seq, "approval_task", str(r.application_id),
                    "upsert" if task is not None else "delete", task))
    for w in session.execute(wq.order_by(MonitorWarning.seq).limit(fetch)).scalars():
        out.append((w.seq, "warning", str(w.id), "upsert", w))
    return out


def _tasks(session: Session, actor: fa.Actor, recs: list[ApplicationApproval]) -> dict[uuid.UUID, dict]:
    """The tasks among ``recs`` the actor may decide now, by application id. A page holds up to
    thousands of records: applications, decisions, editors and warnings are read for all of
    them at once, and records of chains with no step in a role the actor holds (in person or by
    delegation) are passed over unread — such an actor can decide no step of them."""
    if not (actor.grants or actor.delegations):
        return {}
    roles = {g.role for g in actor.grants} | {d.grant.role for d in actor.delegations}
    open_recs = [r for r in recs if r.status == fa.ChainStatus.IN_PROGRESS.value
                 and roles & {fa.Role(s["role"]) for s in json.loads(r.chain)["steps"]}]
    if not open_recs:
        return {}
    ids = [r.application_id for r in open_recs]
    found = {}
    for b in range(0, len(ids), 500):
        found.update((a.id, a) for a in session.execute(
            select(Application).where(Application.id.in_(ids[b:b + 500]))).scalars())
    open_recs = [r for r in open_recs if getattr(found.get(r.application_id), "status", None) == "submitted"]
    states = approvals.load_states(session, open_recs)
    parties = approvals.parties_of(session, [found[r.application_id] for r in open_recs])
    now = utcnow()
    decidable = [r for r in open_recs if not fa.check_can_decide(
        states[r.application_id], actor, parties[r.application_id], at=now)]
    warnings: dict[uuid.UUID, list[MonitorWarning]] = {r.application_id: [] for r in decidable}
    keys = list(warnings)
    for b in range(0, len(keys), 500):
        for w in session.execute(select(MonitorWarning).where(
                MonitorWarning.application_id.in_(keys[b:b + 500]))
                .order_by(MonitorWarning.level, MonitorWarning.id)).scalars():
            warnings[w.application_id].append(w)
    out = {}
    for rec in decidable:
        app, step = found[rec.application_id], fa.current_step(states[rec.application_id])
        assert step is not None
        out[rec.application_id] = approvals.public(session, rec) | {
            "id": str(rec.application_id), "application_id": str(rec.application_id),
            "step": step.index, "step_name": step.describe(), "role": step.role.value,
            "status": "pending", "application_version": app.version, "version": app.version,
            "summary": f"{app.app_no} {app.payee_name} ¥{app.amount // 100:,}.{app.amount % 100:02d}",
            "created_at": rec.updated_at,
            "warnings": [monitoring.public(w) for w in warnings[rec.application_id]]}
    return out


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


# ---------------------------------------------------------------- warning.explain / warning.dispose

_Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]
_STATES = tuple(st.value for st in fw.DispositionState)


class WarningCommand(WireModel):
    """Payload of ``warning.explain`` / ``warning.dispose`` (the HTTP bodies' fields, plus the
    state the user acted on: an offline command may arrive after the warning moved on)."""

    action: Literal["mark_normal", "request_verify", "answer_ok", "answer_fixed",
                    "mark_violation", "accept_rectification", "explain"] | None = None
    note: str = Field(default="", max_length=2000)
    attachments: list[_Sha] = Field(default_factory=list, max_length=20)
    contact: str = Field(default="", max_length=120)
    expected_state: Literal[_STATES] | None = None  # type: ignore[valid-type]
    expected_version: int | None = Field(default=None, ge=0, le=2**31)


def run_warning(session: Session, principal: Principal, cmd: PushCommand) -> tuple[int, dict]:
    """Run one offline disposition through the same service as ``/warnings/{id}/explain`` and
    ``/dispose`` (roles, unit scope and the fiscal state machine are enforced there). A command
    made on a state the warning has left is refused, never applied to the new state: "需要核实"
    typed on an explained warning must not land on a later answer."""
    try:
        warning_id = int(cmd.entity_id)
        if not 1 <= warning_id <= 2**62:
            raise ValueError
    except ValueError:
        raise ApiError(422, "invalid_entity_id",
                       f"entity_id {cmd.entity_id!r} 不是有效的预警编号（正整数）。") from None
    try:
        p = WarningCommand.model_validate(cmd.payload)
    except ValidationError as exc:
        raise _invalid(exc) from None
    if cmd.type == "warning.explain":
        if p.action not in (None, "explain"):
            raise ApiError(422, "invalid_payload", "warning.explain 的 action 只能为 explain 或省略。")
        action = "explain"
    else:
        if p.action is None or p.action == "explain":
            raise ApiError(422, "invalid_payload",
                           "warning.dispose 须给出 action（mark_normal、request_verify、answer_ok、"
                           "answer_fixed、mark_violation、accept_rectification）；书面说明请用 "
                           "warning.explain。")
        action = p.action
    w = monitoring.get_visible(session, principal, warning_id, lock=True)
    if p.expected_state is not None and w.state != p.expected_state:
        was = fw.STATE_NAMES[fw.DispositionState(p.expected_state)]
        now = fw.STATE_NAMES[fw.DispositionState(w.state)]
        last = json.loads(w.history or "[]")[-1:] or [{}]
        by = f"（{last[0].get('by')} 已处理）" if last[0].get("by") else ""
        raise ApiError(409, "warning_state_changed",
                       f"预警 {w.id} 已从“{was}”变为“{now}”{by}，本次"
                       f"“{fw.ACTION_NAMES[fw.DispositionAction(action)]}”未执行。"
                       "请查看最新状态后重新处理，已填写的内容保留在本机。",
                       {"state": w.state, "version": w.version, "current": monitoring.public(w)})
    w = monitoring.dispose(session, principal=principal, warning_id=warning_id, action=action,
                           note=p.note, attachments=p.attachments, contact=p.contact,
                           expected_version=p.expected_version)
    session.flush()
    return 200, monitoring.public(w)

"""Approval chains (审批流转) on the server: routing at submission and decisions with separation of
duties, all judged by :mod:`fiscal.approval` (select_rule_set / route / check_can_decide /
apply_decision / needs_restart / restart_chain). Nothing here re-implements those rules."""
from __future__ import annotations

import json
import uuid
from datetime import datetime
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from fiscal import approval as fa
from server import chain, ledger
from server.errors import ApiError, conflict
from server.models import (
    Application,
    ApplicationApproval,
    ApprovalDecision,
    AuditEvent,
    Department,
    Indicator,
    InvoiceClaim,
    Unit,
    User,
    utcnow,
)
from server.services import monitoring
from server.services.org import Principal

EDIT_ACTIONS = ("application.create", "application.update", "application.attach",
                "application.detach", "application.submit")
KIND_NAMES = {"approve": "同意", "return": "退回修改", "reject": "不同意", "comment": "意见"}


@lru_cache(maxsize=1)
def rule_sets() -> tuple[fa.RuleSet, ...]:
    return fa.load_rule_sets()


def _terms(app: Application) -> fa.PaymentTerms:
    return fa.PaymentTerms(app.amount, app.payee_name, app.payee_account, app.payee_bank)


def _terms_json(app: Application) -> str:
    return json.dumps({"amount_fen": app.amount, "payee_name": app.payee_name,
                       "payee_account": app.payee_account, "payee_bank": app.payee_bank},
                      ensure_ascii=False)


def _route(app: Application, ind: Indicator, rs: fa.RuleSet) -> fa.ApprovalChain:
    facts = fa.RoutingFacts.from_application(
        amount_fen=app.amount, fund_type=ind.fund_type_code,
        dep_eco_code=app.dep_eco_code or ind.dep_eco_code, bgt_type=ind.bgt_type_code,
        settlement_mode=app.settlement_mode, payee_is_personal=app.payee_is_personal,
        special_fund=bool(ind.pro_code))
    try:
        return fa.route(facts, rs)
    except fa.RoutingError as exc:
        raise ApiError(422, exc.code, exc.message) from None


def on_submit(session: Session, app: Application, ind: Indicator) -> ApplicationApproval:
    """Route (first submission) or continue / restart (resubmission) the chain, then monitor."""
    rec = session.get(ApplicationApproval, app.id)
    now = app.submitted_at or utcnow()
    if rec is None:
        try:
            rs = fa.select_rule_set(rule_sets(), app.region_code, app.unit.code, now)
        except fa.RoutingError as exc:
            raise ApiError(422, exc.code, exc.message) from None
        c = _route(app, ind, rs)
        state = fa.ChainState(c, application_version=app.version)
        rec = ApplicationApproval(application_id=app.id, unit_id=app.unit_id, rule_set_id=rs.id,
                                  rule_set_version=rs.version, chain=json.dumps(c.to_dict()),
                                  round=1, application_version=app.version,
                                  terms=_terms_json(app))
        session.add(rec)
        event = "approval.route"
    else:
        state = load_state(session, rec)
        old = fa.PaymentTerms(**json.loads(rec.terms))
        returned = state.status is fa.ChainStatus.RETURNED
        restart = returned or fa.needs_restart(old, _terms(app), state)
        if restart:
            # re-route under the rule-set version chosen at the first submission
            rs = next((r for r in rule_sets() if r.id == rec.rule_set_id
                       and r.version == rec.rule_set_version), None)
            c = _route(app, ind, rs) if rs is not None else state.chain
            state = fa.restart_chain(state, chain=c, application_version=app.version)
            rec.chain = json.dumps(c.to_dict())
            rec.round = state.round
        state = fa.ChainState(state.chain, state.decisions, state.round, app.version)
        rec.application_version = app.version
        rec.terms = _terms_json(app)
        event = "approval.restart" if restart else "approval.resume"
    _sync_status(rec, state)
    chain.touch(session, rec)
    chain.audit(session, actor=chain.SYSTEM, action=event, entity_type="application",
                entity_id=app.id, unit_id=app.unit_id,
                after={"rule_set": f"{rec.rule_set_id}@{rec.rule_set_version}", "round": rec.round,
                       "chain": state.chain.describe(), "status": rec.status})
    monitoring.on_submit(session, app, ind)
    return rec


def check_withdrawable(session: Session, app: Application) -> None:
    """A unit may pull back an application while it is under review or returned, not once the
    chain has approved it (the treasury may already have issued the voucher)."""
    rec = session.get(ApplicationApproval, app.id)
    if rec is not None and rec.status == fa.ChainStatus.APPROVED.value:
        raise conflict("already_approved", f"支付申请 {app.app_no} 已审批通过，不能撤回；"
                       "如需取消请联系国库支付中心。")


def _sync_status(rec: ApplicationApproval, state: fa.ChainState) -> None:
    rec.status = state.status.value
    rec.current_step = state.current_index


def load_state(session: Session, rec: ApplicationApproval) -> fa.ChainState:
    rows = session.execute(select(ApprovalDecision).where(
        ApprovalDecision.application_id == rec.application_id,
        ApprovalDecision.kind != "comment").order_by(ApprovalDecision.id)).scalars().all()
    names = _usernames(session, {r.actor_id for r in rows} | {r.on_behalf_of for r in rows if r.on_behalf_of})
    decisions = tuple(fa.Decision(
        step_index=r.step_index or 0, actor_id=names.get(r.actor_id, str(r.actor_id)),
        kind=fa.DecisionKind(r.kind), at=r.at,
        on_behalf_of=names.get(r.on_behalf_of) if r.on_behalf_of else None, round=r.round,
        comment=r.comment, role=fa.Role(r.role) if r.role else None,
        scope=fa.Scope(r.scope) if r.scope else None) for r in rows)
    return fa.ChainState(fa.ApprovalChain.from_dict(json.loads(rec.chain)), decisions, rec.round,
                         rec.application_version)


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def actor_for(session: Session, user: User) -> fa.Actor:
    """RoleGrants from the server's roles: unit roles act for their unit (unit_head also sits on
    the unit's 集体决策), bureau_division for each overseen department, treasury for the 区划 of
    the departments it oversees. Delegations are not modelled yet (none)."""
    grants: list[fa.RoleGrant] = []
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    own = {"accountant": [fa.Role.ACCOUNTANT], "unit_finance_head": [fa.Role.UNIT_FINANCE_HEAD, fa.Role.COMMITTEE],
           "unit_head": [fa.Role.UNIT_HEAD, fa.Role.COMMITTEE]}.get(user.role, [])
    if unit is not None:
        grants += [fa.RoleGrant(r, fa.Scope.OWN_UNIT, unit.code) for r in own]
    if user.role in ("bureau_division", "treasury"):
        depts = [session.get(Department, s.department_id) for s in user.scopes if s.department_id]
        depts += [session.get(Unit, s.unit_id).department for s in user.scopes if s.unit_id]
        for d in {d.code: d for d in depts if d is not None}.values():
            if user.role == "bureau_division":
                grants.append(fa.RoleGrant(fa.Role.BUREAU_DIVISION, fa.Scope.OVERSEEING_BUREAU_DIVISION, d.code))
            else:
                grants.append(fa.RoleGrant(fa.Role.TREASURY, fa.Scope.TREASURY, d.region_code))
    return fa.Actor(user.username, tuple(dict.fromkeys(grants)), (), user.display_name or "")


def parties(session: Session, app: Application) -> fa.ApplicationParties:
    """Creator and every editor come from the audit chain (who created, changed or submitted it)."""
    ids = set(session.execute(select(AuditEvent.actor_id).where(
        AuditEvent.entity_type == "application", AuditEvent.entity_id == str(app.id),
        AuditEvent.action.in_(EDIT_ACTIONS))).scalars())
    ids |= {app.created_by, app.submitted_by}
    names = _usernames(session, ids)
    return fa.ApplicationParties(
        application_id=str(app.id), region_code=app.region_code, unit_code=app.unit.code,
        created_by=names.get(app.created_by, str(app.created_by)),
        last_edited_by=names.get(app.submitted_by) if app.submitted_by else None,
        editors=frozenset(names.values()), overseeing_division=app.unit.department.code,
        version=app.version)


def _record(session: Session, app_id: uuid.UUID) -> ApplicationApproval:
    rec = session.get(ApplicationApproval, app_id)
    if rec is None:
        raise conflict("no_approval", "该支付申请尚未提交，没有审批流程。")
    return rec


def decide(session: Session, *, principal: Principal, app_id: uuid.UUID, kind: str,
           expected_version: int | None, comment: str = "", at: datetime | None = None) -> Application:
    from server.services import applications as apps

    app = apps.get_visible(session, principal, app_id, lock=True)
    rec = _record(session, app.id)
    now = at or utcnow()
    state = load_state(session, rec)
    actor = actor_for(session, principal.user)
    party = parties(session, app)
    if kind == "comment":
        if not comment.strip():
            raise ApiError(422, "comment_required", "审批意见不能为空。")
        session.add(ApprovalDecision(application_id=app.id, round=rec.round,
                                     step_index=state.current_index, kind="comment",
                                     actor_id=principal.user.id, comment=comment.strip()[:500],
                                     application_version=app.version, at=now))
        chain.touch(session, rec)
        chain.audit(session, actor=principal.actor, action="approval.comment",
                    entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                    detail={"comment": comment.strip()[:500], "round": rec.round})
        return app
    try:
        dkind = fa.DecisionKind(kind)
    except ValueError:
        raise ApiError(422, "unknown_decision", f"未知的审批决定 {kind!r}（approve/return/reject/comment）。") from None
    if app.status != "submitted":
        raise conflict("not_submitted", f"支付申请 {app.app_no} 当前不在审批中（状态：{app.status}）。")
    refusals = fa.check_can_decide(state, actor, party, at=now, kind=dkind,
                                   seen_version=expected_version)
    if refusals:
        codes = [r.code for r in refusals]
        status = 409 if codes[0] in ("stale_version", "chain_closed") else 403
        first = next((r for r in refusals if r.code == "stale_version"), refusals[0])
        raise ApiError(status if first.code != "stale_version" else 409, first.code,
                       "；".join(r.message for r in refusals),
                       {"refusals": [r.as_dict() for r in refusals],
                        "current_version": app.version})
    if dkind is fa.DecisionKind.APPROVE:
        blocked = monitoring.blocks(monitoring.for_application(session, app.id))
        if blocked:
            raise ApiError(409, "warning_block", blocked[0]["message"], {"blocks": blocked})
    step = fa.current_step(state)
    assert step is not None
    new_state = fa.apply_decision(state, fa.Decision(step.index, actor.user_id, dkind, now,
                                                     comment=comment))
    before = {"status": rec.status, "step": rec.current_step, "version": app.version}
    session.add(ApprovalDecision(application_id=app.id, round=rec.round, step_index=step.index,
                                 kind=dkind.value, role=step.role.value, scope=step.scope.value,
                                 actor_id=principal.user.id, comment=comment[:500],
                                 on_behalf_of=None,  # delegations are not modelled on the server yet
                                 application_version=app.version, at=now))
    _sync_status(rec, new_state)
    app.version += 1
    rec.application_version = app.version
    detail = {"kind": dkind.value, "step": step.index, "role": step.role.value,
              "round": rec.round, "comment": comment[:500], "chain_status": rec.status}
    if new_state.status is fa.ChainStatus.REJECTED:
        ind = ledger.lock_indicator(session, app.indicator_id)
        ledger.post(session, ind, "release_reservation", app.amount, application_id=app.id,
                    actor_id=principal.user.id, memo=f"{app.app_no} 审批不同意")
        session.query(InvoiceClaim).filter(InvoiceClaim.application_id == app.id).delete()
        app.status = "voided"
        chain.touch(session, ind)
        detail["released"] = app.amount
    chain.touch(session, app)
    chain.touch(session, rec)
    chain.audit(session, actor=principal.actor, action=f"approval.{dkind.value}",
                entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                before=before, after={"status": rec.status, "step": rec.current_step,
                                      "version": app.version}, detail=detail)
    session.flush()
    return app


def public(session: Session, rec: ApplicationApproval, *, principal: Principal | None = None) -> dict:
    c = json.loads(rec.chain)
    rows = session.execute(select(ApprovalDecision).where(
        ApprovalDecision.application_id == rec.application_id).order_by(ApprovalDecision.id)).scalars().all()
    names = _usernames(session, {r.actor_id for r in rows})
    return {"application_id": str(rec.application_id), "rule_set_id": rec.rule_set_id,
            "rule_set_version": rec.rule_set_version, "round": rec.round, "status": rec.status,
            "current_step": rec.current_step, "application_version": rec.application_version,
            "steps": [{**s, "name": fa.ROLE_NAMES[fa.Role(s["role"])],
                       "scope_name": fa.SCOPE_NAMES[fa.Scope(s["scope"])]} for s in c["steps"]],
            "matched_rules": c.get("matched_rules", []),
            "decisions": [{"id": r.id, "round": r.round, "step_index": r.step_index, "kind": r.kind,
                           "kind_name": KIND_NAMES.get(r.kind, r.kind), "role": r.role,
                           "actor": names.get(r.actor_id), "comment": r.comment,
                           "application_version": r.application_version, "at": r.at}
                          for r in rows],
            "updated_at": rec.updated_at, "seq": rec.seq}


def get(session: Session, *, principal: Principal, app_id: uuid.UUID) -> dict:
    from server.services import applications as apps
    app = apps.get_visible(session, principal, app_id)
    return public(session, _record(session, app.id)) | {
        "warnings": [monitoring.public(w) for w in monitoring.for_application(session, app.id)]}


def tasks(session: Session, *, principal: Principal, limit: int = 200) -> list[dict]:
    """待我审批: in-progress chains in the caller's scope whose current step the caller may decide
    now (check_can_decide without refusals)."""
    q = select(ApplicationApproval).where(ApplicationApproval.status == fa.ChainStatus.IN_PROGRESS.value)
    if principal.unit_ids is not None:
        q = q.where(ApplicationApproval.unit_id.in_(principal.unit_ids or {-1}))
    actor = actor_for(session, principal.user)
    if not actor.grants:
        return []
    now = utcnow()
    out = []
    from server.services import applications as apps
    for rec in session.execute(q.order_by(ApplicationApproval.updated_at)).scalars():
        app = session.get(Application, rec.application_id)
        if app is None or app.status != "submitted":
            continue
        state = load_state(session, rec)
        if fa.check_can_decide(state, actor, parties(session, app), at=now):
            continue
        step = fa.current_step(state)
        out.append({"application": apps.public(app), "step_index": step.index if step else None,
                    "step_name": step.describe() if step else None, "round": rec.round,
                    "warnings": [monitoring.public(w) for w in monitoring.for_application(session, app.id)]})
        if len(out) >= limit:
            break
    return out

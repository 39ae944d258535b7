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
    ApprovalRuleSetVersion,
    AuditEvent,
    CommitteeMember,
    Delegation,
    Department,
    Indicator,
    InvoiceClaim,
    Region,
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
def shipped_rule_sets() -> tuple[fa.RuleSet, ...]:
    """The defaults shipped as data (resources/rules/approval_default.json)."""
    return fa.load_rule_sets()


def _stored_rule_set(row: ApprovalRuleSetVersion) -> fa.RuleSet:
    return _parse_stored(row.document, row.effective_from.isoformat() if row.effective_from else None)


@lru_cache(maxsize=64)
def _parse_stored(document: str, effective_from: str | None) -> fa.RuleSet:
    """Stored versions never change once uploaded: parse each (document, date) once."""
    doc = json.loads(document)
    if effective_from is not None:
        doc["effective_from"] = effective_from
    return fa.parse_rule_sets({"format": fa.RULES_FORMAT, "rule_sets": [doc]})[0]


def rule_sets(session: Session | None = None) -> tuple[fa.RuleSet, ...]:
    """Shipped defaults + the uploaded versions an admin has activated (``approval_rule_sets``).
    ``fiscal.approval.select_rule_set`` then picks the one in force at the submission moment."""
    if session is None:
        return tuple(shipped_rule_sets())
    # read once per transaction: a push group routes many submissions; an activation in this
    # same transaction drops the copy (see activate_rule_set)
    cache = chain.transaction_cache(session, "approval_rule_sets")
    if "all" not in cache:
        rows = session.execute(select(ApprovalRuleSetVersion).where(
            ApprovalRuleSetVersion.active.is_(True))).scalars()
        cache["all"] = tuple(shipped_rule_sets()) + tuple(_stored_rule_set(r) for r in rows)
    return cache["all"]


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


def on_submit(session: Session, app: Application, ind: Indicator, *,
              never_submitted: bool = False) -> ApplicationApproval:
    """Route (first submission) or continue / restart (resubmission) the chain, then monitor.
    ``never_submitted``: the caller saw no earlier submission (``submitted_at`` was empty), so
    there is no approval record to look up (records are only created here, after it is set)."""
    rec = None if never_submitted else session.get(ApplicationApproval, app.id)
    now = app.submitted_at or utcnow()
    if rec is None:
        try:
            rs = fa.select_rule_set(rule_sets(session), app.region_code, app.unit.code, now)
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
            rs = next((r for r in rule_sets(session) if r.id == rec.rule_set_id
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
    return load_states(session, [rec])[rec.application_id]


def load_states(session: Session, recs: list[ApplicationApproval]) -> dict[uuid.UUID, fa.ChainState]:
    """The approval state of each record, with two queries for all of them (a pull page
    carries hundreds of approval records)."""
    by_app: dict[uuid.UUID, list[ApprovalDecision]] = {r.application_id: [] for r in recs}
    ids = list(by_app)
    for b in range(0, len(ids), 500):
        for d in session.execute(select(ApprovalDecision).where(
                ApprovalDecision.application_id.in_(ids[b:b + 500]),
                ApprovalDecision.kind != "comment").order_by(ApprovalDecision.id)).scalars():
            by_app[d.application_id].append(d)
    rows = [d for ds in by_app.values() for d in ds]
    names = _usernames(session, {r.actor_id for r in rows} | {r.on_behalf_of for r in rows if r.on_behalf_of})
    out = {}
    for rec in recs:
        decisions = tuple(fa.Decision(
            step_index=r.step_index or 0, actor_id=names.get(r.actor_id, str(r.actor_id)),
            kind=fa.DecisionKind(r.kind), at=r.at,
            on_behalf_of=names.get(r.on_behalf_of) if r.on_behalf_of else None, round=r.round,
            comment=r.comment, role=fa.Role(r.role) if r.role else None,
            scope=fa.Scope(r.scope) if r.scope else None) for r in by_app[rec.application_id])
        out[rec.application_id] = fa.ChainState(fa.ApprovalChain.from_dict(json.loads(rec.chain)),
                                                decisions, rec.round, rec.application_version)
    return out


def _usernames(session: Session, ids: set[int]) -> dict[int, str]:
    ids = {i for i in ids if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all())


def own_grants(session: Session, user: User) -> list[fa.RoleGrant]:
    """The role grants a user holds in person: unit roles act for their unit, bureau_division for
    each overseen department, treasury for the 区划 of the departments it oversees, and every
    ``committee_members`` row is a 集体决策 seat (role ``committee``) on its unit/department/区划."""
    grants: list[fa.RoleGrant] = []
    unit = session.get(Unit, user.unit_id) if user.unit_id else None
    own = {"accountant": [fa.Role.ACCOUNTANT], "unit_finance_head": [fa.Role.UNIT_FINANCE_HEAD],
           "unit_head": [fa.Role.UNIT_HEAD]}.get(user.role, [])
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
    if user.is_active:
        for m in session.execute(select(CommitteeMember).where(CommitteeMember.user_id == user.id)).scalars():
            grants.append(fa.RoleGrant(fa.Role.COMMITTEE, fa.Scope(m.scope), m.target))
    return list(dict.fromkeys(grants))


def _delegation(d: Delegation, names: dict[int, str]) -> fa.Delegation:
    return fa.Delegation(delegator=names.get(d.delegator_id, str(d.delegator_id)),
                         delegate=names.get(d.delegate_id, str(d.delegate_id)),
                         grant=fa.RoleGrant(fa.Role(d.role), fa.Scope(d.scope), d.target),
                         valid_from=d.valid_from, expires_at=d.expires_at,
                         revoked=d.revoked_at is not None)


def actor_for(session: Session, user: User) -> fa.Actor:
    """The user's own grants plus every delegation they received — also expired, revoked or
    not yet valid ones, so that fiscal.approval can say precisely why one does not count. A
    delegation whose delegator is deactivated or no longer holds the grant is dropped."""
    rows = session.execute(select(Delegation).where(Delegation.delegate_id == user.id)
                           .order_by(Delegation.expires_at.desc()).limit(200)).scalars().all()
    names = _usernames(session, {d.delegator_id for d in rows} | {user.id})
    received = []
    held: dict[int, list[fa.RoleGrant]] = {}
    for d in rows:
        delegator = session.get(User, d.delegator_id)
        if delegator is None or not delegator.is_active:
            continue
        if d.delegator_id not in held:
            held[d.delegator_id] = own_grants(session, delegator)
        fd = _delegation(d, names)
        if fd.grant in held[d.delegator_id]:
            received.append(fd)
    return fa.Actor(user.username, tuple(own_grants(session, user)), tuple(received),
                    user.display_name or "")


def parties(session: Session, app: Application) -> fa.ApplicationParties:
    return parties_of(session, [app])[app.id]


def parties_of(session: Session, apps: list[Application]) -> dict[uuid.UUID, fa.ApplicationParties]:
    """Creator and every editor come from the audit chain (who created, changed or submitted
    it) — two queries for all ``apps``."""
    editors: dict[str, set[int]] = {str(a.id): {a.created_by, a.submitted_by} for a in apps}
    keys = list(editors)
    for b in range(0, len(keys), 500):
        for entity_id, actor_id in session.execute(select(AuditEvent.entity_id, AuditEvent.actor_id).where(
                AuditEvent.entity_type == "application", AuditEvent.entity_id.in_(keys[b:b + 500]),
                AuditEvent.action.in_(EDIT_ACTIONS))):
            editors[entity_id].add(actor_id)
    names = _usernames(session, set().union(*editors.values()) if editors else set())
    out = {}
    for app in apps:
        ids = editors[str(app.id)]
        out[app.id] = fa.ApplicationParties(
            application_id=str(app.id), region_code=app.region_code, unit_code=app.unit.code,
            created_by=names.get(app.created_by, str(app.created_by)),
            last_edited_by=names.get(app.submitted_by) if app.submitted_by else None,
            editors=frozenset(names[i] for i in ids if i in names),
            overseeing_division=app.unit.department.code, version=app.version)
    return out


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
    authority = fa.effective_approver(actor, step, party, now)
    assert authority is not None  # check_can_decide found no refusal
    on_behalf = None
    if authority.on_behalf_of is not None:
        on_behalf = session.execute(select(User.id).where(
            User.username == authority.on_behalf_of)).scalar_one()
    new_state = fa.apply_decision(state, fa.Decision(step.index, actor.user_id, dkind, now,
                                                     on_behalf_of=authority.on_behalf_of,
                                                     comment=comment))
    before = {"status": rec.status, "step": rec.current_step, "version": app.version}
    session.add(ApprovalDecision(application_id=app.id, round=rec.round, step_index=step.index,
                                 kind=dkind.value, role=step.role.value, scope=step.scope.value,
                                 actor_id=principal.user.id, comment=comment[:500],
                                 on_behalf_of=on_behalf,
                                 application_version=app.version, at=now))
    _sync_status(rec, new_state)
    app.version += 1
    rec.application_version = app.version
    detail = {"kind": dkind.value, "step": step.index, "role": step.role.value,
              "round": rec.round, "comment": comment[:500], "chain_status": rec.status}
    if authority.on_behalf_of is not None:
        detail["on_behalf_of"] = authority.on_behalf_of
        detail["delegation"] = {"delegator": authority.on_behalf_of,
                                "expires_at": authority.delegation.expires_at.isoformat()
                                if authority.delegation else None}
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


def _seats(session: Session, unit_id: int, scope: fa.Scope) -> int:
    """How many committee seats the step's committee has (shown next to N-of-M)."""
    unit = session.get(Unit, unit_id)
    if unit is None:
        return 0
    target = {fa.Scope.OWN_UNIT: unit.code, fa.Scope.OVERSEEING_BUREAU_DIVISION: unit.department.code,
              fa.Scope.TREASURY: unit.region_code}[scope]
    return len(session.execute(select(CommitteeMember.id).where(
        CommitteeMember.scope == scope.value, CommitteeMember.target == target)).all())


def public(session: Session, rec: ApplicationApproval, *, principal: Principal | None = None) -> dict:
    c = json.loads(rec.chain)
    rows = session.execute(select(ApprovalDecision).where(
        ApprovalDecision.application_id == rec.application_id).order_by(ApprovalDecision.id)).scalars().all()
    names = _usernames(session, {r.actor_id for r in rows} | {r.on_behalf_of for r in rows})
    return {"application_id": str(rec.application_id), "rule_set_id": rec.rule_set_id,
            "rule_set_version": rec.rule_set_version, "round": rec.round, "status": rec.status,
            "current_step": rec.current_step, "application_version": rec.application_version,
            "steps": [{**s, "name": fa.ROLE_NAMES[fa.Role(s["role"])],
                       "scope_name": fa.SCOPE_NAMES[fa.Scope(s["scope"])],
                       **({"seats": _seats(session, rec.unit_id, fa.Scope(s["scope"]))}
                          if s["role"] == fa.Role.COMMITTEE.value else {})}
                      for s in c["steps"]],
            "matched_rules": c.get("matched_rules", []),
            "decisions": [{"id": r.id, "round": r.round, "step_index": r.step_index, "kind": r.kind,
                           "kind_name": KIND_NAMES.get(r.kind, r.kind), "role": r.role,
                           "actor": names.get(r.actor_id), "comment": r.comment,
                           "on_behalf_of": names.get(r.on_behalf_of) if r.on_behalf_of else None,
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
    if not actor.grants and not actor.delegations:
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


# ------------------------------------------------------------------------------ delegations

MAX_DELEGATION_DAYS = 366  # a delegation is for an absence, not a standing second approver


def _user(session: Session, username: str, what: str) -> User:
    u = session.execute(select(User).where(User.username == username)).scalar_one_or_none()
    if u is None:
        raise ApiError(422, "unknown_user", f"{what} {username} 不存在。", {"field": what})
    if not u.is_active:
        raise ApiError(422, "inactive_user", f"{what} {username} 已停用。", {"field": what})
    return u


def _target_units(session: Session, grant: fa.RoleGrant) -> list[int]:
    """The units whose applications a grant decides on."""
    if grant.scope is fa.Scope.OWN_UNIT:
        q = select(Unit.id).where(Unit.code == grant.target)
    elif grant.scope is fa.Scope.OVERSEEING_BUREAU_DIVISION:
        q = select(Unit.id).join(Department, Unit.department_id == Department.id).where(
            Department.code == grant.target)
    else:
        q = select(Unit.id).where(Unit.region_code == grant.target)
    return list(session.execute(q).scalars())


def _check_can_see(session: Session, user: User, grant: fa.RoleGrant, what: str) -> None:
    """A delegate / committee member must see the applications they are to decide (the API
    answers 404 outside a user's scope), so refuse a seat they could never use."""
    from server.services.org import scope_for
    if user.role == "admin":
        raise ApiError(422, "admin_cannot_approve",
                       f"{what} {user.username} 是系统管理员，系统管理员不参与审批（不相容岗位分离）。")
    units = _target_units(session, grant)
    if not units:
        raise ApiError(422, "unknown_target", f"{fa.SCOPE_NAMES[grant.scope]} {grant.target} 不存在。",
                       {"field": "target"})
    visible = scope_for(session, user)
    missing = [u for u in units if visible is not None and u not in visible]
    if missing:
        raise ApiError(422, "target_out_of_scope",
                       f"{what} {user.username} 的数据范围不包含 {fa.SCOPE_NAMES[grant.scope]} "
                       f"{grant.target} 的全部单位，无法代为审批。", {"field": what})


def _touch_open_chains(session: Session, grant: fa.RoleGrant) -> None:
    """Who may decide changed (delegation, committee seat): give the open chains the grant
    covers a new sequence number, so that the pull feed re-evaluates their approval tasks."""
    units = _target_units(session, grant)
    if not units:
        return
    for rec in session.execute(select(ApplicationApproval).where(
            ApplicationApproval.status == fa.ChainStatus.IN_PROGRESS.value,
            ApplicationApproval.unit_id.in_(units))).scalars():
        chain.touch(session, rec)


def delegation_public(session: Session, d: Delegation, *, now: datetime | None = None) -> dict:
    now = now or utcnow()
    names = _usernames(session, {d.delegator_id, d.delegate_id, d.created_by, d.revoked_by})
    role = fa.Role(d.role)
    if d.revoked_at is not None:
        state, state_name = "revoked", "已撤销"
    elif now < d.valid_from:
        state, state_name = "pending", "未生效"
    elif now >= d.expires_at:
        state, state_name = "expired", "已到期"
    else:
        state, state_name = "in_force", "生效中"
    return {"id": d.id, "delegator": names.get(d.delegator_id), "delegate": names.get(d.delegate_id),
            "role": d.role, "role_name": fa.ROLE_NAMES[role], "scope": d.scope,
            "scope_name": fa.SCOPE_NAMES[fa.Scope(d.scope)], "target": d.target,
            "valid_from": d.valid_from, "expires_at": d.expires_at, "revoked_at": d.revoked_at,
            "revoked_by": names.get(d.revoked_by) if d.revoked_by else None, "reason": d.reason,
            "created_by": names.get(d.created_by), "created_at": d.created_at,
            "state": state, "state_name": state_name}


def create_delegation(session: Session, *, principal: Principal, delegate: str, role: str,
                      expires_at: datetime, reason: str, delegator: str | None = None,
                      scope: str | None = None, target: str | None = None,
                      valid_from: datetime | None = None) -> Delegation:
    """授权委托. Only the delegator themself or an admin; the delegate is another active user who
    can see the target's applications; the delegator must hold the grant in person (no
    re-delegation of a received delegation)."""
    now = utcnow()
    me = principal.user
    giver = me if delegator is None or delegator == me.username else _user(session, delegator, "委托人")
    if giver.id != me.id and principal.role != "admin":
        raise ApiError(403, "not_delegator", "只有委托人本人或系统管理员可以设立授权委托。")
    taker = _user(session, delegate, "受托人")
    if taker.id == giver.id:
        raise ApiError(422, "self_delegation", "受托人不能是委托人本人。", {"field": "delegate"})
    try:
        frole = fa.Role(role)
        fscope = fa.Scope(scope) if scope else None
    except ValueError:
        raise ApiError(422, "unknown_role", f"未知的审批角色或范围：{role} / {scope}。",
                       {"field": "role"}) from None
    held = [g for g in own_grants(session, giver) if g.role is frole
            and (fscope is None or g.scope is fscope) and (target is None or g.target == target)]
    if not held:
        raise ApiError(422, "grant_not_held",
                       f"委托人 {giver.username} 本人不具有“{fa.ROLE_NAMES[frole]}”"
                       f"{('（' + fa.SCOPE_NAMES[fscope] + ' ' + (target or '') + '）') if fscope else ''}"
                       "审批权限，不能委托。", {"field": "role"})
    if len(held) > 1:
        raise ApiError(422, "target_required",
                       f"委托人在多个范围具有“{fa.ROLE_NAMES[frole]}”权限，请指定 scope 与 target："
                       + "、".join(f"{g.scope.value}:{g.target}" for g in held), {"field": "target"})
    grant = held[0]
    start = valid_from or now
    if expires_at <= now:
        raise ApiError(422, "invalid_period", "授权到期时间已过，不能设立已到期的授权。",
                       {"field": "expires_at"})
    if expires_at <= start:
        raise ApiError(422, "invalid_period", "授权到期时间必须晚于生效时间。", {"field": "expires_at"})
    if (expires_at - start).days > MAX_DELEGATION_DAYS:
        raise ApiError(422, "invalid_period", f"授权期限不能超过 {MAX_DELEGATION_DAYS} 天。",
                       {"field": "expires_at"})
    _check_can_see(session, taker, grant, "受托人")
    same = session.execute(select(Delegation).where(
        Delegation.delegator_id == giver.id, Delegation.delegate_id == taker.id,
        Delegation.role == grant.role.value, Delegation.scope == grant.scope.value,
        Delegation.target == grant.target, Delegation.expires_at == expires_at,
        Delegation.revoked_at.is_(None))).scalars().first()
    if same is not None and (valid_from is None or same.valid_from == valid_from):
        return same  # a retried request: one delegation, not two
    d = Delegation(delegator_id=giver.id, delegate_id=taker.id, role=grant.role.value,
                   scope=grant.scope.value, target=grant.target, valid_from=start,
                   expires_at=expires_at, reason=reason.strip()[:300], created_by=me.id,
                   created_at=now)
    session.add(d)
    session.flush()
    _touch_open_chains(session, grant)
    chain.audit(session, actor=principal.actor, action="delegation.create", entity_type="delegation",
                entity_id=d.id, unit_id=giver.unit_id,
                after={"delegator": giver.username, "delegate": taker.username,
                       "grant": f"{grant.role.value}/{grant.scope.value}/{grant.target}",
                       "valid_from": start.isoformat(), "expires_at": expires_at.isoformat(),
                       "reason": d.reason})
    return d


def list_delegations(session: Session, *, principal: Principal, direction: str = "all",
                     username: str | None = None) -> list[Delegation]:
    """Mine given / received (admin: anyone's, or every delegation)."""
    if username and username != principal.user.username:
        principal.require_role("admin")
        who = _user(session, username, "用户").id
    elif username is None and principal.role == "admin":
        who = None
    else:
        who = principal.user.id
    q = select(Delegation)
    if who is not None:
        if direction == "given":
            q = q.where(Delegation.delegator_id == who)
        elif direction == "received":
            q = q.where(Delegation.delegate_id == who)
        else:
            q = q.where((Delegation.delegator_id == who) | (Delegation.delegate_id == who))
    return list(session.execute(q.order_by(Delegation.id.desc()).limit(500)).scalars())


def revoke_delegation(session: Session, *, principal: Principal, delegation_id: int,
                      reason: str = "") -> Delegation:
    d = session.execute(select(Delegation).where(Delegation.id == delegation_id)
                        .with_for_update()).scalar_one_or_none()
    me = principal.user
    if d is None or (principal.role != "admin" and me.id not in (d.delegator_id, d.delegate_id)):
        raise ApiError(404, "not_found", f"授权委托 {delegation_id} 不存在或无权访问。")
    if principal.role != "admin" and me.id != d.delegator_id:
        raise ApiError(403, "not_delegator", "只有委托人本人或系统管理员可以撤销授权委托。")
    if d.revoked_at is not None:
        return d  # revoking twice is a no-op (a retried request)
    now = utcnow()
    d.revoked_at, d.revoked_by = now, me.id
    _touch_open_chains(session, fa.RoleGrant(fa.Role(d.role), fa.Scope(d.scope), d.target))
    chain.audit(session, actor=principal.actor, action="delegation.revoke", entity_type="delegation",
                entity_id=d.id, unit_id=None, detail={"reason": reason.strip()[:300]},
                after={"revoked_at": now.isoformat()})
    return d


# ------------------------------------------------------------------------------ committees


def committee_public(session: Session, m: CommitteeMember) -> dict:
    u = session.get(User, m.user_id)
    return {"id": m.id, "username": u.username if u else None,
            "display_name": u.display_name if u else None, "role": "committee",
            "scope": m.scope, "scope_name": fa.SCOPE_NAMES[fa.Scope(m.scope)], "target": m.target,
            "created_at": m.created_at}


def list_committee(session: Session, *, principal: Principal, target: str | None = None) -> list[CommitteeMember]:
    q = select(CommitteeMember)
    if target:
        q = q.where(CommitteeMember.target == target)
    rows = list(session.execute(q.order_by(CommitteeMember.target, CommitteeMember.id)).scalars())
    if principal.unit_ids is None:
        return rows
    return [m for m in rows if set(_target_units(session, fa.RoleGrant(
        fa.Role.COMMITTEE, fa.Scope(m.scope), m.target))) & principal.unit_ids]


def add_committee_member(session: Session, *, principal: Principal, username: str, target: str,
                         scope: str = "own_unit") -> CommitteeMember:
    """Admin seats a user on the 集体决策 committee of a unit (or department / 区划)."""
    principal.require_role("admin")
    try:
        fscope = fa.Scope(scope)
    except ValueError:
        raise ApiError(422, "unknown_scope", f"未知的范围 {scope!r}。", {"field": "scope"}) from None
    user = _user(session, username, "成员")
    grant = fa.RoleGrant(fa.Role.COMMITTEE, fscope, target)
    _check_can_see(session, user, grant, "成员")
    existing = session.execute(select(CommitteeMember).where(
        CommitteeMember.user_id == user.id, CommitteeMember.scope == fscope.value,
        CommitteeMember.target == target)).scalar_one_or_none()
    if existing is not None:
        return existing  # idempotent
    m = CommitteeMember(user_id=user.id, scope=fscope.value, target=target,
                        created_by=principal.user.id, created_at=utcnow())
    session.add(m)
    session.flush()
    _touch_open_chains(session, grant)
    chain.audit(session, actor=principal.actor, action="committee.add", entity_type="committee_member",
                entity_id=m.id, unit_id=user.unit_id,
                after={"username": user.username, "scope": fscope.value, "target": target})
    return m


def remove_committee_member(session: Session, *, principal: Principal, member_id: int) -> None:
    principal.require_role("admin")
    m = session.get(CommitteeMember, member_id)
    if m is None:
        raise ApiError(404, "not_found", f"集体决策成员 {member_id} 不存在。")
    before = committee_public(session, m)
    _touch_open_chains(session, fa.RoleGrant(fa.Role.COMMITTEE, fa.Scope(m.scope), m.target))
    session.delete(m)
    chain.audit(session, actor=principal.actor, action="committee.remove",
                entity_type="committee_member", entity_id=member_id, unit_id=None,
                before={k: before[k] for k in ("username", "scope", "target")})


# ------------------------------------------------------------------------------ rule-set admin


def _shanghai_today_start(now: datetime) -> datetime:
    local = now.astimezone(fa.SHANGHAI)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def rule_set_listing(session: Session, *, principal: Principal, region: str | None = None,
                     unit: str | None = None) -> dict:
    """Every version (shipped and uploaded) for a 区划 (and unit), with the one in force now."""
    if principal.role not in ("admin", "bureau_division", "treasury"):
        raise ApiError(403, "role_forbidden", "只有系统管理员和财政部门可以查看审批规则版本。")
    now = utcnow()
    items = []
    for rs in shipped_rule_sets():
        items.append({"source": "shipped", "active": True, "rule_set": rs})
    for row in session.execute(select(ApprovalRuleSetVersion).order_by(
            ApprovalRuleSetVersion.rule_set_id, ApprovalRuleSetVersion.version)).scalars():
        items.append({"source": "uploaded", "active": row.active, "rule_set": _stored_rule_set(row),
                      "row": row})

    def relevant(rs: fa.RuleSet) -> bool:
        if region and rs.region not in ("*", region):
            return False
        return not (unit and rs.unit not in (None, unit))

    in_force = None
    if region:
        try:
            in_force = fa.select_rule_set(rule_sets(session), region, unit, now)
        except fa.RoutingError:
            in_force = None
    out = []
    for it in items:
        rs: fa.RuleSet = it["rule_set"]
        if not relevant(rs):
            continue
        row = it.get("row")
        out.append({"id": rs.id, "version": rs.version, "region": rs.region, "unit": rs.unit,
                    "name": rs.name, "source": it["source"], "active": it["active"],
                    "effective_from": rs.effective_from if it["active"] else None,
                    "proposed_effective_from": rs.effective_from,
                    "in_force": bool(in_force is not None and in_force.id == rs.id
                                     and in_force.version == rs.version),
                    "created_at": row.created_at if row is not None else None,
                    "activated_at": row.activated_at if row is not None else None,
                    "rules": [{"id": r.id, "name": r.name} for r in rs.rules]})
    return {"items": out, "in_force": None if in_force is None else
            {"id": in_force.id, "version": in_force.version}}


def upload_rule_sets(session: Session, *, principal: Principal, document: dict) -> list[ApprovalRuleSetVersion]:
    """Store new rule-set versions (inactive) after ``fiscal.approval.parse_rule_sets``
    accepted the whole document. All-or-nothing: any refusal stores nothing."""
    principal.require_role("admin")
    try:
        parsed = fa.parse_rule_sets(document)
    except fa.RoutingError as exc:
        raise ApiError(422, exc.code, exc.message) from None
    existing: dict[str, int] = {}
    for rs in shipped_rule_sets():
        existing[rs.id] = max(existing.get(rs.id, 0), rs.version)
    for rid, ver in session.execute(select(ApprovalRuleSetVersion.rule_set_id,
                                           ApprovalRuleSetVersion.version)).all():
        existing[rid] = max(existing.get(rid, 0), ver)
    seen: set[tuple[str, int]] = set()
    out = []
    for i, rs in enumerate(parsed):
        where = f"rule_sets[{i}]（{rs.id} v{rs.version}）"
        if (rs.id, rs.version) in seen:
            raise ApiError(422, "duplicate_version", f"{where} 在文件中重复。")
        seen.add((rs.id, rs.version))
        if rs.version <= existing.get(rs.id, 0):
            raise ApiError(409, "version_exists",
                           f"{where}：规则集 {rs.id} 已有版本 v{existing[rs.id]}，已发布的版本不能修改，"
                           "请以更高的版本号上传。", {"latest_version": existing[rs.id]})
        if rs.region != "*" and session.get(Region, rs.region) is None:
            raise ApiError(422, "unknown_region", f"{where}：区划 {rs.region} 不存在。")
        if rs.unit is not None:
            u = session.execute(select(Unit).where(Unit.code == rs.unit)).scalar_one_or_none()
            if u is None or (rs.region != "*" and u.region_code != rs.region):
                raise ApiError(422, "unknown_unit", f"{where}：单位 {rs.unit} 不存在或不属于区划 {rs.region}。")
        doc = rs.model_dump(mode="json")
        row = ApprovalRuleSetVersion(rule_set_id=rs.id, version=rs.version, region=rs.region,
                                     unit_code=rs.unit, name=rs.name[:200],
                                     document=json.dumps(doc, ensure_ascii=False), active=False,
                                     created_by=principal.user.id, created_at=utcnow())
        session.add(row)
        out.append(row)
    session.flush()
    for row in out:
        chain.audit(session, actor=principal.actor, action="rule_set.upload", entity_type="rule_set",
                    entity_id=f"{row.rule_set_id}@{row.version}", unit_id=None,
                    after={"region": row.region, "unit": row.unit_code, "name": row.name,
                           "sha256": __import__("hashlib").sha256(row.document.encode()).hexdigest()})
    return out


def activate_rule_set(session: Session, *, principal: Principal, rule_set_id: str, version: int,
                      effective_from: datetime | None = None) -> ApprovalRuleSetVersion:
    """Put an uploaded version in force from ``effective_from`` (default: the document's).
    Not before today (北京时间): applications already submitted keep the version they were
    routed under in any case, and a back-dated activation would misstate history."""
    principal.require_role("admin")
    row = session.execute(select(ApprovalRuleSetVersion).where(
        ApprovalRuleSetVersion.rule_set_id == rule_set_id, ApprovalRuleSetVersion.version == version)
        .with_for_update()).scalar_one_or_none()
    if row is None:
        raise ApiError(404, "not_found", f"审批规则 {rule_set_id} v{version} 不存在（须先上传）。")
    now = utcnow()
    when = effective_from or _stored_rule_set(row).effective_from
    if row.active:
        if row.effective_from == when:
            return row  # a retried request
        raise ApiError(409, "already_active",
                       f"审批规则 {rule_set_id} v{version} 已于 "
                       f"{row.effective_from.astimezone(fa.SHANGHAI):%Y-%m-%d %H:%M} 生效，不能更改生效时间；"
                       "请上传新版本。")
    if when < _shanghai_today_start(now):
        raise ApiError(422, "effective_in_past",
                       f"生效时间 {when.astimezone(fa.SHANGHAI):%Y-%m-%d %H:%M} 早于今天，不能追溯生效。",
                       {"field": "effective_from"})
    row.active, row.effective_from = True, when
    chain.transaction_cache(session, "approval_rule_sets").clear()  # now in force
    row.activated_by, row.activated_at = principal.user.id, now
    chain.audit(session, actor=principal.actor, action="rule_set.activate", entity_type="rule_set",
                entity_id=f"{row.rule_set_id}@{row.version}", unit_id=None,
                after={"effective_from": when.isoformat()})
    return row

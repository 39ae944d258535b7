"""动态监控 (三级预警) on the server: builds the fiscal.warnings inputs from the database, stores
the hits as ``monitor_warnings`` rows, runs the disposition loop through ``fiscal.warnings.dispose``
and the scheduled batch (``jincai-server monitor run``). The rules themselves live in
:mod:`fiscal.warnings`; nothing here re-implements them."""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from functools import lru_cache

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from fiscal import warnings as fw
from fiscal.approval import RoutingFacts, SpendingKind
from fiscal.schemas.auth import BUREAU_ROLES, UNIT_ROLES
from server import chain
from server.errors import ApiError, conflict, not_found
from server.models import (
    Application,
    ApplicationApproval,
    BlobGrant,
    Contract,
    Indicator,
    MonitorWarning,
    utcnow,
)
from server.services.org import Principal

LIVE_STATUSES = ("submitted",)
HISTORY_DAYS = 40


@lru_cache(maxsize=16)
def catalogue(region: str | None) -> fw.WarningCatalogue:
    return fw.load_warning_rules(region)


def payment_facts(app: Application, ind: Indicator | None) -> fw.PaymentFacts:
    cash, card = fw.PaymentFacts.settlement_flags(app.settlement_mode)
    kind = None
    if ind is not None and ind.bgt_type_code:
        sk = RoutingFacts.from_application(amount_fen=app.amount, bgt_type=ind.bgt_type_code,
                                           settlement_mode=app.settlement_mode).spending_kind
        kind = sk.value if isinstance(sk, SpendingKind) else None
    approval_at = None
    return fw.PaymentFacts(
        id=str(app.id), region_code=app.region_code, unit_code=app.unit.code, amount_fen=app.amount,
        payee_name=app.payee_name, payee_account=app.payee_account,
        payee_is_personal=app.payee_is_personal, use_des=app.use_des or "",
        dep_eco_code=app.dep_eco_code or (ind.dep_eco_code if ind else None),
        fund_type=ind.fund_type_code if ind else None, spending_kind=kind,
        special_fund=bool(ind is not None and ind.pro_code), cash=cash, official_card=card,
        contract_no=app.contract_no, gov_procurement=bool(ind and ind.is_gov_procurement),
        has_payment_basis=any(a.role == "basis" for a in app.attachments),
        card_not_accepted=app.card_not_accepted, created_at=app.created_at,
        submitted_at=app.submitted_at, approved_at=approval_at)


def context(session: Session, app: Application | None, *, now: datetime,
            unit_id: int | None = None) -> fw.MonitorContext:
    """What the schema can tell: the unit's (and the payee's) recent live payments, the contract,
    the unit's execution figures. Accounts, 三公 budgets and staff lists are not modelled yet
    (left ``None``: those rules stay silent)."""
    unit_id = app.unit_id if app is not None else unit_id
    since = now - timedelta(days=HISTORY_DAYS)
    # Plain column rows, not ORM objects: a unit's 40-day history grows with every submission, and
    # loading it as entities (unit join + attachments) made each submit O(history) in Python.
    from server.models import Unit
    q = (select(Application.id, Unit.code.label("unit_code"), Application.payee_name,
                Application.payee_account, Application.amount, Application.submitted_at,
                Application.created_at, Application.settlement_mode)
         .join(Unit, Unit.id == Application.unit_id)
         .where(Application.status.in_(LIVE_STATUSES), Application.submitted_at >= since))
    if app is not None:
        q = q.where(Application.id != app.id,
                    (Application.unit_id == unit_id) | (Application.payee_account == app.payee_account))
    elif unit_id is not None:
        q = q.where(Application.unit_id == unit_id)
    recent = []
    for r in session.execute(q):
        cash, _ = fw.PaymentFacts.settlement_flags(r.settlement_mode)
        recent.append(fw.PastPayment(id=str(r.id), unit_code=r.unit_code, payee_name=r.payee_name,
                                     payee_account=r.payee_account, amount_fen=r.amount,
                                     at=r.submitted_at or r.created_at, cash=cash))
    contract = None
    if app is not None and app.contract_no:
        c = session.execute(select(Contract).where(Contract.unit_id == app.unit_id,
                                                   Contract.contract_no == app.contract_no)).scalar_one_or_none()
        if c is not None:
            paid = session.execute(select(func.coalesce(func.sum(Application.amount), 0)).where(
                Application.unit_id == app.unit_id, Application.contract_no == app.contract_no,
                Application.status.in_(LIVE_STATUSES), Application.id != app.id)).scalar_one()
            contract = fw.ContractInfo(c.contract_no, c.amount, int(paid))
    execution = None
    if unit_id is not None:
        budget, paid = session.execute(select(func.coalesce(func.sum(Indicator.amount), 0),
                                              func.coalesce(func.sum(Indicator.paid), 0))
                                       .where(Indicator.unit_id == unit_id)).one()
        if budget:
            execution = fw.ExecutionStats(int(budget), int(paid))
    below = bool(app.unit.below_county) if app is not None else False
    return fw.MonitorContext(now=now, recent_payments=tuple(recent), contract=contract,
                             unit_below_county=below, execution=execution)


def _store(session: Session, hit: fw.WarningHit, *, unit_id: int | None,
           application_id: uuid.UUID | None) -> MonitorWarning | None:
    if session.execute(select(MonitorWarning.id).where(MonitorWarning.key == hit.key)).first():
        return None  # raised before (de-duplicated by rule + application/subject)
    w = MonitorWarning(key=hit.key[:200], application_id=application_id, unit_id=unit_id,
                       rule_id=hit.rule_id, rule_name=hit.rule_name[:120], level=int(hit.level),
                       control=hit.control.value, trigger=hit.trigger.value, message=hit.message,
                       subject=hit.subject, details=json.dumps(dict(hit.details), default=str,
                                                                ensure_ascii=False),
                       state=fw.DispositionState.RAISED.value, history="[]", explanation="",
                       attachments="[]", version=1)
    session.add(w)
    session.flush()
    chain.touch(session, w)
    chain.audit(session, actor=chain.SYSTEM, action="warning.raise", entity_type="warning",
                entity_id=w.id, unit_id=unit_id, after=hit.as_dict())
    return w


def on_submit(session: Session, app: Application, ind: Indicator) -> list[MonitorWarning]:
    """事中触发: evaluate the application and store new hits."""
    now = app.submitted_at or utcnow()
    hits = fw.evaluate(payment_facts(app, ind), context(session, app, now=now),
                       catalogue(app.region_code), trigger=fw.Trigger.IN_PROCESS)
    out = []
    for h in hits:
        w = _store(session, h, unit_id=app.unit_id, application_id=app.id)
        if w is not None:
            out.append(w)
    return out


def run_scheduled(session: Session, *, now: datetime | None = None) -> list[MonitorWarning]:
    """定时触发: every live application, unit by unit (``jincai-server monitor run``)."""
    now = now or utcnow()
    apps = session.execute(select(Application).where(Application.status.in_(LIVE_STATUSES))
                           .order_by(Application.unit_id)).unique().scalars().all()
    by_unit: dict[int, list[Application]] = {}
    for a in apps:
        by_unit.setdefault(a.unit_id, []).append(a)
    out: list[MonitorWarning] = []
    for unit_id, rows in by_unit.items():
        region = rows[0].region_code
        ctx = context(session, None, now=now, unit_id=unit_id)
        facts = [payment_facts(a, session.get(Indicator, a.indicator_id)) for a in rows]
        ids = {str(a.id): a.id for a in rows}
        for h in fw.evaluate_scheduled(ctx, catalogue(region), facts):
            # the history includes the application itself in a batch: drop self-matches
            w = _store(session, h, unit_id=unit_id, application_id=ids.get(h.application_id or ""))
            if w is not None:
                out.append(w)
    return out


# ------------------------------------------------------------------------------ read / public

def public(w: MonitorWarning) -> dict:
    level = fw.Level(w.level)
    state = fw.DispositionState(w.state)
    return {"id": w.id, "application_id": str(w.application_id) if w.application_id else None,
            "rule_id": w.rule_id, "rule_name": w.rule_name, "level": w.level,
            "colour": level.colour, "level_name": level.label, "control": w.control,
            "trigger": w.trigger, "message": w.message, "subject": w.subject,
            "details": json.loads(w.details or "{}"), "state": w.state,
            "state_name": fw.STATE_NAMES[state], "outcome": fw.outcome_of(state).value,
            "cleared": fw.is_cleared(level, state),
            "allowed_actions": [a.value for a in fw.allowed_actions(state)],
            "explanation": w.explanation, "attachments": json.loads(w.attachments or "[]"),
            "history": json.loads(w.history or "[]"), "version": w.version,
            "created_at": w.created_at, "updated_at": w.updated_at, "seq": w.seq}


def for_application(session: Session, app_id: uuid.UUID) -> list[MonitorWarning]:
    return list(session.execute(select(MonitorWarning).where(MonitorWarning.application_id == app_id)
                                .order_by(MonitorWarning.level, MonitorWarning.id)).scalars())


def blocks(warnings: list[MonitorWarning]) -> list[dict]:
    """fiscal.warnings.approval_block for each warning of an application."""
    out = []
    for w in warnings:
        why = fw.approval_block(fw.Level(w.level), fw.DispositionState(w.state),
                                explanation=w.explanation,
                                attachment_count=len(json.loads(w.attachments or "[]")))
        if why:
            out.append({"warning_id": w.id, "rule_id": w.rule_id, "level": w.level, "message": why})
    return out


def list_visible(session: Session, *, principal: Principal, state: str | None = None,
                 level: int | None = None, application_id: uuid.UUID | None = None,
                 offset: int = 0, limit: int = 100) -> tuple[list[MonitorWarning], int]:
    q = select(MonitorWarning)
    if principal.unit_ids is not None:
        q = q.where(MonitorWarning.unit_id.in_(principal.unit_ids or {-1}))
    if state:
        q = q.where(MonitorWarning.state == state)
    if level:
        q = q.where(MonitorWarning.level == level)
    if application_id:
        q = q.where(MonitorWarning.application_id == application_id)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.execute(q.order_by(MonitorWarning.level, MonitorWarning.id.desc())
                           .offset(offset).limit(limit)).scalars().all()
    return list(rows), total


def get_visible(session: Session, principal: Principal, warning_id: int, *,
                lock: bool = False) -> MonitorWarning:
    q = select(MonitorWarning).where(MonitorWarning.id == warning_id)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    w = session.execute(q).scalar_one_or_none()
    if w is None or (w.unit_id is not None and not principal.sees(w.unit_id)) or (
            w.unit_id is None and principal.unit_ids is not None):
        raise not_found("预警", warning_id)
    return w


def _side(principal: Principal) -> fw.Side:
    if principal.role in BUREAU_ROLES or principal.role == "admin":
        return fw.Side.BUREAU
    if principal.role in UNIT_ROLES:
        return fw.Side.UNIT
    raise ApiError(403, "role_forbidden", "当前角色不能处理预警。")


def _check_attachments(session: Session, w: MonitorWarning, hashes: list[str]) -> None:
    for h in hashes:
        q = select(BlobGrant.id).where(BlobGrant.sha256 == h)
        if w.unit_id is not None:
            q = q.where(BlobGrant.unit_id == w.unit_id)
        if session.execute(q).first() is None:
            raise ApiError(404, "attachment_not_found", f"附件 {h[:12]}… 不存在或未上传到该单位。",
                           {"sha256": h})


def _version_check(w: MonitorWarning, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != w.version:
        raise conflict("version_conflict", f"该预警已被他人处理（当前版本 {w.version}，您看到的是第 "
                       f"{expected_version} 版），请刷新后重试。", {"current_version": w.version})


def dispose(session: Session, *, principal: Principal, warning_id: int, action: str, note: str = "",
            attachments: list[str] | None = None, contact: str = "",
            expected_version: int | None = None) -> MonitorWarning:
    """One step of the disposition loop via fiscal.warnings.dispose (who and when recorded)."""
    w = get_visible(session, principal, warning_id, lock=True)
    _version_check(w, expected_version)
    side = _side(principal)
    attachments = list(dict.fromkeys(attachments or []))
    _check_attachments(session, w, attachments)
    hist = json.loads(w.history or "[]")
    d = fw.Disposition(level=fw.Level(w.level), state=fw.DispositionState(w.state))
    try:
        action_e = fw.DispositionAction(action)
    except ValueError:
        raise ApiError(422, "unknown_action", f"未知的预警处理动作 {action!r}。") from None
    now = utcnow()
    try:
        new = fw.dispose(d, action_e, side=side, by=principal.user.username, at=now, note=note,
                         attachments=attachments, contact=contact)
    except fw.DispositionError as exc:
        status = 403 if exc.code == "wrong_side" else 409 if exc.code == "not_allowed" else 422
        raise ApiError(status, exc.code, exc.message, {"state": w.state}) from None
    step = new.history[-1]
    before = public(w)
    hist.append({"action": step.action.value, "action_name": fw.ACTION_NAMES[step.action],
                 "from": step.from_state.value, "to": step.to_state.value, "side": step.side.value,
                 "by": step.by, "by_id": principal.user.id, "at": now.isoformat(),
                 "note": step.note, "attachments": list(step.attachments), "contact": step.contact})
    w.state = new.state.value
    w.history = json.dumps(hist, ensure_ascii=False)
    if side is fw.Side.UNIT:
        w.explanation = step.note
        w.attachments = json.dumps(sorted(set(json.loads(w.attachments or "[]")) | set(attachments)))
    w.version += 1
    w.updated_at = now
    chain.touch(session, w)
    chain.audit(session, actor=principal.actor, action=f"warning.{action_e.value}",
                entity_type="warning", entity_id=w.id, unit_id=w.unit_id,
                before={"state": before["state"]}, after={"state": w.state},
                detail={"note": step.note, "attachments": attachments})
    return w


def explain(session: Session, *, principal: Principal, warning_id: int, note: str,
            attachments: list[str], expected_version: int | None = None) -> MonitorWarning:
    """The unit's written explanation + attachments on a raised (yellow) warning — what
    fiscal.warnings.approval_block asks for before a reviewer may approve."""
    w = get_visible(session, principal, warning_id, lock=True)
    _version_check(w, expected_version)
    if _side(principal) is not fw.Side.UNIT:
        raise ApiError(403, "wrong_side", "书面说明应由预算单位提交。")
    if not note.strip():
        raise ApiError(422, "note_required", "书面说明不能为空。")
    attachments = list(dict.fromkeys(attachments))
    _check_attachments(session, w, attachments)
    w.explanation = note.strip()
    w.attachments = json.dumps(sorted(set(json.loads(w.attachments or "[]")) | set(attachments)))
    w.version += 1
    chain.touch(session, w)
    chain.audit(session, actor=principal.actor, action="warning.explain", entity_type="warning",
                entity_id=w.id, unit_id=w.unit_id,
                after={"explanation": w.explanation, "attachments": json.loads(w.attachments)})
    return w


_ = ApplicationApproval

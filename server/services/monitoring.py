"""动态监控 (三级预警) on the server: builds the fiscal.warnings inputs from the database, stores
the hits as ``monitor_warnings`` rows, runs the disposition loop through ``fiscal.warnings.dispose``
and the scheduled batch (``jincai-server monitor run``). The rules themselves live in
:mod:`fiscal.warnings`; nothing here re-implements them."""
from __future__ import annotations

import json
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from sqlalchemy import event, func, inspect, or_, select
from sqlalchemy.orm import Session, object_session

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
    SangongBudget,
    StaffMember,
    Unit,
    UnitAccount,
    utcnow,
)
from server.services.org import Principal

LIVE_STATUSES = ("submitted",)
SPENT_STATUSES = ("submitted", "paid")  # 在途 + 已支付 count against 三公 budgets
HISTORY_DAYS = 40
ACCOUNT_KINDS = {"zero_balance": "零余额账户", "basic": "基本户", "general": "一般户",
                 "special": "专用户"}


@lru_cache(maxsize=16)
def catalogue(region: str | None) -> fw.WarningCatalogue:
    return fw.load_warning_rules(region)


def payment_facts(app: Application, ind: Indicator | None,
                  payer_account: str | None = None) -> fw.PaymentFacts:
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
        payee_is_personal=app.payee_is_personal,
        payee_id_number=app.payee_id_number if app.payee_is_personal else None,
        use_des=app.use_des or "",
        dep_eco_code=app.dep_eco_code or (ind.dep_eco_code if ind else None),
        fund_type=ind.fund_type_code if ind else None, spending_kind=kind,
        special_fund=bool(ind is not None and ind.pro_code), cash=cash, official_card=card,
        contract_no=app.contract_no, gov_procurement=bool(ind and ind.is_gov_procurement),
        payer_account=payer_account,
        has_payment_basis=any(a.role == "basis" for a in app.attachments),
        card_not_accepted=app.card_not_accepted, created_at=app.created_at,
        submitted_at=app.submitted_at, approved_at=approval_at)


def payer_account(session: Session, unit_id: int) -> str | None:
    """The unit's 零余额账户 (payments leave from it), when registered. Read once per
    transaction (a push group submits many applications of one unit; accounts are only
    changed by the administrators' own requests)."""
    cache = chain.transaction_cache(session, "monitor_payer_account")
    if unit_id not in cache:
        cache[unit_id] = session.execute(select(UnitAccount.account_no).where(
            UnitAccount.unit_id == unit_id, UnitAccount.kind == "zero_balance",
            UnitAccount.active.is_(True)).order_by(UnitAccount.id)).scalars().first()
    return cache[unit_id]


def _accounts(session: Session, unit: Unit) -> tuple[fw.AccountInfo, ...]:
    """The unit's own 实有资金账户 and those of the other units of the same 主管部门 (sibling);
    read once per transaction, like :func:`payer_account`."""
    cache = chain.transaction_cache(session, "monitor_accounts")
    if unit.id not in cache:
        cache[unit.id] = _read_accounts(session, unit)
    return cache[unit.id]


def _read_accounts(session: Session, unit: Unit) -> tuple[fw.AccountInfo, ...]:
    rows = session.execute(select(UnitAccount, Unit).join(Unit, UnitAccount.unit_id == Unit.id).where(
        Unit.department_id == unit.department_id, UnitAccount.active.is_(True),
        UnitAccount.kind != "zero_balance")).all()
    return tuple(fw.AccountInfo(account_no=a.account_no, owner_unit=u.code,
                                relation="own" if u.id == unit.id else "sibling", kind=a.kind,
                                owner_name=a.account_name or u.name) for a, u in rows)


def _last_activity(session: Session, unit: Unit, *, exclude: uuid.UUID | None) -> dict[str, datetime]:
    """Last known movement per account of the unit: the recorded bank date, and for the
    零余额账户 also the unit's latest submitted/paid application (other than ``exclude``)."""
    out: dict[str, datetime] = {}
    latest_payment = None
    # the unit's accounts: read once per transaction, like payer_account (the submitted/paid
    # date below is read every time — this transaction's own submissions move it)
    cache = chain.transaction_cache(session, "monitor_unit_accounts")
    if unit.id not in cache:
        cache[unit.id] = session.execute(select(UnitAccount).where(
            UnitAccount.unit_id == unit.id, UnitAccount.active.is_(True))).scalars().all()
    accounts = cache[unit.id]
    if any(a.kind == "zero_balance" for a in accounts):
        q = select(func.max(Application.submitted_at)).where(
            Application.unit_id == unit.id, Application.status.in_(SPENT_STATUSES))
        if exclude is not None:
            q = q.where(Application.id != exclude)
        latest_payment = session.execute(q).scalar_one()
        if latest_payment is not None and latest_payment.tzinfo is None:
            latest_payment = latest_payment.replace(tzinfo=UTC)
    for a in accounts:
        moments = [t for t in (a.last_activity_at,
                               latest_payment if a.kind == "zero_balance" else None) if t is not None]
        if moments:
            out[a.account_no] = max(moments)
    return out


def _sangong(session: Session, unit: Unit, year: int, region: str,
             exclude: uuid.UUID | None, eco: str | None = "") -> dict[str, fw.SangongLine]:
    """Budget and spending (在途 + 已支付, this application excluded) per 三公 category of the
    rule's parameters. A category without a budget row is a zero budget: the rule then says
    the unit has no 三公 budget for it (domain.md §2.3: no spending without one)."""
    cats = (catalogue(region).get("sangong_overrun").params.get("categories") or {})
    if eco != "":
        # one application: only the category its economic code falls in matters to the rule
        cats = {k: c for k, c in cats.items()
                if eco and eco.startswith(tuple(c.get("economic_prefixes", ())))}
        if not cats:
            return {}
    budgets = dict(session.execute(select(SangongBudget.category, SangongBudget.budget).where(
        SangongBudget.unit_id == unit.id, SangongBudget.fiscal_year == year)).all())
    code = func.coalesce(Application.dep_eco_code, Indicator.dep_eco_code)
    out = {}
    for cat_id, cat in cats.items():
        prefixes = tuple(cat.get("economic_prefixes", ()))
        spent = 0
        if prefixes:
            q = (select(func.coalesce(func.sum(Application.amount), 0))
                 .select_from(Application).join(Indicator, Application.indicator_id == Indicator.id)
                 .where(Application.unit_id == unit.id, Application.fiscal_year == year,
                        Application.status.in_(SPENT_STATUSES),
                        or_(*[code.like(f"{p}%") for p in prefixes])))
            if exclude is not None:
                q = q.where(Application.id != exclude)
            spent = int(session.execute(q).scalar_one())
        out[cat_id] = fw.SangongLine(int(budgets.get(cat_id, 0)), spent)
    return out


def _staff_names(session: Session, payee_names: set[str]) -> frozenset[str]:
    """The payees (normalised names) that appear in any budget unit's 人员信息."""
    names = {re.sub(r"\s+", "", n or "") for n in payee_names}
    names.discard("")
    if not names:
        return frozenset()
    return frozenset(session.execute(select(StaffMember.name).where(
        StaffMember.active.is_(True), StaffMember.name.in_(names))).scalars())


def _staff_id_numbers(session: Session, id_numbers: set[str]) -> frozenset[str]:
    """The payees' 身份证号 that belong to an active person in any budget unit's 人员信息 —
    the same scope as :func:`_staff_names` (domain.md §6: 违规兼职取酬 is a payee who is staff
    of *a* budget unit). One indexed query, and none without an id number to look for."""
    ids = {i.strip().upper() for i in id_numbers if i and i.strip()}
    if not ids:
        return frozenset()
    return frozenset(session.execute(select(StaffMember.id_number).where(
        StaffMember.active.is_(True), StaffMember.id_number.in_(ids))).scalars())


@dataclass(frozen=True)
class _HistoryRow:
    """The columns of a history row (see :func:`context`), from an application in memory."""
    id: uuid.UUID
    unit_code: str
    payee_name: str
    payee_account: str
    amount: int
    submitted_at: datetime | None
    created_at: datetime | None
    settlement_mode: str | None


def _past(r) -> fw.PastPayment:
    cash, _ = fw.PaymentFacts.settlement_flags(r.settlement_mode)
    return fw.PastPayment(id=str(r.id), unit_code=r.unit_code, payee_name=r.payee_name,
                          payee_account=r.payee_account, amount_fen=r.amount,
                          at=r.submitted_at or r.created_at, cash=cash)


@event.listens_for(Application.status, "set")
def _status_set(target: Application, value, oldvalue, _initiator) -> None:
    """An application entering or leaving the live set: its history entry is read again."""
    session = object_session(target)
    if session is not None and value != oldvalue:
        gen = chain.transaction_cache(session, "monitor_history")
        gen["gen"] = gen.get("gen", 0) + 1
        chain.transaction_cache(session, "monitor_dirty")[target.id] = gen["gen"]
        chain.transaction_cache(session, "monitor_dirty_rows")[target.id] = target


@event.listens_for(UnitAccount, "before_update", propagate=True)
@event.listens_for(UnitAccount, "after_insert", propagate=True)
def _account_changed(_mapper, _conn, target: UnitAccount) -> None:
    session = object_session(target)
    if session is not None:  # read again by the next submission of this transaction
        chain.transaction_cache(session, "monitor_unit_accounts").clear()


@event.listens_for(Indicator.amount, "set")
@event.listens_for(Indicator.paid, "set")
def _indicator_sums_changed(target: Indicator, value, oldvalue, _initiator) -> None:
    session = object_session(target)
    if session is not None and value != oldvalue:
        session.info.pop(_EXECUTION, None)


#: The unit's execution figures (Σ amount, Σ paid over its indicators) are kept for the
#: session — one request — across the commits of a push's groups, at most this long: summing
#: 100,000 indicators once per group (every ~0.15 s) was a fifth of a large push's time, and the
#: figures only feed the soft 执行进度 warning. This session's own changes drop them at once.
EXECUTION_MAX_AGE = 5.0
_EXECUTION = "monitor_execution"


@event.listens_for(Session, "after_soft_rollback")
def _forget_execution(session: Session, _previous) -> None:
    # figures summed after a change that is now rolled back must not outlive it
    session.info.pop(_EXECUTION, None)


def _live_history(session: Session, q, unit_id: int, since: datetime) -> fw.PaymentHistory:
    """The unit's live payments since ``since``, indexed for the rules. The first submission of
    a transaction reads them; later ones in the same transaction (a push group of many
    submissions) reuse that read and re-read only the applications whose status changed since
    (tracked by :func:`_status_set`): the history is O(1) queries and O(changes) work per
    submission instead of O(history). The caller bounds the result by its own ``since``."""
    cache = chain.transaction_cache(session, "monitor_history")
    dirty = chain.transaction_cache(session, "monitor_dirty")
    entry = cache.get(unit_id)
    if entry is None or entry[0] > since:
        gen = cache.get("gen", 0)
        history = fw.PaymentHistory(_past(r) for r in session.execute(
            q.where(Application.unit_id == unit_id)))
        cache[unit_id] = [since, history, gen]
        return history
    since0, history, seen = entry
    changed = [i for i, g in dirty.items() if g > seen]
    if changed:
        entry[2] = cache.get("gen", 0)
        for i in changed:
            history.discard(str(i))
        # A changed application still loaded in this session is taken from memory: it holds
        # exactly what the query below would read after its autoflush (typically the
        # previous submission of the same push group). The others are read again.
        objs = chain.transaction_cache(session, "monitor_dirty_rows")
        again = []
        for i in changed:
            a = objs.get(i)
            if a is None or not inspect(a).persistent:
                again.append(i)
            elif a.unit_id == unit_id and a.status in LIVE_STATUSES and a.submitted_at is not None \
                    and a.submitted_at >= since0:
                history.add(_past(_HistoryRow(a.id, a.unit.code, a.payee_name, a.payee_account,
                                              a.amount, a.submitted_at, a.created_at,
                                              a.settlement_mode)))
        changed = again
        for b in range(0, len(changed), 500):
            for r in session.execute(q.where(Application.unit_id == unit_id,
                                             Application.id.in_(changed[b:b + 500]),
                                             Application.submitted_at >= since0)):
                history.add(_past(r))
    return history


def context(session: Session, app: Application | None, *, now: datetime,
            unit_id: int | None = None) -> fw.MonitorContext:
    """Everything the rule catalogue needs from the database: the unit's (and the payee's)
    recent live payments, the contract, the unit's execution figures, the accounts of the unit
    and its sibling units (own/related transfers, dormant accounts), the 三公 budgets and the
    staff lists (劳务费 to staff)."""
    unit_id = app.unit_id if app is not None else unit_id
    since = now - timedelta(days=HISTORY_DAYS)
    # Plain column rows, not ORM objects: a unit's 40-day history grows with every submission, and
    # loading it as entities (unit join + attachments) made each submit O(history) in Python.
    q = (select(Application.id, Application.unit_id, Unit.code.label("unit_code"),
                Application.payee_name, Application.payee_account, Application.payee_is_personal,
                Application.payee_id_number, Application.amount, Application.submitted_at, Application.created_at,
                Application.settlement_mode)
         .join(Unit, Unit.id == Application.unit_id)
         .where(Application.status.in_(LIVE_STATUSES), Application.submitted_at >= since))
    recent: list[fw.PastPayment] | fw.PaymentHistory = []
    live_payees: set[str] = set()
    live_ids: set[str] = set()  # 身份证号 of the personal payees
    if app is not None:
        # the unit's own history only: every history rule asks for the same unit's payments,
        # so other units' payments to the same payee would be fetched and never read. The rules
        # leave the application itself out.
        recent = _live_history(session, q, unit_id, since).since(since)
    else:
        if unit_id is not None:
            q = q.where(Application.unit_id == unit_id)
        for r in session.execute(q):
            recent.append(_past(r))
            if r.unit_id == unit_id and r.payee_is_personal:
                live_payees.add(r.payee_name)
                if r.payee_id_number:
                    live_ids.add(r.payee_id_number)
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
        # see EXECUTION_MAX_AGE (submissions change neither sum — _indicator_sums_changed drops
        # them if anything in this session does)
        sums = session.info.setdefault(_EXECUTION, {})
        hit = sums.get(unit_id)
        if hit is None or time.monotonic() - hit[0] > EXECUTION_MAX_AGE:
            hit = sums[unit_id] = (time.monotonic(), session.execute(
                select(func.coalesce(func.sum(Indicator.amount), 0),
                       func.coalesce(func.sum(Indicator.paid), 0))
                .where(Indicator.unit_id == unit_id)).one())
        budget, paid = hit[1]
        if budget:
            execution = fw.ExecutionStats(int(budget), int(paid))
    unit = app.unit if app is not None else (session.get(Unit, unit_id) if unit_id is not None else None)
    below = bool(unit.below_county) if unit is not None else False
    accounts = last = sangong = staff = staff_ids = None
    if unit is not None:
        exclude = app.id if app is not None else None
        accounts = _accounts(session, unit)
        last = _last_activity(session, unit, exclude=exclude)
        year = app.fiscal_year if app is not None else now.astimezone(fw.SHANGHAI).year
        eco = "" if app is None else (app.dep_eco_code or (
            session.get(Indicator, app.indicator_id).dep_eco_code if app.indicator_id else None))
        sangong = _sangong(session, unit, year, unit.region_code, exclude, eco)
        if app is not None:
            live_payees = {app.payee_name} if app.payee_is_personal else set()
            live_ids = {app.payee_id_number} if app.payee_is_personal and app.payee_id_number \
                else set()
        staff = _staff_names(session, live_payees)
        staff_ids = _staff_id_numbers(session, live_ids)
    return fw.MonitorContext(now=now, recent_payments=recent if isinstance(recent, fw.PaymentHistory)
                             else tuple(recent), contract=contract,
                             unit_below_county=below, execution=execution, accounts=accounts,
                             account_last_activity=last, sangong=sangong, staff_names=staff,
                             staff_id_numbers=staff_ids)


def _store(session: Session, hits: list[tuple[fw.WarningHit, int | None, uuid.UUID | None]]
           ) -> list[MonitorWarning]:
    """Store the hits not raised before (de-duplicated by key: rule + application/subject),
    each ``(hit, unit_id, application_id)``: one multi-row ``INSERT … ON CONFLICT (key) DO
    NOTHING RETURNING`` — the unique key, not a read beforehand, says what is new, so a
    submission costs one statement here (and two concurrent checks cannot both raise one).
    Each new warning still gets its own sequence number and ``warning.raise`` audit event, in
    the order of the hits."""
    rows: dict[str, tuple[fw.WarningHit, dict]] = {}
    now = utcnow()
    for hit, unit_id, application_id in hits:
        key = hit.key[:200]
        if key in rows:
            continue  # twice in this batch
        rows[key] = (hit, {
            "key": key, "application_id": application_id, "unit_id": unit_id,
            "rule_id": hit.rule_id, "rule_name": hit.rule_name[:120], "level": int(hit.level),
            "control": hit.control.value, "trigger": hit.trigger.value, "message": hit.message,
            "subject": hit.subject,
            "details": json.dumps(dict(hit.details), default=str, ensure_ascii=False),
            "state": fw.DispositionState.RAISED.value, "history": "[]", "explanation": "",
            "attachments": "[]", "version": 1, "created_at": now, "updated_at": now, "seq": 0})
    if not rows:
        return []
    stmt = _insert_new_warnings(session.get_bind().dialect.name)
    # the session's pending rows (the submission's application, indicator, ledger, approval)
    # are flushed first, so they and the warnings are two round trips, not one per row
    # parameter sets, not .values([...]): the statement is compiled once and cached
    stored = {w.key: w for w in session.scalars(stmt, [r for _, r in rows.values()])}
    new = [(hit, stored[key]) for key, (hit, _) in rows.items() if key in stored]
    for hit, w in new:
        chain.touch(session, w)
        chain.audit(session, actor=chain.SYSTEM, action="warning.raise", entity_type="warning",
                    entity_id=w.id, unit_id=w.unit_id, after=hit.as_dict())
    return [w for _, w in new]


@lru_cache(maxsize=4)
def _insert_new_warnings(dialect: str):
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    return (dialect_insert(MonitorWarning).on_conflict_do_nothing(index_elements=[MonitorWarning.key])
            .returning(MonitorWarning))


def check(session: Session, app: Application, ind: Indicator | None, *,
          now: datetime) -> list[fw.WarningHit]:
    """The 事中 hits of ``app`` at ``now`` (nothing stored)."""
    return fw.evaluate(payment_facts(app, ind, payer_account(session, app.unit_id)),
                       context(session, app, now=now), catalogue(app.region_code),
                       trigger=fw.Trigger.IN_PROCESS)


def on_submit(session: Session, app: Application, ind: Indicator) -> list[MonitorWarning]:
    """事中触发: evaluate the application and store new hits."""
    now = app.submitted_at or utcnow()
    hits = check(session, app, ind, now=now)
    return _store(session, [(h, app.unit_id, app.id) for h in hits])


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
        payer = payer_account(session, unit_id)
        facts = [payment_facts(a, session.get(Indicator, a.indicator_id), payer) for a in rows]
        ids = {str(a.id): a.id for a in rows}
        # the history includes the application itself in a batch: drop self-matches
        out += _store(session, [(h, unit_id, ids.get(h.application_id or ""))
                                for h in fw.evaluate_scheduled(ctx, catalogue(region), facts)])
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
    """The unit's written explanation + attachments on a raised yellow warning: the
    ``explain`` transition of fiscal.warnings (raised → explained), after which
    ``approval_block`` lets the reviewer approve. Same recording as :func:`dispose`."""
    return dispose(session, principal=principal, warning_id=warning_id, action="explain",
                   note=note, attachments=attachments, expected_version=expected_version)


_ = ApplicationApproval


# ------------------------------------------------------------------------------ monitoring data
# (账户信息, 三公经费预算, 人员信息): maintained by the admin, read by context() above.


def _unit(session: Session, principal: Principal, code: str, *, write: bool) -> Unit:
    from server.services.org import unit_by_code
    if write:
        principal.require_role("admin")
    elif principal.role not in ("admin", "bureau_division", "treasury"):
        raise ApiError(403, "role_forbidden", "只有系统管理员和财政部门可以查看监控基础数据。")
    unit = unit_by_code(session, code)
    if unit is None or not principal.sees(unit.id):
        raise not_found("单位", code)
    return unit


def _row_error(where: str, message: str, field: str) -> ApiError:
    return ApiError(422, "invalid_row", f"{where}：{message}", {"row": where, "field": field})


def account_public(a: UnitAccount) -> dict:
    return {"account_no": a.account_no, "account_name": a.account_name, "bank_name": a.bank_name,
            "kind": a.kind, "kind_name": ACCOUNT_KINDS.get(a.kind, a.kind),
            "last_activity_at": a.last_activity_at, "active": a.active, "updated_at": a.updated_at}


def list_accounts(session: Session, *, principal: Principal, unit_code: str) -> list[UnitAccount]:
    unit = _unit(session, principal, unit_code, write=False)
    return list(session.execute(select(UnitAccount).where(UnitAccount.unit_id == unit.id)
                                .order_by(UnitAccount.id)).scalars())


def put_accounts(session: Session, *, principal: Principal, unit_code: str,
                 items: list[dict]) -> list[UnitAccount]:
    """Upsert the unit's accounts by account number (all rows validated first; one bad row
    stores nothing). An account number registered to another unit is refused."""
    from fiscal.ids import is_valid_bank_account, normalize_bank_account
    unit = _unit(session, principal, unit_code, write=True)
    clean = []
    seen: set[str] = set()
    for i, it in enumerate(items, 1):
        where = f"第 {i} 行"
        no = normalize_bank_account(it["account_no"])
        if not is_valid_bank_account(no):
            raise _row_error(where, f"账号 {it['account_no']} 格式不正确。", "account_no")
        if it["kind"] not in ACCOUNT_KINDS:
            raise _row_error(where, f"账户类型 {it['kind']!r} 无效（{'、'.join(ACCOUNT_KINDS)}）。", "kind")
        if no in seen:
            raise _row_error(where, f"账号 {no} 重复。", "account_no")
        seen.add(no)
        other = session.execute(select(UnitAccount).where(UnitAccount.account_no == no)).scalar_one_or_none()
        if other is not None and other.unit_id != unit.id:
            owner = session.get(Unit, other.unit_id)
            raise _row_error(where, f"账号 {no} 已登记为单位 {owner.code if owner else other.unit_id} 的账户。",
                             "account_no")
        clean.append((no, it, other))
    out = []
    now = utcnow()
    for no, it, row in clean:
        if row is None:
            row = UnitAccount(unit_id=unit.id, account_no=no)
            session.add(row)
        row.account_name = (it.get("account_name") or "")[:120]
        row.bank_name = (it.get("bank_name") or "")[:120]
        row.kind = it["kind"]
        if it.get("last_activity_at") is not None:
            row.last_activity_at = it["last_activity_at"]
        row.active = bool(it.get("active", True))
        row.updated_at = now
        out.append(row)
    chain.transaction_cache(session, "monitor_accounts").clear()  # read again after this
    chain.transaction_cache(session, "monitor_payer_account").clear()
    session.flush()
    chain.audit(session, actor=principal.actor, action="monitor_data.accounts", entity_type="unit",
                entity_id=unit.code, unit_id=unit.id,
                after=[{"account_no": r.account_no, "kind": r.kind, "active": r.active} for r in out])
    return out


def sangong_public(session: Session, unit: Unit, year: int) -> dict:
    cats = catalogue(unit.region_code).get("sangong_overrun").params.get("categories") or {}
    lines = _sangong(session, unit, year, unit.region_code, None)
    return {"unit_code": unit.code, "fiscal_year": year,
            "items": [{"category": c, "name": cats[c].get("name", c),
                       "economic_prefixes": list(cats[c].get("economic_prefixes", ())),
                       "budget_fen": lines[c].budget_fen, "spent_fen": lines[c].spent_fen}
                      for c in cats]}


def get_sangong(session: Session, *, principal: Principal, unit_code: str, year: int) -> dict:
    return sangong_public(session, _unit(session, principal, unit_code, write=False), year)


def put_sangong(session: Session, *, principal: Principal, unit_code: str, year: int,
                items: list[dict]) -> dict:
    """Set the unit's annual 三公 budget per category (categories = the sangong_overrun rule's)."""
    unit = _unit(session, principal, unit_code, write=True)
    cats = catalogue(unit.region_code).get("sangong_overrun").params.get("categories") or {}
    seen = set()
    for i, it in enumerate(items, 1):
        if it["category"] not in cats:
            raise _row_error(f"第 {i} 行", f"三公经费类别 {it['category']!r} 无效（{'、'.join(cats)}）。",
                             "category")
        if it["category"] in seen:
            raise _row_error(f"第 {i} 行", f"类别 {it['category']} 重复。", "category")
        seen.add(it["category"])
    now = utcnow()
    for it in items:
        row = session.execute(select(SangongBudget).where(
            SangongBudget.unit_id == unit.id, SangongBudget.fiscal_year == year,
            SangongBudget.category == it["category"])).scalar_one_or_none()
        if row is None:
            row = SangongBudget(unit_id=unit.id, fiscal_year=year, category=it["category"])
            session.add(row)
        row.budget = int(it["budget_fen"])
        row.updated_at = now
    session.flush()
    chain.audit(session, actor=principal.actor, action="monitor_data.sangong", entity_type="unit",
                entity_id=unit.code, unit_id=unit.id,
                after={"fiscal_year": year, "items": {it["category"]: int(it["budget_fen"]) for it in items}})
    return sangong_public(session, unit, year)


def list_staff(session: Session, *, principal: Principal, unit_code: str) -> list[StaffMember]:
    unit = _unit(session, principal, unit_code, write=False)
    return list(session.execute(select(StaffMember).where(StaffMember.unit_id == unit.id,
                                                          StaffMember.active.is_(True))
                                .order_by(StaffMember.id)).scalars())


def put_staff(session: Session, *, principal: Principal, unit_code: str,
              items: list[dict]) -> list[StaffMember]:
    """Replace the unit's 人员信息 (name + 身份证号): people missing from the list become
    inactive (kept, so the history of who was staff when stays explainable)."""
    from fiscal.ids import is_valid_resident_id
    unit = _unit(session, principal, unit_code, write=True)
    clean = {}
    for i, it in enumerate(items, 1):
        name = re.sub(r"\s+", "", it["name"])
        idn = it["id_number"].strip().upper()
        if not name:
            raise _row_error(f"第 {i} 行", "姓名不能为空。", "name")
        if not is_valid_resident_id(idn):
            raise _row_error(f"第 {i} 行", f"身份证号 {idn} 无效（校验位或日期不符）。", "id_number")
        if idn in clean:
            raise _row_error(f"第 {i} 行", f"身份证号 {idn} 重复。", "id_number")
        clean[idn] = name
    existing = {r.id_number: r for r in session.execute(select(StaffMember).where(
        StaffMember.unit_id == unit.id)).scalars()}
    now = utcnow()
    for idn, row in existing.items():
        if idn not in clean and row.active:
            row.active, row.updated_at = False, now
    for idn, name in clean.items():
        row = existing.get(idn)
        if row is None:
            row = StaffMember(unit_id=unit.id, id_number=idn)
            session.add(row)
        row.name, row.active, row.updated_at = name, True, now
    session.flush()
    chain.audit(session, actor=principal.actor, action="monitor_data.staff", entity_type="unit",
                entity_id=unit.code, unit_id=unit.id, after={"count": len(clean)})
    return list_staff(session, principal=principal, unit_code=unit_code)

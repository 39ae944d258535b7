"""Payment applications (支付申请): drafts idempotent by client UUID, submit with the shared
budget rules and an atomic reservation, withdraw, void, delete, attachments with invoice
duplicate detection."""
from __future__ import annotations

import uuid
from functools import lru_cache

from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from fiscal.ids import invoice_key, is_valid_bank_account
from fiscal.rules import budget as rules
from fiscal.schemas.applications import ApplicationDraft, AttachmentLink
from server import chain, ledger
from server.errors import ApiError, conflict, forbidden, not_found
from server.models import (
    Application,
    ApplicationAttachment,
    BlobGrant,
    Contract,
    Indicator,
    InvoiceClaim,
    NumberCounter,
    Tombstone,
    Unit,
)
from server.services import refdata
from server.services.org import Principal

WRITER_ROLES = ("accountant",)
EDITABLE = ("indicator_id", "amount", "fiscal_year", "func_code", "dep_eco_code", "gov_eco_code",
            "payee_name", "payee_account", "payee_bank", "payee_is_personal", "payee_id_number",
            "settlement_mode", "use_des", "contract_no", "card_not_accepted")
STATUS_NAMES = {"draft": "草稿", "submitted": "已提交", "voided": "已作废", "paid": "已支付"}


def public(app: Application) -> dict:
    return {
        "id": app.id, "app_no": app.app_no, "status": app.status, "version": app.version,
        "fiscal_year": app.fiscal_year, "region_code": app.region_code,
        "unit_code": app.unit.code, "indicator_id": app.indicator_id, "amount_fen": app.amount,
        "func_code": app.func_code, "dep_eco_code": app.dep_eco_code,
        "gov_eco_code": app.gov_eco_code, "payee_name": app.payee_name,
        "payee_account": app.payee_account, "payee_bank": app.payee_bank,
        "payee_is_personal": app.payee_is_personal, "payee_id_number": app.payee_id_number,
        "settlement_mode": app.settlement_mode, "use_des": app.use_des, "contract_no": app.contract_no,
        "card_not_accepted": app.card_not_accepted, "submitted_at": app.submitted_at,
        "created_at": app.created_at, "updated_at": app.updated_at, "seq": app.seq,
        "attachments": [{"sha256": a.sha256, "role": a.role, "media_type": a.blob.media_type,
                         "size": a.blob.size, "invoice_key": a.invoice_key}
                        for a in app.attachments],
    }


def snapshot(app: Application) -> dict:
    d = {k: getattr(app, k) for k in EDITABLE}
    d.update(id=str(app.id), app_no=app.app_no, status=app.status, version=app.version,
             unit_id=app.unit_id, attachments=[[a.sha256, a.role, a.invoice_key]
                                               for a in app.attachments])
    return d


def lock_many(session: Session, app_ids: list[uuid.UUID]) -> None:
    """Lock and load several applications (with their attachments) in one statement, in id
    order; until the transaction ends (or a savepoint rollback drops the locks taken inside
    it: chain.LOCKED_ROWS) :func:`get_visible` with ``lock`` answers them from memory — they
    cannot change under the lock."""
    held = chain.transaction_cache(session, chain.LOCKED_ROWS)
    wanted = sorted({i for i in app_ids if ("application", i) not in held})
    if not wanted:
        return
    q = (select(Application).where(Application.id.in_(wanted)).order_by(Application.id)
         .options(joinedload(Application.attachments)).with_for_update(of=Application)
         .execution_options(populate_existing=True))
    held.update((("application", a.id), a) for a in session.execute(q).unique().scalars())


def get_visible(session: Session, principal: Principal, app_id: uuid.UUID, *,
                lock: bool = False) -> Application:
    if lock:
        held = chain.transaction_cache(session, chain.LOCKED_ROWS).get(("application", app_id))
        state = inspect(held) if held is not None else None
        if state is not None and state.persistent and not state.expired_attributes \
                and state.session is session:
            if not principal.sees(held.unit_id):
                raise not_found("支付申请", app_id)
            return held
    q = select(Application).where(Application.id == app_id)
    if lock:
        # the attachments in the same statement (outer join; only the application row is
        # locked): one round trip per submission instead of two
        q = (q.options(joinedload(Application.attachments)).with_for_update(of=Application)
             .execution_options(populate_existing=True))
    app = session.execute(q).unique().scalar_one_or_none()
    if app is None or not principal.sees(app.unit_id):
        raise not_found("支付申请", app_id)
    return app


def _next_app_no(session: Session, year: int, region: str) -> str:
    n = session.execute(_counter_statement(session.get_bind().dialect.name,
                                           f"app:{year}:{region}")).scalar_one()
    return f"{year}{region}{n:08d}"


@lru_cache(maxsize=256)
def _counter_statement(dialect: str, key: str):
    """Create-or-increment ``key``, returning the new value: one statement instead of two (it
    runs for every new draft); built once per key (statements are immutable)."""
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    stmt = dialect_insert(NumberCounter).values(key=key, value=1)
    stmt = stmt.on_conflict_do_update(index_elements=[NumberCounter.key],
                                      set_={"value": NumberCounter.value + 1})
    return stmt.returning(NumberCounter.value)


def _own_unit(session: Session, principal: Principal, unit_code: str | None) -> Unit:
    unit = session.get(Unit, principal.user.unit_id) if principal.user.unit_id else None
    if unit is None:
        raise forbidden("当前用户未绑定单位，不能办理支付申请。", "unit_required")
    if unit_code is not None and unit_code != unit.code:
        raise forbidden(f"不能以单位 {unit_code} 的名义办理支付申请：您属于单位 {unit.code}。",
                        "unit_forbidden")
    return unit


def _validate_codes(data: ApplicationDraft, year: int, region: str) -> dict:
    t = refdata.tables(year)
    for table, code, label, field in (
        ("functional", data.func_code, "支出功能分类", "func_code"),
        ("dep_economic", data.dep_eco_code, "部门经济分类", "dep_eco_code"),
        ("gov_economic", data.gov_eco_code, "政府经济分类", "gov_eco_code"),
    ):
        if code and not getattr(t, table).exists(code):
            raise ApiError(422, f"unknown_{field}", f"{label} {code} 不在 {year} 年度政府收支分类科目中。",
                           {"field": field, "code": code})
    return {"settlement_mode": refdata.settlement_code(data.settlement_mode, region)}


def save_draft(session: Session, *, principal: Principal, app_id: uuid.UUID,
               data: ApplicationDraft, _retry: bool = False,
               caller_savepoint: bool = False, seen_absent: bool = False) -> tuple[Application, bool]:
    """Create or replace a draft. Returns ``(application, created)``; an identical repeat is a
    no-op (same version). With ``caller_savepoint`` the caller runs this in a SAVEPOINT of its
    own and, on an IntegrityError (the same id created meanwhile by a concurrent retry), rolls
    that back and calls again (see server.services.sync._one): one savepoint fewer per draft.
    ``seen_absent``: the caller read in this request that neither an application nor a
    tombstone has this id (a push reads that for its whole chunk at once), so the row is
    inserted without the two reads; one created meanwhile makes the insert fail on the primary
    key, and the caller must then run it again without this hint."""
    principal.require_role(*WRITER_ROLES)
    unit = _own_unit(session, principal, data.unit_code)
    # held until the transaction ends: the session's identity map is weak, so without this a
    # push group of drafts on one indicator would load it again for every draft
    held = chain.transaction_cache(session, "draft_indicators")
    ind = held[data.indicator_id] = session.get(Indicator, data.indicator_id)
    if ind is None or ind.unit_id != unit.id:
        raise ApiError(404, "indicator_not_found",
                       f"指标 {data.indicator_id} 不存在或不属于本单位 {unit.code}。",
                       {"field": "indicator_id"})
    year = data.fiscal_year or ind.fiscal_year
    extra = _validate_codes(data, year, unit.region_code)
    if not is_valid_bank_account(data.payee_account):
        raise ApiError(422, "invalid_payee_account",
                       f"收款账号 {data.payee_account} 格式不正确：应为 8–32 位数字（可含空格或连字符）。",
                       {"field": "payee_account"})
    values = {
        "indicator_id": ind.id, "amount": data.amount_fen, "fiscal_year": year,
        "func_code": data.func_code or None, "dep_eco_code": data.dep_eco_code or None,
        "gov_eco_code": data.gov_eco_code or None, "payee_name": data.payee_name,
        "payee_account": data.payee_account, "payee_bank": data.payee_bank,
        "payee_is_personal": data.payee_is_personal,
        # validated by the schema: a checked 身份证号 of a personal payee, or None
        "payee_id_number": data.payee_id_number if data.payee_is_personal else None,
        "settlement_mode": extra["settlement_mode"], "use_des": data.use_des,
        "contract_no": data.contract_no or None, "card_not_accepted": data.card_not_accepted,
    }
    app = None if seen_absent else session.execute(select(Application).where(
        Application.id == app_id).with_for_update(of=Application)).unique().scalar_one_or_none()
    if app is not None:
        if not principal.sees(app.unit_id) or app.unit_id != unit.id:
            raise not_found("支付申请", app_id)
        if all(getattr(app, k) == v for k, v in values.items()):
            return app, False  # idempotent repeat
        if app.status != "draft":
            raise conflict("not_draft", f"支付申请 {app.app_no} 当前状态为{STATUS_NAMES[app.status]}，"
                           "只有草稿可以修改；如需修改请先撤回。", {"status": app.status})
        if data.expected_version is not None and data.expected_version != app.version:
            raise conflict("version_conflict", f"支付申请 {app.app_no} 已被他人修改（当前版本 "
                           f"{app.version}，您编辑的版本 {data.expected_version}），请刷新后重试。",
                           {"current_version": app.version})
        before = snapshot(app)
        for k, v in values.items():
            setattr(app, k, v)
        app.version += 1
        chain.touch(session, app)
        session.flush()
        chain.audit(session, actor=principal.actor, action="application.update",
                    entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                    before=before, after=snapshot(app))
        return app, False
    if not seen_absent and session.execute(select(Tombstone.id).where(
            Tombstone.entity == "application", Tombstone.entity_id == str(app_id))).first():
        raise conflict("id_deleted", f"支付申请 {app_id} 已被删除，不能用同一编号重新创建。")
    def create() -> Application:
        app = Application(id=app_id, app_no=_next_app_no(session, year, unit.region_code),
                          status="draft", version=1, region_code=unit.region_code,
                          unit_id=unit.id, unit=unit, created_by=principal.user.id,
                          attachments=[], **values)  # a new draft has none: no lazy load
        session.add(app)
        session.flush()
        return app

    if caller_savepoint:
        app = create()  # a failure rolls back the caller's savepoint, number included
    else:
        try:
            with session.begin_nested():  # the number is only taken if the row goes in
                app = create()
        except IntegrityError:
            if _retry:
                raise
            # An identical request (a client retry) created it a moment ago: answer as its repeat.
            return save_draft(session, principal=principal, app_id=app_id, data=data, _retry=True)
    chain.touch(session, app)
    chain.audit(session, actor=principal.actor, action="application.create",
                entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                after=snapshot(app))
    return app, True


def _facts(session: Session, app: Application, ind: Indicator):
    unit = app.unit
    ind_f = rules.IndicatorFacts(
        id=ind.id, fiscal_year=ind.fiscal_year, region_code=ind.region_code,
        unit_code=ind.unit.code, amount=ind.amount, frozen=ind.frozen, reserved=ind.reserved,
        paid=ind.paid, executable=ind.executable, func_code=ind.func_code,
        dep_eco_code=ind.dep_eco_code, gov_eco_code=ind.gov_eco_code,
        is_gov_procurement=ind.is_gov_procurement, bgt_type_code=ind.bgt_type_code)
    app_f = rules.ApplicationFacts(
        fiscal_year=app.fiscal_year, region_code=app.region_code, unit_code=unit.code,
        unit_type="行政" if unit.unit_type in ("行政", "参公") else unit.unit_type,
        amount=app.amount, func_code=app.func_code or ind.func_code,
        dep_eco_code=app.dep_eco_code, gov_eco_code=app.gov_eco_code,
        settlement_mode=app.settlement_mode, payee_is_personal=app.payee_is_personal,
        payee_name=app.payee_name, use_des=app.use_des, contract_no=app.contract_no,
        has_basis_attachment=any(a.role == "basis" for a in app.attachments),
        unit_level_below_county=unit.below_county, card_not_accepted=app.card_not_accepted)
    return ind_f, app_f


def evaluate(session: Session, app: Application, ind: Indicator) -> list[rules.RuleViolation]:
    ind_f, app_f = _facts(session, app, ind)
    t = refdata.tables(app.fiscal_year)
    d = refdata.dicts(app.region_code)
    card = d.official_card
    contract_amount = contract_paid = None
    if ind.is_gov_procurement and app.contract_no:
        # locked (after the indicator) so that two submissions on one contract but different
        # indicators cannot together exceed the contract amount
        c = session.execute(select(Contract).where(Contract.unit_id == app.unit_id,
                                                   Contract.contract_no == app.contract_no)
                            .with_for_update()).scalar_one_or_none()
        if c is None:
            return [rules.RuleViolation(
                "contract_not_registered",
                f"采购合同 {app.contract_no} 未在本单位登记，政府采购指标只能凭已登记合同支付。",
                "contract_no")]
        contract_amount = c.amount
        contract_paid = int(session.execute(select(func.coalesce(func.sum(Application.amount), 0))
                                            .where(Application.unit_id == app.unit_id,
                                                   Application.contract_no == app.contract_no,
                                                   Application.status == "submitted",
                                                   Application.id != app.id)).scalar_one())
    return rules.evaluate_submission(
        ind_f, app_f, func_table=t.functional, dep_table=t.dep_economic,
        gov_for_dep=t.gov_for_dep, card_codes=tuple(card.economic_codes),
        card_modes=card.card_settlement_modes, mode_names=d.settlement_modes,
        card_small_amount_fen=card.no_card_acceptance_below_fen,
        cash_only_keywords=card.cash_only_keywords,
        personal_threshold_fen=d.thresholds.personal_payee_basis_fen,
        contract_amount=contract_amount, contract_paid=contract_paid or 0)


def submit(session: Session, *, principal: Principal, app_id: uuid.UUID,
           expected_version: int | None = None) -> Application:
    """Validate and reserve atomically. A repeated submit of a submitted application is a no-op."""
    principal.require_role(*WRITER_ROLES)
    app = get_visible(session, principal, app_id, lock=True)
    if app.status == "submitted":
        return app
    if app.status != "draft":
        raise conflict("not_draft", f"支付申请 {app.app_no} 当前状态为{STATUS_NAMES[app.status]}，不能提交。")
    if expected_version is not None and expected_version != app.version:
        raise conflict("version_conflict", f"支付申请 {app.app_no} 已被修改（当前版本 {app.version}），请刷新后重试。",
                       {"current_version": app.version})
    ind = ledger.lock_indicator(session, app.indicator_id)  # row lock held until commit
    violations = evaluate(session, app, ind)
    if violations:
        first = violations[0]
        status = 409 if first.code == "insufficient_balance" else 422
        raise ApiError(status, first.code, first.message,
                       {"violations": [v.as_dict() for v in violations],
                        "application_id": str(app.id)})
    before = snapshot(app)
    if not app.gov_eco_code and app.dep_eco_code:
        unit_type = "行政" if app.unit.unit_type in ("行政", "参公") else app.unit.unit_type
        app.gov_eco_code = refdata.tables(app.fiscal_year).gov_for_dep(app.dep_eco_code, unit_type)
    ledger.post(session, ind, "reserve", app.amount, application_id=app.id,
                actor_id=principal.user.id, memo=app.app_no)
    never_submitted = app.submitted_at is None
    app.status = "submitted"
    app.submitted_at = chain_now()
    app.submitted_by = principal.user.id
    app.version += 1
    chain.touch(session, app)
    chain.touch(session, ind)
    from server.services import approvals  # issue 4: route the chain, run 事中 monitoring
    approvals.on_submit(session, app, ind, never_submitted=never_submitted)
    # no flush here: the commit-time finalizer assigns the sequence numbers first, so each row is
    # written once.
    chain.audit(session, actor=principal.actor, action="application.submit",
                entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                before=before, after=snapshot(app),
                detail={"indicator": ind.id, "reserved": app.amount, "available_after": ind.available})
    return app


def chain_now():
    from server.models import utcnow
    return utcnow()


def withdraw(session: Session, *, principal: Principal, app_id: uuid.UUID) -> Application:
    """撤回: submitted -> draft, the reservation is released. Repeating is a no-op."""
    principal.require_role(*WRITER_ROLES)
    app = get_visible(session, principal, app_id, lock=True)
    if app.status == "draft":
        return app
    if app.status != "submitted":
        raise conflict("not_submitted", f"支付申请 {app.app_no} 当前状态为{STATUS_NAMES[app.status]}，不能撤回。")
    from server.services import approvals
    approvals.check_withdrawable(session, app)
    ind = ledger.lock_indicator(session, app.indicator_id)
    before = snapshot(app)
    ledger.post(session, ind, "release_reservation", app.amount, application_id=app.id,
                actor_id=principal.user.id, memo=app.app_no)
    app.status = "draft"
    app.version += 1
    chain.touch(session, app)
    chain.touch(session, ind)
    chain.audit(session, actor=principal.actor, action="application.withdraw",
                entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                before=before, after=snapshot(app), detail={"released": app.amount})
    return app


def void(session: Session, *, principal: Principal, app_id: uuid.UUID) -> Application:
    """作废 a draft: it stays on record, its invoices become free again."""
    principal.require_role(*WRITER_ROLES)
    app = get_visible(session, principal, app_id, lock=True)
    if app.status == "voided":
        return app
    if app.status != "draft":
        raise conflict("not_draft", f"支付申请 {app.app_no} 当前状态为{STATUS_NAMES[app.status]}，请先撤回再作废。")
    before = snapshot(app)
    session.query(InvoiceClaim).filter(InvoiceClaim.application_id == app.id).delete()
    app.status = "voided"
    app.version += 1
    chain.touch(session, app)
    session.flush()
    chain.audit(session, actor=principal.actor, action="application.void",
                entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                before=before, after=snapshot(app))
    return app


def delete(session: Session, *, principal: Principal, app_id: uuid.UUID) -> None:
    """Delete a draft that was never submitted (leaves a tombstone for sync)."""
    principal.require_role(*WRITER_ROLES)
    app = get_visible(session, principal, app_id, lock=True)
    if app.status != "draft" or app.submitted_at is not None:
        raise conflict("not_deletable", f"支付申请 {app.app_no} 已提交过，不能删除，只能作废。")
    before = snapshot(app)
    tomb = Tombstone(entity="application", entity_id=str(app.id), unit_id=app.unit_id)
    session.add(tomb)
    chain.touch(session, tomb)
    chain.audit(session, actor=principal.actor, action="application.delete",
                entity_type="application", entity_id=app.id, unit_id=app.unit_id, before=before)
    session.query(InvoiceClaim).filter(InvoiceClaim.application_id == app.id).delete()
    session.delete(app)
    session.flush()


def attach(session: Session, *, principal: Principal, app_id: uuid.UUID,
           link: AttachmentLink) -> Application:
    principal.require_role(*WRITER_ROLES)
    app = get_visible(session, principal, app_id, lock=True)
    if app.status != "draft":
        raise conflict("not_draft", f"支付申请 {app.app_no} 不是草稿，不能增加附件。")
    grant = session.execute(select(BlobGrant).where(BlobGrant.sha256 == link.sha256,
                                                    BlobGrant.unit_id == app.unit_id)).first()
    if grant is None:
        raise ApiError(404, "attachment_not_found", f"附件 {link.sha256[:12]}… 不存在或未上传到本单位。")
    existing = next((a for a in app.attachments if a.sha256 == link.sha256), None)
    key = None
    inv = link.invoice
    if inv is not None:
        if link.role != "invoice":
            raise ApiError(422, "invoice_meta_on_non_invoice", "只有发票附件可以填写发票信息。")
        if inv.code is None and len(inv.number) != 20:
            raise ApiError(422, "invoice_code_required", "8 位发票号码必须同时填写 10 或 12 位发票代码。")
        key = invoice_key(inv.code, inv.number)
    if existing is not None:
        if existing.role == link.role and existing.invoice_key == key:
            return app  # idempotent
        raise conflict("attachment_exists", "该附件已挂接在本申请上，请先移除再重新挂接。")
    if key is not None:
        claim = session.get(InvoiceClaim, key)
        if claim is not None:
            other = session.get(Application, claim.application_id)
            same_unit = other is not None and other.unit_id == app.unit_id
            where = f"本单位的支付申请 {other.app_no}" if same_unit else "另一单位的有效支付申请"
            raise conflict("duplicate_invoice", f"发票 {key} 已用于{where}，同一张发票不能重复报销。",
                           {"invoice_key": key})
        try:
            with session.begin_nested():
                session.execute(insert(InvoiceClaim).values(invoice_key=key, application_id=app.id,
                                                            created_at=chain_now()))
        except IntegrityError:
            raise conflict("duplicate_invoice", f"发票 {key} 已用于另一笔有效的支付申请，不能重复报销。",
                           {"invoice_key": key}) from None
    before = snapshot(app)
    att = ApplicationAttachment(application_id=app.id, sha256=link.sha256, role=link.role,
                                invoice_key=key)
    if inv is not None:
        att.invoice_kind, att.invoice_code, att.invoice_number = inv.kind, inv.code, inv.number
        att.invoice_amount, att.invoice_date = inv.amount_fen, inv.issue_date
    app.attachments.append(att)
    app.version += 1
    chain.touch(session, app)
    session.flush()
    session.refresh(app, ["attachments"])
    chain.audit(session, actor=principal.actor, action="application.attach",
                entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                before=before, after=snapshot(app))
    return app


def detach(session: Session, *, principal: Principal, app_id: uuid.UUID, sha256: str) -> Application:
    principal.require_role(*WRITER_ROLES)
    app = get_visible(session, principal, app_id, lock=True)
    if app.status != "draft":
        raise conflict("not_draft", f"支付申请 {app.app_no} 不是草稿，不能移除附件。")
    att = next((a for a in app.attachments if a.sha256 == sha256), None)
    if att is None:
        raise ApiError(404, "attachment_not_found", "该附件未挂接在本申请上。")
    before = snapshot(app)
    if att.invoice_key:
        session.query(InvoiceClaim).filter(InvoiceClaim.invoice_key == att.invoice_key,
                                           InvoiceClaim.application_id == app.id).delete()
    app.attachments.remove(att)
    app.version += 1
    chain.touch(session, app)
    session.flush()
    chain.audit(session, actor=principal.actor, action="application.detach",
                entity_type="application", entity_id=app.id, unit_id=app.unit_id,
                before=before, after=snapshot(app))
    return app


def list_visible(session: Session, *, principal: Principal, status: str | None = None,
                 offset: int = 0, limit: int = 100) -> tuple[list[Application], int]:
    q = select(Application)
    if principal.unit_ids is not None:
        q = q.where(Application.unit_id.in_(principal.unit_ids or {-1}))
    if status:
        q = q.where(Application.status == status)
    total = session.execute(select(func.count()).select_from(q.subquery())).scalar_one()
    rows = session.execute(q.order_by(Application.created_at.desc(), Application.id)
                           .offset(offset).limit(limit)).unique().scalars().all()
    return list(rows), total

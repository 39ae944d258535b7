"""Payment applications: save drafts, queue them for sending (with the offline budget
pre-check), withdraw a queued one, list and read them.

Every function is keyword-only, owns its transaction and returns plain objects
(:mod:`app.services.results`). Queueing writes the status change and the outbox commands in
one ``BEGIN IMMEDIATE`` transaction, so two windows can never both spend the same balance
and a crash leaves either the draft or the queued application, never half of each.
"""
from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select

from app.db import Database
from app.models import (
    EDITABLE_STATUSES,
    LOCAL_STATUSES,
    Attachment,
    Indicator,
    OutboxCommand,
    PaymentApplication,
    new_uuid,
    utcnow,
)
from app.services.budget import evaluate_budget, pending_own_amount
from app.services.errors import (
    BudgetExceeded,
    IncompleteApplication,
    InvalidField,
    NotEditable,
    NotFound,
    ServiceError,
)
from app.services.payees import _remember_payee
from app.services.results import (
    ApplicationView,
    AttachmentView,
    Changes,
    QueueResult,
    RuleNote,
    SaveResult,
)

MAX_FEN = 10**14 - 1  # fiscal.money.MAX_FEN
SHANGHAI = ZoneInfo("Asia/Shanghai")

STATUS_NAMES = {
    "draft": "草稿",
    "queued": "待发送",
    "submitted": "已提交",
    "returned": "已退回",
    "approved": "已审核",
    "rejected": "已拒绝",
    "paid": "已支付",
}


def _current_year() -> int:
    return datetime.now(SHANGHAI).year


@dataclass(frozen=True, slots=True)
class DraftInput:
    """The whole application form. Saving replaces every editable field with these values
    (a draft may be incomplete; ``queue_application`` checks completeness). Money: int fen."""

    indicator_id: str | None = None
    amount: int = 0
    use_des: str = ""
    payee_name: str = ""
    payee_account: str = ""
    payee_bank: str | None = None
    payee_is_personal: bool = False
    payee_id_number: str | None = None  # 身份证号, only for a personal payee
    fiscal_year: int = field(default_factory=_current_year)
    region_code: str = ""
    unit_code: str = ""
    func_code: str | None = None
    dep_eco_code: str | None = None
    gov_eco_code: str | None = None
    pay_type_code: str | None = None
    settlement_mode: str | None = None
    contract_no: str | None = None
    card_not_accepted: bool = False
    extra: dict[str, Any] | None = None


_TEXT_LIMITS = {
    "use_des": ("用途", 300),
    "payee_name": ("收款人全称", 200),
    "payee_account": ("收款人账号", 40),
    "payee_bank": ("收款人开户银行", 200),
    "region_code": ("财政区划", 9),
    "unit_code": ("单位代码", 21),
    "func_code": ("功能分类", 13),
    "dep_eco_code": ("部门经济分类", 20),
    "gov_eco_code": ("政府经济分类", 11),
    "pay_type_code": ("支付方式", 10),
    "settlement_mode": ("结算方式", 20),
    "contract_no": ("采购合同编号", 60),
}

_REQUIRED_TO_QUEUE = (
    ("indicator_id", "指标"),
    ("amount", "金额"),
    ("use_des", "用途"),
    ("payee_name", "收款人全称"),
    ("payee_account", "收款人账号"),
)


def _normalise_account(text: str) -> str:
    try:
        from fiscal.ids import normalize_bank_account
    except ImportError:  # pragma: no cover
        return "".join(ch for ch in text if ch.isdigit())
    return normalize_bank_account(text)


def _clean(draft: DraftInput) -> dict[str, Any]:
    values = asdict(draft)
    amount = values["amount"]
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidField("金额必须是以分为单位的整数（界面先用 parse_amount 解析）。", field="amount")
    if not 0 <= amount <= MAX_FEN:
        raise InvalidField("金额超出允许范围（0 至 9999亿元）。", field="amount")
    for key, (label, limit) in _TEXT_LIMITS.items():
        value = values.get(key)
        if value is None:
            continue
        value = str(value).strip()
        if len(value) > limit:
            raise InvalidField(f"{label}最多 {limit} 个字符，现在是 {len(value)} 个。", field=key)
        values[key] = value or (None if key not in ("use_des", "payee_name", "payee_account",
                                                    "region_code", "unit_code") else "")
    if values["payee_account"]:
        values["payee_account"] = _normalise_account(values["payee_account"])
    if values["indicator_id"] is not None:
        values["indicator_id"] = str(values["indicator_id"]).strip() or None
    values["payee_id_number"] = clean_payee_id_number(
        values.get("payee_id_number"), personal=bool(values["payee_is_personal"]))
    return values


def clean_payee_id_number(text: str | None, *, personal: bool) -> str | None:
    """The 证件号码 as stored and sent (blank → None, upper-case X), checked like the server's
    wire schema does (fiscal.schemas.applications.ApplicationDraft): a valid 18-character
    居民身份证号, and only for a personal payee. Bad input → :class:`InvalidField` naming
    ``payee_id_number``."""
    from fiscal.ids import is_valid_resident_id, normalize_resident_id

    value = normalize_resident_id(text or "") or None
    if value is None:
        return None
    if not personal:
        raise InvalidField("收款人不是个人，不能填写证件号码：请删除证件号码，或勾选“个人收款人”。",
                           field="payee_id_number")
    if len(value) != 18:
        raise InvalidField(f"证件号码应为18位居民身份证号，“{value}”是{len(value)}位。",
                           field="payee_id_number")
    if not is_valid_resident_id(value):
        raise InvalidField(f"证件号码“{value}”不是有效的居民身份证号（出生日期或校验位不符），请核对。",
                           field="payee_id_number")
    return value


def _attachment_view(a: Attachment) -> AttachmentView:
    return AttachmentView(
        id=a.id, sha256=a.sha256, file_name=a.file_name, media_type=a.media_type,
        size=a.size, role=a.role, invoice_key=a.invoice_key, uploaded=a.uploaded,
    )


def to_view(app: PaymentApplication, *, with_attachments: bool = True) -> ApplicationView:
    return ApplicationView(
        id=app.id, app_no=app.app_no, fiscal_year=app.fiscal_year, region_code=app.region_code,
        unit_code=app.unit_code, indicator_id=app.indicator_id, amount=app.amount,
        use_des=app.use_des, payee_name=app.payee_name, payee_account=app.payee_account,
        payee_bank=app.payee_bank, payee_is_personal=app.payee_is_personal,
        payee_id_number=app.payee_id_number, func_code=app.func_code, dep_eco_code=app.dep_eco_code, gov_eco_code=app.gov_eco_code,
        pay_type_code=app.pay_type_code, settlement_mode=app.settlement_mode,
        contract_no=app.contract_no, card_not_accepted=app.card_not_accepted,
        local_status=app.local_status, server_status=app.server_status,
        server_message=app.server_message, dirty=app.dirty,
        base_server_version=app.base_server_version, server_version=app.server_version,
        submission_no=app.submission_no, created_at=app.created_at, updated_at=app.updated_at,
        queued_at=app.queued_at,
        attachments=tuple(_attachment_view(a) for a in app.attachments) if with_attachments else (),
    )


def save_draft(
    *, db: Database, draft: DraftInput, application_id: str | None = None
) -> SaveResult:
    """Create (``application_id=None``) or replace a draft. A ``returned`` application can be
    edited too; its ``base_server_version`` remembers which server version the edit started
    from, for conflict detection."""
    values = _clean(draft)
    with db.transaction() as s:
        if values["indicator_id"] is not None and s.get(Indicator, values["indicator_id"]) is None:
            raise InvalidField(
                f"本地没有指标 {values['indicator_id']}，请先同步或选择其他指标。",
                field="indicator_id",
            )
        if application_id is None:
            app = PaymentApplication(id=new_uuid(), local_status="draft", dirty=True)
            s.add(app)
        else:
            app = s.get(PaymentApplication, application_id)
            if app is None:
                raise NotFound(f"找不到支付申请 {application_id}。")
            if app.local_status not in EDITABLE_STATUSES:
                raise NotEditable(
                    f"支付申请处于“{STATUS_NAMES[app.local_status]}”状态，不能修改"
                    + ("；请先撤回。" if app.local_status == "queued" else "。"),
                    status=app.local_status,
                )
            if not app.dirty:
                app.base_server_version = app.server_version
        for key, value in values.items():
            setattr(app, key, value)
        app.dirty = True
        app.updated_at = utcnow()
        s.flush()
        view = to_view(app)
    return SaveResult(application=view, changes=Changes(applications=frozenset({view.id})))


def _missing_fields(app: PaymentApplication) -> list[tuple[str, str]]:
    missing = []
    for key, label in _REQUIRED_TO_QUEUE:
        value = getattr(app, key)
        if value in (None, "", 0):
            missing.append((key, label))
    return missing


def _reference_data(fiscal_year: int, region_code: str | None,
                    session: Any = None) -> dict[str, Any]:
    """Code tables and dictionaries for fiscal.rules (the same ones the form preview uses);
    whatever cannot be loaded is left out and the rule falls back to its defaults. Both are the
    server's as last synced (app.sync.code_tables, app.sync.dictionaries), else the shipped ones."""
    out: dict[str, Any] = {}
    try:
        from app.sync.code_tables import local_code_tables
        from fiscal.codes import available_years, code_tables

        tables = local_code_tables(session, fiscal_year) if session is not None else None
        years = available_years()
        if tables is None and years:
            tables = code_tables(fiscal_year if fiscal_year in years else years[-1])
        if tables is not None:
            out.update(func_table=tables.functional, dep_table=tables.dep_economic)
    except Exception:
        logging.getLogger(__name__).exception("code tables unavailable for offline rules")
    try:
        from app.sync.dictionaries import local_dictionaries

        # The server's dictionaries for the region as last synced, else the shipped ones.
        dicts = local_dictionaries(session, region_code or None)
        card = dicts.official_card
        card_modes = {*card.card_settlement_modes}
        card_modes |= {dicts.settlement_modes[c] for c in card_modes if c in dicts.settlement_modes}
        out.update(
            card_codes=tuple(card.economic_codes), mode_names=dicts.settlement_modes,
            card_modes=frozenset(card_modes),
            card_small_amount_fen=card.no_card_acceptance_below_fen,
            cash_only_keywords=card.cash_only_keywords,
            personal_threshold_fen=dicts.thresholds.personal_payee_basis_fen,
        )
    except Exception:
        logging.getLogger(__name__).exception("dictionaries unavailable for offline rules")
    return out


def _rule_notes(app: PaymentApplication, ind: Indicator, pending: int,
                session: Any = None) -> tuple[RuleNote, ...]:
    """Other budget-control rules of fiscal.rules, run offline as advice."""
    try:
        from fiscal.rules.budget import ApplicationFacts, IndicatorFacts, evaluate_submission
    except ImportError:  # pragma: no cover - fiscal.rules not there yet
        return ()
    try:
        ind_facts = IndicatorFacts(
            id=ind.id, fiscal_year=ind.fiscal_year, region_code=ind.region_code,
            unit_code=ind.unit_code, amount=ind.amount, frozen=ind.frozen,
            reserved=ind.reserved + pending, paid=ind.paid, executable=ind.executable,
            func_code=ind.func_code, dep_eco_code=ind.dep_eco_code,
            gov_eco_code=ind.gov_eco_code, is_gov_procurement=ind.is_gov_procurement,
            bgt_type_code=ind.bgt_type_code,
        )
        app_facts = ApplicationFacts(
            fiscal_year=app.fiscal_year, region_code=app.region_code or ind.region_code,
            unit_code=app.unit_code or ind.unit_code, unit_type=None, amount=app.amount,
            func_code=app.func_code, dep_eco_code=app.dep_eco_code,
            gov_eco_code=app.gov_eco_code, settlement_mode=app.settlement_mode,
            payee_is_personal=app.payee_is_personal, payee_name=app.payee_name,
            use_des=app.use_des, contract_no=app.contract_no,
            has_basis_attachment=any(a.role == "basis" for a in app.attachments),
            card_not_accepted=app.card_not_accepted,
        )
        violations = evaluate_submission(ind_facts, app_facts, **_reference_data(
            ind.fiscal_year, ind.region_code, session))
    except Exception:  # advice only: a rule-module change must never block saving work
        logging.getLogger(__name__).exception("offline rule evaluation failed")
        return ()
    return tuple(
        RuleNote(code=v.code, message=v.message, field=v.field)
        for v in violations
        if v.code not in ("insufficient_balance", "amount_not_positive")
    )


def _wire_draft(app: PaymentApplication) -> dict[str, Any]:
    """The ``application.save_draft`` payload (fiscal.schemas.applications.ApplicationDraft)."""
    payload: dict[str, Any] = {
        "indicator_id": app.indicator_id,
        "amount_fen": app.amount,
        "fiscal_year": app.fiscal_year,
        "unit_code": app.unit_code or None,
        "func_code": app.func_code,
        "dep_eco_code": app.dep_eco_code,
        "gov_eco_code": app.gov_eco_code,
        "payee_name": app.payee_name,
        "payee_account": app.payee_account,
        "payee_bank": app.payee_bank,
        "payee_is_personal": app.payee_is_personal,
        "payee_id_number": app.payee_id_number if app.payee_is_personal else None,
        "settlement_mode": app.settlement_mode,
        "use_des": app.use_des,
        "contract_no": app.contract_no,
        "card_not_accepted": app.card_not_accepted,
        "expected_version": app.base_server_version,
    }
    try:
        from fiscal.schemas.applications import ApplicationDraft
    except ImportError:  # pragma: no cover - wire schemas not there yet
        return payload
    from pydantic import ValidationError

    try:
        out = ApplicationDraft.model_validate(payload).model_dump(mode="json")
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        raise InvalidField(
            f"申请内容不符合上报格式：{where} {first.get('msg', '')}", field=where or None
        ) from None
    if out.get("payee_id_number") is None:
        # sent only when there is one: a server older than the field refuses unknown keys
        out.pop("payee_id_number", None)
    return out


def queue_application(*, db: Database, application_id: str) -> QueueResult:
    """Queue a draft (or an edited returned application) for sending.

    Refuses (:class:`BudgetExceeded`) when the amount exceeds the indicator's available
    balance after the user's own unsent applications; the error names the rule and the
    figures. Other offline rule findings come back as ``notes`` (the server decides).
    """
    with db.transaction() as s:
        app = s.get(PaymentApplication, application_id)
        if app is None:
            raise NotFound(f"找不到支付申请 {application_id}。")
        if app.local_status not in EDITABLE_STATUSES:
            raise NotEditable(
                f"支付申请处于“{STATUS_NAMES[app.local_status]}”状态，不能再次排队发送。",
                status=app.local_status,
            )
        missing = _missing_fields(app)
        if missing:
            raise IncompleteApplication(missing)
        assert app.indicator_id is not None
        ind = s.get(Indicator, app.indicator_id)
        if ind is None:  # pragma: no cover - the foreign key keeps this from happening
            raise NotFound(f"本地没有指标 {app.indicator_id}，请先同步。", field="indicator_id")
        if not ind.active:
            raise ServiceError(
                f"指标 {ind.id} 已不在您的指标列表中（服务器已停用或收回），请选择其他指标。",
                field="indicator_id",
            )
        pending = pending_own_amount(s, ind.id, exclude_application_id=app.id)
        check = evaluate_budget(indicator=ind, requested=app.amount, pending_own=pending)
        notes = _rule_notes(app, ind, pending, s)
        if not check.ok:
            raise BudgetExceeded(check, notes)

        if not app.region_code:
            app.region_code = ind.region_code
        if not app.unit_code:
            app.unit_code = ind.unit_code
        payload = _wire_draft(app)
        app.submission_no += 1
        app.local_status = "queued"
        app.queued_at = utcnow()
        app.server_message = None
        n = app.submission_no
        keys = (f"{app.id}:save:{n}", f"{app.id}:submit:{n}")
        s.add(OutboxCommand(
            idempotency_key=keys[0], kind="application.save_draft", entity_type="application",
            entity_id=app.id, payload=payload,
        ))
        # the vouchers are linked on the server after the draft exists and before it is
        # submitted (the server refuses a duplicate invoice there: the submission then waits)
        from app.services.attachments import attachment_link
        for att in sorted(app.attachments, key=lambda a: (a.created_at, a.sha256)):
            s.add(OutboxCommand(
                idempotency_key=f"{app.id}:att{n}:{att.sha256[:16]}",  # ≤ 64 characters
                kind="application.attach", entity_type="application", entity_id=app.id,
                payload=attachment_link(att),
            ))
        s.add(OutboxCommand(
            idempotency_key=keys[1], kind="application.submit", entity_type="application",
            entity_id=app.id, payload={},
        ))
        _remember_payee(
            s, name=app.payee_name, account_no=app.payee_account, bank_name=app.payee_bank or "",
            kind="person" if app.payee_is_personal else "unit",
            id_no=app.payee_id_number if app.payee_is_personal else None,
        )
        s.flush()
        view = to_view(app)
    return QueueResult(
        application=view, check=check, notes=notes, commands=keys,
        changes=Changes(
            applications=frozenset({view.id}), indicators=frozenset({check.indicator_id}),
            outbox=True, payees=True,
        ),
    )


def withdraw_queued(*, db: Database, application_id: str) -> SaveResult:
    """Take a queued application back to draft, as long as none of its commands has started
    to be sent (after that the server's answer must be awaited)."""
    with db.transaction() as s:
        app = s.get(PaymentApplication, application_id)
        if app is None:
            raise NotFound(f"找不到支付申请 {application_id}。")
        if app.local_status != "queued":
            raise NotEditable(
                f"支付申请处于“{STATUS_NAMES[app.local_status]}”状态，没有可撤回的待发送内容。",
                status=app.local_status,
            )
        commands = s.scalars(
            select(OutboxCommand).where(
                OutboxCommand.entity_type == "application", OutboxCommand.entity_id == app.id,
                OutboxCommand.state != "done",
            )
        ).all()
        if any(c.state != "pending" or c.attempts for c in commands):
            raise NotEditable(
                "该申请已开始发送，请等待服务器答复后再修改。", status=app.local_status
            )
        for c in commands:
            s.delete(c)
        app.local_status = "returned" if app.server_version is not None else "draft"
        app.queued_at = None
        s.flush()
        view = to_view(app)
    return SaveResult(
        application=view,
        changes=Changes(applications=frozenset({view.id}), indicators=frozenset(
            {view.indicator_id} if view.indicator_id else set()), outbox=True),
    )


def _queue_command(s: Any, app: PaymentApplication, kind: str, verb: str) -> str:
    pending = s.scalar(select(OutboxCommand).where(
        OutboxCommand.entity_type == "application", OutboxCommand.entity_id == app.id,
        OutboxCommand.state.in_(("pending", "sending"))))
    if pending is not None:
        raise NotEditable("该申请还有待发送的内容，请先同步。", status=app.local_status)
    app.submission_no += 1
    key = f"{app.id}:{verb}:{app.submission_no}"
    s.add(OutboxCommand(idempotency_key=key, kind=kind, entity_type="application",
                        entity_id=app.id, payload={}))
    return key


def withdraw_application(*, db: Database, application_id: str) -> QueueResult:
    """Ask the server to take back a submitted application (撤回): queued like any command;
    when the server agrees the application is a draft again and its reservation released."""
    with db.transaction() as s:
        app = s.get(PaymentApplication, application_id)
        if app is None:
            raise NotFound(f"找不到支付申请 {application_id}。")
        if app.local_status != "submitted":
            raise NotEditable(
                f"只有“已提交”的申请可以撤回，当前为“{STATUS_NAMES[app.local_status]}”。",
                status=app.local_status,
            )
        key = _queue_command(s, app, "application.withdraw", "withdraw")
        s.flush()
        view = to_view(app)
    return _command_result(view, key)


def void_application(*, db: Database, application_id: str) -> QueueResult:
    """Void (作废) a draft the server already has; a draft that never left this computer is
    simply deleted with :func:`delete_draft`."""
    with db.transaction() as s:
        app = s.get(PaymentApplication, application_id)
        if app is None:
            raise NotFound(f"找不到支付申请 {application_id}。")
        if app.local_status not in EDITABLE_STATUSES or app.server_version is None:
            raise NotEditable("只能作废服务器上已有的草稿或被退回的申请。", status=app.local_status)
        key = _queue_command(s, app, "application.void", "void")
        s.flush()
        view = to_view(app)
    return _command_result(view, key)


def _command_result(view: ApplicationView, key: str) -> QueueResult:
    from app.services.results import BudgetCheck

    nothing = BudgetCheck(indicator_id=view.indicator_id or "", requested=0,
                          confirmed_available=0, pending_own=0, available_after_pending=0,
                          ok=True, shortfall=0)
    return QueueResult(application=view, check=nothing, notes=(), commands=(key,),
                       changes=Changes(applications=frozenset({view.id}), outbox=True))


def delete_draft(*, db: Database, application_id: str) -> Changes:
    """Delete a draft that never reached the server (attachment rows go with it; the files
    stay in the content-addressed store, which other applications may share)."""
    with db.transaction() as s:
        app = s.get(PaymentApplication, application_id)
        if app is None:
            raise NotFound(f"找不到支付申请 {application_id}。")
        if app.local_status != "draft" or app.server_version is not None:
            raise NotEditable("只能删除尚未提交到服务器的草稿。", status=app.local_status)
        s.delete(app)
    return Changes(applications=frozenset({application_id}))


def get_application(*, db: Database, application_id: str) -> ApplicationView:
    with db.read() as s:
        app = s.get(PaymentApplication, application_id)
        if app is None:
            raise NotFound(f"找不到支付申请 {application_id}。")
        return to_view(app)


def list_applications(
    *,
    db: Database,
    statuses: tuple[str, ...] | None = None,
    indicator_id: str | None = None,
    text: str | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[ApplicationView]:
    """Newest first; ``text`` matches 用途, payee, application number or id."""
    if statuses is not None:
        unknown = set(statuses) - set(LOCAL_STATUSES)
        if unknown:
            raise InvalidField(f"未知状态：{', '.join(sorted(unknown))}", field="statuses")
    stmt = select(PaymentApplication).order_by(
        PaymentApplication.updated_at.desc(), PaymentApplication.id
    )
    if statuses is not None:
        stmt = stmt.where(PaymentApplication.local_status.in_(statuses))
    if indicator_id is not None:
        stmt = stmt.where(PaymentApplication.indicator_id == indicator_id)
    if text:
        like = f"%{text.strip()}%"
        stmt = stmt.where(or_(
            PaymentApplication.use_des.like(like), PaymentApplication.payee_name.like(like),
            PaymentApplication.app_no.like(like), PaymentApplication.id.like(like),
        ))
    stmt = stmt.limit(limit).offset(offset)
    with db.read() as s:
        return [to_view(a, with_attachments=False) for a in s.scalars(stmt)]

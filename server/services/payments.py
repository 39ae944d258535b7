"""Payment execution (issue 4): an approved application becomes a 支付凭证 with a number unique
per (year, 区划); the bank's write-back (回单) turns the reservation into payment (or releases it
when bounced); a refund (退款) restores the indicator balance; a reconciliation lists vouchers
still waiting for a write-back and write-backs whose voucher is unknown. Every step is a ledger
line + an audit event. Bank files: :mod:`server.services.payment_files`; 更正:
:mod:`server.services.corrections`."""
from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from fiscal.approval import ChainStatus
from server import chain, ledger
from server.errors import ApiError, conflict, not_found
from server.models import (
    Application,
    ApplicationApproval,
    BankWriteback,
    NumberCounter,
    PaymentBatch,
    PaymentBatchItem,
    PaymentVoucher,
    utcnow,
)
from server.services import applications as apps
from server.services.org import Principal

TREASURY_ROLES = ("treasury", "admin")
SHANGHAI = ZoneInfo("Asia/Shanghai")


def next_number(session: Session, key: str) -> int:
    """Next value of a counter row. The UPDATE holds the row lock until commit, so callers that
    share a key are serialized (the bank export relies on this)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(NumberCounter).values(key=key, value=0).on_conflict_do_nothing())
    return session.execute(update(NumberCounter).where(NumberCounter.key == key)
                           .values(value=NumberCounter.value + 1)
                           .returning(NumberCounter.value)).scalar_one()


def _next_no(session: Session, year: int, region: str) -> str:
    key = f"voucher:{year}:{region}"
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    session.execute(insert(NumberCounter).values(key=key, value=0).on_conflict_do_nothing())
    n = session.execute(update(NumberCounter).where(NumberCounter.key == key)
                        .values(value=NumberCounter.value + 1)
                        .returning(NumberCounter.value)).scalar_one()
    return f"PZ{year}{region}{n:08d}"


def public(v: PaymentVoucher) -> dict:
    return {"id": v.id, "voucher_no": v.voucher_no, "application_id": str(v.application_id),
            "fiscal_year": v.fiscal_year, "region_code": v.region_code,
            "indicator_id": v.indicator_id, "amount_fen": v.amount, "status": v.status,
            "paid_fen": v.paid_amount, "refunded_fen": v.refunded_amount,
            "bank_serial": v.bank_serial, "paid_at": v.paid_at, "actual_payee": v.actual_payee,
            "created_at": v.created_at, "seq": v.seq}


def _voucher(session: Session, principal: Principal, voucher_id: int) -> PaymentVoucher:
    v = session.execute(select(PaymentVoucher).where(PaymentVoucher.id == voucher_id)
                        .with_for_update()).scalar_one_or_none()
    if v is None or not principal.sees(v.unit_id):
        raise not_found("支付凭证", voucher_id)
    return v


def issue(session: Session, *, principal: Principal, app_id) -> PaymentVoucher:
    principal.require_role(*TREASURY_ROLES)
    app = apps.get_visible(session, principal, app_id, lock=True)
    existing = session.execute(select(PaymentVoucher).where(
        PaymentVoucher.application_id == app.id)).scalar_one_or_none()
    if existing is not None:
        return existing  # idempotent
    rec = session.get(ApplicationApproval, app.id)
    if app.status != "submitted" or rec is None or rec.status != ChainStatus.APPROVED.value:
        raise conflict("not_approved", f"支付申请 {app.app_no} 尚未审批通过，不能生成支付凭证。")
    v = PaymentVoucher(voucher_no=_next_no(session, app.fiscal_year, app.region_code),
                       application_id=app.id, fiscal_year=app.fiscal_year,
                       region_code=app.region_code, unit_id=app.unit_id,
                       indicator_id=app.indicator_id, amount=app.amount, status="issued",
                       paid_amount=0, refunded_amount=0)
    session.add(v)
    session.flush()
    chain.touch(session, v)
    chain.audit(session, actor=principal.actor, action="voucher.issue", entity_type="voucher",
                entity_id=v.voucher_no, unit_id=app.unit_id, after=public(v))
    return v


def write_back(session: Session, *, principal: Principal, voucher_id: int, success: bool,
               amount_fen: int | None, bank_serial: str, paid_at: datetime | None,
               actual_payee: str | None, import_id: int | None = None,
               line_no: int | None = None) -> PaymentVoucher:
    """回单: success → pay (reserved → paid; a smaller actual amount releases the rest);
    bounced → the reservation is released and the application closed. Every write-back is also
    a ``bank_writebacks`` row whose unique bank serial makes a repeat a no-op (API or file)."""
    principal.require_role(*TREASURY_ROLES)
    v = _voucher(session, principal, voucher_id)
    seen = session.execute(select(BankWriteback).where(
        BankWriteback.bank_serial == bank_serial)).scalar_one_or_none()
    if seen is not None:
        if seen.voucher_id == v.id:
            return v  # the same write-back again
        raise conflict("bank_serial_used", f"银行交易流水号 {bank_serial} 已用于支付凭证 {seen.voucher_no} "
                       "的回单，同一流水号不能再用于其他凭证。", {"bank_serial": bank_serial})
    if v.status != "issued":
        if v.bank_serial == bank_serial:
            return v  # the same write-back again (recorded before bank_writebacks existed)
        raise conflict("already_written_back", f"支付凭证 {v.voucher_no} 已回单（{v.status}，"
                       f"银行流水号 {v.bank_serial}）。", {"status": v.status, "bank_serial": v.bank_serial})
    app = apps.get_visible(session, principal, v.application_id, lock=True)
    ind = ledger.lock_indicator(session, v.indicator_id)
    return apply_write_back(session, principal=principal, voucher=v, app=app, ind=ind,
                            success=success, amount_fen=amount_fen, bank_serial=bank_serial,
                            paid_at=paid_at, actual_payee=actual_payee, import_id=import_id,
                            line_no=line_no)


def apply_write_back(session: Session, *, principal: Principal, voucher: PaymentVoucher,
                     app: Application, ind, success: bool, amount_fen: int | None,
                     bank_serial: str, paid_at: datetime | None, actual_payee: str | None,
                     import_id: int | None = None, line_no: int | None = None) -> PaymentVoucher:
    """The bookkeeping of one write-back, shared by the API and the file import. The caller has
    checked the serial and the status and holds the voucher, application and indicator locks.
    Issues no query, so a file import can run it for thousands of lines without a flush each."""
    v = voucher
    before = public(v)
    if success:
        amount = v.amount if amount_fen is None else amount_fen
        if not 0 < amount <= v.amount:
            raise ApiError(422, "writeback_amount", f"回单金额 {amount} 分应大于 0 且不超过凭证金额 {v.amount} 分。")
        ledger.post(session, ind, "pay", amount, application_id=app.id, actor_id=principal.user.id,
                    memo=v.voucher_no)
        if amount < v.amount:
            ledger.post(session, ind, "release_reservation", v.amount - amount,
                        application_id=app.id, actor_id=principal.user.id, memo=f"{v.voucher_no} 差额")
        v.status, v.paid_amount = "paid", amount
        app.status = "paid"
    else:
        ledger.post(session, ind, "release_reservation", v.amount, application_id=app.id,
                    actor_id=principal.user.id, memo=f"{v.voucher_no} 退票")
        v.status = "bounced"
        app.status = "voided"
    v.bank_serial, v.paid_at, v.actual_payee = bank_serial, paid_at or utcnow(), actual_payee
    session.add(BankWriteback(
        bank_serial=bank_serial, voucher_no=v.voucher_no, voucher_id=v.id, import_id=import_id,
        line_no=line_no, success=success, amount=v.paid_amount if success else v.amount,
        paid_on=v.paid_at.astimezone(SHANGHAI).date().isoformat(), actual_payee=actual_payee,
        created_by=principal.user.id))
    app.version += 1
    for obj in (v, app, ind):
        chain.touch(session, obj)
    chain.audit(session, actor=principal.actor, action=f"voucher.{'paid' if success else 'bounced'}",
                entity_type="voucher", entity_id=v.voucher_no, unit_id=v.unit_id, before=before,
                after=public(v))
    return v


def refund(session: Session, *, principal: Principal, voucher_id: int, amount_fen: int,
           reason: str) -> PaymentVoucher:
    principal.require_role(*TREASURY_ROLES)
    v = _voucher(session, principal, voucher_id)
    if v.status not in ("paid", "refunded"):
        raise conflict("not_paid", f"支付凭证 {v.voucher_no} 尚未支付，不能退款。")
    left = v.paid_amount - v.refunded_amount
    if not 0 < amount_fen <= left:
        raise ApiError(422, "refund_amount", f"退款金额应大于 0 且不超过可退金额 {left} 分。")
    ind = ledger.lock_indicator(session, v.indicator_id)
    before = public(v)
    ledger.post(session, ind, "refund", amount_fen, application_id=v.application_id,
                actor_id=principal.user.id, memo=f"{v.voucher_no} 退款 {reason}"[:300])
    v.refunded_amount += amount_fen
    v.status = "refunded" if v.refunded_amount == v.paid_amount else "paid"
    chain.touch(session, v)
    chain.touch(session, ind)
    chain.audit(session, actor=principal.actor, action="voucher.refund", entity_type="voucher",
                entity_id=v.voucher_no, unit_id=v.unit_id, before=before, after=public(v),
                detail={"refund": amount_fen, "reason": reason})
    return v


def writeback_public(w: BankWriteback) -> dict:
    return {"id": w.id, "bank_serial": w.bank_serial, "voucher_no": w.voucher_no,
            "voucher_id": w.voucher_id, "import_id": w.import_id, "line": w.line_no,
            "success": w.success, "amount_fen": w.amount, "paid_on": w.paid_on,
            "actual_payee": w.actual_payee, "created_at": w.created_at}


def reconciliation(session: Session, *, principal: Principal) -> dict:
    """对账: vouchers still waiting for the bank (with the batches they were sent in, if any) and
    write-backs whose voucher number is unknown here (recorded, never matched by guesswork)."""
    principal.require_role(*TREASURY_ROLES)
    q = select(PaymentVoucher).where(PaymentVoucher.status == "issued")
    if principal.unit_ids is not None:
        q = q.where(PaymentVoucher.unit_id.in_(principal.unit_ids or {-1}))
    vouchers = list(session.execute(q.order_by(PaymentVoucher.id)).scalars())
    sent: dict[int, list[str]] = {}
    if vouchers:
        for vid, batch_no in session.execute(
                select(PaymentBatchItem.voucher_id, PaymentBatch.batch_no)
                .join(PaymentBatch, PaymentBatch.id == PaymentBatchItem.batch_id)
                .where(PaymentBatchItem.voucher_id.in_([v.id for v in vouchers]))
                .order_by(PaymentBatch.id)).all():
            sent.setdefault(vid, []).append(batch_no)
    pending = [{**public(v), "batches": sent.get(v.id, [])} for v in vouchers]
    # An unknown voucher number belongs to no unit, so every treasury user sees these.
    orphans = [writeback_public(w) for w in session.execute(
        select(BankWriteback).where(BankWriteback.voucher_id.is_(None))
        .order_by(BankWriteback.id)).scalars()]
    return {"vouchers_without_writeback": pending, "writebacks_without_voucher": orphans,
            "summary": {"vouchers_without_writeback": len(pending),
                        "pending_fen": sum(v.amount for v in vouchers),
                        "not_sent_to_bank": sum(1 for v in vouchers if v.id not in sent),
                        "writebacks_without_voucher": len(orphans),
                        "orphan_fen": sum(w["amount_fen"] for w in orphans)}}


_ = Application

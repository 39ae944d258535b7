"""The payment desk's list (the desktop 支付 screen): vouchers with what the treasury needs to see
on one line (unit, payee, application, last batch) and the approved applications still waiting
for a voucher. Read-only; scoped like every read (a unit outside the caller's scope is never
listed). The treasury acts; a bureau division may look at its departments' vouchers."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from fiscal.approval import ChainStatus
from server.models import (
    Application,
    ApplicationApproval,
    PaymentBatch,
    PaymentBatchItem,
    PaymentVoucher,
    Unit,
)
from server.services import payments as pay
from server.services.org import Principal

DESK_ROLES = (*pay.TREASURY_ROLES, "bureau_division")


def _scoped(q, principal: Principal, column):
    if principal.unit_ids is not None:
        q = q.where(column.in_(principal.unit_ids or {-1}))
    return q


def list_desk(session: Session, *, principal: Principal, limit: int = 500) -> dict:
    principal.require_role(*DESK_ROLES)
    q = (select(PaymentVoucher, Application, Unit)
         .join(Application, Application.id == PaymentVoucher.application_id)
         .join(Unit, Unit.id == PaymentVoucher.unit_id)
         .order_by(PaymentVoucher.id.desc()).limit(limit))
    rows = session.execute(_scoped(q, principal, PaymentVoucher.unit_id)).unique().all()
    batches: dict[int, list[str]] = {}
    if rows:
        for vid, batch_no in session.execute(
                select(PaymentBatchItem.voucher_id, PaymentBatch.batch_no)
                .join(PaymentBatch, PaymentBatch.id == PaymentBatchItem.batch_id)
                .where(PaymentBatchItem.voucher_id.in_([v.id for v, _a, _u in rows]))
                .order_by(PaymentBatch.id)).all():
            batches.setdefault(vid, []).append(batch_no)
    vouchers = [{**pay.public(v), "app_no": a.app_no, "unit_code": u.code, "unit_name": u.name,
                 "payee_name": a.payee_name, "payee_account": a.payee_account,
                 "use_des": a.use_des, "func_code": a.func_code, "dep_eco_code": a.dep_eco_code,
                 "batches": batches.get(v.id, [])} for v, a, u in rows]
    has_voucher = select(PaymentVoucher.application_id)
    q = (select(Application, Unit)
         .join(ApplicationApproval, ApplicationApproval.application_id == Application.id)
         .join(Unit, Unit.id == Application.unit_id)
         .where(Application.status == "submitted",
                ApplicationApproval.status == ChainStatus.APPROVED.value,
                Application.id.not_in(has_voucher))
         .order_by(Application.submitted_at, Application.app_no).limit(limit))
    awaiting = [{"application_id": str(a.id), "app_no": a.app_no, "unit_code": u.code,
                 "unit_name": u.name, "payee_name": a.payee_name, "amount_fen": a.amount,
                 "use_des": a.use_des, "indicator_id": a.indicator_id,
                 "submitted_at": a.submitted_at}
                for a, u in session.execute(_scoped(q, principal, Application.unit_id)).unique().all()]
    return {"vouchers": vouchers, "awaiting_voucher": awaiting,
            "can_act": principal.user.role in pay.TREASURY_ROLES}

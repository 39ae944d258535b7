"""HTTP routes for payment execution (支付凭证, 回单, 退款, 对账), ``/api/v1``. Thin."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path
from pydantic import AwareDatetime, Field

from fiscal.schemas.common import ErrorBody, WireModel
from server.api.deps import CurrentPrincipal, ReadSessionDep, SessionDep
from server.services import payments as pay

router = APIRouter(prefix="/api/v1", tags=["payments"],
                   responses={403: {"model": ErrorBody}, 404: {"model": ErrorBody},
                              409: {"model": ErrorBody}, 422: {"model": ErrorBody}})
VId = Annotated[int, Path(ge=1, le=2**62)]


class WriteBack(WireModel):
    success: bool = True
    amount_fen: int | None = Field(default=None, gt=0, le=10**15)
    bank_serial: str = Field(min_length=1, max_length=64)
    paid_at: AwareDatetime | None = None
    actual_payee: str | None = Field(default=None, max_length=120)


class Refund(WireModel):
    amount_fen: int = Field(gt=0, le=10**15)
    reason: str = Field(default="", max_length=200)


@router.post("/applications/{app_id}/voucher", summary="生成支付凭证（审批通过后）")
def issue_voucher(app_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> dict:
    v = pay.issue(session, principal=principal, app_id=app_id)
    session.commit()
    return pay.public(v)


@router.post("/vouchers/{voucher_id}/writeback", summary="银行回单（支付成功 / 退票）")
def write_back(voucher_id: VId, body: WriteBack, principal: CurrentPrincipal,
               session: SessionDep) -> dict:
    v = pay.write_back(session, principal=principal, voucher_id=voucher_id, success=body.success,
                       amount_fen=body.amount_fen, bank_serial=body.bank_serial,
                       paid_at=body.paid_at, actual_payee=body.actual_payee)
    session.commit()
    return pay.public(v)


@router.post("/vouchers/{voucher_id}/refund", summary="退款（恢复指标额度）")
def refund(voucher_id: VId, body: Refund, principal: CurrentPrincipal, session: SessionDep) -> dict:
    v = pay.refund(session, principal=principal, voucher_id=voucher_id,
                   amount_fen=body.amount_fen, reason=body.reason)
    session.commit()
    return pay.public(v)


@router.get("/payments/reconciliation", summary="对账：未回单凭证 / 无凭证回单")
def reconciliation(principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    return pay.reconciliation(session, principal=principal)

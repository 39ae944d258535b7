"""``POST /api/v1/invoices/check``: which of these invoices are already attached to a live
payment application anywhere on the server (the capture screen asks before attaching).
Thin: :mod:`server.services.invoices` does the work."""
from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter
from pydantic import Field

from fiscal.schemas.common import ErrorBody, WireModel
from server.api.deps import CurrentPrincipal, ReadSessionDep
from server.services import invoices as svc

router = APIRouter(prefix="/api/v1", tags=["invoices"],
                   responses={401: {"model": ErrorBody}, 422: {"model": ErrorBody}})


class InvoiceCheck(WireModel):
    keys: list[Annotated[str, Field(min_length=1, max_length=64)]] = Field(
        min_length=1, max_length=svc.MAX_KEYS,
        description="发票键（fiscal.ids.invoice_key）：“发票代码:发票号码”或 20 位数电发票号码")


class InvoiceKeyUse(WireModel):
    key: str
    used: bool
    application_id: str | None = Field(default=None, description="仅当该申请在调用者的权限范围内")
    app_no: str | None = None
    status: str | None = None
    same_unit: bool | None = None


class InvoiceCheckResult(WireModel):
    results: list[InvoiceKeyUse]


@router.post("/invoices/check", response_model=InvoiceCheckResult, response_model_exclude_none=True)
def check_invoices(body: InvoiceCheck, session: ReadSessionDep,
                   principal: CurrentPrincipal) -> InvoiceCheckResult:
    uses = svc.check_keys(session, principal=principal, keys=body.keys)
    return InvoiceCheckResult(results=[InvoiceKeyUse(**u.__dict__) for u in uses])

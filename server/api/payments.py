"""HTTP routes for payment execution (支付凭证, 银行支付文件, 回单, 退款, 更正, 对账), ``/api/v1``.
Thin: the services in server.services.payments / payment_files / corrections do the work."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime, Field

from fiscal.schemas.common import ErrorBody, WireModel
from server.api.deps import CurrentPrincipal, ReadSessionDep, SessionDep
from server.services import corrections as corr
from server.services import payment_files as files
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


class ExportRequest(WireModel):
    format: Literal["xml", "csv"] = "xml"
    bank: str | None = Field(default=None, max_length=20, description="代理银行代码（选择文件格式）")
    region_code: str | None = Field(default=None, max_length=9)
    resend: list[Annotated[str, Field(max_length=40)]] | None = Field(
        default=None, max_length=5000, description="重发：只导出这些凭证号（含已导出过的）")
    request_id: str | None = Field(default=None, min_length=8, max_length=64,
                                   description="重试键：同一编号的重复请求返回同一文件")


class CorrectionRequest(WireModel):
    reason: str = Field(min_length=2, max_length=300)
    indicator_id: str | None = Field(default=None, max_length=38)
    func_code: str | None = Field(default=None, max_length=13)
    dep_eco_code: str | None = Field(default=None, max_length=20)
    gov_eco_code: str | None = Field(default=None, max_length=11)
    request_id: str | None = Field(default=None, min_length=8, max_length=64)


MEDIA = {"xml": "application/xml", "csv": "text/csv"}


def _file_response(b) -> Response:
    return Response(content=b.content, media_type=MEDIA[b.file_format], headers={
        "Content-Disposition": f'attachment; filename="{b.file_name}"',
        "X-Jincai-Batch-No": b.batch_no, "X-Jincai-Sha256": b.sha256,
        "X-Jincai-Voucher-Count": str(b.voucher_count), "X-Jincai-Total-Fen": str(b.total_amount),
        "X-Jincai-Profile": b.profile})


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


@router.post("/payments/export", summary="导出代理银行支付文件（XML / CSV，记录批次）",
             response_class=Response,
             responses={200: {"content": {"application/xml": {}, "text/csv": {}}}})
def export_file(body: ExportRequest, principal: CurrentPrincipal, session: SessionDep) -> Response:
    b = files.export(session, principal=principal, fmt=body.format, bank=body.bank,
                     region=body.region_code, resend=body.resend, request_id=body.request_id)
    session.commit()
    return _file_response(b)


@router.get("/payments/batches", summary="已导出的支付文件批次")
def list_batches(principal: CurrentPrincipal, session: ReadSessionDep,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> list[dict]:
    return files.list_batches(session, principal=principal, limit=limit)


@router.get("/payments/batches/{batch_no}", summary="支付文件批次（含凭证号）")
def get_batch(batch_no: Annotated[str, Path(max_length=40)], principal: CurrentPrincipal,
              session: ReadSessionDep) -> dict:
    b = files.get_batch(session, principal=principal, batch_no=batch_no)
    return files.batch_public(b, files.batch_vouchers(session, b))


@router.get("/payments/batches/{batch_no}/file", summary="重新下载已导出的文件（与导出时逐字节相同）",
            response_class=Response)
def get_batch_file(batch_no: Annotated[str, Path(max_length=40)], principal: CurrentPrincipal,
                   session: ReadSessionDep) -> Response:
    return _file_response(files.get_batch(session, principal=principal, batch_no=batch_no))


@router.post("/payments/writeback-import", summary="导入银行回单文件（整体导入，按银行流水号幂等）",
             openapi_extra={"requestBody": {"required": True, "content": {
                 "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}}})
async def import_writeback(request: Request, principal: CurrentPrincipal,
                           format: Annotated[Literal["xml", "csv"] | None, Query()] = None,
                           bank: Annotated[str | None, Query(max_length=20)] = None,
                           region_code: Annotated[str | None, Query(max_length=9)] = None,
                           file_name: Annotated[str | None, Query(max_length=200)] = None) -> dict:
    # The raw file is the body (no multipart dependency); read on the event loop, then one
    # worker-thread hop for all the database work, like every other endpoint.
    from starlette.concurrency import run_in_threadpool
    data = await request.body()

    def work() -> dict:
        with request.app.state.sessionmaker() as session:
            out = files.import_writeback(session, principal=principal, data=data, fmt=format,
                                         bank=bank, region=region_code, file_name=file_name)
            session.commit()
            return out
    return await run_in_threadpool(work)


@router.post("/vouchers/{voucher_id}/corrections", status_code=201,
             summary="更正（调整书）：改功能/经济分类或指标，不动资金，保留前后两个版本")
def correct(voucher_id: VId, body: CorrectionRequest, principal: CurrentPrincipal,
            session: SessionDep):
    c, created = corr.correct(session, principal=principal, voucher_id=voucher_id,
                              reason=body.reason, indicator_id=body.indicator_id,
                              func_code=body.func_code, dep_eco_code=body.dep_eco_code,
                              gov_eco_code=body.gov_eco_code, request_id=body.request_id)
    session.commit()
    v = session.get(pay.PaymentVoucher, c.voucher_id)
    out = corr.public(c, v.voucher_no if v else None)
    return out if created else JSONResponse(jsonable(out), status_code=200)


@router.get("/vouchers/{voucher_id}/corrections", summary="凭证的更正记录（前后版本）")
def list_corrections(voucher_id: VId, principal: CurrentPrincipal, session: ReadSessionDep) -> list[dict]:
    return corr.list_for_voucher(session, principal=principal, voucher_id=voucher_id)


def jsonable(obj):
    from fastapi.encoders import jsonable_encoder
    return jsonable_encoder(obj)


@router.get("/payments/vouchers", summary="支付台：凭证列表（含单位、收款人、批次）与待生成凭证的已审批申请")
def payment_desk(principal: CurrentPrincipal, session: ReadSessionDep,
                 limit: Annotated[int, Query(ge=1, le=5000)] = 500) -> dict:
    from server.services import payment_desk
    return payment_desk.list_desk(session, principal=principal, limit=limit)

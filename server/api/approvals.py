"""HTTP routes for approvals (审批) and 动态监控 warnings (预警), ``/api/v1``. Thin."""
from __future__ import annotations

import uuid
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from pydantic import Field

from fiscal.schemas.common import ErrorBody, WireModel
from server.api.deps import CurrentPrincipal, ReadSessionDep, SessionDep
from server.services import applications as apps
from server.services import approvals as appr
from server.services import monitoring as mon

ERRORS = {401: {"model": ErrorBody}, 403: {"model": ErrorBody}, 404: {"model": ErrorBody},
          409: {"model": ErrorBody}, 422: {"model": ErrorBody}}
router = APIRouter(prefix="/api/v1", responses=ERRORS)
AppId = Annotated[uuid.UUID, Path(description="支付申请 UUID")]
Sha = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$")]


class DecisionRequest(WireModel):
    kind: Literal["approve", "return", "reject", "comment"]
    expected_version: int | None = Field(default=None, ge=0, le=2**31,
                                         description="审核人看到的申请版本（乐观并发）")
    comment: str = Field(default="", max_length=500)


class BatchItem(WireModel):
    application_id: uuid.UUID
    expected_version: int | None = Field(default=None, ge=0, le=2**31)


class BatchApprove(WireModel):
    items: list[BatchItem] = Field(min_length=1, max_length=200)
    comment: str = Field(default="", max_length=500)


class DisposeRequest(WireModel):
    action: Literal["mark_normal", "request_verify", "answer_ok", "answer_fixed",
                    "mark_violation", "accept_rectification", "explain"]
    note: str = Field(default="", max_length=2000)
    attachments: list[Sha] = Field(default_factory=list, max_length=20)
    contact: str = Field(default="", max_length=120)
    expected_version: int | None = Field(default=None, ge=0, le=2**31)


class ExplainRequest(WireModel):
    note: str = Field(min_length=1, max_length=2000)
    attachments: list[Sha] = Field(default_factory=list, max_length=20)
    expected_version: int | None = Field(default=None, ge=0, le=2**31)


@router.get("/approvals/tasks", tags=["approvals"], summary="待我审批")
def approval_tasks(principal: CurrentPrincipal, session: ReadSessionDep,
                   limit: Annotated[int, Query(ge=1, le=500)] = 200) -> dict:
    items = appr.tasks(session, principal=principal, limit=limit)
    return {"items": items, "total": len(items)}


@router.get("/applications/{app_id}/approval", tags=["approvals"], summary="审批流程、意见与预警")
def get_approval(app_id: AppId, principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    return appr.get(session, principal=principal, app_id=app_id)


@router.post("/applications/{app_id}/decisions", tags=["approvals"],
             summary="审批决定：同意 / 退回修改 / 不同意 / 意见")
def decide(app_id: AppId, body: DecisionRequest, principal: CurrentPrincipal,
           session: SessionDep) -> dict:
    app = appr.decide(session, principal=principal, app_id=app_id, kind=body.kind,
                      expected_version=body.expected_version, comment=body.comment)
    session.commit()
    return {"application": apps.public(app), "approval": appr.get(session, principal=principal,
                                                                   app_id=app_id)}


@router.post("/approvals/batch-approve", tags=["approvals"], summary="批量同意（逐条应答）")
def batch_approve(body: BatchApprove, principal: CurrentPrincipal, session: SessionDep) -> dict:
    from server.errors import ApiError
    results = []
    for item in body.items:
        try:
            app = appr.decide(session, principal=principal, app_id=item.application_id,
                              kind="approve", expected_version=item.expected_version,
                              comment=body.comment)
            session.commit()
            results.append({"application_id": str(item.application_id), "status": "ok",
                            "version": app.version})
        except ApiError as exc:
            session.rollback()
            results.append({"application_id": str(item.application_id), "status": "error",
                            "http_status": exc.status, "code": exc.code, "message": exc.message})
    return {"results": results, "approved": sum(r["status"] == "ok" for r in results)}


@router.get("/warnings", tags=["warnings"], summary="预警列表")
def list_warnings(principal: CurrentPrincipal, session: ReadSessionDep,
                  state: Annotated[str | None, Query(max_length=20, pattern=r"^[a-z_]+$")] = None,
                  level: Annotated[int | None, Query(ge=1, le=3)] = None,
                  application_id: uuid.UUID | None = None,
                  offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
                  limit: Annotated[int, Query(ge=1, le=500)] = 100) -> dict:
    rows, total = mon.list_visible(session, principal=principal, state=state, level=level,
                                   application_id=application_id, offset=offset, limit=limit)
    return {"items": [mon.public(w) for w in rows], "total": total}


@router.get("/warnings/{warning_id}", tags=["warnings"], summary="预警详情")
def get_warning(warning_id: Annotated[int, Path(ge=1, le=2**62)], principal: CurrentPrincipal,
                session: ReadSessionDep) -> dict:
    return mon.public(mon.get_visible(session, principal, warning_id))


@router.post("/warnings/{warning_id}/dispose", tags=["warnings"],
             summary="预警处置：财政 认定正常/需要核实/认定违规/确认整改；单位 核实无误/已整改")
def dispose_warning(warning_id: Annotated[int, Path(ge=1, le=2**62)], body: DisposeRequest,
                    principal: CurrentPrincipal, session: SessionDep) -> dict:
    w = mon.dispose(session, principal=principal, warning_id=warning_id, action=body.action,
                    note=body.note, attachments=body.attachments, contact=body.contact,
                    expected_version=body.expected_version)
    session.commit()
    return mon.public(w)


@router.post("/warnings/{warning_id}/explain", tags=["warnings"],
             summary="单位书面说明（黄色预警审批前须说明并附附件）")
def explain_warning(warning_id: Annotated[int, Path(ge=1, le=2**62)], body: ExplainRequest,
                    principal: CurrentPrincipal, session: SessionDep) -> dict:
    w = mon.explain(session, principal=principal, warning_id=warning_id, note=body.note,
                    attachments=body.attachments, expected_version=body.expected_version)
    session.commit()
    return mon.public(w)

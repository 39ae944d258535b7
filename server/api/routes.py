"""HTTP routes (``/api/v1``). Thin: parse, call one service, commit, map to a wire schema."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Path, Query, Request, Response
from fastapi.responses import FileResponse
from pydantic_core import to_json
from sqlalchemy import select, text
from starlette.concurrency import run_in_threadpool

from fiscal.schemas.applications import (
    ApplicationDraft,
    ApplicationPublic,
    ApplicationsPublic,
    AttachmentLink,
)
from fiscal.schemas.attachments import AttachmentPublic, UploadStatus
from fiscal.schemas.auth import (
    LoginRequest,
    LogoutRequest,
    PasswordChange,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserPublic,
    UserUpdate,
)
from fiscal.schemas.common import ErrorBody
from fiscal.schemas.indicators import (
    IndicatorBulkResult,
    IndicatorBulkUpsert,
    IndicatorPublic,
    IndicatorsPublic,
    LedgerAdjust,
    LedgerEntryPublic,
)
from fiscal.schemas.org import ContractCreate, ContractPublic, UnitCreate, UnitPublic
from fiscal.schemas.sync import (
    MAX_PROTOCOL_VERSION,
    MIN_PROTOCOL_VERSION,
    PROTOCOL_VERSION,
    PullPage,
    PushBatch,
    PushResults,
    ServerInfo,
)
from server import __version__
from server.api.deps import (
    CurrentPrincipal,
    ProtocolDep,
    ReadSessionDep,
    SessionDep,
    SettingsDep,
)
from server.errors import ApiError
from server.models import Unit, User
from server.services import applications as apps
from server.services import attachments as atts
from server.services import auth, org
from server.services import indicators as inds
from server.services import sync as sync_svc

ERRORS = {400: {"model": ErrorBody}, 401: {"model": ErrorBody}, 403: {"model": ErrorBody},
          404: {"model": ErrorBody}, 409: {"model": ErrorBody}, 413: {"model": ErrorBody},
          422: {"model": ErrorBody}}

system = APIRouter(tags=["system"])
api = APIRouter(prefix="/api/v1", responses=ERRORS)

AppId = Annotated[uuid.UUID, Path(description="客户端生成的 UUID（幂等键）")]
Sha = Annotated[str, Path(pattern=r"^[0-9a-f]{64}$", description="SHA-256 (hex, lowercase)")]
IndId = Annotated[str, Path(min_length=1, max_length=38, pattern=r"^[0-9A-Za-z\-]+$")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]
Limit = Annotated[int, Query(ge=1, le=500)]


# ---------------------------------------------------------------- system
@system.get("/health", summary="健康检查")
def health(session: ReadSessionDep) -> dict:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "database": session.get_bind().dialect.name}


@system.get("/version", response_model=ServerInfo, summary="版本与同步协议窗口")
def version(settings: SettingsDep) -> dict:
    return {"name": "jincai-server", "version": __version__, "protocol_version": PROTOCOL_VERSION,
            "min_protocol_version": MIN_PROTOCOL_VERSION,
            "max_protocol_version": MAX_PROTOCOL_VERSION,
            "latest_client_version": settings.client_latest_version or __version__,
            "client_download_url": settings.client_download_url or None,
            "client_release_notes": settings.client_release_notes or None}


# ---------------------------------------------------------------- auth
@api.post("/auth/login", response_model=TokenPair, tags=["auth"], summary="登录",
          responses={423: {"model": ErrorBody}})
def login(body: LoginRequest, session: SessionDep, settings: SettingsDep) -> dict:
    return auth.login(session, settings, username=body.username, password=body.password,
                      device_id=body.device_id, device_name=body.device_name)


@api.post("/auth/refresh", response_model=TokenPair, tags=["auth"], summary="刷新令牌（轮换）")
def refresh(body: RefreshRequest, session: SessionDep, settings: SettingsDep) -> dict:
    return auth.refresh(session, settings, refresh_token=body.refresh_token,
                        device_id=body.device_id)


@api.post("/auth/logout", status_code=204, tags=["auth"], summary="注销本设备会话")
def logout(principal: CurrentPrincipal, session: SessionDep,
           body: LogoutRequest | None = None) -> Response:
    auth.logout(session, user=principal.user, refresh_token=body.refresh_token if body else None,
                session_id=principal.session_id, device_id=principal.device_id)
    return Response(status_code=204)


@api.post("/auth/password", response_model=TokenPair, tags=["auth"], summary="修改密码")
def change_password(body: PasswordChange, principal: CurrentPrincipal, session: SessionDep,
                    settings: SettingsDep) -> dict:
    return auth.change_password(session, settings, user=principal.user,
                                old_password=body.old_password, new_password=body.new_password,
                                device_id=principal.device_id or "unknown")


@api.get("/me", response_model=UserPublic, tags=["auth"], summary="当前用户")
def me(principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    return org.user_public(session, principal.user)


# ---------------------------------------------------------------- organisation
@api.get("/units", response_model=list[UnitPublic], tags=["org"], summary="可见单位")
def list_units(principal: CurrentPrincipal, session: ReadSessionDep) -> list[dict]:
    q = select(Unit).order_by(Unit.code)
    if principal.unit_ids is not None:
        q = q.where(Unit.id.in_(principal.unit_ids or {-1}))
    return [org.unit_public(u) for u in session.execute(q).unique().scalars()]


@api.get("/units/{code}", response_model=UnitPublic, tags=["org"], summary="单位详情")
def get_unit(code: Annotated[str, Path(max_length=21, pattern=r"^[0-9A-Za-z]+$")], principal: CurrentPrincipal,
             session: ReadSessionDep) -> dict:
    return org.unit_public(org.visible_unit(session, principal, code))


@api.post("/units", response_model=UnitPublic, status_code=201, tags=["org"], summary="新建单位（管理员）")
def create_unit(body: UnitCreate, principal: CurrentPrincipal, session: SessionDep) -> dict:
    principal.require_role("admin")
    unit = org.create_unit(session, code=body.code, name=body.name,
                           department_code=body.department_code, unit_type=body.unit_type,
                           uscc=body.uscc, actor=principal.actor)
    session.commit()
    return org.unit_public(unit)


@api.get("/users", response_model=list[UserPublic], tags=["org"], summary="用户列表（管理员）")
def list_users(principal: CurrentPrincipal, session: ReadSessionDep) -> list[dict]:
    principal.require_role("admin")
    return [org.user_public(session, u)
            for u in session.execute(select(User).order_by(User.username)).unique().scalars()]


@api.post("/users", response_model=UserPublic, status_code=201, tags=["org"], summary="新建用户（管理员）")
def create_user(body: UserCreate, principal: CurrentPrincipal, session: SessionDep) -> dict:
    principal.require_role("admin")
    user = org.create_user(session, username=body.username, password=body.password,
                           role=body.role, unit_code=body.unit_code,
                           display_name=body.display_name, oversees=body.oversees,
                           actor=principal.actor)
    session.commit()
    return org.user_public(session, user)


@api.patch("/users/{username}", response_model=UserPublic, tags=["org"],
           summary="停用/启用/解锁用户（管理员）")
def update_user(username: Annotated[str, Path(max_length=64, pattern=r"^[A-Za-z0-9_.\-]+$")],
                body: UserUpdate, principal: CurrentPrincipal, session: SessionDep) -> dict:
    user = org.update_user(session, principal=principal, username=username,
                           is_active=body.is_active, unlock=body.unlock,
                           display_name=body.display_name)
    session.commit()
    return org.user_public(session, user)


@api.get("/contracts", response_model=list[ContractPublic], tags=["org"], summary="采购合同")
def list_contracts(principal: CurrentPrincipal, session: ReadSessionDep) -> list[dict]:
    return org.list_contracts(session, principal=principal)


@api.post("/contracts", response_model=ContractPublic, status_code=201, tags=["org"],
          summary="登记采购合同（本单位经办人/财务负责人）")
def create_contract(body: ContractCreate, principal: CurrentPrincipal, session: SessionDep) -> dict:
    out = org.register_contract(session, principal=principal, contract_no=body.contract_no,
                                name=body.name, amount=body.amount_fen, supplier=body.supplier)
    session.commit()
    return out


# ---------------------------------------------------------------- indicators
@api.get("/indicators", response_model=IndicatorsPublic, tags=["indicators"], summary="指标列表（分页）")
def list_indicators(principal: CurrentPrincipal, session: ReadSessionDep,
                    unit_code: Annotated[str | None, Query(max_length=21,
                                                           pattern=r"^[0-9A-Za-z]+$")] = None,
                    fiscal_year: Annotated[int | None, Query(ge=2000, le=2100)] = None,
                    offset: Offset = 0, limit: Limit = 100) -> dict:
    rows, total = inds.list_visible(session, principal=principal, unit_code=unit_code,
                                    fiscal_year=fiscal_year, offset=offset, limit=limit)
    return {"items": [inds.public(r) for r in rows], "total": total}


@api.get("/indicators/{indicator_id}", response_model=IndicatorPublic, tags=["indicators"],
         summary="指标详情与余额")
def get_indicator(indicator_id: IndId, principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    return inds.public(inds.get_visible(session, principal, indicator_id))


@api.get("/indicators/{indicator_id}/ledger", response_model=list[LedgerEntryPublic],
         tags=["indicators"], summary="指标台账（不可变流水）")
def indicator_ledger(indicator_id: IndId, principal: CurrentPrincipal,
                     session: ReadSessionDep) -> list[dict]:
    return [{"id": e.id, "indicator_id": e.indicator_id, "kind": e.kind, "amount_fen": e.amount,
             "application_id": str(e.application_id) if e.application_id else None,
             "created_at": e.created_at, "memo": e.memo}
            for e in inds.journal(session, principal=principal, indicator_id=indicator_id)]


@api.post("/indicators/bulk", response_model=IndicatorBulkResult, tags=["indicators"],
          summary="批量导入/更新指标（幂等，全部成功或全部不写入）")
def bulk_upsert(body: IndicatorBulkUpsert, principal: CurrentPrincipal,
                session: SessionDep) -> dict:
    out = inds.upsert_many(session, principal=principal, items=body.items)
    session.commit()
    return out


@api.post("/indicators/{indicator_id}/adjustments", response_model=IndicatorPublic,
          tags=["indicators"], summary="追加、调减、冻结、解冻")
def adjust_indicator(indicator_id: IndId, body: LedgerAdjust, principal: CurrentPrincipal,
                     session: SessionDep) -> dict:
    ind = inds.adjust(session, principal=principal, indicator_id=indicator_id, kind=body.kind,
                      amount=body.amount_fen, memo=body.memo)
    session.commit()
    return inds.public(ind)


# ---------------------------------------------------------------- applications
@api.get("/applications", response_model=ApplicationsPublic, tags=["applications"],
         summary="支付申请列表（分页）")
def list_applications(principal: CurrentPrincipal, session: ReadSessionDep,
                      status: Annotated[str | None, Query(pattern=r"^(draft|submitted|voided)$")] = None,
                      offset: Offset = 0, limit: Limit = 100) -> dict:
    rows, total = apps.list_visible(session, principal=principal, status=status, offset=offset,
                                    limit=limit)
    return {"items": [apps.public(r) for r in rows], "total": total}


@api.get("/applications/{app_id}", response_model=ApplicationPublic, tags=["applications"],
         summary="支付申请详情")
def get_application(app_id: AppId, principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    return apps.public(apps.get_visible(session, principal, app_id))


@api.put("/applications/{app_id}", response_model=ApplicationPublic, tags=["applications"],
         summary="新建或修改草稿（按客户端 UUID 幂等）", responses={201: {"model": ApplicationPublic}})
def save_application(app_id: AppId, body: ApplicationDraft, principal: CurrentPrincipal,
                     session: SessionDep, response: Response) -> dict:
    app, created = apps.save_draft(session, principal=principal, app_id=app_id, data=body)
    session.commit()
    response.status_code = 201 if created else 200
    return apps.public(app)


@api.post("/applications/{app_id}/submit", response_model=ApplicationPublic,
          tags=["applications"], summary="提交（校验并占用指标）")
def submit_application(app_id: AppId, principal: CurrentPrincipal, session: SessionDep,
                       expected_version: Annotated[int | None, Query(ge=0, le=2**31)] = None) -> dict:
    app = apps.submit(session, principal=principal, app_id=app_id,
                      expected_version=expected_version)
    session.commit()
    return apps.public(app)


@api.post("/applications/{app_id}/withdraw", response_model=ApplicationPublic,
          tags=["applications"], summary="撤回（释放在途）")
def withdraw_application(app_id: AppId, principal: CurrentPrincipal, session: SessionDep) -> dict:
    app = apps.withdraw(session, principal=principal, app_id=app_id)
    session.commit()
    return apps.public(app)


@api.post("/applications/{app_id}/void", response_model=ApplicationPublic,
          tags=["applications"], summary="作废草稿")
def void_application(app_id: AppId, principal: CurrentPrincipal, session: SessionDep) -> dict:
    app = apps.void(session, principal=principal, app_id=app_id)
    session.commit()
    return apps.public(app)


@api.delete("/applications/{app_id}", status_code=204, tags=["applications"],
            summary="删除从未提交过的草稿")
def delete_application(app_id: AppId, principal: CurrentPrincipal, session: SessionDep) -> Response:
    apps.delete(session, principal=principal, app_id=app_id)
    session.commit()
    return Response(status_code=204)


@api.post("/applications/{app_id}/attachments", response_model=ApplicationPublic,
          tags=["applications"], summary="挂接附件（发票查重）")
def attach(app_id: AppId, body: AttachmentLink, principal: CurrentPrincipal,
           session: SessionDep) -> dict:
    app = apps.attach(session, principal=principal, app_id=app_id, link=body)
    session.commit()
    return apps.public(app)


@api.delete("/applications/{app_id}/attachments/{sha256}", response_model=ApplicationPublic,
            tags=["applications"], summary="移除附件（释放发票）")
def detach(app_id: AppId, sha256: Sha, principal: CurrentPrincipal, session: SessionDep) -> dict:
    app = apps.detach(session, principal=principal, app_id=app_id, sha256=sha256)
    session.commit()
    return apps.public(app)


# ---------------------------------------------------------------- attachments
_RAW_BODY = {"requestBody": {"required": True,
                             "content": {"application/octet-stream": {"schema": {
                                 "type": "string", "format": "binary"}}}}}


@api.put("/attachments/{sha256}", response_model=AttachmentPublic, tags=["attachments"],
         summary="上传附件（整个文件，按 SHA-256 去重）", openapi_extra=_RAW_BODY,
         responses={201: {"model": AttachmentPublic}, 415: {"model": ErrorBody}})
async def put_attachment(sha256: Sha, request: Request, principal: CurrentPrincipal,
                         session: SessionDep, settings: SettingsDep, response: Response) -> dict:
    data = await request.body()

    def work():
        blob, created = atts.put_whole(session, settings, principal=principal, sha256=sha256,
                                       data=data)
        session.commit()
        return blob, created
    blob, created = await run_in_threadpool(work)
    response.status_code = 201 if created else 200
    return {"sha256": blob.sha256, "size": blob.size, "media_type": blob.media_type,
            "created_at": blob.created_at}


@api.get("/attachments/{sha256}/upload", response_model=UploadStatus, tags=["attachments"],
         summary="分片上传进度（断点续传）")
def upload_status(sha256: Sha, principal: CurrentPrincipal, session: ReadSessionDep,
                  settings: SettingsDep) -> dict:
    return atts.upload_status(settings, principal=principal, session=session, sha256=sha256)


@api.patch("/attachments/{sha256}/upload", response_model=UploadStatus, tags=["attachments"],
           summary="上传一个分片", openapi_extra=_RAW_BODY)
async def upload_chunk(sha256: Sha, request: Request, principal: CurrentPrincipal,
                       session: SessionDep, settings: SettingsDep,
                       offset: Annotated[int, Query(ge=0, le=2**40)],
                       final: bool = False) -> dict:
    data = await request.body()

    def work():
        out = atts.put_chunk(session, settings, principal=principal, sha256=sha256,
                             offset=offset, data=data, final=final)
        session.commit()
        return out
    return await run_in_threadpool(work)


@api.get("/attachments/{sha256}", response_model=AttachmentPublic, tags=["attachments"],
         summary="附件元数据")
def get_attachment(sha256: Sha, principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    blob = atts.get_visible(session, principal, sha256)
    return {"sha256": blob.sha256, "size": blob.size, "media_type": blob.media_type,
            "created_at": blob.created_at}


@api.get("/attachments/{sha256}/content", tags=["attachments"], response_class=FileResponse,
         summary="下载附件")
def get_attachment_content(sha256: Sha, principal: CurrentPrincipal, session: ReadSessionDep,
                           settings: SettingsDep):
    blob = atts.get_visible(session, principal, sha256)
    path = atts.blob_path(settings, sha256)
    if not path.exists():
        raise ApiError(410, "attachment_missing", "附件文件在服务器上缺失，请联系管理员。")
    # never rendered inline by a browser (an uploaded XML/PDF must not run in our origin)
    return FileResponse(path, media_type=blob.media_type,
                        headers={"Content-Disposition": f'attachment; filename="{sha256[:16]}"',
                                 "X-Content-Type-Options": "nosniff"})


# ---------------------------------------------------------------- sync
@api.get("/sync/pull", response_model=PullPage, tags=["sync"], summary="拉取变更（分页）",
         responses={426: {"model": ErrorBody}})
def sync_pull(principal: CurrentPrincipal, session: ReadSessionDep, _proto: ProtocolDep,
              since: Annotated[int, Query(ge=0, le=2**62)] = 0,
              limit: Annotated[int, Query(ge=1, le=5000)] = 1000) -> Response:
    page = sync_svc.pull(session, principal=principal, since=since, limit=limit)
    # Serialized directly (the shape is PullPage, as documented): re-validating 5,000 rows
    # through the response model would double the cost of a first sync.
    return Response(to_json(page), media_type="application/json")


@api.post("/sync/push", response_model=PushResults, tags=["sync"], summary="推送命令（逐条应答）",
          responses={426: {"model": ErrorBody}})
def sync_push(body: PushBatch, principal: CurrentPrincipal, session: SessionDep,
              _proto: ProtocolDep) -> dict:
    return sync_svc.push(session, principal=principal, commands=body.commands)


# ---------------------------------------------------------------- audit
@api.get("/audit/verify", tags=["audit"], summary="校验审计链（管理员）")
def audit_verify(principal: CurrentPrincipal, session: ReadSessionDep) -> dict:
    principal.require_role("admin", "treasury")
    from server import chain
    r = chain.verify(session)
    return {"ok": r.ok, "checked": r.checked, "head_seq": r.head_seq,
            "first_bad_seq": r.first_bad_seq, "message": r.message()}


_ = Body  # re-exported for route modules that need explicit bodies

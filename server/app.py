"""FastAPI application factory: routes, uniform errors, body-size limits."""
from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.exc import DataError, DBAPIError, IntegrityError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server import __version__
from server.db import make_engine, make_session_factory
from server.errors import ApiError
from server.settings import Settings, get_settings

log = logging.getLogger("jincai.server")

_FIELD_NAMES = {"amount_fen": "金额（分）", "amount": "金额", "indicator_id": "指标", "payee_name": "收款人",
                "payee_account": "收款账号", "use_des": "用途", "unit_code": "单位代码",
                "func_code": "功能分类", "dep_eco_code": "部门经济分类", "gov_eco_code": "政府经济分类",
                "username": "用户名", "password": "密码", "device_id": "设备编号",
                "fiscal_year": "预算年度", "settlement_mode": "结算方式",
                "payee_id_number": "证件号码"}


def _describe(err: dict) -> str:
    loc = [str(x) for x in err.get("loc", ()) if x not in ("body", "query", "path", "header")]
    field = ".".join(loc) or "请求"
    label = _FIELD_NAMES.get(loc[-1], loc[-1]) if loc else "请求"
    t = err.get("type", "")
    ctx = err.get("ctx") or {}
    if t == "missing":
        why = "必须填写"
    elif t in ("int_type", "int_parsing", "int_from_float"):
        why = "必须是整数（金额以分为单位，不能有小数）"
    elif t in ("greater_than_equal", "greater_than"):
        why = f"不能小于 {ctx.get('ge', ctx.get('gt'))}"
    elif t in ("less_than_equal", "less_than"):
        why = f"不能大于 {ctx.get('le', ctx.get('lt'))}"
    elif t == "extra_forbidden":
        why = "是未知字段"
    elif t in ("string_too_long", "too_long"):
        why = "太长"
    elif t in ("string_too_short", "too_short"):
        why = "太短或为空"
    elif t == "string_pattern_mismatch":
        why = "格式不正确"
    elif t in ("bool_type", "bool_parsing"):
        why = "必须是 true 或 false"
    elif t in ("string_type",):
        why = "必须是文本"
    elif t == "uuid_parsing":
        why = "不是有效的 UUID"
    elif t == "value_error":
        why = str(ctx.get("error") or err.get("msg"))
    else:
        why = err.get("msg", "无效")
    return f"{label}（{field}）{why}"


class BodyLimitMiddleware:
    """Refuse bodies above the limit with 413 before the application reads them (also for
    chunked requests without Content-Length). Attachment routes get the larger limit."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.settings = settings

    def _limit(self, scope: Scope) -> int:
        path = scope.get("path", "")
        if path.startswith("/api/v1/attachments/"):
            if scope.get("method") == "PATCH":
                return self.settings.max_chunk_bytes
            return self.settings.max_attachment_bytes
        return self.settings.max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        for k, v in scope.get("headers", []):
            if k == b"content-length":
                try:
                    n = int(v)
                except ValueError:
                    n = -1
                if n < 0 or n > limit:
                    await self._reject(send, limit)
                    return
        if not any(k == b"content-length" for k, _ in scope.get("headers", [])):
            # Chunked upload without a declared length: read it (bounded) before the app does,
            # so the refusal is a clean 413 rather than a parse error deep inside the framework.
            chunks: list[bytes] = []
            size = 0
            while True:
                msg = await receive()
                if msg["type"] == "http.disconnect":
                    return
                body = msg.get("body", b"")
                size += len(body)
                if size > limit:
                    await self._reject(send, limit)
                    return
                chunks.append(body)
                if not msg.get("more_body", False):
                    break
            buffered = b"".join(chunks)
            sent = False

            async def replay() -> Message:
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": buffered, "more_body": False}
                return await receive()

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)

    @staticmethod
    async def _reject(send: Send, limit: int) -> None:
        resp = JSONResponse({"code": "body_too_large",
                             "message": f"请求内容太大：上限为 {limit // 1024} KB。", "details": {"limit": limit}},
                            status_code=413)
        await resp({"type": "http"}, None, send)  # type: ignore[arg-type]


def _publish_code_tables(app: FastAPI) -> None:
    """Announce the shipped classification tables and each region's dictionaries to syncing
    clients (idempotent: only what changed since the last start gets a new sequence number)."""
    from sqlalchemy.exc import SQLAlchemyError

    from server.services import codes, dictionary_versions
    try:
        with app.state.sessionmaker() as s:
            codes.publish(s)
            s.commit()
    except SQLAlchemyError as exc:  # not migrated yet, or another worker got there first
        log.warning("code tables not published: %s", exc.__class__.__name__)
    try:
        with app.state.sessionmaker() as s:
            dictionary_versions.publish(s)
            s.commit()
    except SQLAlchemyError as exc:  # (a broken override file is logged by publish itself)
        log.warning("dictionaries not published: %s", exc.__class__.__name__)


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    settings = settings or get_settings()
    settings.check()
    engine = engine or make_engine(settings)
    app = FastAPI(title="金财中心服务端 Jincai Server", version=__version__,
                  description="预算单位国库集中支付：指标台账、支付申请、附件、同步与审计链。"
                              "金额一律以分（整数）表示。")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = make_session_factory(engine)
    app.state.read_sessionmaker = make_session_factory(engine, readonly=True)

    @app.exception_handler(ApiError)
    async def _api_error(_request: Request, exc: ApiError) -> JSONResponse:
        return JSONResponse(exc.body(), status_code=exc.status, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errors):
            return JSONResponse({"code": "malformed_json",
                                 "message": "请求内容不是有效的 JSON，请检查格式。",
                                 "details": None}, status_code=400)
        described = [_describe(e) for e in errors]
        details = [{"loc": [str(x) for x in e.get("loc", ())], "type": e.get("type"),
                    "message": d} for e, d in zip(errors, described)]
        return JSONResponse({"code": "invalid_request",
                             "message": "请求数据有误：" + "；".join(described[:5]) + "。",
                             "details": details}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        msgs = {404: "请求的地址不存在。", 405: "不支持该请求方法。", 401: "未登录或登录已过期。"}
        return JSONResponse({"code": f"http_{exc.status_code}",
                             "message": msgs.get(exc.status_code, str(exc.detail)), "details": None},
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(IntegrityError)
    async def _integrity(_request: Request, exc: IntegrityError) -> JSONResponse:
        log.warning("integrity error: %s", exc)
        return JSONResponse({"code": "conflict", "message": "数据冲突（可能已被其他人修改），请刷新后重试。",
                             "details": None}, status_code=409)

    @app.exception_handler(DataError)
    async def _data(_request: Request, exc: DataError) -> JSONResponse:
        log.warning("data error: %s", exc)
        return JSONResponse({"code": "invalid_value",
                             "message": "请求中的某个值无法保存或比较（例如含有控制字符或超出范围），请检查后重试。",
                             "details": None}, status_code=422)

    @app.exception_handler(OperationalError)
    async def _operational(_request: Request, exc: DBAPIError) -> JSONResponse:
        log.error("database unavailable: %s", exc)
        return JSONResponse({"code": "database_busy", "message": "数据库暂时繁忙或不可用，请稍后重试。",
                             "details": None}, status_code=503, headers={"Retry-After": "2"})

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error")
        return JSONResponse({"code": "internal_error", "message": "服务器内部错误，已记录日志，请联系管理员。",
                             "details": None}, status_code=500)

    _publish_code_tables(app)

    from server.api.routes import api, system
    app.include_router(system)
    app.include_router(api)
    from server.api.approvals import router as approvals_router
    app.include_router(approvals_router)
    from server.api.payments import router as payments_router
    app.include_router(payments_router)
    from server.api.approval_admin import router as approval_admin_router
    app.include_router(approval_admin_router)
    from server.api.indicator_imports import router as indicator_imports_router
    app.include_router(indicator_imports_router)
    app.include_router(__import__("server.api.invoices", fromlist=["router"]).router)
    app.add_middleware(BodyLimitMiddleware, settings=settings)
    return app

"""FastAPI dependencies as ``Annotated`` aliases."""
from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Header, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from fiscal.schemas.sync import MAX_PROTOCOL_VERSION, MIN_PROTOCOL_VERSION, PROTOCOL_HEADER
from server.errors import ApiError
from server.models import User
from server.security import decode_access_token
from server.services.auth import session_active
from server.services.org import Principal, scope_for
from server.settings import Settings

_bearer = HTTPBearer(auto_error=False, description="登录后获得的访问令牌")


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """The session is created and closed on the event loop; all of a request's database work
    happens inside the (sync) endpoint, i.e. in ONE worker-thread hop. Holding a transaction
    across hops can starve the thread pool while SQLite's write lock or a PostgreSQL row lock is
    held by a request that is waiting for a thread."""
    session = request.app.state.sessionmaker()
    try:
        yield session
    finally:
        session.close()  # rolls back whatever was not committed


async def get_read_session(request: Request) -> AsyncIterator[Session]:
    """Like :func:`get_session` for endpoints that only read."""
    session = request.app.state.read_sessionmaker()
    try:
        yield session
    finally:
        session.close()


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[Session, Depends(get_session)]
ReadSessionDep = Annotated[Session, Depends(get_read_session)]

UNAUTHENTICATED = "未登录或登录已过期，请重新登录。"


def get_principal(request: Request, settings: SettingsDep,
                  cred: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]) -> Principal:
    """Authenticates in its own short transaction; the returned user object is detached (its
    unit and scopes are loaded eagerly). Services re-read whatever they modify."""
    with request.app.state.read_sessionmaker() as session:
        principal = _authenticate(session, settings, cred)
        session.commit()
        return principal


def _authenticate(session: Session, settings: Settings,
                  cred: HTTPAuthorizationCredentials | None) -> Principal:
    if cred is None or cred.scheme.lower() != "bearer":
        raise ApiError(401, "not_authenticated", UNAUTHENTICATED,
                       headers={"WWW-Authenticate": "Bearer"})
    data = decode_access_token(settings, cred.credentials)
    if data is None:
        raise ApiError(401, "invalid_token", UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
    try:
        user = session.get(User, int(data["sub"]))
    except (TypeError, ValueError):
        user = None
    if (user is None or not user.is_active or user.token_version != data.get("tv")
            or not session_active(session, data["sid"])):
        raise ApiError(401, "invalid_token", UNAUTHENTICATED, headers={"WWW-Authenticate": "Bearer"})
    return Principal(user=user, unit_ids=scope_for(session, user), device_id=data.get("dev"),
                     session_id=data["sid"])


CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


def check_protocol(x_jincai_protocol: Annotated[str | None, Header(alias=PROTOCOL_HEADER)] = None
                   ) -> int:
    try:
        v = int(x_jincai_protocol) if x_jincai_protocol is not None else 0
    except ValueError:
        v = 0
    if not MIN_PROTOCOL_VERSION <= v <= MAX_PROTOCOL_VERSION:
        if v > MAX_PROTOCOL_VERSION:
            msg = (f"客户端同步协议版本 {v} 比服务器支持的版本（{MIN_PROTOCOL_VERSION}–{MAX_PROTOCOL_VERSION}）新，"
                   "请联系管理员升级服务器。")
        else:
            msg = (f"客户端版本过旧（同步协议版本 {v}），服务器要求 {MIN_PROTOCOL_VERSION}–{MAX_PROTOCOL_VERSION}。"
                   "请升级金财桌面端到最新版本后再同步，本地数据不会丢失。")
        raise ApiError(426, "upgrade_required", msg,
                       {"client_version": v, "min_version": MIN_PROTOCOL_VERSION,
                        "max_version": MAX_PROTOCOL_VERSION},
                       headers={"Upgrade": f"jincai-sync/{MAX_PROTOCOL_VERSION}"})
    return v


ProtocolDep = Annotated[int, Depends(check_protocol)]

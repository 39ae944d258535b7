"""Login with lockout and exponential back-off, refresh-token rotation with reuse detection,
logout and password change."""
from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from server import chain
from server.errors import ApiError
from server.models import LoginThrottle, RefreshToken, User
from server.security import (
    create_access_token,
    hash_password,
    hash_token,
    needs_rehash,
    new_refresh_token,
    password_problem,
    verify_password,
)
from server.services.org import user_public
from server.settings import Settings

BAD_CREDENTIALS = "用户名或密码错误。"


def _now() -> datetime:
    return datetime.now(UTC)


def _lock_seconds(settings: Settings, failures: int) -> int:
    over = failures - settings.lockout_threshold
    if over < 0:
        return 0
    return min(settings.lockout_base_seconds * (2 ** min(over, 20)), settings.lockout_max_seconds)


def _issue(session: Session, settings: Settings, user: User, *, device_id: str,
           device_name: str | None, family_id: uuid.UUID | None = None) -> dict:
    token, digest = new_refresh_token()
    rt = RefreshToken(family_id=family_id or uuid.uuid4(), user_id=user.id, device_id=device_id,
                      device_name=device_name, token_hash=digest,
                      expires_at=_now() + timedelta(days=settings.refresh_token_days))
    session.add(rt)
    session.flush()
    access, ttl = create_access_token(settings, user_id=user.id, token_version=user.token_version,
                                      session_id=rt.family_id, device_id=device_id)
    return {"access_token": access, "refresh_token": token, "token_type": "bearer",
            "expires_in": ttl, "user": user_public(session, user)}


def login(session: Session, settings: Settings, *, username: str, password: str,
          device_id: str, device_name: str | None = None) -> dict:
    """Commits in every outcome (failed attempts must be counted even though we refuse)."""
    user = session.execute(select(User).where(User.username == username).with_for_update(of=User)
                           ).scalar_one_or_none()
    now = _now()
    actor = chain.Actor(user.id if user else None, username, device_id)
    if user is None:
        return _unknown_user(session, settings, username=username, password=password, now=now)
    if user.locked_until is not None and user.locked_until > now:
        wait = int((user.locked_until - now).total_seconds()) + 1
        session.rollback()
        raise ApiError(423, "account_locked",
                       f"登录失败次数过多，账户已临时锁定，请在 {wait} 秒后重试。",
                       {"retry_after": wait}, headers={"Retry-After": str(wait)})
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        if user is not None:
            user.failed_logins += 1
            secs = _lock_seconds(settings, user.failed_logins)
            if secs:
                user.locked_until = now + timedelta(seconds=secs)
            chain.audit(session, actor=actor, action="auth.login_failed", entity_type="user",
                        entity_id=user.id, unit_id=user.unit_id,
                        detail={"failures": user.failed_logins, "locked_seconds": secs})
            session.commit()
            if secs:
                raise ApiError(423, "account_locked",
                               f"登录失败次数过多，账户已临时锁定 {secs} 秒。", {"retry_after": secs},
                               headers={"Retry-After": str(secs)})
        else:
            session.rollback()
        raise ApiError(401, "bad_credentials", BAD_CREDENTIALS)
    user.failed_logins = 0
    user.locked_until = None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    out = _issue(session, settings, user, device_id=device_id, device_name=device_name)
    chain.audit(session, actor=actor, action="auth.login", entity_type="user", entity_id=user.id,
                unit_id=user.unit_id, detail={"device_name": device_name})
    session.commit()
    return out


def _unknown_user(session: Session, settings: Settings, *, username: str, password: str,
                  now: datetime) -> dict:
    """Same work, same answers and same lockout as for a real account."""
    key = hash_token(username.strip().lower())
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as dialect_insert
    else:
        from sqlalchemy.dialects.sqlite import insert as dialect_insert
    session.execute(dialect_insert(LoginThrottle).values(key=key, failures=0, updated_at=now)
                    .on_conflict_do_nothing())
    row = session.execute(select(LoginThrottle).where(LoginThrottle.key == key)
                          .with_for_update()).scalar_one()
    if row.locked_until is not None and row.locked_until > now:
        wait = int((row.locked_until - now).total_seconds()) + 1
        session.commit()
        raise ApiError(423, "account_locked",
                       f"登录失败次数过多，账户已临时锁定，请在 {wait} 秒后重试。",
                       {"retry_after": wait}, headers={"Retry-After": str(wait)})
    verify_password(None, password)  # constant work
    row.failures += 1
    secs = _lock_seconds(settings, row.failures)
    if secs:
        row.locked_until = now + timedelta(seconds=secs)
    session.commit()
    if secs:
        raise ApiError(423, "account_locked", f"登录失败次数过多，账户已临时锁定 {secs} 秒。",
                       {"retry_after": secs}, headers={"Retry-After": str(secs)})
    raise ApiError(401, "bad_credentials", BAD_CREDENTIALS)


def refresh(session: Session, settings: Settings, *, refresh_token: str, device_id: str) -> dict:
    rt = session.execute(select(RefreshToken).where(
        RefreshToken.token_hash == hash_token(refresh_token)).with_for_update()
    ).scalar_one_or_none()
    invalid = ApiError(401, "invalid_refresh_token", "登录已失效，请重新登录。")
    if rt is None:
        raise invalid
    now = _now()
    if rt.revoked_at is not None:
        if rt.revoke_reason == "rotated":  # a stolen, already-used token: kill the family
            revoke_family(session, rt.family_id, "reuse_detected")
            chain.audit(session, actor=chain.Actor(rt.user_id, None, device_id),
                        action="auth.refresh_reuse", entity_type="session",
                        entity_id=rt.family_id)
            session.commit()
        raise invalid
    if rt.expires_at <= now or rt.device_id != device_id:
        if rt.device_id != device_id:
            revoke_family(session, rt.family_id, "device_mismatch")
            session.commit()
        raise invalid
    user = session.get(User, rt.user_id)
    if user is None or not user.is_active:
        raise invalid
    rt.revoked_at = now
    rt.revoke_reason = "rotated"
    out = _issue(session, settings, user, device_id=device_id, device_name=rt.device_name,
                 family_id=rt.family_id)
    session.commit()
    return out


def revoke_family(session: Session, family_id: uuid.UUID, reason: str) -> None:
    session.execute(update(RefreshToken).where(RefreshToken.family_id == family_id,
                                               RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=_now(), revoke_reason=reason))


def revoke_all(session: Session, user_id: int, reason: str) -> None:
    session.execute(update(RefreshToken).where(RefreshToken.user_id == user_id,
                                               RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=_now(), revoke_reason=reason))


def logout(session: Session, *, user: User, refresh_token: str | None,
           session_id: str | None, device_id: str | None) -> None:
    user = session.get(User, user.id)
    fam = None
    if refresh_token:
        rt = session.execute(select(RefreshToken).where(
            RefreshToken.token_hash == hash_token(refresh_token))).scalar_one_or_none()
        if rt is not None and rt.user_id == user.id:
            fam = rt.family_id
    if fam is None and session_id:
        fam = uuid.UUID(session_id)
    if fam is not None:
        revoke_family(session, fam, "logout")
    chain.audit(session, actor=chain.Actor(user.id, user.username, device_id),
                action="auth.logout", entity_type="session", entity_id=fam, unit_id=user.unit_id)
    session.commit()


def session_active(session: Session, family_id: str) -> bool:
    try:
        fam = uuid.UUID(family_id)
    except ValueError:
        return False
    return session.execute(select(RefreshToken.id).where(
        RefreshToken.family_id == fam, RefreshToken.revoked_at.is_(None),
        RefreshToken.expires_at > _now()).limit(1)).first() is not None


def change_password(session: Session, settings: Settings, *, user: User, old_password: str,
                    new_password: str, device_id: str) -> dict:
    user = session.execute(select(User).where(User.id == user.id).with_for_update(of=User)
                           ).scalar_one()
    if not verify_password(user.password_hash, old_password):
        raise ApiError(403, "bad_old_password", "原密码不正确。")
    if p := password_problem(new_password, username=user.username):
        raise ApiError(422, "weak_password", p)
    if verify_password(user.password_hash, new_password):
        raise ApiError(422, "password_reused", "新密码不能与原密码相同。")
    user.password_hash = hash_password(new_password)
    user.token_version += 1
    user.password_changed_at = _now()
    session.execute(update(RefreshToken).where(RefreshToken.user_id == user.id,
                                               RefreshToken.revoked_at.is_(None))
                    .values(revoked_at=_now(), revoke_reason="password_changed"))
    chain.audit(session, actor=chain.Actor(user.id, user.username, device_id),
                action="auth.password_change", entity_type="user", entity_id=user.id,
                unit_id=user.unit_id)
    out = _issue(session, settings, user, device_id=device_id, device_name=None)
    session.commit()
    return out

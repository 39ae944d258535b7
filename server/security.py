"""Passwords (argon2id), access tokens (short-lived HS256 JWT) and refresh tokens (random,
stored as SHA-256, bound to a device, rotated on use, revocable)."""
from __future__ import annotations

import hashlib
import re
import secrets
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from server.settings import Settings

# argon2id (the library default type); ~50 ms on the reference machine.
_hasher = PasswordHasher(time_cost=2, memory_cost=19_456, parallelism=1)
_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    """Constant work whether or not the user exists."""
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(password_hash)
    except InvalidHashError:
        return True


def password_problem(password: str, *, username: str | None = None) -> str | None:
    """None when acceptable, else a Chinese explanation."""
    if len(password) < 10:
        return "密码至少需要 10 个字符。"
    if not re.search(r"[A-Za-z]", password) or not re.search(r"\d", password):
        return "密码必须同时包含字母和数字。"
    if username and username.lower() in password.lower():
        return "密码不能包含用户名。"
    return None


def new_refresh_token() -> tuple[str, str]:
    token = secrets.token_urlsafe(32)
    return token, hash_token(token)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_access_token(settings: Settings, *, user_id: int, token_version: int,
                        session_id: uuid.UUID, device_id: str) -> tuple[str, int]:
    ttl = settings.access_token_minutes * 60
    now = datetime.now(UTC)
    payload = {"sub": str(user_id), "tv": token_version, "sid": str(session_id), "dev": device_id,
               "iat": int(now.timestamp()), "exp": int((now + timedelta(seconds=ttl)).timestamp()),
               "typ": "access"}
    return jwt.encode(payload, settings.secret_key, algorithm="HS256"), ttl


def decode_access_token(settings: Settings, token: str) -> dict[str, Any] | None:
    try:
        data = jwt.decode(token, settings.secret_key, algorithms=["HS256"],
                          options={"require": ["exp", "sub", "sid"]})
    except jwt.PyJWTError:
        return None
    return data if data.get("typ") == "access" else None

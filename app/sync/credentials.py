"""Sign-in plumbing: tokens in the OS keyring, a local argon2 verifier for offline unlock.

* Tokens (access + refresh) are kept only in the OS keyring through :mod:`keyring`
  (Windows Credential Manager, macOS Keychain, Secret Service on Linux) — never in a plain
  file. Each token is its own entry (Windows limits one entry to 2,560 bytes).
* After a first *online* sign-in, an argon2id hash of the password is kept in the local
  database (``accounts.password_verifier``) so that the user can unlock and work offline.
  It is a verifier, not a secret: the password itself is never stored.
* Sign-out deletes the tokens from the keyring (and, on request, the offline verifier).
* Where no OS keyring exists (a headless Linux box), :class:`KeyringUnavailable` says so in
  one clear message that names keyring's standard ``PYTHON_KEYRING_BACKEND`` switch. The
  ``null`` backend, which silently drops what it is given, counts as "no keyring" too.
"""
from __future__ import annotations

import json
import os
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import keyring
import keyring.errors
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from app.db import Database
from app.models import Account, utcnow

SERVICE = "jincai-desk"
_UNUSABLE_BACKENDS = {"keyring.backends.fail.Keyring", "keyring.backends.null.Keyring"}
_hasher = PasswordHasher()  # argon2id, library defaults (RFC 9106 low-memory profile)


# --------------------------------------------------------------------------- errors


class CredentialError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class KeyringUnavailable(CredentialError):
    """No usable OS keyring: tokens cannot be kept (and are never written to a file)."""

    def __init__(self, backend: str, detail: str = "") -> None:
        self.backend = backend
        env = os.environ.get("PYTHON_KEYRING_BACKEND")
        env_text = f"PYTHON_KEYRING_BACKEND={env}" if env else "PYTHON_KEYRING_BACKEND 未设置 (not set)"
        super().__init__(
            f"没有可用的系统密钥环（当前后端：{backend}；{env_text}），登录令牌不能保存，也不会写入普通文件。"
            "请启用系统密钥环（Linux：gnome-keyring 或 KWallet 提供的 Secret Service），"
            "或用环境变量 PYTHON_KEYRING_BACKEND 指定一个 keyring 后端。"
            f" / No OS keyring is available (backend: {backend}; {env_text}); sign-in tokens"
            " cannot be kept and are never written to a plain file. Start/unlock a Secret Service"
            " (gnome-keyring, KWallet) or choose a backend with PYTHON_KEYRING_BACKEND (e.g."
            " keyrings.alt.file.PlaintextKeyring for development only)."
            + (f" [{detail}]" if detail else "")
        )


class OfflineUnlockError(CredentialError):
    pass


# --------------------------------------------------------------------------- keyring


def _backend_name(backend: object | None = None) -> str:
    backend = backend if backend is not None else keyring.get_keyring()
    cls = type(backend)
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True, slots=True)
class KeyringStatus:
    ok: bool
    backend: str
    message: str


def keyring_status() -> KeyringStatus:
    """Whether tokens can be kept here, for ``jincai status`` and the sign-in dialog."""
    name = _backend_name()
    if name in _UNUSABLE_BACKENDS or _is_chainer_without_backends():
        return KeyringStatus(False, name, KeyringUnavailable(name).message)
    return KeyringStatus(True, name, f"令牌保存在系统密钥环 / tokens kept in the OS keyring ({name})")


def _is_chainer_without_backends() -> bool:
    backend = keyring.get_keyring()
    backends = getattr(backend, "backends", None)
    return backends is not None and not backends


def normalise_server_url(url: str) -> str:
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        raise CredentialError(f"服务器地址无效：{url!r}（例如 https://jincai.example.gov.cn）")
    path = parts.path.rstrip("/")
    return f"{parts.scheme.lower()}://{parts.netloc.lower()}{path}"


@dataclass(frozen=True, slots=True)
class Tokens:
    access_token: str
    refresh_token: str
    expires_at: datetime | None = None  # of the access token, UTC

    def access_expired(self, *, now: datetime | None = None, leeway_s: int = 30) -> bool:
        if self.expires_at is None:
            return False
        return (now or datetime.now(UTC)) >= self.expires_at - timedelta(seconds=leeway_s)


class TokenStore:
    """Tokens per (server, user) in the OS keyring; one entry per token."""

    def __init__(self, service: str = SERVICE) -> None:
        self.service = service

    def _entry(self, server_url: str, username: str, which: str) -> str:
        return f"{normalise_server_url(server_url)}|{username}|{which}"

    def _guard(self) -> None:
        name = _backend_name()
        if name in _UNUSABLE_BACKENDS or _is_chainer_without_backends():
            raise KeyringUnavailable(name)

    def save(self, server_url: str, username: str, tokens: Tokens) -> None:
        self._guard()
        access = json.dumps({
            "t": tokens.access_token,
            "exp": tokens.expires_at.astimezone(UTC).isoformat() if tokens.expires_at else None,
        })
        try:
            keyring.set_password(self.service, self._entry(server_url, username, "access"), access)
            keyring.set_password(
                self.service, self._entry(server_url, username, "refresh"), tokens.refresh_token
            )
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(_backend_name(), f"{type(exc).__name__}: {exc}") from exc
        # a backend that accepts and forgets (misconfigured, locked) is caught here
        if self.load(server_url, username) != tokens:
            raise KeyringUnavailable(_backend_name(), "the keyring did not keep the tokens")

    def load(self, server_url: str, username: str) -> Tokens | None:
        self._guard()
        try:
            access = keyring.get_password(self.service, self._entry(server_url, username, "access"))
            refresh = keyring.get_password(
                self.service, self._entry(server_url, username, "refresh")
            )
        except keyring.errors.KeyringError as exc:
            raise KeyringUnavailable(_backend_name(), f"{type(exc).__name__}: {exc}") from exc
        if not access or not refresh:
            return None
        try:
            data = json.loads(access)
            exp = datetime.fromisoformat(data["exp"]) if data.get("exp") else None
            return Tokens(access_token=data["t"], refresh_token=refresh, expires_at=exp)
        except (ValueError, KeyError, TypeError):
            return None

    def delete(self, server_url: str, username: str) -> bool:
        """Remove both tokens; True if anything was removed. Never raises for a missing one."""
        self._guard()
        removed = False
        for which in ("access", "refresh"):
            try:
                keyring.delete_password(self.service, self._entry(server_url, username, which))
                removed = True
            except keyring.errors.PasswordDeleteError:
                pass
            except keyring.errors.KeyringError as exc:
                raise KeyringUnavailable(_backend_name(), f"{type(exc).__name__}: {exc}") from exc
        return removed


# --------------------------------------------------------------------------- verifier


def make_verifier(password: str) -> str:
    """An argon2id hash of the password for offline unlock."""
    return _hasher.hash(password)


def verify_password(verifier: str, password: str) -> bool:
    try:
        return _hasher.verify(verifier, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


# --------------------------------------------------------------------------- accounts


@dataclass(frozen=True, slots=True)
class SignedInUser:
    server_url: str
    username: str
    display_name: str
    role: str | None
    unit_code: str | None
    online: bool  # False: unlocked offline with the local verifier
    has_tokens: bool  # tokens present in the keyring (sync possible without a new sign-in)


def record_online_sign_in(
    *,
    db: Database,
    server_url: str,
    username: str,
    password: str,
    tokens: Tokens,
    display_name: str = "",
    role: str | None = None,
    unit_code: str | None = None,
    store: TokenStore | None = None,
) -> SignedInUser:
    """After the server accepted the password: keep the tokens in the keyring (first, so a
    keyring failure leaves nothing half-done) and the offline verifier in the database."""
    store = store or TokenStore()
    server_url = normalise_server_url(server_url)
    store.save(server_url, username, tokens)
    verifier = make_verifier(password)
    with db.transaction() as s:
        acct = s.scalar(
            select(Account).where(Account.server_url == server_url, Account.username == username)
        )
        if acct is None:
            acct = Account(server_url=server_url, username=username)
            s.add(acct)
        acct.display_name = display_name or acct.display_name or ""
        acct.roles = [role] if role else acct.roles
        acct.unit_code = unit_code or acct.unit_code
        acct.password_verifier = verifier
        acct.last_online_sign_in_at = utcnow()
        acct.signed_in = True
    return SignedInUser(server_url, username, display_name, role, unit_code, True, True)


def unlock_offline(
    *, db: Database, server_url: str, username: str, password: str,
    store: TokenStore | None = None,
) -> SignedInUser:
    """Unlock without the server, with the verifier from a previous online sign-in."""
    server_url = normalise_server_url(server_url)
    with db.transaction() as s:
        acct = s.scalar(
            select(Account).where(Account.server_url == server_url, Account.username == username)
        )
        if acct is None or not acct.password_verifier:
            raise OfflineUnlockError(
                "此用户尚未在本机联网登录过，离线时无法解锁；请先联网登录一次。"
                " / This user has never signed in online on this computer; sign in online once."
            )
        if not verify_password(acct.password_verifier, password):
            raise OfflineUnlockError("用户名或密码不正确。 / Wrong user name or password.")
        if _hasher.check_needs_rehash(acct.password_verifier):
            acct.password_verifier = make_verifier(password)
        acct.last_unlock_at = utcnow()
        acct.signed_in = True
        role = (acct.roles or [None])[0]
        view = (acct.display_name, role, acct.unit_code)
    has_tokens = False
    try:
        has_tokens = (store or TokenStore()).load(server_url, username) is not None
    except KeyringUnavailable:
        pass
    return SignedInUser(server_url, username, view[0], view[1], view[2], False, has_tokens)


def sign_out(
    *, db: Database, server_url: str, username: str, forget_offline: bool = False,
    store: TokenStore | None = None,
) -> bool:
    """Remove the tokens from the keyring; ``forget_offline`` also removes the verifier.
    Unsent drafts and the outbox stay: they belong to the machine's user, and are sent at
    the next sign-in. Returns True if tokens were removed."""
    server_url = normalise_server_url(server_url)
    removed = False
    try:
        removed = (store or TokenStore()).delete(server_url, username)
    except KeyringUnavailable:
        pass  # nothing can have been stored there
    with db.transaction() as s:
        acct = s.scalar(
            select(Account).where(Account.server_url == server_url, Account.username == username)
        )
        if acct is not None:
            acct.signed_in = False
            if forget_offline:
                acct.password_verifier = None
    return removed


def device_id(data_dir: Path) -> str:
    """A stable id for this installation (``LoginRequest.device_id``); not a secret."""
    path = Path(data_dir) / "device-id"
    try:
        value = path.read_text("ascii").strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = str(uuid.uuid4())
    tmp = path.with_name("device-id.part")
    tmp.write_text(value, "ascii")
    os.replace(tmp, path)
    return value

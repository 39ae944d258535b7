"""The httpx client of the central server: sign-in, token refresh, and the sync
:class:`~app.sync.transport.Transport` (``/version``, ``/api/v1/sync/push|pull``,
``/api/v1/attachments/{sha256}``).

* Every sync request carries ``X-Jincai-Protocol``; HTTP 426 becomes
  :class:`UpgradeRequired` with the server's message.
* A 401 refreshes the tokens once (rotation: the new pair goes straight back to the
  keyring) and repeats the request, so a token that expires mid-sync is invisible.
* Connection errors, timeouts and 5xx become :class:`TransportError` (the engine backs off).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import httpx

from app.db import Database
from app.sync.credentials import (
    KeyringUnavailable,
    SignedInUser,
    Tokens,
    TokenStore,
    normalise_server_url,
    record_online_sign_in,
)
from app.sync.credentials import sign_out as forget_tokens
from app.sync.transport import AuthRequired, TransportError, UpgradeRequired

try:
    from fiscal.schemas.sync import PROTOCOL_HEADER, PROTOCOL_VERSION
except ImportError:  # pragma: no cover
    PROTOCOL_HEADER, PROTOCOL_VERSION = "X-Jincai-Protocol", 1

API = "/api/v1"


class RequestRefused(Exception):
    """A 4xx answer to a whole request (not a per-command answer)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message


def _error_body(r: httpx.Response) -> tuple[str, str]:
    try:
        body = r.json()
        return str(body.get("code") or r.status_code), str(body.get("message") or r.text)
    except ValueError:
        return str(r.status_code), r.text[:300]


def error_body(r: httpx.Response) -> tuple[str, str]:
    """``(code, message)`` of a refusal (the server's ``{code, message, details}`` body)."""
    return _error_body(r)


def _tokens_from(pair: dict[str, Any]) -> Tokens:
    expires = pair.get("expires_in")
    exp = datetime.now(UTC) + timedelta(seconds=int(expires)) if expires else None
    return Tokens(pair["access_token"], pair["refresh_token"], exp)


def _send(client: httpx.Client, method: str, url: str, **kw: Any) -> httpx.Response:
    try:
        r = client.request(method, url, **kw)
    except httpx.TransportError as exc:  # connect/read/write errors, timeouts, protocol errors
        raise TransportError(f"{method} {url}: {type(exc).__name__}: {exc}") from exc
    if r.status_code == 426:
        raise UpgradeRequired(_error_body(r)[1])
    if r.status_code >= 500 or r.status_code in (408, 429):
        raise TransportError(f"{method} {url}: HTTP {r.status_code}")
    return r


def login(
    *, server_url: str, username: str, password: str, device_id: str,
    client: httpx.Client | None = None, device_name: str | None = None,
) -> tuple[Tokens, dict[str, Any]]:
    """POST /api/v1/auth/login -> (tokens, user). Wrong credentials: RequestRefused (401/423)."""
    own = client is None
    client = client or httpx.Client(base_url=normalise_server_url(server_url), timeout=30)
    try:
        r = _send(client, "POST", f"{API}/auth/login", json={
            "username": username, "password": password, "device_id": device_id,
            **({"device_name": device_name} if device_name else {}),
        })
        if r.status_code != 200:
            raise RequestRefused(r.status_code, *_error_body(r))
        pair = r.json()
        return _tokens_from(pair), pair.get("user") or {}
    finally:
        if own:
            client.close()


def sign_in(
    *, db: Database, server_url: str, username: str, password: str, device_id: str,
    client: httpx.Client | None = None, store: TokenStore | None = None,
) -> SignedInUser:
    """Online sign-in: the server checks the password; tokens go to the keyring and the
    offline verifier to the local database."""
    tokens, user = login(server_url=server_url, username=username, password=password,
                         device_id=device_id, client=client)
    return record_online_sign_in(
        db=db, server_url=server_url, username=username, password=password, tokens=tokens,
        display_name=user.get("display_name") or "", role=user.get("role"),
        unit_code=user.get("unit_code"), store=store,
    )


def sign_out(
    *, db: Database, server_url: str, username: str, forget_offline: bool = False,
    client: httpx.Client | None = None, store: TokenStore | None = None,
) -> bool:
    """Sign out: ask the server to end this device's session (best effort: offline, the
    tokens are simply forgotten), then delete the tokens from the keyring. Returns whether
    the server confirmed."""
    store = store or TokenStore()
    confirmed = False
    try:
        tokens = store.load(server_url, username)
    except KeyringUnavailable:
        tokens = None
    if tokens is not None:
        own = client is None
        client = client or httpx.Client(base_url=normalise_server_url(server_url), timeout=10)
        try:
            r = _send(client, "POST", f"{API}/auth/logout",
                      json={"refresh_token": tokens.refresh_token},
                      headers={"Authorization": f"Bearer {tokens.access_token}"})
            confirmed = r.status_code in (200, 204)
        except (TransportError, UpgradeRequired):
            confirmed = False
        finally:
            if own:
                client.close()
    forget_tokens(db=db, server_url=server_url, username=username,
                  forget_offline=forget_offline, store=store)
    return confirmed


class HttpTransport:
    """The sync Transport over HTTPS. ``client`` may be any httpx.Client (tests pass
    Starlette's TestClient bound to the server app)."""

    def __init__(
        self, *, server_url: str, username: str, device_id: str,
        store: TokenStore | None = None, client: httpx.Client | None = None,
        timeout: float = 30.0,
    ) -> None:
        self.server_url = normalise_server_url(server_url)
        self.username = username
        self.device_id = device_id
        self.store = store or TokenStore()
        self._own_client = client is None
        self.client = client or httpx.Client(base_url=self.server_url, timeout=timeout)
        self._tokens: Tokens | None = None

    def close(self) -> None:
        if self._own_client:
            self.client.close()

    # ---------------------------------------------------------------- auth
    def _current(self) -> Tokens:
        if self._tokens is None:
            self._tokens = self.store.load(self.server_url, self.username)
        if self._tokens is None:
            raise AuthRequired()
        return self._tokens

    def refresh(self) -> Tokens:
        old = self._current()
        r = _send(self.client, "POST", f"{API}/auth/refresh",
                  json={"refresh_token": old.refresh_token, "device_id": self.device_id})
        if r.status_code != 200:
            raise AuthRequired(_error_body(r)[1])
        self._tokens = _tokens_from(r.json())
        self.store.save(self.server_url, self.username, self._tokens)
        return self._tokens

    def _request(self, method: str, path: str, *, sync: bool = False, **kw: Any) -> httpx.Response:
        tokens = self._current()
        if tokens.access_expired():
            tokens = self.refresh()
        for attempt in (0, 1):
            headers = dict(kw.pop("headers", None) or {})
            headers["Authorization"] = f"Bearer {tokens.access_token}"
            if sync:
                headers[PROTOCOL_HEADER] = str(PROTOCOL_VERSION)
            r = _send(self.client, method, path, headers=headers, **kw)
            if r.status_code == 401 and attempt == 0:
                tokens = self.refresh()
                kw["headers"] = {k: v for k, v in headers.items() if k != "Authorization"}
                continue
            if r.status_code == 401:
                raise AuthRequired(_error_body(r)[1])
            return r
        raise AssertionError("unreachable")  # pragma: no cover

    def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        """An authenticated request to any server path (``json=``, ``content=``, ``params=``,
        ``headers=``, ``timeout=`` as for httpx), with the same token refresh as sync. The
        caller reads the status; connection errors, timeouts and 5xx raise TransportError."""
        return self._request(method, path, **kw)

    @staticmethod
    def _ok(r: httpx.Response) -> Any:
        if r.status_code >= 400:
            raise RequestRefused(r.status_code, *_error_body(r))
        return r.json()

    # ---------------------------------------------------------------- Transport
    def server_info(self) -> dict[str, Any]:
        return self._ok(_send(self.client, "GET", "/version"))

    def push(self, commands: list[dict[str, Any]]) -> dict[str, Any]:
        return self._ok(self._request("POST", f"{API}/sync/push", sync=True,
                                      json={"commands": commands}))

    def pull(self, since: int, limit: int) -> dict[str, Any]:
        return self._ok(self._request("GET", f"{API}/sync/pull", sync=True,
                                      params={"since": since, "limit": limit}))

    def has_attachment(self, sha256: str) -> bool:
        r = self._request("GET", f"{API}/attachments/{sha256}")
        if r.status_code == 404:
            return False
        self._ok(r)
        return True

    def upload_attachment(self, sha256: str, path: Path, media_type: str) -> None:
        self._ok(self._request("PUT", f"{API}/attachments/{sha256}", content=path.read_bytes(),
                               headers={"Content-Type": media_type}))

    def download_attachment(self, sha256: str, out: BinaryIO) -> int:
        """Stream an attachment's bytes (``GET /attachments/{sha256}/content``) into ``out``;
        returns the byte count. The caller checks the hash. 404/410 and other refusals raise
        :class:`RequestRefused`; a dropped connection raises TransportError."""
        path = f"{API}/attachments/{sha256}/content"
        tokens = self._current()
        if tokens.access_expired():
            tokens = self.refresh()
        for attempt in (0, 1):
            try:
                with self.client.stream("GET", path, headers={
                        "Authorization": f"Bearer {tokens.access_token}"}) as r:
                    if r.status_code == 401 and attempt == 0:
                        r.read()
                    elif r.status_code >= 500 or r.status_code in (408, 429):
                        raise TransportError(f"GET {path}: HTTP {r.status_code}")
                    elif r.status_code != 200:
                        r.read()
                        if r.status_code == 401:
                            raise AuthRequired(_error_body(r)[1])
                        raise RequestRefused(r.status_code, *_error_body(r))
                    else:
                        n = 0
                        for block in r.iter_bytes(1 << 16):
                            out.write(block)
                            n += len(block)
                        return n
            except httpx.TransportError as exc:
                raise TransportError(f"GET {path}: {type(exc).__name__}: {exc}") from exc
            tokens = self.refresh()
        raise AssertionError("unreachable")  # pragma: no cover

    def check_invoices(self, keys: list[str]) -> list[dict[str, Any]]:
        """Whether each invoice key (fiscal.ids.invoice_key) is already attached to a live
        application anywhere on the server: ``[{key, used, application_id?, app_no?, status?,
        same_unit?}]`` — the application is named only when it is in this user's scope."""
        return self._ok(self._request("POST", f"{API}/invoices/check",
                                      json={"keys": list(keys)}))["results"]

    def counts(self) -> dict[str, int] | None:
        ind = self._ok(self._request("GET", f"{API}/indicators", params={"limit": 1}))
        apps = self._ok(self._request("GET", f"{API}/applications", params={"limit": 1}))
        return {"indicator": int(ind["total"]), "application": int(apps["total"])}

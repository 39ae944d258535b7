"""What the sync engine needs from the server, as a protocol (the httpx client implements it;
tests use an in-memory fake). Payloads are plain dicts shaped like ``fiscal.schemas.sync``:

* ``server_info()`` -> ``ServerInfo`` (name, version, protocol_version, min/max_protocol_version)
* ``push(commands)`` -> ``PushResults`` ({results: [{idempotency_key, status, http_status,
  code, message, data, replayed}], server_seq})
* ``pull(since, limit)`` -> ``PullPage`` ({changes: [{seq, entity, id, op, data}], next_since,
  has_more, server_seq})
* ``has_attachment(sha256)`` / ``upload_attachment(sha256, path, media_type)``
* ``counts()`` -> {"indicator": n, "application": m} in the caller's scope, or None when the
  server cannot say (the sanity stage is then skipped).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol


class TransportError(Exception):
    """A network-level failure worth retrying (connection refused/reset, timeout, 5xx)."""


class UpgradeRequired(Exception):
    """HTTP 426 or a protocol version outside the server's window: the client must upgrade."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (
            "服务器要求升级金财桌面端后才能同步，请安装新版本。未发送的内容都保留在本机。"
            " / The server requires a newer Jincai Desk; please upgrade. Nothing unsent is lost."
        )
        super().__init__(self.message)


class AuthRequired(Exception):
    """The tokens are gone or could not be refreshed: the user must sign in online."""

    def __init__(self, message: str | None = None) -> None:
        self.message = message or "登录已失效，请联网重新登录后再同步。 / Please sign in again."
        super().__init__(self.message)


class Transport(Protocol):
    def server_info(self) -> dict[str, Any]: ...

    def push(self, commands: list[dict[str, Any]]) -> dict[str, Any]: ...

    def pull(self, since: int, limit: int) -> dict[str, Any]: ...

    def has_attachment(self, sha256: str) -> bool: ...

    def upload_attachment(self, sha256: str, path: Path, media_type: str) -> None: ...

    def counts(self) -> dict[str, int] | None: ...

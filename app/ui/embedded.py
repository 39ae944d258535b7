"""The embedded default of ``make run``: a local central server on a free localhost port,
SQLite in the user's data folder, demo data seeded on first run.

The client never imports ``server`` (layering): :mod:`app.demo` runs it as a child process
(``jincai-server`` beside the client, or ``python -m server``) and it is stopped with the client.
Its demo users' one-time passwords (``seed-demo --json``) are kept next to its database so that
the sign-in dialog can list them (demo data only — never do this with real accounts).
"""
from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path

from app import demo
from app.services.ui_queries import DemoUser

log = logging.getLogger(__name__)

ROLE_NAMES = {
    "accountant": "单位经办人", "unit_finance_head": "单位财务负责人", "unit_head": "单位负责人",
    "bureau_division": "业务处室", "treasury": "国库支付中心", "admin": "系统管理员",
}
USERS_FILE = "demo-users.json"


class EmbeddedServerError(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def demo_users_from_seed(rows: list[dict]) -> list[DemoUser]:
    """The users ``jincai-server seed-demo --json`` created, accountants first."""
    users = [DemoUser(r["username"], r["password"],
                      r["username"] + (f" {r['unit']}" if r.get("unit") else ""),
                      r["role"], ROLE_NAMES.get(r["role"], r["role"])) for r in rows]
    order = list(ROLE_NAMES)
    users.sort(key=lambda u: (order.index(u.role) if u.role in order else len(order), u.username))
    return users


@dataclass
class EmbeddedServer:
    """The UI's handle on :mod:`app.demo` (which finds ``jincai-server`` in a venv or a bundle)."""

    data_dir: Path
    url: str = ""
    _server: demo.DemoServer | None = None

    @property
    def process(self) -> subprocess.Popen | None:
        return self._server.process if self._server else None

    def prepare(self) -> list[DemoUser]:
        """Migrate, and seed the demo data on first run; returns the demo users."""
        try:
            _, rows = demo.prepare(self.data_dir)
        except demo.DemoServerError as exc:
            raise EmbeddedServerError(exc.message) from exc
        return demo_users_from_seed(rows)

    def start(self, timeout: float = 40) -> str:
        try:
            self._server = demo.start(self.data_dir, wait_seconds=timeout)
        except demo.DemoServerError as exc:
            raise EmbeddedServerError(exc.message) from exc
        self.url = self._server.url
        return self.url

    def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.stop()


def use_memory_keyring_if_needed() -> bool:
    """Demo only: without an OS keyring, keep tokens in memory for this session."""
    try:
        from app.sync.credentials import keyring_status
    except ImportError:  # pragma: no cover
        return False
    if keyring_status().ok:
        return False
    import keyring
    from keyring.backend import KeyringBackend

    class SessionKeyring(KeyringBackend):
        priority = 0.1  # type: ignore[assignment]

        def __init__(self) -> None:
            super().__init__()
            self.store: dict[tuple[str, str], str] = {}

        def get_password(self, service: str, username: str) -> str | None:
            return self.store.get((service, username))

        def set_password(self, service: str, username: str, password: str) -> None:
            self.store[(service, username)] = password

        def delete_password(self, service: str, username: str) -> None:
            self.store.pop((service, username), None)

    keyring.set_keyring(SessionKeyring())
    log.warning("no OS keyring: demo tokens are kept in memory for this session only")
    return True

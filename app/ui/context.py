"""What every screen shares: the local database, the task runner, the signed-in user, the
connection state and the in-app notification channel. Passed to screens explicitly (no
global main-window singleton)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal

from app.db import Database
from app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)


@dataclass
class SignedInUser:
    username: str
    display_name: str
    roles: tuple[str, ...] = ()
    unit_code: str | None = None
    server_url: str = ""
    online: bool = False
    access_token: str | None = field(default=None, repr=False)  # memory only

    def has_role(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def is_reviewer(self) -> bool:
        return self.has_role("unit_reviewer", "finance_reviewer", "finance_admin",
                             "unit_finance_head", "unit_head", "bureau_division", "treasury")


class UiContext(QObject):
    sig_online_changed = Signal(bool)
    sig_user_changed = Signal(object)
    sig_notification = Signal(str, str)  # level (info|success|warning|error), text
    sig_open_application = Signal(str)  # application id: open it in the form
    sig_new_application = Signal(str)  # indicator id ('' for none): start a new one

    def __init__(self, db: Database, runner: TaskRunner | None = None, *,
                 user: SignedInUser | None = None, demo: bool = False,
                 sync_fn: Callable[..., Any] | None = None,
                 fetch_attachment: Callable[[str], Path] | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.db = db
        self.runner = runner or TaskRunner(self)
        self.user = user
        self.demo = demo
        self.sync_fn = sync_fn
        #: sha256 → local file, downloading (verified) from the server when needed; runs in
        #: the task runner. Default: the signed-in user's server (see fetch_attachment_for).
        self.fetch_attachment = fetch_attachment or self._fetch_from_server
        self._online = bool(user and user.online)
        self.runner.sig_error.connect(self._on_runner_error)

    @property
    def online(self) -> bool:
        return self._online

    def set_online(self, online: bool) -> None:
        if online != self._online:
            self._online = online
            self.sig_online_changed.emit(online)

    def set_user(self, user: SignedInUser) -> None:
        self.user = user
        self.set_online(user.online)
        self.sig_user_changed.emit(user)

    def notify(self, text: str, level: str = "info") -> None:
        log.info("notification [%s] %s", level, text)
        self.sig_notification.emit(level, text)

    def _fetch_from_server(self, sha256: str) -> Path:
        from app.services.ui_queries import fetch_attachment

        user = self.user
        return fetch_attachment(db=self.db, sha256=sha256,
                                server_url=user.server_url if user and user.online else None,
                                username=user.username if user else None)

    def _on_runner_error(self, label: str, message: str) -> None:
        self.notify(message, "error")

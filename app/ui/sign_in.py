"""Sign-in dialog: server address, user, password; offline unlock; demo users in demo mode.

Online sign-in goes through :func:`app.sync.http.sign_in` (tokens to the OS keyring, an
argon2 verifier to the local database); offline unlock through
:func:`app.sync.credentials.unlock_offline`. Both run on the task runner.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.db import Database
from app.services.ui_queries import DEMO_USERS, DemoUser
from app.ui.context import SignedInUser
from app.ui.tasks import TaskRunner

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #c0392b;"

SignInFn = Callable[..., Any]


def validate_server_url(text: str) -> str | None:
    """None when usable, else the Chinese reason (the dialog shows it beside the field)."""
    from PySide6.QtCore import QCoreApplication

    t = QCoreApplication.translate
    text = text.strip()
    if not text:
        return t("SignInDialog", "请填写服务器地址")
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return t("SignInDialog", "地址应以 https:// 或 http:// 开头，例如 https://jincai.example.gov.cn")
    if " " in text:
        return t("SignInDialog", "地址中不能有空格")
    return None


def _to_ui_user(user: Any, roles_fallback: tuple[str, ...] = ()) -> SignedInUser:
    role = getattr(user, "role", None)
    return SignedInUser(
        username=user.username, display_name=user.display_name or user.username,
        roles=(role,) if role else roles_fallback, unit_code=user.unit_code,
        server_url=user.server_url, online=bool(user.online))


def default_online_sign_in(*, db: Database, server_url: str, username: str, password: str
                           ) -> Any:
    from app.sync.credentials import device_id
    from app.sync.http import sign_in

    return sign_in(db=db, server_url=server_url, username=username, password=password,
                   device_id=device_id(db.data_dir))


def default_offline_unlock(*, db: Database, server_url: str, username: str, password: str
                           ) -> Any:
    from app.sync.credentials import unlock_offline

    return unlock_offline(db=db, server_url=server_url, username=username, password=password)


class SignInDialog(QDialog):
    sig_signed_in = Signal(object)  # SignedInUser

    def __init__(self, db: Database, runner: TaskRunner, *, demo: bool = False,
                 server_url: str = "", username: str = "",
                 online_sign_in: SignInFn = default_online_sign_in,
                 offline_unlock: SignInFn = default_offline_unlock,
                 demo_users: tuple[DemoUser, ...] = DEMO_USERS,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("signInDialog")
        self.setWindowTitle(self.tr("登录 — 金财桌面端"))
        self._db, self._runner, self._demo = db, runner, demo
        self._online_sign_in, self._offline_unlock = online_sign_in, offline_unlock
        self._user: SignedInUser | None = None
        self._busy = False

        title = QLabel(self.tr("<h2>金财桌面端</h2><p>国库集中支付客户端</p>"))
        self.server_edit = QLineEdit(server_url)
        self.server_edit.setObjectName("serverField")
        self.server_edit.setPlaceholderText("https://jincai.example.gov.cn")
        self.user_edit = QLineEdit(username)
        self.user_edit.setObjectName("userField")
        self.password_edit = QLineEdit()
        self.password_edit.setObjectName("passwordField")
        self.password_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.offline_check = QCheckBox(self.tr("离线解锁（使用本机上次联网登录时保存的验证信息）"))
        self.offline_check.setObjectName("offlineCheck")
        self._errors: dict[str, QLabel] = {}
        grid = QGridLayout()
        for row, (key, text, widget) in enumerate((
                ("server", self.tr("服务器地址(&S)"), self.server_edit),
                ("user", self.tr("用户名(&U)"), self.user_edit),
                ("password", self.tr("密码(&P)"), self.password_edit))):
            label = QLabel(text)
            label.setBuddy(widget)
            err = QLabel()
            err.setObjectName(f"error_{key}")
            err.setTextFormat(Qt.TextFormat.PlainText)
            err.setStyleSheet(ERROR_STYLE)
            err.setWordWrap(True)
            grid.addWidget(label, row * 2, 0)
            grid.addWidget(widget, row * 2, 1)
            grid.addWidget(err, row * 2 + 1, 1)
            self._errors[key] = err
        grid.setColumnMinimumWidth(1, 320)

        self.demo_list = QListWidget()
        self.demo_list.setObjectName("demoUsers")
        self.demo_list.setMaximumHeight(150)
        demo_box = QWidget()
        demo_layout = QVBoxLayout(demo_box)
        demo_layout.setContentsMargins(0, 0, 0, 0)
        demo_layout.addWidget(QLabel(self.tr("演示模式：选择一个演示用户（密码自动填入）")))
        demo_layout.addWidget(self.demo_list)
        demo_box.setVisible(demo)
        self._demo_box = demo_box
        self.set_demo_users(demo_users)

        self._message = QLabel()
        self._message.setObjectName("signInMessage")
        self._message.setTextFormat(Qt.TextFormat.PlainText)
        self._message.setWordWrap(True)
        self._message.setStyleSheet(ERROR_STYLE)
        self._progress = QProgressBar()
        self._progress.setRange(0, 0)
        self._progress.setVisible(False)
        self._progress.setMaximumHeight(8)
        self._progress.setTextVisible(False)
        self.sign_in_button = QPushButton(self.tr("登录"))
        self.sign_in_button.setObjectName("signInButton")
        self.sign_in_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("退出"))
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.sign_in_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addLayout(grid)
        layout.addWidget(self.offline_check)
        layout.addWidget(demo_box)
        layout.addWidget(self._message)
        layout.addWidget(self._progress)
        layout.addLayout(buttons)

        self.sign_in_button.clicked.connect(self._on_sign_in_button_clicked)
        self.cancel_button.clicked.connect(self.reject)
        self.demo_list.itemActivated.connect(self._on_demo_list_activated)
        self.demo_list.itemClicked.connect(self._on_demo_list_activated)
        self.server_edit.textEdited.connect(lambda _t: self._errors["server"].setText(""))
        self.user_edit.textEdited.connect(lambda _t: self._errors["user"].setText(""))
        self.password_edit.textEdited.connect(lambda _t: self._errors["password"].setText(""))
        self.setTabOrder(self.server_edit, self.user_edit)
        self.setTabOrder(self.user_edit, self.password_edit)
        self.setTabOrder(self.password_edit, self.offline_check)
        self.setTabOrder(self.offline_check, self.demo_list)
        self.setTabOrder(self.demo_list, self.sign_in_button)
        (self.password_edit if username else self.user_edit if server_url
         else self.server_edit).setFocus()

    # ------------------------------------------------------------------ API

    def set_demo_users(self, users: tuple[DemoUser, ...] | list[DemoUser]) -> None:
        self.demo_list.clear()
        for u in users:
            item = QListWidgetItem(f"{u.display_name}（{self.tr(u.role_name)}）  {u.username}"
                                   if u.display_name != u.username
                                   else f"{u.username}（{self.tr(u.role_name)}）")
            item.setData(Qt.ItemDataRole.UserRole, u)
            self.demo_list.addItem(item)

    def set_preparing(self, text: str | None) -> None:
        """While the embedded server starts: say so and wait (None when ready)."""
        self._set_busy(bool(text))
        self._message.setStyleSheet("color:#1b4f72;" if text else ERROR_STYLE)
        self._message.setText(text or "")

    def set_server_url(self, url: str) -> None:
        self.server_edit.setText(url)

    def show_error(self, text: str) -> None:
        self._message.setStyleSheet(ERROR_STYLE)
        self._message.setText(text)

    def user(self) -> SignedInUser | None:
        return self._user

    def error_text(self, key: str) -> str:
        return self._errors[key].text()

    def message_text(self) -> str:
        return self._message.text()

    def validate(self) -> bool:
        """Check the fields; errors appear beside them. True when all are usable."""
        for e in self._errors.values():
            e.setText("")
        ok = True
        problem = validate_server_url(self.server_edit.text())
        if problem:
            self._errors["server"].setText(problem)
            ok = False
        if not self.user_edit.text().strip():
            self._errors["user"].setText(self.tr("请填写用户名"))
            ok = False
        elif any(ch.isspace() for ch in self.user_edit.text().strip()):
            self._errors["user"].setText(self.tr("用户名中不能有空格"))
            ok = False
        if not self.password_edit.text():
            self._errors["password"].setText(self.tr("请填写密码"))
            ok = False
        for key, widget in (("server", self.server_edit), ("user", self.user_edit),
                            ("password", self.password_edit)):
            if self._errors[key].text():
                widget.setFocus()
                break
        return ok

    # ------------------------------------------------------------------ slots

    def _on_demo_list_activated(self, item: QListWidgetItem) -> None:
        u: DemoUser = item.data(Qt.ItemDataRole.UserRole)
        self.user_edit.setText(u.username)
        self.password_edit.setText(u.password)
        for e in self._errors.values():
            e.setText("")
        self.sign_in_button.setFocus()

    def _set_busy(self, busy: bool) -> None:
        self._busy = busy
        self._progress.setVisible(busy)
        for w in (self.server_edit, self.user_edit, self.password_edit, self.offline_check,
                  self.sign_in_button, self.demo_list):
            w.setEnabled(not busy)

    def _on_sign_in_button_clicked(self) -> None:
        if self._busy or not self.validate():
            return
        self._message.setStyleSheet(ERROR_STYLE)
        self._message.setText("")
        db = self._db
        server = self.server_edit.text().strip()
        username = self.user_edit.text().strip()
        password = self.password_edit.text()
        offline = self.offline_check.isChecked()
        online_fn, offline_fn, demo = self._online_sign_in, self._offline_unlock, self._demo

        def work(ctx: Any) -> tuple[Any, str]:
            if offline:
                return offline_fn(db=db, server_url=server, username=username,
                                  password=password), ""
            try:
                return online_fn(db=db, server_url=server, username=username,
                                 password=password), ""
            except Exception as exc:
                unreachable = type(exc).__name__ in ("TransportError", "ConnectError",
                                                     "ConnectionError", "KeyringUnavailable")
                if not (demo and unreachable):
                    raise
                log.info("demo: server unreachable (%s); unlocking offline", exc)
                return offline_fn(db=db, server_url=server, username=username,
                                  password=password), "demo_offline"

        self._set_busy(True)
        self._runner.query(work, on_success=self._on_signed_in, on_failure=self._on_failed,
                           label=self.tr("登录"))

    def _on_signed_in(self, result: tuple[Any, str]) -> None:
        self._set_busy(False)
        user, how = result
        self._user = _to_ui_user(user)
        if how == "demo_offline":
            self._user.online = False
        self.sig_signed_in.emit(self._user)
        self.accept()

    def _on_failed(self, message: str, exc: BaseException) -> None:
        self._set_busy(False)
        name = type(exc).__name__
        if name in ("TransportError",):
            message = self.tr("无法连接服务器：{0}。可以勾选“离线解锁”在本机继续工作。").format(
                self.server_edit.text().strip())
        elif name == "RequestRefused" and not getattr(exc, "message", ""):
            message = self.tr("用户名或密码不正确，或账户已被锁定。")
        self._message.setText(message)
        self.password_edit.selectAll()
        self.password_edit.setFocus()

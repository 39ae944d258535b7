"""Status bar widgets: connection, last sync, pending outbox, sync button with progress and
cancel; and the in-app notification bar (new approval tasks, decisions, errors)."""
from __future__ import annotations

import logging
from collections import deque
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QProgressBar,
    QPushButton,
    QToolButton,
    QWidget,
)

from app.services.ui_queries import SyncStatus, sync_now, sync_status
from app.ui.context import UiContext
from app.ui.formatting import local_time
from app.ui.i18n import RetranslateMixin
from app.ui.tasks import Task, ui_is_english

log = logging.getLogger(__name__)

LEVEL_STYLES = {
    "info": "background:#eaf2fb; color:#1b4f72; border:1px solid #aed6f1;",
    "success": "background:#e9f7ef; color:#145a32; border:1px solid #a9dfbf;",
    "warning": "background:#fef5e7; color:#7e5109; border:1px solid #f8c471;",
    "error": "background:#fdedec; color:#78281f; border:1px solid #f1948a;",
}


class SyncStatusPanel(RetranslateMixin, QWidget):
    """Lives in the status bar. Refreshes from change sets and every minute."""

    sig_sync_finished = Signal(bool)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.status: SyncStatus | None = None
        self._task: Task | None = None
        self._known_tasks: int | None = None
        self.connection = QLabel()
        self.connection.setObjectName("connectionState")
        self.user_label = QLabel()
        self.last_sync = QLabel()
        self.last_sync.setObjectName("lastSync")
        self.outbox = QLabel()
        self.outbox.setObjectName("outboxCount")
        self.warnings_label = QLabel()  # 三级预警 still waiting for someone's step
        self.warnings_label.setObjectName("openWarnings")
        self.warnings_label.setVisible(False)
        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        self.progress.setMaximumWidth(160)
        self.progress.setMaximumHeight(16)
        self.progress.setVisible(False)
        self.sync_button = QPushButton(self.tr("同步 (F5)"))
        self.sync_button.setObjectName("syncButton")
        self.conflicts_button = QToolButton()
        self.conflicts_button.setObjectName("conflictsButton")
        self.conflicts_button.setStyleSheet("color:#c0392b; font-weight:bold;")
        self.conflicts_button.setVisible(False)
        self.update_label = QLabel()  # a newer client the server advertised (issue #9)
        self.update_label.setObjectName("updateNotice")
        self.update_label.setOpenExternalLinks(True)
        self.update_label.setVisible(False)
        self.cancel_button = QToolButton()
        self.cancel_button.setText(self.tr("取消"))
        self.cancel_button.setVisible(False)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        for w in (self.update_label, self.user_label, self._sep(), self.connection, self._sep(),
                  self.last_sync,
                  self._sep(), self.outbox, self.warnings_label, self.conflicts_button, self.progress, self.cancel_button, self.sync_button):
            layout.addWidget(w)
        self.sync_button.clicked.connect(self.start_sync)
        self.conflicts_button.clicked.connect(self.open_conflicts)
        self.cancel_button.clicked.connect(self._on_cancel_clicked)
        # bound methods, not lambdas: Qt drops these connections when the panel is destroyed
        ctx.sig_online_changed.connect(self._on_ctx_online_changed)
        ctx.sig_user_changed.connect(self._on_ctx_user_changed)
        ctx.runner.sig_changes.connect(self._on_runner_changes)
        self._timer = QTimer(self)
        self._timer.setInterval(60_000)
        self._timer.timeout.connect(self.refresh)
        self._timer.start()
        self._show_connection()
        self.refresh()

    def _on_ctx_online_changed(self, _online: bool) -> None:
        self._show_connection()

    def _on_ctx_user_changed(self, _user: object) -> None:
        self._show_connection()

    def _on_runner_changes(self, _changes: object) -> None:
        self.refresh()

    @staticmethod
    def _sep() -> QFrame:
        line = QFrame()
        line.setFrameShape(QFrame.Shape.VLine)
        line.setFrameShadow(QFrame.Shadow.Sunken)
        return line

    def _show_connection(self) -> None:
        online = self.ctx.online
        dot = "#27ae60" if online else "#95a5a6"
        self.connection.setText(f"<span style='color:{dot}'>●</span> "
                                + (self.tr("在线") if online else self.tr("离线")))
        user = self.ctx.user
        self.user_label.setText(f"{user.display_name}（{user.username}）" if user else "")

    def refresh(self) -> None:
        db = self.ctx.db
        self.ctx.runner.query(lambda c: sync_status(db=db), on_success=self._on_status,
                              key=f"sync-status-{id(self)}", label=self.tr("读取同步状态"))

    def _on_status(self, st: SyncStatus) -> None:
        self.status = st
        self.last_sync.setText(self.tr("上次同步 {0}").format(local_time(st.last_sync_at))
                               if st.last_sync_at else self.tr("尚未同步"))
        pending = st.pending_items
        self.outbox.setToolTip(self.tr("{0} 条待发送命令").format(st.pending_outbox))
        self.outbox.setText(self.tr("待发送 {0}").format(pending))
        self.outbox.setStyleSheet("color:#d35400; font-weight:bold;" if pending else "")
        if st.last_error:
            self.last_sync.setToolTip(st.last_error)
        self.warnings_label.setText(self.tr("预警 {0}").format(st.open_warnings))
        self.warnings_label.setToolTip(self.tr("{0} 条预警尚未处置完毕（见“预警”页）").format(
            st.open_warnings))
        self.warnings_label.setStyleSheet("color:#c0392b;" if st.open_warnings else "")
        self.warnings_label.setVisible(st.open_warnings > 0)
        self.conflicts_button.setText(self.tr("冲突 {0}").format(st.conflicts))
        self.conflicts_button.setToolTip(self.tr("服务器在您修改期间也改动了这些记录，请选择保留哪一方"))
        self.conflicts_button.setVisible(st.conflicts > 0)
        if self._known_tasks is not None and st.open_tasks > self._known_tasks:
            self.ctx.notify(self.tr("有 {0} 个新的审批任务。").format(
                st.open_tasks - self._known_tasks), "info")
        self._known_tasks = st.open_tasks
        self._show_update(st.update)

    def _show_update(self, notice: Any) -> None:
        """Polite: a small link in the status bar, the whole message in its tool tip."""
        self.update_label.setVisible(notice is not None)
        if notice is None:
            return
        from html import escape

        text = self.tr("新版本 {0} 可用").format(escape(notice.latest_version))
        url = notice.download_url
        self.update_label.setText(f"<a href='{escape(url, quote=True)}'>{text}</a>" if url else text)
        self.update_label.setToolTip(notice.message_en() if ui_is_english() else notice.message())

    def open_conflicts(self) -> None:
        from app.ui.conflicts_dialog import ConflictsDialog

        ConflictsDialog(self.ctx, self.window()).exec()

    def is_syncing(self) -> bool:
        return self._task is not None

    def start_sync(self) -> None:
        if self._task is not None:
            return
        user = self.ctx.user
        if user is None:
            return
        fn = self.ctx.sync_fn or sync_now
        db = self.ctx.db
        self.progress.setRange(0, 0)
        self.progress.setVisible(True)
        self.cancel_button.setVisible(True)
        self.sync_button.setEnabled(False)

        def work(c: Any) -> Any:
            def report(p: Any) -> None:
                c.progress(int(p.done), int(p.total or 0), str(p.message))

            return fn(db=db, server_url=user.server_url, username=user.username,
                      cancel=c.cancel_event, progress=report)

        self._task = self.ctx.runner.mutation(work, on_success=self._on_sync_done,
                                              on_failure=self._on_sync_failed,
                                              on_progress=self._on_sync_progress,
                                              label=self.tr("同步"))
        self._task.sig_cancelled.connect(self._on_sync_cancelled)

    def _on_sync_progress(self, done: int, total: int, text: str) -> None:
        if total:
            self.progress.setRange(0, total)
            self.progress.setValue(done)
        else:
            self.progress.setRange(0, 0)
        self.progress.setFormat(text)
        self.progress.setToolTip(text)

    def _end_sync(self) -> None:
        self._task = None
        self.progress.setVisible(False)
        self.cancel_button.setVisible(False)
        self.sync_button.setEnabled(True)
        self.refresh()

    def _on_sync_done(self, changes: Any) -> None:
        self._end_sync()
        self.ctx.set_online(True)
        apps = getattr(changes, "applications", None) or ()
        if apps:
            self.ctx.notify(self.tr("同步完成：{0} 个支付申请有新的状态或处理结果。").format(
                len(apps)), "success")
        else:
            self.ctx.notify(self.tr("同步完成。"), "success")
        self.sig_sync_finished.emit(True)

    def _on_sync_failed(self, message: str, exc: BaseException) -> None:
        self._end_sync()
        if type(exc).__name__ in ("TransportError", "ConnectError"):
            self.ctx.set_online(False)
            message = self.tr("无法连接服务器，已转为离线工作；待发送内容保留在本机。")
        self.ctx.notify(self.tr("同步失败：{0}").format(message), "error")
        self.sig_sync_finished.emit(False)

    def _on_sync_cancelled(self) -> None:
        self._end_sync()
        self.ctx.notify(self.tr("同步已取消，下次会从中断处继续。"), "warning")
        self.sig_sync_finished.emit(False)

    def _on_cancel_clicked(self) -> None:
        if self._task is not None:
            self._task.cancel()


class NotificationBar(QFrame):
    """In-app notifications: the newest one shows at the top of the window for a few
    seconds; the bell in the status bar keeps the last 50."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("notificationBar")
        self.history: deque[tuple[str, str]] = deque(maxlen=50)
        self._label = QLabel()
        self._label.setObjectName("notificationText")
        self._label.setTextFormat(Qt.TextFormat.PlainText)
        self._label.setWordWrap(True)
        self._label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        close = QToolButton()
        close.setText("×")
        close.setAutoRaise(True)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 4, 4, 4)
        layout.addWidget(self._label, 1)
        layout.addWidget(close)
        self.bell = QToolButton()
        self.bell.setObjectName("notificationBell")
        self.bell.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.bell.setToolTip(self.tr("通知"))
        self._menu = QMenu(self.bell)
        self.bell.setMenu(self._menu)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.hide)
        close.clicked.connect(self.hide)
        ctx.sig_notification.connect(self.show_message)
        self._update_bell()
        self.hide()

    def text(self) -> str:
        return self._label.text()

    def show_message(self, level: str, text: str) -> None:
        self.history.appendleft((level, text))
        self.setStyleSheet(f"QFrame#notificationBar {{ {LEVEL_STYLES.get(level, LEVEL_STYLES['info'])}"
                           " border-radius: 4px; }")
        self._label.setText(text)
        self.show()
        self._timer.start(12_000 if level == "error" else 6_000)
        self._update_bell()

    def _update_bell(self) -> None:
        self.bell.setText(self.tr("通知 {0}").format(len(self.history)))
        self._menu.clear()
        if not self.history:
            self._menu.addAction(self.tr("没有通知")).setEnabled(False)
        for level, text in list(self.history)[:15]:
            action = self._menu.addAction(text if len(text) < 80 else text[:78] + "…")
            action.setToolTip(text)

"""支付申请 page: the form and "my applications" (statuses, history, server messages,
copy-to-new, withdraw, delete draft, print)."""
from __future__ import annotations

from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.applications import delete_draft, list_applications, withdraw_queued
from app.services.results import ApplicationView
from app.services.ui_queries import HistoryEntry, application_history
from app.ui.context import UiContext
from app.ui.formatting import code_label, local_time, money, status_name
from app.ui.i18n import RetranslateMixin
from app.ui.payment_form import PaymentFormView
from app.ui.record_model import Column, RecordTableModel
from app.ui.tasks import ChangeAwareMixin

STATUS_COLORS = {"returned": "#c0392b", "rejected": "#c0392b", "queued": "#d35400",
                 "draft": "#7f8c8d", "paid": "#1e8449", "approved": "#1e8449"}


class ApplicationListTableModel(RecordTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__([
            Column(self.tr("状态"), lambda a: status_name(a.local_status),
                   color=lambda a: STATUS_COLORS.get(a.local_status)),
            Column(self.tr("申请编号"), lambda a: a.app_no or self.tr("（未编号）")),
            Column(self.tr("收款人"), lambda a: a.payee_name),
            Column(self.tr("金额"), lambda a: money(a.amount), align_right=True),
            Column(self.tr("用途"), lambda a: a.use_des),
            Column(self.tr("指标"), lambda a: a.indicator_id or ""),
            Column(self.tr("更新时间"), lambda a: local_time(a.updated_at)),
            Column(self.tr("服务器意见"), lambda a: a.server_message or "",
                   color=lambda a: "#c0392b" if a.server_message else None),
        ], parent)


class MyApplicationsView(RetranslateMixin, ChangeAwareMixin, QWidget):
    sig_open = Signal(str)  # application id, to the form
    sig_copy = Signal(str)  # copy-to-new

    FILTERS = (("all", None), ("unsent", ("draft", "queued", "returned")),
               ("draft", ("draft",)), ("queued", ("queued",)), ("submitted", ("submitted",)),
               ("returned", ("returned",)), ("approved", ("approved",)), ("paid", ("paid",)),
               ("rejected", ("rejected",)))

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = ApplicationListTableModel(self)
        self._status = QComboBox()
        self._status.setObjectName("statusFilter")
        names = {"all": self.tr("全部"), "unsent": self.tr("未发送（草稿/待发送/退回）")}
        for key, statuses in self.FILTERS:
            self._status.addItem(names.get(key) or status_name(key), statuses)
        self._search = QLineEdit()
        self._search.setPlaceholderText(self.tr("按用途、收款人、编号搜索"))
        self._search.setClearButtonEnabled(True)
        self._table = QTableView()
        self._table.setObjectName("applicationTable")
        self._table.setModel(self.model)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._table.verticalHeader().setVisible(False)
        self._table.setAlternatingRowColors(True)
        self._table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._table.horizontalHeader().setStretchLastSection(True)
        for col, w in enumerate((80, 130, 200, 110, 220, 130, 130)):
            self._table.setColumnWidth(col, w)
        self._detail = QTextBrowser()
        self._detail.setObjectName("applicationDetail")
        self._open_button = QPushButton(self.tr("打开/修改"))
        self._copy_button = QPushButton(self.tr("复制为新申请"))
        self._withdraw_button = QPushButton(self.tr("撤回待发送"))
        self._delete_button = QPushButton(self.tr("删除草稿"))
        self._print_button = QPushButton(self.tr("打印/PDF…"))
        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("状态：")))
        top.addWidget(self._status)
        top.addWidget(self._search, 1)
        self._count = QLabel()
        top.addWidget(self._count)
        actions = QHBoxLayout()
        for b in (self._open_button, self._copy_button, self._withdraw_button,
                  self._delete_button, self._print_button):
            actions.addWidget(b)
        actions.addStretch(1)
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self._detail, 1)
        rl.addLayout(actions)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._table)
        splitter.addWidget(right)
        splitter.setSizes([420, 260])
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.refresh)
        self._search.textChanged.connect(lambda _t: self._debounce.start())
        self._status.currentIndexChanged.connect(lambda _i: self.refresh())
        self._table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self._table.doubleClicked.connect(lambda _i: self._on_open_button_clicked())
        self._open_button.clicked.connect(self._on_open_button_clicked)
        self._copy_button.clicked.connect(self._on_copy_button_clicked)
        self._withdraw_button.clicked.connect(self._on_withdraw_button_clicked)
        self._delete_button.clicked.connect(self._on_delete_button_clicked)
        self._print_button.clicked.connect(self._on_print_button_clicked)
        for seq, slot in (("Return", self._on_open_button_clicked),
                          ("Delete", self._on_delete_button_clicked),
                          ("Ctrl+D", self._on_copy_button_clicked)):
            sc = QShortcut(QKeySequence(seq), self._table)
            sc.setContext(Qt.ShortcutContext.WidgetShortcut)
            sc.activated.connect(slot)
        self._copy_button.setToolTip(self.tr("复制为新申请（Ctrl+D）"))
        self.watch_changes(ctx.runner)
        self._update_buttons(None)
        self.refresh()

    def wants_changes(self, changes: Any) -> bool:
        return bool(getattr(changes, "applications", None) or getattr(changes, "sync_state", False))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh_if_stale()

    def set_status_filter(self, key: str) -> None:
        for i, (k, _s) in enumerate(self.FILTERS):
            if k == key:
                self._status.setCurrentIndex(i)

    def refresh(self) -> None:
        db = self.ctx.db
        statuses = self._status.currentData()
        text = self._search.text().strip() or None
        self.ctx.runner.query(
            lambda c: list_applications(db=db, statuses=statuses, text=text, limit=2000),
            on_success=self._on_loaded, key=f"my-apps-{id(self)}", label=self.tr("读取支付申请"))

    def _on_loaded(self, apps: list[ApplicationView]) -> None:
        current = self.current()
        self.model.set_records(apps)
        self._count.setText(self.tr("共 {0} 笔").format(len(apps)))
        row = next((i for i, a in enumerate(apps) if current and a.id == current.id), 0)
        if apps:
            self._table.selectRow(row)
        else:
            self._detail.clear()
            self._update_buttons(None)

    def current(self) -> ApplicationView | None:
        return self.model.record(self._table.currentIndex().row())

    def table(self) -> QTableView:
        return self._table

    def _update_buttons(self, app: ApplicationView | None) -> None:
        status = app.local_status if app else None
        self._open_button.setEnabled(app is not None)
        self._copy_button.setEnabled(app is not None)
        self._withdraw_button.setEnabled(status == "queued")
        self._delete_button.setEnabled(status == "draft" and app is not None
                                       and app.server_version is None)
        self._print_button.setEnabled(app is not None)

    def _on_table_current_changed(self, current: Any, _previous: Any) -> None:
        app = self.model.record(current.row())
        self._update_buttons(app)
        if app is None:
            return
        db = self.ctx.db
        self.ctx.runner.query(lambda c: application_history(db=db, application_id=app.id),
                              on_success=lambda h: self._show_detail(app, h),
                              key=f"my-apps-history-{id(self)}", label=self.tr("读取审批轨迹"))

    def _show_detail(self, app: ApplicationView, history: list[HistoryEntry]) -> None:
        rows = "".join(f"<tr><td style='color:#666;padding-right:12px'>{local_time(h.at)}</td>"
                       f"<td>{escape(h.text)}</td></tr>" for h in history)
        msg = (f"<p style='color:#c0392b'><b>{self.tr('服务器意见')}：</b>"
               f"{escape(app.server_message or '')}</p>"
               if app.server_message else "")
        self._detail.setHtml(
            f"<h3>{app.app_no or self.tr('（未编号）')} · {status_name(app.local_status)}</h3>"
            f"<p><b>{self.tr('收款人')}</b> {escape(app.payee_name)} {escape(app.payee_account)}"
            f" {escape(app.payee_bank or '')}"
            f"<br><b>{self.tr('金额')}</b> {money(app.amount)} {self.tr('元')}"
            f" · <b>{self.tr('经济科目')}</b> {code_label('dep_economic', app.dep_eco_code, app.fiscal_year)}"
            f"<br><b>{self.tr('用途')}</b> {escape(app.use_des)}</p>{msg}"
            f"<h4>{self.tr('状态历史与审批轨迹')}</h4><table>{rows}</table>")

    def _on_open_button_clicked(self) -> None:
        app = self.current()
        if app:
            self.sig_open.emit(app.id)

    def _on_copy_button_clicked(self) -> None:
        app = self.current()
        if app:
            self.sig_copy.emit(app.id)

    def _on_withdraw_button_clicked(self) -> None:
        app = self.current()
        if app is None:
            return
        db = self.ctx.db
        self.ctx.runner.mutation(lambda c: withdraw_queued(db=db, application_id=app.id),
                                 on_success=lambda r: self.ctx.notify(
                                     self.tr("已撤回，可以修改后重新提交。"), "info"),
                                 label=self.tr("撤回支付申请"))

    def _on_delete_button_clicked(self) -> None:
        app = self.current()
        if app is None or not self._delete_button.isEnabled():
            return
        answer = QMessageBox.question(self, self.tr("删除草稿"),
                                      self.tr("确定删除这份草稿吗？删除后不能恢复。"))
        if answer != QMessageBox.StandardButton.Yes:
            return
        db = self.ctx.db
        self.ctx.runner.mutation(lambda c: delete_draft(db=db, application_id=app.id),
                                 label=self.tr("删除草稿"))

    def _on_print_button_clicked(self) -> None:
        from app.ui.print_application import PrintApplicationDialog

        app = self.current()
        if app:
            PrintApplicationDialog.run(self.ctx, app.id, self)


class ApplicationsPage(QTabWidget):
    """The 支付申请 navigation page: 填写申请 | 我的申请."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.form = PaymentFormView(ctx)
        self.list = MyApplicationsView(ctx)
        self.addTab(self.form, self.tr("填写申请"))
        self.addTab(self.list, self.tr("我的申请"))
        self.list.sig_open.connect(self._on_list_open)
        self.list.sig_copy.connect(self._on_list_copy)

    def start_new(self, indicator_id: str | None = None) -> None:
        self.setCurrentWidget(self.form)
        self.form.start_new(indicator_id)

    def _on_list_open(self, application_id: str) -> None:
        self.setCurrentWidget(self.form)
        self.form.load_application(application_id)

    def _on_list_copy(self, application_id: str) -> None:
        self.setCurrentWidget(self.form)
        self.form.copy_application(application_id)

"""Assembles the working window: every feature screen in its navigation entry, the sync
status panel, in-app notifications, menus and keyboard shortcuts."""
from __future__ import annotations

import importlib
import logging
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QLabel, QMenu, QVBoxLayout, QWidget

from app.ui.applications_view import ApplicationsPage
from app.ui.approval_queue import ApprovalQueueView
from app.ui.context import UiContext
from app.ui.dashboard import DashboardView
from app.ui.indicator_browser import IndicatorBrowserView, IndicatorTableModel
from app.ui.main_window import MainWindow
from app.ui.settings_view import SettingsView
from app.ui.status_panel import NotificationBar, SyncStatusPanel
from app.ui.warnings_view import WarningsView

log = logging.getLogger(__name__)


def _optional_screen(module: str, cls: str, **available: Any) -> QWidget | None:
    """Screens other engineers own (capture, voucher review, import wizard): plugged in
    when their module is there, the placeholder stays otherwise. Of ``available``
    (ctx, db, runner…) only the keyword arguments the screen's constructor names are passed."""
    import inspect

    try:
        mod = importlib.import_module(module)
        factory = getattr(mod, cls)
    except (ImportError, AttributeError) as exc:
        log.info("screen %s.%s not available: %s", module, cls, exc)
        return None
    try:
        params = inspect.signature(factory).parameters
        takes_all = any(p.kind is p.VAR_KEYWORD for p in params.values())
        kwargs = {k: v for k, v in available.items() if takes_all or k in params}
        return factory(**kwargs)
    except Exception:  # a broken optional screen must not stop the client
        log.exception("screen %s.%s failed to start", module, cls)
        return None


class DeskWindow(MainWindow):
    """MainWindow with the screens installed (``ctx`` carries db, runner and user)."""

    sig_signed_out = Signal()  # the user signed out: show the sign-in dialog again

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.indicator_model = IndicatorTableModel.for_database(ctx.runner, ctx.db, parent=self)
        self.indicators = IndicatorBrowserView(ctx.runner, self.indicator_model)
        self.applications = ApplicationsPage(ctx)
        self.approvals = ApprovalQueueView(ctx)
        self.warnings = WarningsView(ctx)
        self.dashboard = DashboardView(ctx)
        self.settings = SettingsView(ctx)
        self.set_page("indicators", self.indicators)
        self.set_page("applications", self.applications)
        self.set_page("approvals", self.approvals)
        self.set_page("warnings", self.warnings)
        self.set_page("dashboard", self.dashboard)
        self.set_page("settings", self.settings)
        from functools import partial

        from app.services.ui_queries import find_attached_voucher

        shared = {"ctx": ctx, "context": ctx, "db": ctx.db, "runner": ctx.runner,
                  "duplicate_lookup": partial(find_attached_voucher, db=ctx.db)}
        capture = _optional_screen("app.ui.capture_panel", "CapturePanel", **shared)
        if capture is not None:
            self.capture = capture
            self.set_page("capture", capture)
            if hasattr(capture, "sig_attach"):
                capture.sig_attach.connect(self._on_capture_attach)
        self._install_excel_page(ctx, shared)
        if ctx.user is not None and ctx.user.has_role("treasury", "bureau_division"):
            payments = _optional_screen("app.ui.payments_view", "PaymentsView", ctx=ctx)
            if payments is not None:  # the treasury's desk; other roles never see the entry
                self.payments = payments
                self.add_page("payments", self.tr("支付"),
                              self.tr("支付凭证、银行文件、回单、退款、更正与对账"), payments)

        self.status_panel = SyncStatusPanel(ctx)
        self.notifications = NotificationBar(ctx)
        self.install_status_widget(self.status_panel)
        self.statusBar().addPermanentWidget(self.notifications.bell)
        self.install_top_widget(self.notifications)

        self.indicators.sig_start_application.connect(self._on_indicators_start_application)
        ctx.sig_new_application.connect(self._on_indicators_start_application)
        self.applications.form.sig_queued.connect(self._on_form_queued)
        self.sig_page_changed.connect(self._on_page_changed)
        ctx.runner.sig_busy_changed.connect(self._on_runner_busy_changed)
        ctx.runner.sig_changes.connect(self._on_runner_changes)
        self._build_menus()
        self.load_dictionaries()
        if ctx.db.path:
            from app.services.updates import pending_update

            data_dir = ctx.db.data_dir
            self.update_notice_fn = lambda: pending_update(data_dir)  # a small JSON file
        from app.ui.stall_monitor import StallMonitor

        self.stall_monitor = StallMonitor(self, interval_ms=50, warn_ms=300)
        self._stall_delay = QTimer(self)  # a child timer: it dies with the window
        self._stall_delay.setSingleShot(True)
        self._stall_delay.timeout.connect(self.stall_monitor.start)
        self._stall_delay.start(2000)  # after the window is up
        self.indicator_model.set_filter("")
        user = ctx.user
        if user is not None:
            self._title_suffix = lambda: (f" — {user.display_name}"
                                          + (self.tr("（演示）") if ctx.demo else ""))
            self.setWindowTitle(self.windowTitle() + self._title_suffix())
            if user.is_reviewer:
                self.show_page("approvals")

    def _install_excel_page(self, ctx: UiContext, shared: dict[str, Any]) -> None:
        """导入导出: the Excel panel (templates + import wizard into the local store), or
        the bare wizard of an older import_wizard module."""
        try:
            from app.ui import import_wizard as iw
        except ImportError:
            return
        db = ctx.db
        panel_cls = getattr(iw, "ExcelPanel", None)
        if panel_cls is not None:
            def make_wizard(parent: QWidget) -> Any:
                try:
                    return iw.ImportWizard(parent, db=db)
                except TypeError:  # an older wizard without the store hookup
                    return iw.ImportWizard(parent)

            def synced_dictionaries() -> Any:
                from app.services.ui_queries import synced_dictionaries as query

                return query(db=db)

            panel = _optional_screen("app.ui.import_wizard", "ExcelPanel",
                                     wizard_factory=make_wizard, dictionaries_fn=synced_dictionaries)
            if panel is not None:
                self.excel_panel = panel
                if hasattr(panel, "sig_imported"):
                    panel.sig_imported.connect(self._on_excel_imported)
                self.set_page("excel", panel)
                return
        wizard = _optional_screen("app.ui.import_wizard", "ImportWizard", **shared)
        if wizard is None:
            return
        from PySide6.QtWidgets import QWizard

        wizard.setWindowFlags(Qt.WindowType.Widget)
        wizard.setOption(QWizard.WizardOption.NoCancelButton, True)
        wizard.finished.connect(lambda _r, w=wizard: (w.restart(), w.show()))
        if hasattr(wizard, "sig_imported"):
            wizard.sig_imported.connect(self._on_excel_imported)
        holder = QWidget()
        hl = QVBoxLayout(holder)
        hl.addWidget(QLabel(self.tr("<h3>Excel 导入</h3>")))
        hl.addWidget(wizard, 1)
        self.import_wizard = wizard
        self.set_page("excel", holder)

    def _on_excel_imported(self, _result: Any) -> None:
        """An import wrote drafts / payees / indicators: every view refreshes."""
        from app.services.results import Changes

        self.ctx.runner.broadcast(Changes(indicators=frozenset({"*"}),
                                          applications=frozenset({"*"}), payees=True,
                                          outbox=True))
        if self.ctx.online:
            self.status_panel.start_sync()

    def _build_menus(self) -> None:
        bar = self.menuBar()
        help_action = bar.actions()[0] if bar.actions() else None
        file_menu = QMenu(self.tr("文件(&F)"), self)
        bar.insertMenu(help_action, file_menu)
        new = QAction(self.tr("新建支付申请"), self)
        new.setShortcut(QKeySequence("Ctrl+Shift+N"))
        new.triggered.connect(lambda: self._on_indicators_start_application(
            self.indicators.current_indicator_id() or ""))
        sync = QAction(self.tr("同步"), self)
        sync.setShortcut(QKeySequence("F5"))
        sync.triggered.connect(self.status_panel.start_sync)
        conflicts = QAction(self.tr("同步冲突…"), self)
        conflicts.triggered.connect(self.status_panel.open_conflicts)
        payees = QAction(self.tr("收款人地址簿…"), self)
        payees.triggered.connect(self.open_payee_book)
        sign_out = QAction(self.tr("注销（切换用户）"), self)
        sign_out.triggered.connect(self.sign_out)
        close = QAction(self.tr("退出"), self)
        close.setShortcut(QKeySequence("Ctrl+Q"))
        close.triggered.connect(self.close)
        for a in (new, sync, conflicts, payees, sign_out, close):
            file_menu.addAction(a)
        view = QMenu(self.tr("视图(&V)"), self)
        bar.insertMenu(help_action, view)
        help_menu = help_action.menu() if help_action is not None else None
        if help_menu is not None:
            keys = QAction(self.tr("快捷键"), self)
            keys.setShortcut(QKeySequence("F1"))
            keys.triggered.connect(self._on_shortcuts_triggered)
            help_menu.insertAction(help_menu.actions()[0] if help_menu.actions() else None, keys)
        for i, (key, title, _d) in enumerate(self.PAGES):
            act = QAction(self.tr(title), self)
            act.setShortcut(QKeySequence(f"Ctrl+{i + 1}"))
            act.triggered.connect(lambda _c=False, k=key: self.show_page(k))
            view.addAction(act)

    def load_dictionaries(self) -> None:
        """Code names on every screen (资金性质, 结算方式) from the server's dictionaries as
        last synced."""
        from app.services.ui_queries import dictionary_lists
        from app.ui.formatting import use_dictionaries

        db = self.ctx.db
        self.ctx.runner.query(lambda c: dictionary_lists(db=db), on_success=use_dictionaries,
                              key=f"shell-dicts-{id(self)}", label=self.tr("读取字典"))

    def _on_runner_changes(self, changes: Any) -> None:
        if getattr(changes, "sync_state", False):
            self.load_dictionaries()

    def open_payee_book(self) -> Any:
        from app.ui.payee_book import PayeeBookDialog

        dialog = PayeeBookDialog(self.ctx, self)
        dialog.setModal(False)
        dialog.show()
        return dialog

    def sign_out(self) -> None:
        """Forget the tokens (the offline verifier stays: the user can unlock offline later);
        queued work stays on this machine and is sent at the next sign-in."""
        user = self.ctx.user
        if user is None:
            return
        db = self.ctx.db

        def work(_c: Any) -> bool:
            from app.sync.credentials import sign_out

            return sign_out(db=db, server_url=user.server_url, username=user.username)

        def done(_removed: Any) -> None:
            self.sig_signed_out.emit()
            self.close()

        self.ctx.runner.query(work, on_success=done,
                              on_failure=lambda m, _e: self.ctx.notify(m, "error"),
                              label=self.tr("注销"))

    def shortcuts_text(self) -> str:
        rows = (
            ("Ctrl+1 … Ctrl+8", self.tr("切换到各功能页")),
            ("Ctrl+F", self.tr("指标页：筛选框")),
            ("Enter / " + self.tr("双击"), self.tr("用所选指标新建支付申请")),
            ("F4", self.tr("申请表：搜索指标")),
            ("Ctrl+S", self.tr("保存草稿")),
            ("Ctrl+Enter", self.tr("提交（离线时排队，联网后发送）")),
            ("Ctrl+N", self.tr("新建申请")),
            ("Ctrl+O", self.tr("添加附件")),
            ("Alt+A / Alt+R / Alt+J", self.tr("审批：同意 / 退回 / 拒绝")),
            ("F5", self.tr("同步")),
            ("Ctrl+Q", self.tr("退出")),
            (self.tr("空格"), self.tr("凭证采集：拍摄")),
        )
        try:
            from app.ui.warnings_view import ACTIONS as WARNING_KEYS
        except ImportError:
            WARNING_KEYS = ()
        if WARNING_KEYS:
            names = {"mark_normal": self.tr("认定正常"), "request_verify": self.tr("需要核实"),
                     "mark_violation": self.tr("认定违规"), "accept_rectification": self.tr("确认整改"),
                     "answer_fixed": self.tr("已整改"), "answer_ok": self.tr("核实无误"),
                     "explain": self.tr("书面说明")}
            rows += ((" / ".join(k for _, k in WARNING_KEYS),
                      self.tr("预警处置：") + " / ".join(names.get(a, a) for a, _ in WARNING_KEYS)),)
        payments = getattr(self, "payments", None)  # the treasury's 支付 page, when shown
        for act in getattr(payments, "actions_by_key", {}).values():
            rows += ((act.shortcut().toString(), self.tr("支付：") + act.text().rstrip("…")),)
        return "<table>" + "".join(f"<tr><td><b>{k}</b>&nbsp;&nbsp;</td><td>{v}</td></tr>"
                                   for k, v in rows) + "</table>"

    def _on_shortcuts_triggered(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        QMessageBox.information(self, self.tr("快捷键"), self.shortcuts_text())

    def _on_capture_attach(self, result: Any, prefill: dict) -> None:
        """A voucher read in 凭证采集 goes to the application being filled in."""
        from fiscal.ids import IdError, invoice_key

        fields = {k: getattr(v, "value", v) for k, v in (getattr(result, "fields", {}) or {}).items()}
        key = None
        if fields.get("invoice_number"):
            try:
                key = invoice_key(fields.get("invoice_code") or None, str(fields["invoice_number"]))
            except IdError:
                key = None
        kind = getattr(result, "kind", "")
        role = "receipt" if kind in ("bank_receipt", "fiscal_receipt") else "invoice"
        ocr = result.to_json() if hasattr(result, "to_json") else None
        self.show_page("applications")
        self.applications.setCurrentWidget(self.applications.form)
        self.applications.form.apply_voucher(str(getattr(result, "file", "")), prefill, role=role,
                                             ocr_result=ocr, invoice_key=key)

    def _on_indicators_start_application(self, indicator_id: str) -> None:
        self.show_page("applications")
        self.applications.start_new(indicator_id or None)

    def _on_form_queued(self, _application_id: str) -> None:
        if self.ctx.online and self.ctx.user is not None:
            self.status_panel.start_sync()

    def _on_page_changed(self, key: str) -> None:
        self.statusBar().showMessage(self.tr("就绪"))

    def _on_runner_busy_changed(self, busy: bool) -> None:
        if busy:
            self.statusBar().showMessage(self.tr("处理中…"))
        else:
            self.statusBar().showMessage(self.tr("就绪"))

    def closeEvent(self, event: Any) -> None:
        self.ctx.runner.cancel_all()
        self.ctx.runner.wait_idle(5000)
        super().closeEvent(event)


def build_main_window(ctx: UiContext) -> DeskWindow:
    return DeskWindow(ctx)

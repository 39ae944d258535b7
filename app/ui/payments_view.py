"""支付: the treasury's payment desk — vouchers (支付凭证), the bank payment file, the bank's
write-back (回单) file, refunds (退款), corrections (更正) and the reconciliation (对账).

Online only (the server owns all of it): every action runs in the task runner with a progress
strip and a cancel button; offline the screen says "需要联网". A bureau division sees the
vouchers of its departments; only the treasury acts (the server enforces it either way).
"""
from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from app.services import payments as svc
from app.ui.context import UiContext
from app.ui.formatting import money
from app.ui.i18n import RetranslateMixin
from app.ui.record_model import Column, RecordTableModel

DESK_ROLES = ("treasury", "bureau_division", "admin")
STATUS_COLORS = {"issued": "#b9770e", "paid": "#1e8449", "bounced": "#c0392b", "refunded": "#7d3c98"}


def can_see_payments(user: Any) -> bool:
    """The 支付 screen is for the treasury (国库支付中心) and bureau divisions only."""
    return bool(user is not None and user.has_role(*DESK_ROLES))


def _daxie(fen: int) -> str:
    from fiscal.money import to_daxie

    try:
        return to_daxie(int(fen))
    except ValueError:
        return ""


class VoucherTableModel(RecordTableModel):
    def status_text(self, status: str) -> str:
        # translated as drawn, so a live language switch re-reads it
        names = {"issued": self.tr("待回单"), "paid": self.tr("已支付"),
                 "bounced": self.tr("已退票"), "refunded": self.tr("已退款")}
        return names.get(status, status)

    def __init__(self, parent: Any = None) -> None:
        super().__init__([
            Column(self.tr("凭证号"), lambda v: v.voucher_no),
            Column(self.tr("单位"), lambda v: v.unit_name, tooltip=lambda v: v.unit_code),
            Column(self.tr("收款人"), lambda v: v.payee_name,
                   tooltip=lambda v: f"{v.payee_name} {v.payee_account}\n{v.use_des}"),
            Column(self.tr("金额"), lambda v: money(v.amount_fen), align_right=True,
                   tooltip=lambda v: _daxie(v.amount_fen)),
            Column(self.tr("状态"), lambda v: self.status_text(v.status),
                   color=lambda v: STATUS_COLORS.get(v.status),
                   tooltip=lambda v: (self.tr("已退款 {0} 元").format(money(v.refunded_fen))
                                      if v.refunded_fen else v.bank_serial or None)),
            Column(self.tr("批次"), lambda v: v.batch or self.tr("未发送"),
                   tooltip=lambda v: "、".join(v.batches) or None),
            Column(self.tr("申请号"), lambda v: v.app_no),
        ], parent)


class AwaitingTableModel(RecordTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__([
            Column(self.tr("申请号"), lambda a: a.app_no),
            Column(self.tr("单位"), lambda a: a.unit_name),
            Column(self.tr("收款人"), lambda a: a.payee_name),
            Column(self.tr("金额"), lambda a: money(a.amount_fen), align_right=True,
                   tooltip=lambda a: _daxie(a.amount_fen)),
            Column(self.tr("用途"), lambda a: a.use_des),
        ], parent)


class RefundDialog(QDialog):
    def __init__(self, voucher: svc.VoucherRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("退款"))
        self.amount = QLineEdit(money(voucher.refundable_fen))
        self.amount.setObjectName("refundAmount")
        self.reason = QLineEdit()
        self.reason.setPlaceholderText(self.tr("如：收款人账户有误，银行退回"))
        form = QFormLayout(self)
        form.addRow(self.tr("支付凭证"), QLabel(voucher.voucher_no))
        form.addRow(self.tr("可退金额"), QLabel(money(voucher.refundable_fen)))
        form.addRow(self.tr("退款金额（元）"), self.amount)
        form.addRow(self.tr("退款原因"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class CorrectionDialog(QDialog):
    def __init__(self, voucher: svc.VoucherRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("更正（调整书）"))
        self.indicator = QLineEdit()
        self.indicator.setPlaceholderText(voucher.indicator_id)
        self.func_code = QLineEdit()
        self.func_code.setPlaceholderText(voucher.func_code or "")
        self.dep_eco_code = QLineEdit()
        self.dep_eco_code.setPlaceholderText(voucher.dep_eco_code or "")
        self.reason = QLineEdit()
        form = QFormLayout(self)
        form.addRow(self.tr("支付凭证"), QLabel(voucher.voucher_no))
        form.addRow(self.tr("新指标（不改留空）"), self.indicator)
        form.addRow(self.tr("新功能分类"), self.func_code)
        form.addRow(self.tr("新部门经济分类"), self.dep_eco_code)
        form.addRow(self.tr("更正原因"), self.reason)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)


class PaymentsView(RetranslateMixin, QWidget):
    """The 支付 page. Programmatic entry points (``export_bank_file_to``,
    ``import_writeback_from``, ``refund_current``, ``correct_current``) are what the buttons
    call after asking for a file or figures, so they can be driven without dialogs."""

    sig_loaded = Signal()  # the lists were (re)loaded
    sig_action_finished = Signal(bool, str)  # ok, message

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, *,
                 transport_factory: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("paymentsView")
        self.ctx = ctx
        self._transport_factory = transport_factory or svc.transport_for
        self._task: Any = None
        self._export_request_id: str | None = None  # reused until an export is saved
        self.desk: svc.Desk | None = None
        self.report: svc.Reconciliation | None = None

        self.summary = QLabel()
        self.summary.setObjectName("paymentsSummary")
        self.format_combo = QComboBox()
        self.format_combo.setObjectName("bankFileFormat")
        self.format_combo.addItem("CSV", "csv")
        self.format_combo.addItem("XML", "xml")
        self.bank_combo = QComboBox()
        self.bank_combo.setObjectName("bankProfile")
        self.bank_combo.addItem(self.tr("默认格式"), "")
        for bank in svc.banks():
            self.bank_combo.addItem(f"{bank.name}（{bank.code}）", bank.code)

        self.actions_by_key: dict[str, QAction] = {}
        bar = QHBoxLayout()
        for key, text, shortcut, slot in (
                ("refresh", self.tr("刷新"), "Ctrl+R", self.refresh),
                ("issue", self.tr("生成凭证"), "Ctrl+G", self._on_issue_triggered),
                ("export", self.tr("导出银行文件…"), "Ctrl+E", self._on_export_triggered),
                ("redownload", self.tr("重新下载批次文件…"), "Ctrl+Shift+E",
                 self._on_redownload_triggered),
                ("import", self.tr("导入回单文件…"), "Ctrl+I", self._on_import_triggered),
                ("refund", self.tr("退款…"), "Ctrl+T", self._on_refund_triggered),
                ("correct", self.tr("更正…"), "Ctrl+K", self._on_correct_triggered),
                ("reconcile", self.tr("对账"), "Ctrl+L", self.load_reconciliation),
                ("reconcile_excel", self.tr("对账导出 Excel…"), "Ctrl+Shift+L",
                 self._on_reconcile_excel_triggered)):
            act = QAction(text, self)
            act.setShortcut(QKeySequence(shortcut))
            act.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            act.setToolTip(f"{text} ({shortcut})")
            act.triggered.connect(lambda _c=False, s=slot: s())
            self.addAction(act)
            self.actions_by_key[key] = act
            button = QPushButton(text)
            button.setObjectName(f"payments_{key}")
            button.setToolTip(f"{shortcut}")
            button.clicked.connect(act.trigger)
            bar.addWidget(button)
        bar.addStretch(1)
        bar.addWidget(QLabel(self.tr("格式")))
        bar.addWidget(self.format_combo)
        bar.addWidget(QLabel(self.tr("代理银行")))
        bar.addWidget(self.bank_combo)

        self.vouchers = VoucherTableModel(self)
        self.voucher_table = self._table(self.vouchers, "voucherTable", (190, 150, 170, 110, 120, 150))
        self.awaiting = AwaitingTableModel(self)
        self.awaiting_table = self._table(self.awaiting, "awaitingTable", (170, 150, 170, 110))
        self.unmatched_vouchers = QListWidget()
        self.unmatched_vouchers.setObjectName("vouchersWithoutWriteback")
        self.orphan_writebacks = QListWidget()
        self.orphan_writebacks.setObjectName("writebacksWithoutVoucher")
        self.recon_summary = QLabel(self.tr("按 Ctrl+L 生成对账报告。"))
        self.recon_summary.setWordWrap(True)
        recon = QWidget()
        rl = QVBoxLayout(recon)
        rl.addWidget(self.recon_summary)
        lists = QHBoxLayout()
        for title, widget in ((self.tr("凭证无回单"), self.unmatched_vouchers),
                              (self.tr("回单无凭证"), self.orphan_writebacks)):
            col = QVBoxLayout()
            col.addWidget(QLabel(f"<b>{title}</b>"))
            col.addWidget(widget, 1)
            lists.addLayout(col, 1)
        rl.addLayout(lists, 1)
        self.tabs = QTabWidget()
        self.tabs.addTab(self.voucher_table, self.tr("支付凭证"))
        self.tabs.addTab(self.awaiting_table, self.tr("待生成凭证"))
        self.tabs.addTab(recon, self.tr("对账"))

        self.message = QLabel()
        self.message.setObjectName("paymentsMessage")
        self.message.setWordWrap(True)
        self.message.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.errors = QListWidget()
        self.errors.setObjectName("writebackErrors")
        self.errors.setMaximumHeight(120)
        self.errors.hide()
        self.progress = QProgressBar()
        self.progress.setRange(0, 0)
        self.progress_label = QLabel()
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.setObjectName("paymentsCancel")
        self.cancel_button.setShortcut(QKeySequence("Esc"))
        self.cancel_button.clicked.connect(self.cancel)
        strip = QHBoxLayout()
        strip.addWidget(self.progress_label)
        strip.addWidget(self.progress, 1)
        strip.addWidget(self.cancel_button)
        self._strip = QWidget()
        self._strip.setLayout(strip)
        self._strip.hide()

        bottom = QWidget()
        bl = QVBoxLayout(bottom)
        bl.setContentsMargins(0, 0, 0, 0)
        bl.addWidget(self.message)
        bl.addWidget(self.errors)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.tabs)
        splitter.addWidget(bottom)
        splitter.setSizes([520, 120])
        layout = QVBoxLayout(self)
        heading = QHBoxLayout()
        heading.addWidget(QLabel(f"<h3>{self.tr('支付')}</h3>"))
        heading.addWidget(self.summary, 1)
        layout.addLayout(heading)
        layout.addLayout(bar)
        layout.addWidget(splitter, 1)
        layout.addWidget(self._strip)
        ctx.sig_online_changed.connect(self._on_ctx_online_changed)
        self._loaded_once = False
        self._loaded_at = 0.0
        self._update_actions()

    # ---------------------------------------------------------------- helpers
    @staticmethod
    def _table(model: RecordTableModel, name: str, widths: tuple[int, ...]) -> QTableView:
        table = QTableView()
        table.setObjectName(name)
        table.setModel(model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.verticalHeader().setVisible(False)
        table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        table.horizontalHeader().setStretchLastSection(True)
        for col, w in enumerate(widths):
            table.setColumnWidth(col, w)
        return table

    def _can_act(self) -> bool:
        user = self.ctx.user
        return bool(user is not None and user.has_role("treasury", "admin")
                    and (self.desk is None or self.desk.can_act))

    def _update_actions(self) -> None:
        busy = self._task is not None
        act = self._can_act() and not busy
        for key, action in self.actions_by_key.items():
            action.setEnabled(not busy if key in ("refresh", "reconcile", "reconcile_excel")
                              else act)
        for button in self.findChildren(QPushButton):
            name = button.objectName()
            if name.startswith("payments_"):
                button.setEnabled(self.actions_by_key[name[len("payments_"):]].isEnabled())

    def current_voucher(self) -> svc.VoucherRow | None:
        return self.vouchers.record(self.voucher_table.currentIndex().row())

    def current_awaiting(self) -> svc.AwaitingRow | None:
        return self.awaiting.record(self.awaiting_table.currentIndex().row())

    def show_message(self, text: str, level: str = "info") -> None:
        colors = {"error": "#c0392b", "success": "#1e8449", "warning": "#b9770e"}
        self.message.setStyleSheet(f"color:{colors.get(level, '#333')}")
        self.message.setText(text)

    def is_busy(self) -> bool:
        return self._task is not None

    def _run(self, work: Any, label: str, on_done: Any, *, kind: str = "query",
             online: bool = True, on_error: Any = None) -> None:
        """Run ``work(transport, c)`` in the task runner with the progress strip and cancel."""
        if self._task is not None:
            self.show_message(self.tr("请等待当前操作完成（或按 Esc 取消）。"), "warning")
            return
        factory, db = self._transport_factory, self.ctx.db
        self.errors.clear()
        self.errors.hide()

        def job(c: Any) -> Any:
            transport = factory(db) if online else None
            try:
                c.check()
                return work(transport, c)
            finally:
                if transport is not None and hasattr(transport, "close"):
                    transport.close()

        def finished() -> None:
            self._task = None
            self._strip.hide()
            self._update_actions()

        def ok(result: Any) -> None:
            finished()
            on_done(result)

        def failed(message: str, exc: BaseException) -> None:
            finished()
            if on_error is not None:
                on_error(exc)
            self.show_message(message, "error")
            if isinstance(exc, svc.WritebackRefused):
                self.errors.clear()
                for e in exc.errors:
                    self.errors.addItem(e.text())
                self.errors.setVisible(bool(exc.errors))
            self.sig_action_finished.emit(False, message)

        start = self.ctx.runner.mutation if kind == "mutation" else self.ctx.runner.query
        self._task = start(job, on_success=ok, on_failure=failed, label=label,
                           on_progress=lambda _d, _t, text: self.progress_label.setText(text or label))
        self._task.sig_cancelled.connect(self._on_task_cancelled)
        self.progress_label.setText(label + "…")
        self._strip.show()
        self._update_actions()

    def cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()

    def _on_task_cancelled(self) -> None:
        self._task = None
        self._strip.hide()
        self._update_actions()
        self.show_message(self.tr("已取消。服务器上已完成的部分不会撤销：导出的批次可用“重新下载批次文件”取回，"
                                  "回单文件可以重新导入（已导入的流水会被跳过）。"), "warning")
        self.sig_action_finished.emit(False, "cancelled")

    # ---------------------------------------------------------------- loading
    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        # other treasury users and bank files change the desk: re-read when shown after a while
        if not self._loaded_once or (time.monotonic() - self._loaded_at > 60 and not self.is_busy()):
            self.refresh()

    def _on_ctx_online_changed(self, online: bool) -> None:
        if online and self.isVisible():
            self.refresh()
        elif not online:
            self.show_message(self.tr("需要联网：支付业务在服务器上办理，当前离线。"), "warning")

    def refresh(self) -> None:
        self._loaded_once = True
        if not self.ctx.online:
            self.show_message(self.tr("需要联网：支付业务在服务器上办理，当前离线。"), "warning")
            return
        self._run(lambda t, _c: svc.load_desk(transport=t), self.tr("读取支付凭证"), self._on_desk_loaded)

    def _on_desk_loaded(self, desk: svc.Desk) -> None:
        self._loaded_at = time.monotonic()
        current = self.current_voucher()
        self._render_desk(desk)
        if current is not None:
            for row, v in enumerate(desk.vouchers):
                if v.id == current.id:
                    self.voucher_table.selectRow(row)
                    break
        elif desk.vouchers:
            self.voucher_table.selectRow(0)
        if desk.awaiting and self.awaiting_table.currentIndex().row() < 0:
            self.awaiting_table.selectRow(0)
        self._update_actions()
        self.sig_loaded.emit()

    def _render_desk(self, desk: svc.Desk) -> None:
        self.desk = desk
        self.vouchers.set_records(desk.vouchers)
        self.awaiting.set_records(desk.awaiting)
        self._render_summary(desk)

    def _render_summary(self, desk: svc.Desk) -> None:
        counts: dict[str, int] = {}
        for v in desk.vouchers:
            counts[v.status] = counts.get(v.status, 0) + 1
        self.summary.setText(self.tr("凭证 {0} 张：待回单 {1}，已支付 {2}，已退票 {3}，已退款 {4}；待生成凭证 {5} 笔").format(
            len(desk.vouchers), counts.get("issued", 0), counts.get("paid", 0),
            counts.get("bounced", 0), counts.get("refunded", 0), len(desk.awaiting)))
        if not desk.can_act:
            self.show_message(self.tr("业务处室可查看本处室所管单位的支付凭证；生成凭证、导出、回单、退款与更正由国库支付中心办理。"))

    def voucher_by_no(self, voucher_no: str) -> svc.VoucherRow | None:
        return next((v for v in self.vouchers.records() if v.voucher_no == voucher_no), None)

    # ---------------------------------------------------------------- actions
    def _done(self, text: str, *, reload: bool = True) -> None:
        self.show_message(text, "success")
        self.ctx.notify(text, "success")
        self.sig_action_finished.emit(True, text)
        if reload:
            self.refresh()

    def _on_issue_triggered(self) -> None:
        app = self.current_awaiting()
        if app is None:
            self.tabs.setCurrentWidget(self.awaiting_table)
            self.show_message(self.tr("请在“待生成凭证”中选择一笔已审批通过的申请。"), "warning")
            return
        self.issue_voucher_for(app.application_id)

    def issue_voucher_for(self, application_id: str) -> None:
        self._run(lambda t, _c: svc.issue_voucher(transport=t, application_id=application_id),
                  self.tr("生成支付凭证"),
                  lambda v: self._done(self.tr("已生成支付凭证 {0}（{1} 元）。").format(
                      v["voucher_no"], money(v["amount_fen"]))), kind="mutation")

    def _bank(self) -> str | None:
        return self.bank_combo.currentData() or None

    def _on_export_triggered(self) -> None:
        fmt = self.format_combo.currentData()
        path, _ = QFileDialog.getSaveFileName(
            self, self.tr("保存银行支付文件"), str(Path.home() / f"支付文件.{fmt}"),
            self.tr("银行支付文件 (*.{0})").format(fmt))
        if path:
            self.export_bank_file_to(path)

    def export_bank_file_to(self, path: str | Path, fmt: str | None = None) -> None:
        fmt = fmt or self.format_combo.currentData()
        bank = self._bank()
        # One request id until the file is saved: a retry after a lost answer or a cancel gets
        # the batch the server already recorded, never a second one.
        self._export_request_id = self._export_request_id or uuid.uuid4().hex
        rid = self._export_request_id

        def done(r: svc.ExportResult) -> None:
            self._export_request_id = None
            self._done(self.tr("已导出批次 {0}：{1} 张凭证，合计 {2} 元，已保存到 {3}").format(
                r.batch_no, r.voucher_count, money(r.total_fen), str(r.path)))

        def refused(exc: BaseException) -> None:
            if isinstance(exc, svc.PaymentRefused):  # the server recorded nothing: a new id next
                self._export_request_id = None

        self._run(lambda t, c: svc.export_bank_file(transport=t, fmt=fmt, dest=path, bank=bank,
                                                    request_id=rid,
                                                    cancelled=lambda: c.cancelled),
                  self.tr("导出银行支付文件"), done, kind="mutation", on_error=refused)

    def _on_redownload_triggered(self) -> None:
        v = self.current_voucher()
        if v is None or not v.batch:
            self.show_message(self.tr("请选择一张已发送银行的凭证，重新下载它所在批次的文件。"), "warning")
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存银行支付文件"),
                                              str(Path.home() / v.batch), "")
        if path:
            self.redownload_batch_to(v.batch, path)

    def redownload_batch_to(self, batch_no: str, path: str | Path) -> None:
        self._run(lambda t, c: svc.download_batch_file(transport=t, batch_no=batch_no, dest=path,
                                                       cancelled=lambda: c.cancelled),
                  self.tr("下载批次文件"),
                  lambda r: self._done(self.tr("批次 {0} 的文件已保存到 {1}（与导出时逐字节相同）。").format(
                      r.batch_no, str(r.path)), reload=False))

    def _on_import_triggered(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择回单文件"), str(Path.home()),
                                              self.tr("回单文件 (*.csv *.xml);;所有文件 (*)"))
        if path:
            self.import_writeback_from(path)

    def import_writeback_from(self, path: str | Path) -> None:
        bank = self._bank()
        self._run(lambda t, _c: svc.import_writeback(transport=t, path=path, bank=bank),
                  self.tr("导入回单文件"), lambda r: self._done(r.message), kind="mutation")

    def _on_refund_triggered(self) -> None:
        v = self.current_voucher()
        if v is None or v.refundable_fen <= 0:
            self.show_message(self.tr("请选择一张已支付且尚有可退金额的凭证。"), "warning")
            return
        dialog = RefundDialog(v, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        from fiscal.money import AmountError, parse_amount

        try:
            fen = parse_amount(dialog.amount.text())
        except AmountError as exc:
            self.show_message(self.tr("退款金额：{0}").format(str(exc)), "error")
            return
        self.refund_current(fen, dialog.reason.text())

    def refund_current(self, amount_fen: int, reason: str) -> None:
        v = self.current_voucher()
        if v is None:
            return
        self._run(lambda t, _c: svc.refund(transport=t, voucher_id=v.id, amount_fen=amount_fen,
                                           reason=reason),
                  self.tr("退款"), lambda r: self._done(self.tr("凭证 {0} 已退款 {1} 元，指标额度已恢复。").format(
                      r["voucher_no"], money(amount_fen))), kind="mutation")

    def _on_correct_triggered(self) -> None:
        v = self.current_voucher()
        if v is None or v.status not in ("issued", "paid", "refunded"):
            self.show_message(self.tr("请选择一张待回单或已支付的凭证进行更正。"), "warning")
            return
        dialog = CorrectionDialog(v, self)
        if dialog.exec() != QDialog.DialogCode.Accepted:
            return
        self.correct_current(reason=dialog.reason.text(), indicator_id=dialog.indicator.text(),
                             func_code=dialog.func_code.text(),
                             dep_eco_code=dialog.dep_eco_code.text())

    def correct_current(self, *, reason: str, indicator_id: str = "", func_code: str = "",
                        dep_eco_code: str = "") -> None:
        v = self.current_voucher()
        if v is None:
            return
        rid = uuid.uuid4().hex
        self._run(lambda t, _c: svc.correct(transport=t, voucher_id=v.id, reason=reason,
                                            indicator_id=indicator_id, func_code=func_code,
                                            dep_eco_code=dep_eco_code, request_id=rid),
                  self.tr("更正"), lambda _r: self._done(self.tr("凭证 {0} 已更正，前后版本均已留存。").format(
                      v.voucher_no)), kind="mutation")

    # ---------------------------------------------------------------- reconciliation
    def load_reconciliation(self) -> None:
        if not self.ctx.online:
            self.show_message(self.tr("需要联网：支付业务在服务器上办理，当前离线。"), "warning")
            return
        self.tabs.setCurrentIndex(2)
        self._run(lambda t, _c: svc.reconciliation(transport=t), self.tr("生成对账报告"),
                  self._on_reconciliation_loaded)

    def retranslate_dynamic(self) -> None:
        """Composed texts again from what is loaded (no second trip to the server)."""
        if self.desk is not None:
            self._render_summary(self.desk)
        if self.report is not None:
            self._render_report(self.report)

    def _on_reconciliation_loaded(self, report: svc.Reconciliation) -> None:
        self._render_report(report)
        self.sig_action_finished.emit(True, "reconciliation")

    def _render_report(self, report: svc.Reconciliation) -> None:
        self.report = report
        self.unmatched_vouchers.clear()
        self.orphan_writebacks.clear()
        for v in report.vouchers_without_writeback:
            batches = "、".join(v.get("batches") or []) or self.tr("未发送银行")
            self.unmatched_vouchers.addItem(
                f"{v['voucher_no']}  {money(v['amount_fen'])}  {batches}")
        for w in report.writebacks_without_voucher:
            state = self.tr("支付成功") if w.get("success") else self.tr("退票")
            self.orphan_writebacks.addItem(
                f"{w['voucher_no']}  {money(w['amount_fen'])}  {w['bank_serial']}  {w.get('paid_on') or ''}  {state}")
        s = report.summary
        self.recon_summary.setText(self.tr("凭证无回单 {0} 张，合计 {1} 元（其中未发送银行 {2} 张）；回单无凭证 {3} 笔，合计 {4} 元。").format(
            s.get("vouchers_without_writeback", 0), money(s.get("pending_fen", 0)),
            s.get("not_sent_to_bank", 0), s.get("writebacks_without_voucher", 0),
            money(s.get("orphan_fen", 0))))

    def _on_reconcile_excel_triggered(self) -> None:
        if self.report is None:
            self.show_message(self.tr("请先生成对账报告（Ctrl+L）。"), "warning")
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出对账报告"),
                                              str(Path.home() / "对账报告.xlsx"), "Excel (*.xlsx)")
        if path:
            self.export_reconciliation_to(path)

    def export_reconciliation_to(self, path: str | Path) -> None:
        report = self.report
        if report is None:
            return
        self._run(lambda _t, _c: svc.export_reconciliation(report=report, dest=path),
                  self.tr("导出对账报告"), online=False,
                  on_done=lambda p: self._done(self.tr("对账报告已导出到 {0}").format(str(p)),
                                               reload=False))

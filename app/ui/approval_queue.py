"""待我审批: the reviewer's queue with filters, a detail pane (application, budget context,
warnings) and approve / return / reject with a comment. Decisions are stored locally and
sent at the next sync (offline they simply wait); the server may still refuse one."""
from __future__ import annotations

import logging
from datetime import UTC, datetime
from html import escape
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.approvals import ApprovalTaskView, list_approval_tasks
from app.services.ui_queries import (
    SEVERITY_NAMES,
    ApprovalContext,
    approval_context,
    decide_task,
    decide_tasks,
    recognize_attachment,
)
from app.ui.context import UiContext
from app.ui.formatting import code_label, fund_type_name, fund_types, local_time, money, status_name
from app.ui.i18n import RetranslateMixin
from app.ui.message_i18n import translate_message
from app.ui.record_model import Column, RecordTableModel
from app.ui.tasks import ChangeAwareMixin
from app.ui.voucher_images import VoucherImagesPanel
from fiscal.money import AmountError, parse_amount, to_daxie

log = logging.getLogger(__name__)

LEVEL_COLORS = {"red": "#c0392b", "yellow": "#b7950b", "blue": "#2874a6"}


def _age(task: ApprovalTaskView) -> str:
    if task.created_at is None:
        return ""
    hours = int((datetime.now(UTC) - task.created_at).total_seconds() // 3600)
    return f"{hours // 24}d {hours % 24}h" if hours >= 24 else f"{hours}h"


class ApprovalTaskTableModel(RecordTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__([
            Column(self.tr("预警"), lambda t: self._level(t.summary.get("warning_level")),
                   color=lambda t: LEVEL_COLORS.get(t.summary.get("warning_level") or "")),
            Column(self.tr("单位"), lambda t: str(t.summary.get("unit_name") or t.summary.get("unit_code") or "")),
            Column(self.tr("申请编号"), lambda t: str(t.summary.get("app_no") or "")),
            Column(self.tr("收款人"), lambda t: str(t.summary.get("payee_name") or "")),
            Column(self.tr("金额"), lambda t: money(t.amount), align_right=True),
            Column(self.tr("资金性质"), lambda t: fund_type_name(t.summary.get("fund_type_code"))),
            Column(self.tr("环节"), lambda t: t.step_name),
            Column(self.tr("等待"), _age),
            Column(self.tr("状态"), lambda t: status_name(t.status)),
        ], parent)

    def _level(self, level: str | None) -> str:
        return {"red": self.tr("红色"), "yellow": self.tr("黄色"), "blue": self.tr("蓝色")}.get(
            level or "", "")


class ApprovalQueueView(RetranslateMixin, ChangeAwareMixin, QWidget):
    sig_decided = Signal(str, str)  # task id, decision

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = ApprovalTaskTableModel(self)
        self._context: ApprovalContext | None = None

        self._search = QLineEdit()
        self._search.setPlaceholderText(self.tr("单位、收款人、用途、编号"))
        self._search.setClearButtonEnabled(True)
        self._min_amount = QLineEdit()
        self._min_amount.setPlaceholderText(self.tr("最低金额"))
        self._min_amount.setMaximumWidth(110)
        self._fund = QComboBox()
        self._fund.addItem(self.tr("全部资金性质"), None)
        for code, name in fund_types().items():
            self._fund.addItem(name, code)
        self._level = QComboBox()
        self._level.addItem(self.tr("全部预警级别"), None)
        for key, name in (("red", self.tr("红色")), ("yellow", self.tr("黄色")),
                          ("blue", self.tr("蓝色"))):
            self._level.addItem(name, key)
        self._age = QComboBox()
        self._age.setObjectName("ageFilter")
        for hours, text in ((None, self.tr("不限等待时间")), (24, self.tr("等待超过 1 天")),
                            (72, self.tr("等待超过 3 天"))):
            self._age.addItem(text, hours)
        self._show_decided = QCheckBox(self.tr("显示已审批"))
        filters = QHBoxLayout()
        for w in (self._search, self._min_amount, self._fund, self._level, self._age,
                  self._show_decided):
            filters.addWidget(w)
        filters.setStretch(0, 1)

        self._table = QTableView()
        self._table.setObjectName("approvalTable")
        self._table.setModel(self.model)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self._table.verticalHeader().setVisible(False)
        self._table.setAlternatingRowColors(True)
        self._table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._table.horizontalHeader().setStretchLastSection(True)
        for col, w in enumerate((50, 130, 130, 170, 110, 130, 80, 70)):
            self._table.setColumnWidth(col, w)
        self._count = QLabel()
        self._batch = QPushButton(self.tr("批量同意（无预警的选中项）"))
        left = QWidget()
        ll = QVBoxLayout(left)
        ll.setContentsMargins(0, 0, 0, 0)
        ll.addLayout(filters)
        ll.addWidget(self._table, 1)
        bl = QHBoxLayout()
        bl.addWidget(self._count, 1)
        bl.addWidget(self._batch)
        ll.addLayout(bl)

        self._detail = QTextBrowser()
        self._detail.setObjectName("approvalDetail")
        self._comment = QPlainTextEdit()
        self._comment.setObjectName("approvalComment")
        self._comment.setPlaceholderText(self.tr("审批意见（退回、拒绝时必填）"))
        self._comment.setMaximumHeight(80)
        self._comment.setTabChangesFocus(True)
        self._approve = QPushButton(self.tr("同意 (Alt+A)"))
        self._approve.setObjectName("approveButton")
        self._return = QPushButton(self.tr("退回 (Alt+R)"))
        self._return.setObjectName("returnButton")
        self._reject = QPushButton(self.tr("拒绝 (Alt+J)"))
        self._reject.setObjectName("rejectButton")
        self._message = QLabel()
        self._message.setWordWrap(True)
        self._message.setObjectName("approvalMessage")
        self._message.setTextFormat(Qt.TextFormat.PlainText)
        self.vouchers = VoucherImagesPanel(ctx.runner, fetch=getattr(ctx, "fetch_attachment", None))
        self.vouchers.setObjectName("approvalVouchers")
        self.vouchers.sig_images_ready.connect(self._on_vouchers_images_ready)
        self._ocr_tried: set[str] = set()  # attachments read here once (success or not)
        detail_split = QSplitter(Qt.Orientation.Vertical)
        detail_split.addWidget(self._detail)
        detail_split.addWidget(self.vouchers)
        detail_split.setSizes([330, 300])
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(detail_split, 1)
        rl.addWidget(self._comment)
        db_ = QHBoxLayout()
        db_.addWidget(self._message, 1)
        for b in (self._approve, self._return, self._reject):
            db_.addWidget(b)
        rl.addLayout(db_)

        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([640, 520])
        layout = QVBoxLayout(self)
        layout.addWidget(splitter)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(200)
        self._debounce.timeout.connect(self.refresh)
        self._search.textChanged.connect(lambda _t: self._debounce.start())
        self._min_amount.textChanged.connect(lambda _t: self._debounce.start())
        self._fund.currentIndexChanged.connect(lambda _i: self.refresh())
        self._level.currentIndexChanged.connect(lambda _i: self.refresh())
        self._age.currentIndexChanged.connect(lambda _i: self.refresh())
        self._show_decided.toggled.connect(lambda _b: self.refresh())
        self._table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self._approve.clicked.connect(lambda: self.decide("approve"))
        self._return.clicked.connect(lambda: self.decide("return"))
        self._reject.clicked.connect(lambda: self.decide("reject"))
        self._batch.clicked.connect(self._on_batch_clicked)
        for seq, decision in (("Alt+A", "approve"), ("Alt+R", "return"), ("Alt+J", "reject")):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda d=decision: self.decide(d))
        self.setTabOrder(self._table, self._comment)
        self.setTabOrder(self._comment, self._approve)
        self.watch_changes(ctx.runner)
        self.refresh()

    def retranslate_dynamic(self) -> None:
        super().retranslate_dynamic()
        if self._context is not None:
            self._show_context(self._context)

    def wants_changes(self, changes: Any) -> bool:
        return bool(getattr(changes, "outbox", False) or getattr(changes, "sync_state", False))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh_if_stale()

    def table(self) -> QTableView:
        return self._table

    def message_text(self) -> str:
        return self._message.text()

    def refresh(self) -> None:
        db = self.ctx.db
        text = self._search.text().strip()
        try:
            min_amount = parse_amount(self._min_amount.text()) if self._min_amount.text().strip() else None
        except AmountError:
            min_amount = None
        fund, level, decided = self._fund.currentData(), self._level.currentData(), \
            self._show_decided.isChecked()
        age = self._age.currentData()
        self.ctx.runner.query(
            lambda c: list_approval_tasks(db=db, status=None if decided else "pending",
                                          include_decided=decided, text=text,
                                          min_amount=min_amount, fund_type_code=fund,
                                          warning_level=level, min_age_hours=age),
            on_success=self._on_loaded, key=f"approvals-{id(self)}", label=self.tr("读取审批任务"))

    def _on_loaded(self, tasks: list[ApprovalTaskView]) -> None:
        current = self.current()
        self.model.set_records(tasks)
        total = sum(t.amount for t in tasks)
        self._count.setText(self.tr("{0} 项，合计 {1} 元").format(len(tasks), money(total)))
        if tasks:
            row = next((i for i, t in enumerate(tasks) if current and t.id == current.id), 0)
            self._table.selectRow(row)
        else:
            self._detail.setHtml(f"<p>{self.tr('没有待审批的任务。')}</p>")
            self._context = None
            self.vouchers.set_attachments(())

    def current(self) -> ApprovalTaskView | None:
        return self.model.record(self._table.currentIndex().row())

    def _on_table_current_changed(self, current: Any, _prev: Any) -> None:
        task = self.model.record(current.row())
        if task is None:
            return
        db = self.ctx.db
        self.ctx.runner.query(lambda c: approval_context(db=db, task_id=task.id),
                              on_success=self._show_context, key=f"approval-ctx-{id(self)}",
                              label=self.tr("读取审批详情"))

    def _show_context(self, ctx: ApprovalContext) -> None:
        self._context = ctx
        t = ctx.task
        s = {k: escape(v) if isinstance(v, str) else v for k, v in ctx.task.summary.items()}
        year = ctx.indicator.fiscal_year if ctx.indicator else datetime.now().year
        html = [f"<h3>{s.get('app_no', '')} · {t.step_name}</h3>",
                (f"<p><b>{self.tr('单位')}</b> {s.get('unit_name', '')} ({s.get('unit_code', '')})"
                f" · <b>{self.tr('经办人')}</b> {s.get('applicant', '')}<br>"
                f"<b>{self.tr('收款人')}</b> {s.get('payee_name', '')} {s.get('payee_account', '')}"
                f" {s.get('payee_bank', '')}<br>"
                f"<b>{self.tr('金额')}</b> {money(t.amount)} {self.tr('元')}"
                f"（{to_daxie(t.amount) if t.amount else ''}）<br>"
                f"<b>{self.tr('用途')}</b> {s.get('use_des', '')}<br>"
                f"<b>{self.tr('经济科目')}</b> {code_label('dep_economic', s.get('dep_eco_code'), year)}"
                 f" · <b>{self.tr('结算方式')}</b> {s.get('settlement_mode', '')}</p>")]
        ind = ctx.indicator
        if ind is not None:
            remaining = ind.available_after_pending - t.amount
            color = "#c0392b" if remaining < 0 else "#1e8449"
            html.append(
                f"<h4>{self.tr('预算情况')}</h4><p>{escape(ind.id)} {escape(ind.doc_no or '')}"
                f" {escape(ind.pro_name or '')}<br>"
                f"{self.tr('指标')} {money(ind.amount)} − {self.tr('已支付')} {money(ind.paid)}"
                f" − {self.tr('在途')} {money(ind.reserved)}"
                + (f" − {self.tr('冻结')} {money(ind.frozen)}" if ind.frozen else "")
                + f" − {self.tr('本次')} {money(t.amount)} = "
                f"<b style='color:{color}'>{money(remaining)}</b></p>")
        else:
            html.append(f"<p style='color:#666'>{self.tr('本机没有该指标的数据，预算情况以服务器为准。')}</p>")
        if ctx.warnings:
            html.append(f"<h4>{self.tr('预警')}</h4><ul>")
            for w in ctx.warnings:
                html.append(f"<li><span style='color:{LEVEL_COLORS.get(w.severity, '#000')}'>"
                            f"[{SEVERITY_NAMES.get(w.severity, w.severity)}] {escape(w.rule_name)}"
                            f"</span> {escape(translate_message(w.message))}</li>")
            html.append("</ul>")
        if t.server_message:
            html.append(f"<p style='color:#c0392b'><b>{self.tr('服务器退回了上次的意见')}</b>："
                        f"{escape(translate_message(t.server_message))}</p>")
        if t.decision and not t.is_open:
            word = {"approve": self.tr("同意"), "return": self.tr("退回"),
                    "reject": self.tr("拒绝")}.get(t.decision, t.decision)
            state = {"queued": self.tr("待发送"), "sent": self.tr("已发送"),
                     "accepted": self.tr("服务器已接受")}.get(t.decision_state or "",
                                                            t.decision_state or "")
            html.append(f"<p><b>{self.tr('我的意见')}</b> {word} {escape(t.decision_comment)}"
                        f"（{state}）</p>")
        html.append(f"<p style='color:#666'>{self.tr('凭证')}：{self.tr('{0} 个附件（见下方）').format(len(ctx.attachments))}"
                    f" · {self.tr('收到时间')} {local_time(t.created_at)}</p>")
        self._detail.setHtml("".join(html))
        if list(ctx.attachments) != self.vouchers.rows():  # new files, fields or checks
            self.vouchers.set_attachments(ctx.attachments)
        undecided = t.is_open
        for b in (self._approve, self._return, self._reject):
            b.setEnabled(undecided)

    def _on_vouchers_images_ready(self) -> None:
        """Images that came without their fields (captured on another machine): read them here,
        in the task runner, then show the fields and the checks beside the image."""
        ctx = self._context
        if ctx is None:
            return
        todo = [a.id for a in ctx.attachments if not a.ocr_fields and a.is_image
                and self.vouchers.local_path(a) and a.id not in self._ocr_tried]
        if not todo:
            return
        self._ocr_tried.update(todo)
        db, task_id = self.ctx.db, ctx.task.id
        self.vouchers.set_busy(self.tr("正在识别凭证字段…"))

        def work(c: Any) -> ApprovalContext:
            for att_id in todo:
                c.check()
                try:
                    recognize_attachment(db=db, attachment_id=att_id)
                except Exception:  # the image still shows; the log has why
                    log.exception("OCR of attachment %s failed", att_id)
            return approval_context(db=db, task_id=task_id)

        def done(new: ApprovalContext) -> None:
            self.vouchers.set_busy(None)
            if self._context is not None and self._context.task.id == new.task.id:
                self._show_context(new)

        self.ctx.runner.query(work, on_success=done,
                              on_failure=lambda _m, _e: self.vouchers.set_busy(None),
                              key=f"voucher-ocr-{id(self)}", label=self.tr("识别凭证"))

    def decide(self, decision: str) -> None:
        task = self.current()
        if task is None or not task.is_open:
            return
        comment = self._comment.toPlainText()
        db = self.ctx.db

        def done(_changes: Any) -> None:
            self._comment.clear()
            word = {"approve": self.tr("同意"), "return": self.tr("退回"),
                    "reject": self.tr("拒绝")}[decision]
            tail = self.tr("，将在同步时发送。") if not self.ctx.online else self.tr("，正在发送。")
            self._message.setStyleSheet("color:#1e8449")
            self._message.setText(self.tr("已{0}{1}").format(word, tail))
            self.sig_decided.emit(task.id, decision)

        def failed(message: str, _exc: BaseException) -> None:
            self._message.setStyleSheet("color:#c0392b")
            self._message.setText(message)
            if getattr(_exc, "field", None) == "comment":
                self._comment.setFocus()

        self.ctx.runner.mutation(
            lambda c: decide_task(db=db, task_id=task.id, decision=decision, comment=comment),
            on_success=done, on_failure=failed, label=self.tr("审批"))

    def _on_batch_clicked(self) -> None:
        rows = sorted({i.row() for i in self._table.selectionModel().selectedRows()})
        tasks = [self.model.record(r) for r in rows]
        routine = [t for t in tasks if t and t.is_open
                   and not t.summary.get("warning_level")]
        if not routine:
            self._message.setText(self.tr("选中项中没有可批量同意的任务（有预警的须逐笔审批）。"))
            return
        total = sum(t.amount for t in routine)
        answer = QMessageBox.question(self, self.tr("批量同意"), self.tr(
            "同意 {0} 项，合计 {1} 元？").format(len(routine), money(total)))
        if answer != QMessageBox.StandardButton.Yes:
            return
        db, ids = self.ctx.db, [t.id for t in routine]
        self.ctx.runner.mutation(lambda c: decide_tasks(db=db, task_ids=ids),
                                 on_success=lambda _c: self._message.setText(
                                     self.tr("已批量同意 {0} 项。").format(len(ids))),
                                 label=self.tr("批量审批"))

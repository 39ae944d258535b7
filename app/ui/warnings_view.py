"""预警: warnings by level with the disposition loop (the unit's explanation, sent at sync)."""
from __future__ import annotations

from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabBar,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.ui_queries import (
    WARNING_STATUS_NAMES,
    WarningView,
    explain_warning,
    list_warnings,
)
from app.ui.approval_queue import LEVEL_COLORS
from app.ui.context import UiContext
from app.ui.formatting import local_time
from app.ui.i18n import RetranslateMixin
from app.ui.record_model import Column, RecordTableModel
from app.ui.tasks import ChangeAwareMixin


class WarningTableModel(RecordTableModel):
    def __init__(self, parent: Any = None) -> None:
        levels = {"red": self.tr("红色"), "yellow": self.tr("黄色"), "blue": self.tr("蓝色")}
        statuses = {"open": self.tr("待处置"), "explained": self.tr("已说明"),
                    "closed": self.tr("已关闭"), "confirmed": self.tr("已确认"),
                    "dismissed": self.tr("已排除")}
        super().__init__([
            Column(self.tr("级别"), lambda w: levels.get(w.severity, w.severity),
                   color=lambda w: LEVEL_COLORS.get(w.severity)),
            Column(self.tr("规则"), lambda w: w.rule_name),
            Column(self.tr("说明"), lambda w: w.message, tooltip=lambda w: w.message),
            Column(self.tr("指标/申请"), lambda w: w.indicator_id or w.application_id or ""),
            Column(self.tr("状态"), lambda w: statuses.get(w.status, WARNING_STATUS_NAMES.get(
                w.status, w.status))),
            Column(self.tr("时间"), lambda w: local_time(w.created_at)),
        ], parent)


class WarningsView(RetranslateMixin, ChangeAwareMixin, QWidget):
    LEVELS = (None, "red", "yellow", "blue")

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = WarningTableModel(self)
        self._tabs = QTabBar()
        for text in (self.tr("全部"), self.tr("红色预警"), self.tr("黄色预警"), self.tr("蓝色预警")):
            self._tabs.addTab(text)
        self._table = QTableView()
        self._table.setObjectName("warningTable")
        self._table.setModel(self.model)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._table.verticalHeader().setVisible(False)
        self._table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._table.horizontalHeader().setStretchLastSection(True)
        for col, w in enumerate((60, 150, 420, 140, 80)):
            self._table.setColumnWidth(col, w)
        self._detail = QTextBrowser()
        self._explanation = QPlainTextEdit()
        self._explanation.setObjectName("warningExplanation")
        self._explanation.setPlaceholderText(self.tr("情况说明：原因、依据与整改措施（随下次同步发送）"))
        self._explanation.setMaximumHeight(90)
        self._explanation.setTabChangesFocus(True)
        self._explain = QPushButton(self.tr("提交说明"))
        # a yellow warning's explanation needs at least one supporting file (fiscal.warnings)
        self._files: list[Path] = []
        self._attach = QPushButton(self.tr("添加附件…"))
        self._attach.setObjectName("warningAttach")
        self._files_label = QLabel()
        self._message = QLabel()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self._detail, 1)
        rl.addWidget(self._explanation)
        row = QHBoxLayout()
        row.addWidget(self._message, 1)
        row.addWidget(self._files_label)
        row.addWidget(self._attach)
        row.addWidget(self._explain)
        rl.addLayout(row)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._table)
        splitter.addWidget(right)
        splitter.setSizes([380, 260])
        layout = QVBoxLayout(self)
        layout.addWidget(self._tabs)
        layout.addWidget(splitter, 1)
        self._tabs.currentChanged.connect(lambda _i: self.refresh())
        self._table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self._explain.clicked.connect(self._on_explain_clicked)
        self._attach.clicked.connect(self._on_attach_clicked)
        self.watch_changes(ctx.runner)
        self.refresh()

    def wants_changes(self, changes: Any) -> bool:
        return bool(getattr(changes, "outbox", False) or getattr(changes, "sync_state", False))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh_if_stale()

    def refresh(self) -> None:
        db, level = self.ctx.db, self.LEVELS[max(0, self._tabs.currentIndex())]
        self.ctx.runner.query(lambda c: list_warnings(db=db, severity=level),
                              on_success=self._on_loaded, key=f"warnings-{id(self)}",
                              label=self.tr("读取预警"))

    def _on_loaded(self, warnings: list[WarningView]) -> None:
        self.model.set_records(warnings)
        if warnings:
            self._table.selectRow(0)

    def current(self) -> WarningView | None:
        return self.model.record(self._table.currentIndex().row())

    def _on_table_current_changed(self, current: Any, _prev: Any) -> None:
        w = self.model.record(current.row())
        if w is None:
            return
        explanation = w.details.get("explanation")
        self._detail.setHtml(
            f"<h3 style='color:{LEVEL_COLORS.get(w.severity, '#000')}'>{escape(w.rule_name)}"
            f" <small>{escape(w.rule_code)}</small></h3><p>{escape(w.message)}</p>"
            + (f"<p><b>{self.tr('情况说明')}</b>：{escape(str(explanation))}</p>"
               if explanation else "")
            + f"<p style='color:#666'>{self.tr('处置流程：单位说明 → 财政核实 → 关闭或确认违规。')}</p>"
            + self._send_state_html(w))
        refused = w.details.get("refused") or {}
        if refused.get("note") and not self._explanation.toPlainText().strip():
            self._explanation.setPlainText(refused["note"])  # what was typed is never lost
        self._explain.setEnabled(w.status in ("open", "raised", "explained"))
        self._attach.setEnabled(self._explain.isEnabled())

    def _send_state_html(self, w: WarningView) -> str:
        pending, refused = w.details.get("pending"), w.details.get("refused")
        if pending:
            why = pending.get("message")
            return (f"<p style='color:#b9770e'>{self.tr('待发送')}：{escape(pending.get('action_name', ''))}"
                    + (f"（{escape(str(why))}）" if why else "") + "</p>")
        if refused:
            return (f"<p style='color:#c0392b'>{self.tr('服务器未接受')}"
                    f"“{escape(refused.get('action_name', ''))}”：{escape(str(refused.get('message')))}</p>")
        return ""

    def add_files(self, paths: list[str | Path]) -> None:
        self._files += [Path(p) for p in paths if Path(p) not in self._files]
        names = "、".join(p.name for p in self._files)
        self._files_label.setText(self.tr("附件 %n 个", "", len(self._files)) if self._files else "")
        self._files_label.setToolTip(names)

    def _on_attach_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择说明附件"), "",
            self.tr("凭证文件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.ofd *.xml);;所有文件 (*)"))
        self.add_files(paths)

    def _on_explain_clicked(self) -> None:
        w = self.current()
        if w is None:
            return
        db, text, files = self.ctx.db, self._explanation.toPlainText(), list(self._files)

        def failed(message: str, _exc: BaseException) -> None:
            self._message.setStyleSheet("color:#c0392b")
            self._message.setText(message)

        def done(_c: Any) -> None:
            self._explanation.clear()
            self._files.clear()
            self.add_files([])
            self._message.setStyleSheet("color:#1e8449")
            self._message.setText(self.tr("说明已保存，将随下次同步发送。"))

        self.ctx.runner.mutation(lambda c: explain_warning(db=db, warning_id=w.id,
                                                           explanation=text, files=files),
                                 on_success=done, on_failure=failed, label=self.tr("提交预警说明"))

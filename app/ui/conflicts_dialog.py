"""Sync conflicts: a record changed on the server while the user was editing it. Both versions
are shown side by side, field by field; the user keeps one (app.services.conflicts)."""
from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.conflicts import ConflictView, list_conflicts, resolve_conflict
from app.ui.context import UiContext
from app.ui.formatting import local_time, money

FIELD_ORDER = ("amount", "amount_fen", "payee_name", "payee_account", "payee_bank", "payee_id_number",
               "use_des", "dep_eco_code", "settlement_mode", "contract_no", "status",
               "local_status", "version", "deleted")


class ConflictsDialog(QDialog):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("同步冲突"))
        self.resize(860, 480)
        self.list = QListWidget()
        self.list.setObjectName("conflictList")
        self.list.setMaximumWidth(260)
        self.table = QTableWidget(0, 3)
        self.table.setObjectName("conflictTable")
        self.table.setHorizontalHeaderLabels([self.tr("字段"), self.tr("本机修改"),
                                              self.tr("服务器版本")])
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setColumnWidth(1, 240)
        self.reason = QLabel()
        self.reason.setWordWrap(True)
        self.keep_local = QPushButton(self.tr("保留我的修改"))
        self.take_server = QPushButton(self.tr("采用服务器版本"))
        self.message = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.message, 1)
        buttons.addWidget(self.keep_local)
        buttons.addWidget(self.take_server)
        right = QVBoxLayout()
        right.addWidget(self.reason)
        right.addWidget(self.table, 1)
        right.addLayout(buttons)
        layout = QHBoxLayout(self)
        layout.addWidget(self.list)
        layout.addLayout(right, 1)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.keep_local.clicked.connect(lambda: self.resolve("local"))
        self.take_server.clicked.connect(lambda: self.resolve("server"))
        self.refresh()

    def refresh(self) -> None:
        db = self.ctx.db
        self.ctx.runner.query(lambda c: list_conflicts(db=db), on_success=self._show,
                              label=self.tr("读取同步冲突"))

    def conflicts(self) -> list[ConflictView]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _show(self, conflicts: list[ConflictView]) -> None:
        self.list.clear()
        for c in conflicts:
            item = QListWidgetItem(f"{c.entity_id[:8]} · {local_time(c.detected_at)}")
            item.setData(Qt.ItemDataRole.UserRole, c)
            self.list.addItem(item)
        has = bool(conflicts)
        self.keep_local.setEnabled(has)
        self.take_server.setEnabled(has)
        if has:
            self.list.setCurrentRow(0)
        else:
            self.table.setRowCount(0)
            self.reason.setText(self.tr("没有待处理的同步冲突。"))

    @staticmethod
    def _text(key: str, value: Any) -> str:
        if value is None:
            return ""
        if key in ("amount", "amount_fen") and isinstance(value, int):
            return money(value)
        return str(value)

    def _on_current_changed(self, current: QListWidgetItem | None, _prev: Any) -> None:
        c: ConflictView | None = current.data(Qt.ItemDataRole.UserRole) if current else None
        if c is None:
            return
        self.reason.setText(self.tr("服务器在您修改期间也改动了这笔记录：{0}").format(c.reason or ""))
        keys = [k for k in FIELD_ORDER if k in c.local_version or k in c.server_version]
        keys += sorted((set(c.local_version) | set(c.server_version)) - set(keys))
        self.table.setRowCount(len(keys))
        for row, key in enumerate(keys):
            local = self._text(key, c.local_version.get(key))
            server = self._text(key, c.server_version.get(key))
            cells = (QTableWidgetItem(key), QTableWidgetItem(local), QTableWidgetItem(server))
            for col, cell in enumerate(cells):
                if local != server:
                    cell.setBackground(QColor("#fdf2e9"))
                self.table.setItem(row, col, cell)

    def resolve(self, keep: str) -> None:
        item = self.list.currentItem()
        c: ConflictView | None = item.data(Qt.ItemDataRole.UserRole) if item else None
        if c is None:
            return
        db = self.ctx.db

        def done(_changes: Any) -> None:
            self.message.setText(self.tr("已处理。"))
            self.refresh()

        self.ctx.runner.mutation(lambda ctx: resolve_conflict(db=db, conflict_id=c.id, keep=keep),
                                 on_success=done,
                                 on_failure=lambda m, _e: self.message.setText(m),
                                 label=self.tr("处理同步冲突"))

"""收款人地址簿: the local payee address book — search it, and keep each entry's 身份证号
(personal payees), 联系电话 and 备注 up to date. The entries themselves come from the user's
applications, the payee workbook import and the server."""
from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.payees import PHONE_MAX, REMARK_MAX, search_payees, update_payee_details
from app.services.results import PayeeView
from app.ui.context import UiContext
from app.ui.i18n import RetranslateMixin
from app.ui.message_i18n import translate_message
from app.ui.record_model import Column, RecordTableModel


class PayeeTableModel(RecordTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__([
            Column(self.tr("收款人"), lambda p: p.name),
            Column(self.tr("账号"), lambda p: p.account_no),
            Column(self.tr("开户银行"), lambda p: p.bank_name),
            Column(self.tr("类型"), lambda p: self.tr("个人") if p.kind == "person" else self.tr("单位")),
            Column(self.tr("身份证号"), lambda p: p.id_no or ""),
            Column(self.tr("联系电话"), lambda p: p.phone or ""),
            Column(self.tr("备注"), lambda p: p.remark or ""),
        ], parent)


class PayeeBookDialog(RetranslateMixin, QDialog):
    """Search the address book; edit the selected entry's details (saved off the UI thread)."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("收款人地址簿"))
        self.resize(960, 560)
        self.model = PayeeTableModel(self)
        self.search = QLineEdit()
        self.search.setObjectName("payeeSearch")
        self.search.setPlaceholderText(self.tr("收款人名称或账号"))
        self.search.setClearButtonEnabled(True)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.horizontalHeader().setStretchLastSection(True)

        self.id_edit = QLineEdit()
        self.id_edit.setObjectName("payeeIdNo")
        self.id_edit.setMaxLength(18)
        self.id_edit.setPlaceholderText(self.tr("18 位居民身份证号（个人收款人）"))
        self.phone_edit = QLineEdit()
        self.phone_edit.setObjectName("payeePhone")
        self.phone_edit.setMaxLength(PHONE_MAX)
        self.remark_edit = QLineEdit()
        self.remark_edit.setObjectName("payeeRemark")
        self.remark_edit.setMaxLength(REMARK_MAX)
        self.error_label = QLabel()
        self.error_label.setObjectName("payeeError")
        self.error_label.setStyleSheet("color: #b00020;")
        self.error_label.setWordWrap(True)
        self.save_button = QPushButton(self.tr("保存"))
        self.save_button.setObjectName("payeeSave")
        self.save_button.setEnabled(False)

        self._details = QGroupBox(self.tr("所选收款人"))
        form = QFormLayout(self._details)
        form.addRow(self.tr("身份证号"), self.id_edit)
        form.addRow(self.tr("联系电话"), self.phone_edit)
        form.addRow(self.tr("备注"), self.remark_edit)
        row = QHBoxLayout()
        row.addWidget(self.error_label, 1)
        row.addWidget(self.save_button)
        form.addRow(row)
        for w in (self.id_edit, self.phone_edit, self.remark_edit):
            w.setEnabled(False)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.search)
        layout.addWidget(self.table, 1)
        layout.addWidget(self._details)
        layout.addWidget(buttons)

        self.search.textChanged.connect(self._on_search_text_changed)
        self.table.selectionModel().currentRowChanged.connect(self._on_table_row_changed)
        self.save_button.clicked.connect(self.save)
        self._selected_id: int | None = None
        self.refresh()

    # ------------------------------------------------------------------ data

    def refresh(self) -> None:
        db, text = self.ctx.db, self.search.text().strip()
        self.ctx.runner.query(lambda c: search_payees(db=db, text=text, limit=1000),
                              on_success=self._on_payees_loaded, key=f"payee-book-{id(self)}",
                              label=self.tr("读取收款人地址簿"))

    def _on_payees_loaded(self, payees: list[PayeeView]) -> None:
        keep = self._selected_id
        self.model.set_records(payees)
        for i, p in enumerate(payees):
            if p.id == keep:
                self.table.selectRow(i)
                return
        self._show(None)

    def selected(self) -> PayeeView | None:
        index = self.table.currentIndex()
        return self.model.record(index.row()) if index.isValid() else None

    def _show(self, payee: PayeeView | None) -> None:
        self._selected_id = payee.id if payee else None
        self.id_edit.setText(payee.id_no or "" if payee else "")
        self.phone_edit.setText(payee.phone or "" if payee else "")
        self.remark_edit.setText(payee.remark or "" if payee else "")
        for w in (self.id_edit, self.phone_edit, self.remark_edit, self.save_button):
            w.setEnabled(payee is not None)
        self._details.setTitle(payee.name if payee else self.tr("所选收款人"))
        self.error_label.clear()

    def save(self) -> None:
        if self._selected_id is None:
            return
        db, payee_id = self.ctx.db, self._selected_id
        id_no, phone, remark = self.id_edit.text(), self.phone_edit.text(), self.remark_edit.text()
        self.error_label.clear()
        self.save_button.setEnabled(False)
        self.ctx.runner.mutation(
            lambda c: update_payee_details(db=db, payee_id=payee_id, id_no=id_no, phone=phone,
                                           remark=remark),
            on_success=self._on_saved, on_failure=self._on_save_failed,
            label=self.tr("保存收款人"))

    def _on_saved(self, result: Any) -> None:
        self.save_button.setEnabled(True)
        self.ctx.notify(self.tr("已保存收款人 {0}").format(result.payee.name), "success")
        self.refresh()

    def _on_save_failed(self, message: str, exc: BaseException) -> None:
        self.save_button.setEnabled(True)
        self.error_label.setText(translate_message(message, getattr(exc, "code", None)))
        target = {"id_no": self.id_edit, "phone": self.phone_edit,
                  "remark": self.remark_edit}.get(getattr(exc, "field", None) or "")
        if target is not None:
            target.setFocus()
            target.selectAll()

    def error_text(self) -> str:
        return self.error_label.text()

    # ------------------------------------------------------------------ slots

    def _on_search_text_changed(self, _text: str) -> None:
        self.refresh()

    def _on_table_row_changed(self, current: Any, _previous: Any) -> None:
        self._show(self.model.record(current.row()) if current.isValid() else None)

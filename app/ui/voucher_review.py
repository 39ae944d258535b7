"""Review screen: the voucher image beside its fields.

Failed fields (a check that concerns them failed) are red, low-confidence or missing ones
yellow; each carries the reason as a tooltip. Editing a field marks it as a correction (source
``user``) and re-runs the checks at once, so the highlight follows the correction. Nothing here
reads files or runs OCR: the view shows a :class:`app.ocr.model.VoucherResult`.

Signals: ``sig_saved(object)`` with the corrected result; ``sig_attach(object, dict)`` with the
result and the payment-application fields it fills (amount, payee, payee account).
"""
from __future__ import annotations

import copy
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QImage, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QRadioButton,
    QScrollArea,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.ocr.corrections import apply_correction, from_stored
from app.ocr.extract import EXPECTED_FIELDS
from app.ocr.model import FIELD_NAMES, KIND_NAMES, Processed, VoucherResult
from app.ocr.pipeline import LOW_CONFIDENCE

FAILED_BG = QColor("#f8d0d0")
LOW_BG = QColor("#fff1bf")
USER_BG = QColor("#dcefdc")

COL_NAME, COL_VALUE, COL_SOURCE, COL_CONF = range(4)


def field_label(name: str, kind: str) -> str:
    """The label printed on this kind of voucher (票据代码 on a 财政票据, 户名 on a 回单 …)."""
    tr = _t
    by_kind = {
        "fiscal_receipt": {"invoice_code": tr("票据代码"), "invoice_number": tr("票据号码"),
                           "payer_name": tr("交款人"), "buyer_tax_id": tr("交款人统一社会信用代码"),
                           "payee_name": tr("收款单位"), "total_fen": tr("金额合计"),
                           "issue_date": tr("开票日期")},
        "bank_receipt": {"issue_date": tr("交易日期"), "payer_name": tr("付款人户名"),
                         "payee_name": tr("收款人户名"), "total_fen": tr("金额"),
                         "serial_no": tr("交易流水号")},
    }
    common = {
        "invoice_code": tr("发票代码"), "invoice_number": tr("发票号码"), "issue_date": tr("开票日期"),
        "check_code": tr("校验码"), "buyer_name": tr("购买方名称"), "buyer_tax_id": tr("购买方纳税人识别号"),
        "seller_name": tr("销售方名称"), "seller_tax_id": tr("销售方纳税人识别号"),
        "amount_fen": tr("金额（不含税）"), "tax_fen": tr("税额"), "total_fen": tr("价税合计"),
        "total_daxie": tr("合计（大写）"), "payer_name": tr("付款人"), "payer_account": tr("付款账号"),
        "payee_name": tr("收款人"), "payee_account": tr("收款账号"), "serial_no": tr("流水号"),
        "purpose": tr("用途"),
    }
    return by_kind.get(kind, {}).get(name) or common.get(name, name)


def _t(text: str) -> str:
    return QCoreApplication.translate("VoucherReviewView", text)


def source_label(source: str) -> str:
    return {"qr": _t("二维码"), "text": _t("文本层"), "ocr": _t("识别"),
            "user": _t("人工更正")}.get(source, source)


def format_value(name: str, value: Any) -> str:
    if value is None:
        return ""
    if name.endswith("_fen") and isinstance(value, int):
        from fiscal.money import format_amount

        return format_amount(value)
    return str(value)


def parse_value(name: str, text: str) -> Any:
    """Text typed by the user -> field value; raises ValueError with a Chinese message."""
    text = text.strip()
    if not text:
        return None
    if name.endswith("_fen"):
        from fiscal.money import AmountError, parse_amount

        try:
            return parse_amount(text)
        except AmountError as exc:
            raise ValueError(exc.message) from None
    return text


def payment_prefill(result: VoucherResult) -> dict[str, Any]:
    """What attaching this voucher fills in a payment application: amount and payee."""
    f = {k: v.value for k, v in result.fields.items()}
    out: dict[str, Any] = {}
    if isinstance(f.get("total_fen"), int):
        out["amount_fen"] = f["total_fen"]
    if result.kind in ("bank_receipt", "fiscal_receipt"):
        payee = f.get("payee_name")
    else:
        payee = f.get("seller_name")
    if payee:
        out["payee_name"] = payee
    if f.get("payee_account"):
        out["payee_account"] = f["payee_account"]
    if f.get("seller_tax_id") and result.kind not in ("bank_receipt", "fiscal_receipt"):
        out["payee_tax_id"] = f["seller_tax_id"]
    key_parts = [f.get("invoice_code"), f.get("invoice_number")]
    if f.get("invoice_number"):
        out["voucher_no"] = ":".join(str(p) for p in key_parts if p)
    return out


def to_qimage(image: np.ndarray) -> QImage:
    image = np.ascontiguousarray(image)
    if image.ndim == 2:
        h, w = image.shape
        return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_Grayscale8).copy()
    h, w = image.shape[:2]
    return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_BGR888).copy()


class VoucherImageView(QScrollArea):
    """The voucher image, fitted to the width (original or processed)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self._label = QLabel(self.tr("没有图像"))
        self._label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.setWidget(self._label)
        self.setWidgetResizable(True)
        self._image: QImage | None = None

    def set_image(self, image: np.ndarray | None) -> None:
        self._image = None if image is None else to_qimage(image)
        self._refit()

    def has_image(self) -> bool:
        return self._image is not None

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._refit()

    def _refit(self) -> None:
        if self._image is None:
            self._label.setPixmap(QPixmap())
            self._label.setText(self.tr("没有图像（文本层或 XML 文件）"))
            return
        width = max(200, self.viewport().width() - 4)
        self._label.setPixmap(QPixmap.fromImage(self._image).scaledToWidth(
            width, Qt.TransformationMode.SmoothTransformation))


class VoucherReviewView(QWidget):
    sig_saved = Signal(object)
    sig_attach = Signal(object, dict)

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.result: VoucherResult | None = None
        self.user_name = ""
        self._loading = False

        self.banner = QLabel()
        self.banner.setWordWrap(True)
        self.banner.setVisible(False)
        self.title = QLabel()
        self.title.setObjectName("voucherTitle")

        self.image_view = VoucherImageView()
        self.show_processed = QRadioButton(self.tr("处理后"))
        self.show_original = QRadioButton(self.tr("原图"))
        self.show_processed.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.show_processed)
        group.addButton(self.show_original)
        self.show_processed.toggled.connect(self._on_image_mode_toggled)

        self.table = QTableWidget(0, 4)
        self.table.setHorizontalHeaderLabels([self.tr("项目"), self.tr("识别结果"), self.tr("来源"),
                                              self.tr("可信度")])
        self.table.verticalHeader().setVisible(False)
        self.table.horizontalHeader().setSectionResizeMode(COL_VALUE, QHeaderView.ResizeMode.Stretch)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.DoubleClicked
                                   | QAbstractItemView.EditTrigger.EditKeyPressed
                                   | QAbstractItemView.EditTrigger.AnyKeyPressed)
        self.table.itemChanged.connect(self._on_table_item_changed)

        self.checks = QListWidget()
        self.checks.setMaximumHeight(140)
        self.save_button = QPushButton(self.tr("保存更正"))
        self.attach_button = QPushButton(self.tr("附加到支付申请"))
        self.save_button.clicked.connect(self._on_save_clicked)
        self.attach_button.clicked.connect(self._on_attach_clicked)

        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        toggle = QHBoxLayout()
        toggle.addWidget(self.show_processed)
        toggle.addWidget(self.show_original)
        toggle.addStretch(1)
        lv.addLayout(toggle)
        lv.addWidget(self.image_view, 1)
        right = QWidget()
        rv = QVBoxLayout(right)
        rv.setContentsMargins(0, 0, 0, 0)
        rv.addWidget(self.title)
        rv.addWidget(self.table, 1)
        rv.addWidget(QLabel(self.tr("校验")))
        rv.addWidget(self.checks)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.attach_button)
        rv.addLayout(buttons)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(splitter, 1)
        self.set_result(None)

    # -- content -------------------------------------------------------------------------------
    def set_result(self, result: VoucherResult | None) -> None:
        self.result = copy.copy(result) if result is not None else None
        if self.result is not None:
            self.result.fields = {k: copy.copy(v) for k, v in result.fields.items()}
            self.result.corrections = {k: dict(v) for k, v in result.corrections.items()}
            self.result.checks = list(result.checks)
        enabled = result is not None
        self.save_button.setEnabled(enabled)
        self.attach_button.setEnabled(enabled)
        self._show_image()
        self._fill_table()
        self._show_checks()

    def _show_image(self) -> None:
        r = self.result
        image = None
        if r is not None and r.processed is not None:
            image = r.processed.color if self.show_processed.isChecked() else r.processed.original
        self.image_view.set_image(image)

    def _rows(self) -> list[str]:
        if self.result is None:
            return []
        expected = list(EXPECTED_FIELDS.get(self.result.kind, ()))
        extra = [n for n in FIELD_NAMES if n in self.result.fields and n not in expected]
        return expected + extra

    def _fill_table(self) -> None:
        self._loading = True
        try:
            r = self.result
            names = self._rows()
            self.table.setRowCount(len(names))
            self.title.setText("" if r is None else self.tr("{0}　·　{1}").format(
                KIND_NAMES.get(r.kind, r.kind),
                r.engine or self.tr("无需识别（文本层/XML）")))
            for row, name in enumerate(names):
                fv = r.fields.get(name)
                label = QTableWidgetItem(field_label(name, r.kind))
                label.setData(Qt.ItemDataRole.UserRole, name)
                label.setFlags(label.flags() & ~Qt.ItemFlag.ItemIsEditable)
                value = QTableWidgetItem(format_value(name, None if fv is None else fv.value))
                corr = r.corrections.get(name)
                source_text = "" if fv is None else source_label(fv.source)
                if corr is not None:  # the value read first stays visible beside the correction
                    source_text = self.tr("人工更正（原：{0}）").format(
                        format_value(name, corr.get("original")) or self.tr("未识别"))
                source = QTableWidgetItem(source_text)
                conf = QTableWidgetItem("" if fv is None else f"{fv.confidence:.0%}")
                for item in (source, conf):
                    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(row, COL_NAME, label)
                self.table.setItem(row, COL_VALUE, value)
                self.table.setItem(row, COL_SOURCE, source)
                self.table.setItem(row, COL_CONF, conf)
            self._paint()
        finally:
            self._loading = False

    def field_state(self, name: str) -> str:
        """"failed", "low", "missing", "user" or "ok" — what the row's colour says."""
        fv = self.result.fields.get(name) if self.result else None
        if fv is None:
            return "missing"
        if fv.failed:
            return "failed"
        if fv.source == "user":
            return "user"
        if fv.confidence < LOW_CONFIDENCE:
            return "low"
        return "ok"

    def _paint(self) -> None:
        if self.result is None:
            return
        messages: dict[str, list[str]] = {}
        for c in self.result.checks:
            if not c.ok:
                for n in c.fields:
                    messages.setdefault(n, []).append(c.message)
        for row in range(self.table.rowCount()):
            name = self.table.item(row, COL_NAME).data(Qt.ItemDataRole.UserRole)
            state = self.field_state(name)
            colour = {"failed": FAILED_BG, "low": LOW_BG, "missing": LOW_BG, "user": USER_BG}.get(state)
            tip = {"failed": "\n".join(messages.get(name, [])) or self.tr("校验未通过"),
                   "low": self.tr("识别可信度低，请对照原件核对。"),
                   "missing": self.tr("未能识别，请对照原件填写。"),
                   "user": self._correction_tip(name)}.get(state, "")
            for col in range(4):
                item = self.table.item(row, col)
                item.setBackground(QBrush(colour) if colour else QBrush())
                item.setToolTip(tip)

    def _correction_tip(self, name: str) -> str:
        corr = self.result.corrections.get(name) if self.result else None
        if not corr:
            return self.tr("已人工更正。")
        original = corr.get("original")
        shown = format_value(name, original) if original is not None else self.tr("（未识别）")
        return self.tr("已人工更正。原识别值：{0}（{1}）；更正人：{2}；时间：{3}").format(
            shown, source_label(corr.get("original_source") or ""), corr.get("by") or self.tr("未知"),
            corr.get("at") or "")

    def _show_checks(self) -> None:
        self.checks.clear()
        r = self.result
        if r is None:
            self.banner.setVisible(False)
            return
        for c in sorted(r.checks, key=lambda c: c.ok):
            text = ("✓ " + self._check_title(c.name)) if c.ok else ("✗ " + c.message)
            item = QListWidgetItem(text)
            if not c.ok:
                item.setForeground(QBrush(QColor("#a00000")))
            self.checks.addItem(item)
        for w in r.warnings:
            item = QListWidgetItem("! " + w)
            item.setForeground(QBrush(QColor("#8a5a00")))
            self.checks.addItem(item)
        if r.duplicate_of:
            self.banner.setText(self.tr("疑似重复报销：这张凭证已附在{0}。").format(r.duplicate_of))
            self.banner.setStyleSheet("background:#f8d0d0;color:#700;padding:6px;font-weight:bold")
            self.banner.setVisible(True)
        elif r.failed_checks:
            self.banner.setText(self.tr("有 {0} 项校验未通过，红色字段请对照原件核对。").format(
                len(r.failed_checks)))
            self.banner.setStyleSheet("background:#fff1bf;color:#5a4000;padding:6px")
            self.banner.setVisible(True)
        else:
            self.banner.setVisible(False)

    def _check_title(self, name: str) -> str:
        titles = {"total_daxie_matches": self.tr("大写金额与小写一致"),
                  "amount_plus_tax": self.tr("金额 + 税额 = 价税合计"),
                  "issue_date_valid": self.tr("开票日期有效"),
                  "invoice_code_format": self.tr("发票代码格式正确"),
                  "invoice_number_format": self.tr("发票号码格式正确"),
                  "check_code_format": self.tr("校验码格式正确"),
                  "fiscal_bill_format": self.tr("票据代码/号码格式正确"),
                  "buyer_tax_id_uscc": self.tr("购买方统一社会信用代码校验通过"),
                  "seller_tax_id_uscc": self.tr("销售方统一社会信用代码校验通过")}
        if name.startswith("qr_"):
            return self.tr("二维码与票面一致：{0}").format(field_label(name[3:], self.result.kind))
        return titles.get(name, name)

    # -- editing -------------------------------------------------------------------------------
    @Slot(QTableWidgetItem)
    def _on_table_item_changed(self, item: QTableWidgetItem) -> None:
        if self._loading or item.column() != COL_VALUE or self.result is None:
            return
        name = self.table.item(item.row(), COL_NAME).data(Qt.ItemDataRole.UserRole)
        try:
            value = parse_value(name, item.text())
        except ValueError as exc:
            item.setToolTip(str(exc))
            item.setBackground(QBrush(FAILED_BG))
            return
        self.set_field(name, value)

    def set_field(self, name: str, value: Any) -> None:
        """A correction: the value is the user's (the value read first is kept beside it, with
        who and when), and every check runs again on the corrected values."""
        apply_correction(self.result, name, value, by=self.user_name)
        self._fill_table()
        self._show_checks()

    def set_user(self, name: str) -> None:
        """Who makes the corrections (recorded with each one)."""
        self.user_name = name or ""

    def load_stored(self, ocr_result: dict[str, Any], image: np.ndarray | None = None) -> None:
        """Reopen a result stored with an attachment: corrections come back with their
        originals, and the checks run again on the corrected values."""
        result = from_stored(ocr_result)
        if image is not None:
            result.processed = Processed(original=image, color=image, binary=image)
        self.set_result(result)

    def corrections(self) -> dict[str, Any]:
        if self.result is None:
            return {}
        return {k: c.get("value") for k, c in self.result.corrections.items()}

    @Slot()
    def _on_save_clicked(self) -> None:
        if self.result is not None:
            self.sig_saved.emit(self.result)

    @Slot()
    def _on_attach_clicked(self) -> None:
        if self.result is not None:
            self.sig_attach.emit(self.result, payment_prefill(self.result))

    @Slot(bool)
    def _on_image_mode_toggled(self, _checked: bool) -> None:
        self._show_image()

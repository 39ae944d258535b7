"""Attachments of a payment application: thumbnails, role, the fields OCR read from them;
add a file (the draft is saved first), open one with the system viewer. Double-click or Enter
on an attachment with a stored recognition result opens it in the review screen (image beside
the fields, failed checks highlighted); the corrections are saved with the attachment."""
from __future__ import annotations

import mimetypes
import tempfile
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSize, Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices, QIcon, QImageReader, QPainter, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListView,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.ui_queries import ATTACHMENT_ROLE_NAMES, AttachmentRow, list_attachments
from app.ui.context import UiContext

THUMB = QSize(96, 96)


def thumbnail(row: AttachmentRow) -> QIcon:
    """A scaled image for pictures; a labelled page for other files."""
    if row.path and row.media_type.startswith("image/"):
        reader = QImageReader(row.path)
        reader.setAutoTransform(True)
        size = reader.size()
        if size.isValid():
            reader.setScaledSize(size.scaled(THUMB, Qt.AspectRatioMode.KeepAspectRatio))
        image = reader.read()
        if not image.isNull():
            return QIcon(QPixmap.fromImage(image))
    pix = QPixmap(THUMB)
    pix.fill(QColor("#f4f6f8"))
    p = QPainter(pix)
    p.setPen(QColor("#7f8c8d"))
    p.drawRect(8, 4, THUMB.width() - 17, THUMB.height() - 9)
    ext = Path(row.file_name).suffix.upper().lstrip(".") or "FILE"
    p.drawText(pix.rect(), int(Qt.AlignmentFlag.AlignCenter), ext[:5])
    p.end()
    return QIcon(pix)


def _load_for_review(db: Any, row: AttachmentRow) -> tuple[dict[str, Any] | None, Any]:
    """(stored recognition result, first page image or None) — worker thread."""
    from app.services.attachments import get_ocr_result

    stored = get_ocr_result(db=db, attachment_id=row.id)
    image = None
    if stored is not None and row.path:
        from app.ocr.errors import OcrError
        from app.ocr.loader import load_pages

        try:
            pages = load_pages(row.path)
            image = next((p.image for p in pages if p.image is not None), None)
        except OcrError:
            image = None  # the fields can still be reviewed without the picture
    return stored, image


class VoucherReviewDialog(QDialog):
    """The review screen for one stored attachment; 保存更正 stores the corrections with it."""

    def __init__(self, ctx: UiContext, row: AttachmentRow, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.row = row
        self.setWindowTitle(self.tr("核对识别结果 — {0}").format(row.file_name))
        self.resize(1100, 720)
        # imported here: the OCR model modules stay out of the payment form's start-up
        from app.ui.voucher_review import VoucherReviewView

        self.review = VoucherReviewView(self)
        self.review.attach_button.setVisible(False)  # it is attached already
        if ctx.user is not None:
            self.review.set_user(ctx.user.username)
        self.message = QLabel()
        self.message.setObjectName("reviewMessage")
        self.message.setWordWrap(True)
        close = QPushButton(self.tr("关闭 (Esc)"))
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(self.message, 1)
        bottom.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.review, 1)
        layout.addLayout(bottom)
        self.review.sig_saved.connect(self._on_saved)

    def _on_saved(self, result: Any) -> None:
        from app.services.attachments import save_ocr_result

        db, att_id, data = self.ctx.db, self.row.id, result.to_json()

        def done(_r: Any) -> None:
            self.message.setStyleSheet("color:#1e8449")
            self.message.setText(self.tr("更正已保存。"))

        def failed(message: str, _exc: BaseException) -> None:
            self.message.setStyleSheet("color:#c0392b")
            self.message.setText(message)  # the table keeps the corrections typed

        self.ctx.runner.mutation(lambda c: save_ocr_result(db=db, attachment_id=att_id,
                                                           ocr_result=data)[1],
                                 on_success=done, on_failure=failed, label=self.tr("保存更正"))


class AttachmentsPanel(QGroupBox):
    sig_attach_requested = Signal(str, str)  # file path, role

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("附件"), parent)
        self.setObjectName("attachmentsPanel")
        self.ctx = ctx
        self._application_id: str | None = None
        self.list = QListWidget()
        self.list.setObjectName("attachmentList")
        self.list.setViewMode(QListView.ViewMode.IconMode)
        self.list.setIconSize(THUMB)
        self.list.setGridSize(QSize(THUMB.width() + 40, THUMB.height() + 40))
        self.list.setResizeMode(QListView.ResizeMode.Adjust)
        self.list.setMaximumHeight(THUMB.height() + 50)
        self.list.setWordWrap(True)
        self.role = QComboBox()
        for code, name in ATTACHMENT_ROLE_NAMES.items():
            self.role.addItem(self._role_name(code, name), code)
        self.add_button = QPushButton(self.tr("添加附件… (Ctrl+O)"))
        self.open_button = QPushButton(self.tr("打开"))
        self.review_button = QPushButton(self.tr("核对识别结果 (Enter)"))
        self.review_button.setObjectName("attachmentReview")
        self.review_dialog: VoucherReviewDialog | None = None
        self.fields = QLabel()
        self.fields.setObjectName("attachmentFields")
        self.fields.setWordWrap(True)
        self.fields.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        row = QHBoxLayout()
        row.addWidget(QLabel(self.tr("类型")))
        row.addWidget(self.role)
        row.addWidget(self.add_button)
        row.addWidget(self.open_button)
        row.addWidget(self.review_button)
        row.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        layout.addWidget(self.fields)
        layout.addLayout(row)
        self.add_button.clicked.connect(self._on_add_clicked)
        self.open_button.clicked.connect(self._on_open_clicked)
        self.list.currentItemChanged.connect(self._on_current_changed)
        self.review_button.clicked.connect(self.review_current)
        # double-click / Enter: the review screen when there is a result to review
        self.list.itemActivated.connect(lambda _i: self.review_current())
        self.set_application(None)

    def _role_name(self, code: str, name: str) -> str:
        return {"invoice": self.tr("发票"), "contract": self.tr("合同"), "basis": self.tr("付款依据"),
                "receipt": self.tr("收据/回单"), "other": self.tr("其他")}.get(code, name)

    def set_application(self, application_id: str | None, editable: bool = True) -> None:
        self._application_id = application_id
        self.add_button.setEnabled(editable)
        self.role.setEnabled(editable)
        self.refresh()

    def refresh(self) -> None:
        app_id = self._application_id
        if app_id is None:
            self._show([])
            return
        db = self.ctx.db
        self.ctx.runner.query(lambda c: list_attachments(db=db, application_id=app_id),
                              on_success=self._show, key=f"attachments-{id(self)}",
                              label=self.tr("读取附件"))

    def rows(self) -> list[AttachmentRow]:
        return [self.list.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.list.count())]

    def _show(self, rows: list[AttachmentRow]) -> None:
        self.list.clear()
        for r in rows:
            item = QListWidgetItem(thumbnail(r), f"{self._role_name(r.role, r.role)}\n{r.file_name}")
            item.setData(Qt.ItemDataRole.UserRole, r)
            item.setToolTip(f"{r.file_name} · {r.size:,} B"
                            + ("" if r.uploaded else self.tr("（未上传）")))
            self.list.addItem(item)
        self.fields.setText("" if rows else self.tr("还没有附件。发票、合同、付款依据等可在此添加，"
                                                   "或在“凭证采集”中拍摄识别。"))
        self.open_button.setEnabled(bool(rows))
        self.review_button.setEnabled(False)
        if rows:
            self.list.setCurrentRow(0)

    def _on_current_changed(self, current: QListWidgetItem | None, _prev: Any) -> None:
        row: AttachmentRow | None = current.data(Qt.ItemDataRole.UserRole) if current else None
        self.review_button.setEnabled(row is not None and bool(row.ocr_fields or row.checks))
        if row is None:
            return
        if row.ocr_fields:
            pairs = "；".join(f"{k}：{v}" for k, v in row.ocr_fields)
            self.fields.setText(self.tr("识别结果：{0}").format(pairs))
        else:
            self.fields.setText(self.tr("{0}（无识别结果）").format(row.file_name))

    def review_current(self) -> None:
        """Open the selected attachment's stored recognition result in the review screen; one
        without a result opens with the system viewer."""
        item = self.list.currentItem()
        row: AttachmentRow | None = item.data(Qt.ItemDataRole.UserRole) if item else None
        if row is None:
            return
        db = self.ctx.db

        def loaded(out: tuple[dict[str, Any] | None, Any]) -> None:
            stored, image = out
            if stored is None:
                self._on_open_clicked()
                return
            if self.review_dialog is not None:
                self.review_dialog.close()
            dlg = VoucherReviewDialog(self.ctx, row, self)
            dlg.review.load_stored(stored, image)
            dlg.finished.connect(lambda _r: self.refresh())  # the fields line shows the corrections
            self.review_dialog = dlg
            dlg.open()

        self.ctx.runner.query(lambda c: _load_for_review(db, row), on_success=loaded,
                              key=f"attachment-review-{id(self)}", label=self.tr("读取识别结果"))

    def _on_add_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, self.tr("选择附件"), "",
            self.tr("凭证文件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.ofd *.xml);;所有文件 (*)"))
        if path:
            self.sig_attach_requested.emit(path, self.role.currentData())

    def _on_open_clicked(self) -> None:
        item = self.list.currentItem()
        row: AttachmentRow | None = item.data(Qt.ItemDataRole.UserRole) if item else None
        if row is None or row.path is None:
            return
        suffix = Path(row.file_name).suffix or (mimetypes.guess_extension(row.media_type) or "")
        target = Path(tempfile.mkdtemp(prefix="jincai-att-")) / f"attachment{suffix}"
        target.write_bytes(Path(row.path).read_bytes())
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(target)))

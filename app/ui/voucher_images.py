"""The reviewer's vouchers: a thumbnail per attachment beside the fields OCR read from it, the
failed checks highlighted, and a zoomable viewer on click.

Images that exist only on the server are fetched on demand through the task runner (never on
the UI thread) with the context's ``fetch_attachment(sha256) -> Path``; until a file is here its
thumbnail says "图像尚未下载". Thumbnails are decoded and scaled off the UI thread as QImage
(QPixmap is made on the UI thread only)."""
from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QSize, Qt, Signal
from PySide6.QtGui import (
    QBrush,
    QColor,
    QIcon,
    QImage,
    QImageReader,
    QPainter,
    QPixmap,
)
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGraphicsPixmapItem,
    QGraphicsScene,
    QGraphicsView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.services.ui_queries import ATTACHMENT_ROLE_NAMES, AttachmentRow
from app.ui.message_i18n import translate_message

THUMB = QSize(120, 150)
FAILED_BG = QColor("#fadbd8")
FAILED_FG = "#c0392b"


def load_thumbnail(path: str, size: QSize = THUMB) -> QImage | None:
    """Decode and scale one image (safe in a worker thread: QImage, not QPixmap)."""
    reader = QImageReader(path)
    reader.setAutoTransform(True)  # phone photos carry their rotation in EXIF
    if not reader.canRead():
        return None
    original = reader.size()
    if original.isValid():
        reader.setScaledSize(original.scaled(size, Qt.AspectRatioMode.KeepAspectRatio))
    image = reader.read()
    return None if image.isNull() else image


def _placeholder(text: str, color: str = "#7f8c8d") -> QPixmap:
    pm = QPixmap(THUMB)
    pm.fill(QColor("#f2f3f4"))
    p = QPainter(pm)
    p.setPen(QColor(color))
    p.drawRect(0, 0, THUMB.width() - 1, THUMB.height() - 1)
    p.drawText(pm.rect().adjusted(6, 6, -6, -6),
               int(Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap), text)
    p.end()
    return pm


class VoucherImageDialog(QDialog):
    """One voucher at full resolution: mouse wheel / Ctrl+± zoom, drag to pan, 0 fits."""

    def __init__(self, path: str, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self.resize(900, 700)
        reader = QImageReader(path)
        reader.setAutoTransform(True)
        image = reader.read()
        self.scene = QGraphicsScene(self)
        self.item = QGraphicsPixmapItem(QPixmap.fromImage(image))
        self.item.setTransformationMode(Qt.TransformationMode.SmoothTransformation)
        self.scene.addItem(self.item)
        self.view = QGraphicsView(self.scene)
        self.view.setObjectName("voucherImageView")
        self.view.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.view.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.view.viewport().installEventFilter(self)
        self.zoom = 1.0
        bar = QHBoxLayout()
        self._zoom_in = QPushButton(self.tr("放大 (Ctrl++)"))
        self._zoom_out = QPushButton(self.tr("缩小 (Ctrl+-)"))
        self._fit = QPushButton(self.tr("适合窗口 (0)"))
        self._actual = QPushButton(self.tr("原始大小 (1)"))
        for b in (self._zoom_in, self._zoom_out, self._fit, self._actual):
            bar.addWidget(b)
        bar.addStretch(1)
        self._zoom_label = QLabel()
        bar.addWidget(self._zoom_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.view, 1)
        layout.addWidget(buttons)
        self._zoom_in.clicked.connect(lambda: self.zoom_by(1.25))
        self._zoom_out.clicked.connect(lambda: self.zoom_by(0.8))
        self._fit.clicked.connect(self.fit)
        self._actual.clicked.connect(lambda: self.zoom_by(1 / self.zoom))
        self._update_label()

    def keyPressEvent(self, event: Any) -> None:
        # handled here rather than by QShortcut: works as soon as the dialog has focus
        key, ctrl = event.key(), bool(event.modifiers() & Qt.KeyboardModifier.ControlModifier)
        if ctrl and key in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
            self.zoom_by(1.25)
        elif ctrl and key == Qt.Key.Key_Minus:
            self.zoom_by(0.8)
        elif key == Qt.Key.Key_0:
            self.fit()
        elif key == Qt.Key.Key_1:
            self.zoom_by(1 / self.zoom)
        else:
            super().keyPressEvent(event)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.fit()

    def eventFilter(self, obj: Any, event: Any) -> bool:
        if event.type() == QEvent.Type.Wheel:
            self.zoom_by(1.25 if event.angleDelta().y() > 0 else 0.8)
            return True
        return super().eventFilter(obj, event)

    def zoom_by(self, factor: float) -> None:
        new = min(16.0, max(0.05, self.zoom * factor))
        factor = new / self.zoom
        self.zoom = new
        self.view.scale(factor, factor)
        self._update_label()

    def fit(self) -> None:
        self.view.fitInView(self.item, Qt.AspectRatioMode.KeepAspectRatio)
        self.zoom = self.view.transform().m11()
        self._update_label()

    def _update_label(self) -> None:
        self._zoom_label.setText(f"{self.zoom * 100:.0f}%")


class VoucherImagesPanel(QWidget):
    """Thumbnails (left) and the selected voucher's fields and checks (right)."""

    sig_images_ready = Signal()  # every image that could be fetched is shown

    def __init__(self, runner: Any, parent: QWidget | None = None, *,
                 fetch: Callable[[str], Path] | None = None) -> None:
        super().__init__(parent)
        self.runner = runner
        self.fetch = fetch
        self._rows: list[AttachmentRow] = []
        self._images: dict[str, QImage] = {}  # sha256 → thumbnail
        self._paths: dict[str, str] = {}  # sha256 → local file (after a download)
        self._errors: dict[str, str] = {}
        self._missing: dict[str, str] = {}  # why a file is not here yet
        self._busy: str | None = None
        self.thumbs = QListWidget()
        self.thumbs.setObjectName("voucherThumbnails")
        self.thumbs.setViewMode(QListWidget.ViewMode.IconMode)
        self.thumbs.setIconSize(THUMB)
        self.thumbs.setFlow(QListWidget.Flow.TopToBottom)
        self.thumbs.setWrapping(False)
        self.thumbs.setMovement(QListWidget.Movement.Static)
        self.thumbs.setFixedWidth(THUMB.width() + 36)
        self.thumbs.setSpacing(4)
        self.fields = QTableWidget(0, 2)
        self.fields.setObjectName("voucherFields")
        self.fields.verticalHeader().setVisible(False)
        self.fields.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.ResizeToContents)
        self.fields.horizontalHeader().setStretchLastSection(True)
        self.fields.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        self.checks = QLabel()
        self.checks.setObjectName("voucherChecks")
        self.checks.setWordWrap(True)
        self.checks.setTextFormat(Qt.TextFormat.RichText)
        self.heading = QLabel()
        self.heading.setObjectName("voucherHeading")
        self.heading.setWordWrap(True)
        self.enlarge = QPushButton(self.tr("放大查看"))
        self.enlarge.setObjectName("voucherEnlarge")
        right = QVBoxLayout()
        right.setContentsMargins(0, 0, 0, 0)
        head = QHBoxLayout()
        head.addWidget(self.heading, 1)
        head.addWidget(self.enlarge)
        right.addLayout(head)
        right.addWidget(self.fields, 1)
        right.addWidget(self.checks)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.thumbs)
        layout.addLayout(right, 1)
        self.thumbs.currentRowChanged.connect(self._on_thumbs_row_changed)
        self.thumbs.itemActivated.connect(lambda _i: self.open_current())
        self.thumbs.itemClicked.connect(lambda _i: self._show_fields(self.thumbs.currentRow()))
        self.thumbs.itemDoubleClicked.connect(lambda _i: self.open_current())
        self.enlarge.clicked.connect(self.open_current)
        self._retranslate_headers()
        self.set_attachments(())

    # ------------------------------------------------------------------ public

    def set_attachments(self, rows: Sequence[AttachmentRow]) -> None:
        self._rows = list(rows)
        self._errors.clear()
        self.thumbs.clear()
        for row in self._rows:
            item = QListWidgetItem(self._role_text(row))
            item.setData(Qt.ItemDataRole.UserRole, row.sha256)
            item.setSizeHint(QSize(THUMB.width() + 16, THUMB.height() + 28))
            self.thumbs.addItem(item)
        self._paint_thumbnails()
        if self._rows:
            self.thumbs.setCurrentRow(0)
        else:
            self._show_fields(-1)
        self._load_missing()

    def set_busy(self, text: str | None) -> None:
        """A line under the checks while something runs for these vouchers (OCR)."""
        self._busy = text
        self._show_fields(self.thumbs.currentRow())

    def rows(self) -> list[AttachmentRow]:
        return list(self._rows)

    def local_path(self, row: AttachmentRow) -> str | None:
        return self._paths.get(row.sha256) or row.path

    def thumbnail_state(self, index: int) -> str:
        """'image' | 'missing' | 'file' | 'error' (for tests and screen readers)."""
        row = self._rows[index]
        if row.sha256 in self._images:
            return "image"
        if row.sha256 in self._errors:
            return "error"
        if self.local_path(row) is None:
            return "missing"
        return "file"

    def open_current(self) -> VoucherImageDialog | None:
        index = self.thumbs.currentRow()
        if not 0 <= index < len(self._rows):
            return None
        row = self._rows[index]
        path = self.local_path(row)
        if path is None or not row.is_image:
            if path is None:
                self._load_missing()
            return None
        dialog = VoucherImageDialog(path, f"{self._role_text(row)} · {row.file_name}", self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.show()
        return dialog

    # ------------------------------------------------------------------ loading

    def _load_missing(self) -> None:
        """Decode what is here; download (by hash, verified) what is only on the server."""
        todo = [(r.sha256, self.local_path(r), r.is_image) for r in self._rows
                if r.sha256 not in self._images and r.sha256 not in self._errors]
        if not todo:
            self.sig_images_ready.emit()
            return
        fetch = self.fetch

        def work(c: Any) -> dict[str, Any]:
            out: dict[str, Any] = {}
            for sha, path, is_image in todo:
                c.check()
                if path is None and fetch is not None:
                    try:
                        path = str(fetch(sha))
                    except Exception as exc:  # noqa: BLE001 - shown beside the thumbnail
                        from app.services.errors import NotFound
                        from app.ui.tasks import user_message

                        # NotFound: offline, or not on the server yet — try again later
                        out[sha] = ("missing" if isinstance(exc, NotFound) else "error",
                                    user_message(exc))
                        continue
                if path is None:
                    continue
                image = load_thumbnail(path) if is_image else None
                out[sha] = ("ok", path, image)
            return out

        self.runner.query(work, on_success=self._on_loaded,
                          on_failure=lambda m, _e: self._on_loaded({}),
                          key=f"voucher-images-{id(self)}", label=self.tr("下载凭证影像"))

    def _on_loaded(self, result: dict[str, Any]) -> None:
        for sha, outcome in result.items():
            if outcome[0] == "error":
                self._errors[sha] = outcome[1]
                continue
            if outcome[0] == "missing":
                self._missing[sha] = outcome[1]
                continue
            _ok, path, image = outcome
            self._paths[sha] = path
            if image is not None:
                self._images[sha] = image
        self._paint_thumbnails()
        self._show_fields(self.thumbs.currentRow())
        self.sig_images_ready.emit()

    def _paint_thumbnails(self) -> None:
        for i, row in enumerate(self._rows):
            item = self.thumbs.item(i)
            image = self._images.get(row.sha256)
            if image is not None:
                icon = QIcon(QPixmap.fromImage(image))
            elif row.sha256 in self._errors:
                icon = QIcon(_placeholder(self.tr("图像下载失败"), FAILED_FG))
                item.setToolTip(self._errors[row.sha256])
            elif self.local_path(row) is None:
                icon = QIcon(_placeholder(self.tr("图像尚未下载")))
                item.setToolTip(self._missing.get(row.sha256)
                                or self.tr("图像尚未下载：联网后自动从服务器下载。"))
            else:
                icon = QIcon(_placeholder(row.media_type.split("/")[-1].upper()))
            item.setIcon(icon)
            bad = sum(1 for _n, ok, _m in row.checks if not ok)
            item.setText(self._role_text(row) + (f" ⚠{bad}" if bad else ""))
            item.setForeground(QBrush(QColor(FAILED_FG)) if bad else QBrush())

    # ------------------------------------------------------------------ details

    def _role_text(self, row: AttachmentRow) -> str:
        return translate_message(ATTACHMENT_ROLE_NAMES.get(row.role, row.role))

    def _retranslate_headers(self) -> None:
        self.fields.setHorizontalHeaderLabels([self.tr("识别字段"), self.tr("识别结果")])

    def _on_thumbs_row_changed(self, row: int) -> None:
        self._show_fields(row)

    def _show_fields(self, index: int) -> None:
        from app.ocr.model import FIELD_LABELS

        self.fields.setRowCount(0)
        if not 0 <= index < len(self._rows):
            self.heading.setText(self.tr("这笔申请没有附件。") if not self._rows else "")
            self.checks.setText("")
            self.enlarge.setEnabled(False)
            return
        row = self._rows[index]
        path = self.local_path(row)
        self.enlarge.setEnabled(path is not None and row.is_image)
        state = "" if path is not None else self.tr("（图像尚未下载）")
        self.heading.setText(f"<b>{self._role_text(row)}</b> {row.file_name}"
                             + (f" · {row.invoice_key}" if row.invoice_key else "") + state)
        failed = row.failed_fields
        self.fields.setRowCount(len(row.ocr_fields))
        for r, (key, value) in enumerate(row.ocr_fields):
            label = QTableWidgetItem(translate_message(FIELD_LABELS.get(key, key)))
            val = QTableWidgetItem(value)
            if key in failed:
                for it in (label, val):
                    it.setBackground(QBrush(FAILED_BG))
                    it.setForeground(QBrush(QColor(FAILED_FG)))
                val.setToolTip(self.tr("该字段未通过校验"))
            self.fields.setItem(r, 0, label)
            self.fields.setItem(r, 1, val)
        if not row.ocr_fields:
            self.fields.setRowCount(1)
            self.fields.setItem(0, 0, QTableWidgetItem(self.tr("（没有识别结果）")))
            self.fields.setItem(0, 1, QTableWidgetItem(""))
        bad = [m for _n, ok, m in row.checks if not ok]
        good = sum(1 for _n, ok, _m in row.checks if ok)
        if self._busy:
            self.checks.setText(f"<span style='color:#7f8c8d'>{self._busy}</span>")
        elif bad:
            items = "".join(f"<li>{translate_message(m)}</li>" for m in bad)
            self.checks.setText(f"<span style='color:{FAILED_FG}'><b>"
                                + self.tr("{0} 项校验未通过").format(len(bad))
                                + f"</b></span><ul style='color:{FAILED_FG}'>{items}</ul>")
        elif row.checks:
            self.checks.setText("<span style='color:#1e8449'>"
                                + self.tr("全部 {0} 项校验通过").format(good) + "</span>")
        else:
            self.checks.setText("")

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.LanguageChange:
            self._retranslate_headers()
            self._paint_thumbnails()
            self._show_fields(self.thumbs.currentRow())

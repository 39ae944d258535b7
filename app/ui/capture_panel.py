"""Capture panel: document-camera preview and batch capture, files, drag-and-drop and a watched
folder; each voucher is recognised off the UI thread and listed with its status. Selecting one
opens it in the review view beside.

Work happens in :class:`app.capture.batch.BatchProcessor` (Qt-free); its callbacks come back to
the UI thread through :class:`_BatchBridge` signals. The duplicate lookup is injected by the
client store with :meth:`CapturePanel.set_duplicate_lookup`.
"""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal, Slot
from PySide6.QtGui import QBrush, QColor, QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.capture.batch import BatchProcessor, CaptureItem
from app.capture.camera import DocumentCamera, list_cameras
from app.capture.duplicates import (
    SERVER_FAILED,
    SERVER_PENDING,
    DuplicateChecker,
    DuplicateLookup,
    ServerCheck,
)
from app.capture.files import expand_inputs
from app.capture.folder import FolderWatcher
from app.ocr.engines import DEFAULT_ENGINE, engine_status
from app.ocr.model import KIND_NAMES, VoucherResult
from app.ocr.pipeline import OcrOptions
from app.ui.voucher_review import VoucherReviewView

ROLE_ITEM = Qt.ItemDataRole.UserRole
ROLE_RESULT = Qt.ItemDataRole.UserRole + 1


class _BatchBridge(QObject):
    """Carries worker-thread callbacks to the UI thread (queued connections)."""

    sig_result = Signal(object, object)
    sig_error = Signal(object, str)
    sig_idle = Signal()
    sig_folder_file = Signal(object)
    sig_folder_error = Signal(str)


class CapturePanel(QWidget):
    #: a voucher finished (VoucherResult); emitted once per page
    sig_recognized = Signal(object)
    #: the review view asked to attach a voucher: (result, payment-application fields)
    sig_attach = Signal(object, dict)

    def __init__(self, parent: QWidget | None = None, *, camera: DocumentCamera | None = None,
                 duplicate_lookup: DuplicateLookup | None = None, ctx: Any = None):
        super().__init__(parent)
        #: the UI context (signed-in user, online state): the server-wide duplicate check
        self.ctx = ctx
        self._transport = None
        self._transport_lock = threading.Lock()
        self.setAcceptDrops(True)
        self._bridge = _BatchBridge(self)
        self._bridge.sig_result.connect(self._on_batch_result)
        self._bridge.sig_error.connect(self._on_batch_error)
        self._bridge.sig_idle.connect(self._on_batch_idle)
        self._bridge.sig_folder_file.connect(self._on_folder_file)
        self._bridge.sig_folder_error.connect(self._on_folder_error)
        self._duplicates = DuplicateChecker(duplicate_lookup, self._server_check)
        self._processor: BatchProcessor | None = None
        self._watcher: FolderWatcher | None = None
        self._items: dict[int, QListWidgetItem] = {}

        # camera ------------------------------------------------------------------------------
        self.camera = camera or DocumentCamera(self)
        self.camera.sig_preview.connect(self._on_camera_preview)
        self.camera.sig_still.connect(self._on_camera_still)
        self.camera.sig_error.connect(self._on_camera_error)
        self.camera.sig_devices_changed.connect(self.refresh_cameras)
        self.camera_combo = QComboBox()
        self.resolution_combo = QComboBox()
        self.refresh_button = QPushButton(self.tr("刷新"))
        self.preview_button = QPushButton(self.tr("开始预览"))
        self.capture_button = QPushButton(self.tr("拍摄 (空格)"))
        self.refresh_button.clicked.connect(self.refresh_cameras)
        self.preview_button.clicked.connect(self._on_preview_clicked)
        self.capture_button.clicked.connect(self._on_capture_clicked)
        self.camera_combo.currentIndexChanged.connect(self._on_camera_combo_changed)
        QShortcut(QKeySequence(Qt.Key.Key_Space), self, activated=self._on_capture_clicked)

        self.preview = QLabel(self.tr("预览"))
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setMinimumSize(320, 240)
        self.preview.setStyleSheet("background:#2b2b2b;color:#ddd")

        # files, folder, engine -----------------------------------------------------------------
        self.open_button = QPushButton(self.tr("打开文件…"))
        self.open_button.clicked.connect(self._on_open_clicked)
        self.watch_check = QCheckBox(self.tr("监视文件夹"))
        self.watch_check.toggled.connect(self._on_watch_toggled)
        self.folder_label = QLabel()
        self.engine_combo = QComboBox()
        for e in engine_status():
            label = e["label"] + (self.tr("（推荐）") if e["default"] else "")
            self.engine_combo.addItem(label, e["name"])
            if not e["available"]:
                idx = self.engine_combo.count() - 1
                self.engine_combo.model().item(idx).setEnabled(False)
                self.engine_combo.setItemData(idx, e["reason"], Qt.ItemDataRole.ToolTipRole)
        self.engine_combo.setCurrentIndex(max(0, self.engine_combo.findData(DEFAULT_ENGINE)))
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.setEnabled(False)
        self.cancel_button.clicked.connect(self.cancel)

        # batch list + review -----------------------------------------------------------------
        self.batch_list = QListWidget()
        self.batch_list.currentItemChanged.connect(self._on_batch_current_changed)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.review = VoucherReviewView()
        self.review.sig_attach.connect(self.sig_attach)
        self.review.sig_saved.connect(self._on_review_saved)
        user = getattr(ctx, "user", None)
        if user is not None:
            self.review.set_user(getattr(user, "username", "") or "")

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("设备")))
        top.addWidget(self.camera_combo, 1)
        top.addWidget(QLabel(self.tr("分辨率")))
        top.addWidget(self.resolution_combo)
        top.addWidget(self.refresh_button)
        top.addWidget(self.preview_button)
        top.addWidget(self.capture_button)
        second = QHBoxLayout()
        second.addWidget(self.open_button)
        second.addWidget(self.watch_check)
        second.addWidget(self.folder_label, 1)
        second.addWidget(QLabel(self.tr("识别引擎")))
        second.addWidget(self.engine_combo)
        second.addWidget(self.cancel_button)
        left = QWidget()
        lv = QVBoxLayout(left)
        lv.setContentsMargins(0, 0, 0, 0)
        lv.addWidget(self.preview, 2)
        lv.addWidget(QLabel(self.tr("本批凭证（可把文件拖到这里）")))
        lv.addWidget(self.batch_list, 3)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(self.review)
        splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.status)
        self.refresh_cameras()

    # -- public API ------------------------------------------------------------------------------
    def set_duplicate_lookup(self, lookup: DuplicateLookup | None) -> None:
        """The client store's check: (key type, key) -> where it is attached, or None."""
        self._duplicates.lookup = lookup

    def set_server_check(self, check: ServerCheck | None) -> None:
        """Replace how invoices are checked against the server (tests; None = offline)."""
        self._duplicates.server_check = check

    def _server_check(self, keys: list[str]) -> list[dict] | None:
        """Runs in the batch thread: the server's answer for these invoice keys, or None when
        offline (the checker then says the server check is pending)."""
        from app.sync.credentials import normalise_server_url

        ctx = self.ctx
        user = getattr(ctx, "user", None)
        if ctx is None or not getattr(ctx, "online", False) or user is None or not user.server_url:
            return None
        with self._transport_lock:
            if self._transport is not None and (self._transport.username != user.username
                                                or self._transport.server_url
                                                != normalise_server_url(user.server_url)):
                self._transport.close()  # another user signed in since
                self._transport = None
            if self._transport is None:
                from app.sync.credentials import device_id
                from app.sync.http import HttpTransport

                self._transport = HttpTransport(server_url=user.server_url,
                                                username=user.username,
                                                device_id=device_id(ctx.db.data_dir),
                                                timeout=10.0)
            transport = self._transport
        return transport.check_invoices(keys)

    @property
    def engine(self) -> str:
        return self.engine_combo.currentData() or DEFAULT_ENGINE

    def set_engine(self, name: str) -> bool:
        """Select the engine chosen in 设置 (ignored when it is unknown or unavailable)."""
        idx = self.engine_combo.findData(name)
        if idx < 0 or not self.engine_combo.model().item(idx).isEnabled():
            return False
        self.engine_combo.setCurrentIndex(idx)
        return True

    def add_files(self, paths) -> int:
        files = expand_inputs(paths)
        skipped = [p for p in paths if Path(p).is_file() and Path(p) not in files]
        for path in files:
            self._enqueue(CaptureItem("file", path=Path(path)))
        if skipped:
            self.status.setText(self.tr("已跳过 {0} 个不支持的文件（支持 JPEG、PNG、TIFF、PDF、XML）。")
                                .format(len(skipped)))
        return len(files)

    def add_image(self, image, name: str = "") -> CaptureItem:
        item = CaptureItem("camera", image=image, name=name)
        self._enqueue(item)
        return item

    def watch_folder(self, folder: str | Path | None) -> None:
        if self._watcher is not None:
            self._watcher.stop()
            self._watcher = None
        if folder is None:
            self.folder_label.setText("")
            return
        self._watcher = FolderWatcher(folder, self._bridge.sig_folder_file.emit,
                                      on_error=self._bridge.sig_folder_error.emit)
        self._watcher.start()
        self.folder_label.setText(self.tr("正在监视：{0}").format(folder))
        self.watch_check.blockSignals(True)
        self.watch_check.setChecked(True)
        self.watch_check.blockSignals(False)

    def cancel(self) -> None:
        if self._processor is not None:
            self._processor.cancel()
        for item in self._items.values():
            if item.data(ROLE_RESULT) is None and "…" in item.text():
                item.setText(item.text().split("  ")[0] + "  " + self.tr("已取消"))
        self.cancel_button.setEnabled(False)

    def results(self) -> list[VoucherResult]:
        out = []
        for row in range(self.batch_list.count()):
            r = self.batch_list.item(row).data(ROLE_RESULT)
            if r is not None:
                out.append(r)
        return out

    def shutdown(self) -> None:
        with self._transport_lock:
            if self._transport is not None:
                self._transport.close()
                self._transport = None
        self.camera.stop()
        self.watch_folder(None)
        if self._processor is not None:
            self._processor.close()
            self._processor = None

    def closeEvent(self, event) -> None:
        self.shutdown()
        super().closeEvent(event)

    # -- camera -------------------------------------------------------------------------------------
    @Slot()
    def refresh_cameras(self) -> None:
        cams = list_cameras()
        self.camera_combo.blockSignals(True)
        self.camera_combo.clear()
        for c in cams:
            self.camera_combo.addItem(c.description + (self.tr("（默认）") if c.is_default else ""), c.id)
        if not cams:
            self.camera_combo.addItem(self.tr("没有检测到摄像头/高拍仪"), None)
        self.camera_combo.blockSignals(False)
        has = bool(cams)
        self.camera_combo.setEnabled(has)
        self.resolution_combo.setEnabled(has)
        self.preview_button.setEnabled(has)
        self.capture_button.setEnabled(has and self.camera.active)
        if not has:
            self.preview.setText(self.tr("没有检测到摄像头或高拍仪。\n可以“打开文件…”、把文件拖到这里，"
                                         "或“监视文件夹”接收扫描软件保存的图片。"))
        self._on_camera_combo_changed(0)

    @Slot(int)
    def _on_camera_combo_changed(self, _index: int) -> None:
        self.resolution_combo.clear()
        cam_id = self.camera_combo.currentData()
        for c in list_cameras():
            if c.id == cam_id:
                for w, h in c.resolutions:
                    self.resolution_combo.addItem(f"{w} × {h}", (w, h))

    @Slot()
    def _on_preview_clicked(self) -> None:
        if self.camera.active:
            self.camera.stop()
            self.preview_button.setText(self.tr("开始预览"))
            self.capture_button.setEnabled(False)
            return
        if self.camera.start(self.camera_combo.currentData(), self.resolution_combo.currentData()):
            self.preview_button.setText(self.tr("停止预览"))
            self.capture_button.setEnabled(True)

    @Slot()
    def _on_capture_clicked(self) -> None:
        if self.capture_button.isEnabled():
            self.camera.capture()

    @Slot(QImage)
    def _on_camera_preview(self, image: QImage) -> None:
        if self.isVisible():
            self.preview.setPixmap(QPixmap.fromImage(image).scaled(
                self.preview.size(), Qt.AspectRatioMode.KeepAspectRatio,
                Qt.TransformationMode.FastTransformation))

    @Slot(object)
    def _on_camera_still(self, image) -> None:
        n = sum(1 for i in self._items.values() if (i.data(ROLE_ITEM) or {}).get("source") == "camera")
        self.add_image(image, self.tr("拍摄 {0}").format(n + 1))

    @Slot(str)
    def _on_camera_error(self, message: str) -> None:
        self.status.setText(message)
        self.preview_button.setText(self.tr("开始预览"))
        self.capture_button.setEnabled(False)

    # -- files / folder / drag and drop --------------------------------------------------------------
    @Slot()
    def _on_open_clicked(self) -> None:
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择凭证文件"), "",
            self.tr("凭证 (*.jpg *.jpeg *.png *.tif *.tiff *.bmp *.webp *.pdf *.xml);;所有文件 (*)"))
        if paths:
            self.add_files(paths)

    @Slot(bool)
    def _on_watch_toggled(self, checked: bool) -> None:
        if not checked:
            self.watch_folder(None)
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("选择扫描软件保存图片的文件夹"))
        if folder:
            self.watch_folder(folder)
        else:
            self.watch_check.blockSignals(True)
            self.watch_check.setChecked(False)
            self.watch_check.blockSignals(False)

    @Slot(object)
    def _on_folder_file(self, path) -> None:
        self._enqueue(CaptureItem("folder", path=Path(path)))

    @Slot(str)
    def _on_folder_error(self, message: str) -> None:
        self.status.setText(message)

    def dragEnterEvent(self, event) -> None:
        if event.mimeData().hasUrls():
            event.acceptProposedAction()

    def dropEvent(self, event) -> None:
        paths = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if paths:
            self.add_files(paths)
            event.acceptProposedAction()

    # -- batch ---------------------------------------------------------------------------------------
    def _ensure_processor(self) -> BatchProcessor:
        engine = self.engine
        if (self._processor is not None and self._processor.options.engine != engine
                and self._processor.pending == 0):
            self._processor.close()
            self._processor = None
        if self._processor is None:
            bridge = self._bridge
            self._processor = BatchProcessor(
                OcrOptions(engine=engine), on_result=bridge.sig_result.emit,
                on_error=bridge.sig_error.emit, on_idle=bridge.sig_idle.emit,
                duplicates=self._duplicates)
        return self._processor

    def _enqueue(self, item: CaptureItem) -> None:
        row = QListWidgetItem(f"{item.label}  " + self.tr("排队识别…"))
        row.setData(ROLE_ITEM, {"id": item.id, "source": item.source})
        self.batch_list.addItem(row)
        self._items[item.id] = row
        self.cancel_button.setEnabled(True)
        self._ensure_processor().add(item)
        self.status.setText(self.tr("正在识别，剩余 {0} 张…").format(self._processor.pending))

    @Slot(object, object)
    def _on_batch_result(self, item: CaptureItem, results: list[VoucherResult]) -> None:
        row = self._items.get(item.id)
        if row is None:
            return
        first = True
        for r in results:
            target = row if first else QListWidgetItem()
            if not first:
                target.setData(ROLE_ITEM, {"id": item.id, "source": item.source})
                self.batch_list.insertItem(self.batch_list.row(row) + r.page - 1, target)
            first = False
            target.setData(ROLE_RESULT, r)
            page = self.tr(" 第{0}页").format(r.page) if len(results) > 1 else ""
            if r.duplicate_of:
                state, colour = self.tr("疑似重复"), "#a00000"
            elif r.failed_checks:
                state, colour = self.tr("{0} 项校验未通过").format(len(r.failed_checks)), "#a05000"
            elif [w for w in r.warnings if w not in (SERVER_PENDING, SERVER_FAILED)]:
                state, colour = self.tr("需核对"), "#8a5a00"
            else:
                state, colour = self.tr("校验通过"), "#006400"
            if r.server_check == "pending" and not r.duplicate_of:
                state += self.tr(" · 服务器查重待联网")
            target.setText(f"{item.label}{page}  {KIND_NAMES.get(r.kind, r.kind)} · {state}")
            target.setForeground(QBrush(QColor(colour)))
            self.sig_recognized.emit(r)
        if self.batch_list.currentItem() is None or self.batch_list.currentItem() is row:
            self.batch_list.setCurrentItem(row)
            self._on_batch_current_changed(row, None)

    @Slot(object, str)
    def _on_batch_error(self, item: CaptureItem, message: str) -> None:
        row = self._items.get(item.id)
        if row is not None:
            row.setText(f"{item.label}  ✗ {message}")
            row.setToolTip(message)
            row.setForeground(QBrush(QColor("#a00000")))
        self.status.setText(message)

    @Slot()
    def _on_batch_idle(self) -> None:
        self.cancel_button.setEnabled(False)
        done = len(self.results())
        self.status.setText(self.tr("识别完成：{0} 张凭证。点选一张查看并核对。").format(done))

    @Slot(QListWidgetItem, QListWidgetItem)
    def _on_batch_current_changed(self, current: QListWidgetItem | None, _prev) -> None:
        result = current.data(ROLE_RESULT) if current is not None else None
        self.review.set_result(result)

    @Slot(object)
    def _on_review_saved(self, result: VoucherResult) -> None:
        row = self.batch_list.currentItem()
        if row is not None:
            row.setData(ROLE_RESULT, result)
        self.status.setText(self.tr("已保存更正。"))

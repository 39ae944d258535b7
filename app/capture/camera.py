"""Document camera (高拍仪) through Qt Multimedia — the only module of app/capture that uses Qt.

Any UVC camera works (almost every 高拍仪 is one). The live preview runs at a modest resolution
(≈1–2 MP, smooth over USB 2.0) and the still is taken at the highest resolution the device offers
(:func:`choose_formats`). With no camera (``QMediaDevices.videoInputs() == []``, as on a server
or a laptop without one) :class:`DocumentCamera` reports that once, in Chinese, and everything
else — files, the watched folder — keeps working.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QSize, Signal, Slot
from PySide6.QtGui import QImage
from PySide6.QtMultimedia import (
    QCamera,
    QCameraDevice,
    QImageCapture,
    QMediaCaptureSession,
    QMediaDevices,
    QVideoFrame,
    QVideoSink,
)

log = logging.getLogger(__name__)

#: preview formats above this many pixels are avoided (USB 2.0 bandwidth, smooth preview)
PREVIEW_MAX_PIXELS = 2_100_000
NO_CAMERA = "没有检测到摄像头或高拍仪。请连接设备后点“刷新”，或改用“打开文件”/“监视文件夹”。"


@dataclass(frozen=True)
class CameraFormat:
    width: int
    height: int
    max_fps: float = 0.0
    pixel_format: str = ""

    @property
    def pixels(self) -> int:
        return self.width * self.height

    def __str__(self) -> str:  # "3264 × 2448 (8.0 MP)"
        return f"{self.width} × {self.height}（{self.pixels / 1e6:.1f} 百万像素）"


@dataclass
class CameraInfo:
    id: str
    description: str
    is_default: bool
    formats: list[CameraFormat] = field(default_factory=list)

    @property
    def resolutions(self) -> list[tuple[int, int]]:
        return sorted({(f.width, f.height) for f in self.formats}, key=lambda r: -r[0] * r[1])


def choose_formats(formats: list[CameraFormat], *, still: tuple[int, int] | None = None,
                   preview_max_pixels: int = PREVIEW_MAX_PIXELS) -> tuple[CameraFormat | None,
                                                                           CameraFormat | None]:
    """(preview, still): the still is the requested size or the largest; the preview is the
    largest format within ``preview_max_pixels`` with the same aspect ratio as the still
    (so the framing matches), at the best frame rate."""
    if not formats:
        return None, None
    if still is not None:
        matches = [f for f in formats if (f.width, f.height) == tuple(still)]
        still_fmt = max(matches, key=lambda f: f.max_fps) if matches else None
    else:
        still_fmt = None
    if still_fmt is None:
        still_fmt = max(formats, key=lambda f: (f.pixels, f.max_fps))
    aspect = still_fmt.width / still_fmt.height
    small = [f for f in formats if f.pixels <= preview_max_pixels] or \
        [min(formats, key=lambda f: f.pixels)]
    same = [f for f in small if abs(f.width / f.height - aspect) < 0.02] or small
    preview = max(same, key=lambda f: (f.pixels, f.max_fps))
    return preview, still_fmt


def _format(fmt) -> CameraFormat:
    res = fmt.resolution()
    return CameraFormat(res.width(), res.height(), float(fmt.maxFrameRate()),
                        str(fmt.pixelFormat()).rsplit(".", 1)[-1])


def list_cameras() -> list[CameraInfo]:
    """Video inputs with their formats ([] when there is none or Qt Multimedia has no backend)."""
    try:
        devices = QMediaDevices.videoInputs()
    except Exception:
        log.exception("QMediaDevices.videoInputs failed")
        return []
    out = []
    for dev in devices:
        out.append(CameraInfo(bytes(dev.id().data()).decode("utf-8", "replace"),
                              dev.description(), dev.isDefault(),
                              [_format(f) for f in dev.videoFormats()]))
    return out


def qimage_to_bgr(image: QImage) -> np.ndarray:
    """A QImage as an OpenCV BGR array (a copy)."""
    img = image.convertToFormat(QImage.Format.Format_BGR888)
    w, h, bpl = img.width(), img.height(), img.bytesPerLine()
    buf = np.frombuffer(img.constBits(), dtype=np.uint8, count=bpl * h).reshape(h, bpl)
    return buf[:, : w * 3].reshape(h, w, 3).copy()


def bgr_to_qimage(image: np.ndarray) -> QImage:
    image = np.ascontiguousarray(image)
    if image.ndim == 2:
        h, w = image.shape
        return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_Grayscale8).copy()
    h, w = image.shape[:2]
    return QImage(image.data, w, h, image.strides[0], QImage.Format.Format_BGR888).copy()


class DocumentCamera(QObject):
    """Live preview + full-resolution stills from one camera.

    Signals: ``sig_preview(QImage)`` for every preview frame, ``sig_still(object)`` with a BGR
    numpy array, ``sig_error(str)`` (Chinese), ``sig_active(bool)``, ``sig_devices_changed()``.
    """

    sig_preview = Signal(QImage)
    sig_still = Signal(object)
    sig_error = Signal(str)
    sig_active = Signal(bool)
    sig_devices_changed = Signal()

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._devices = QMediaDevices(self)
        self._devices.videoInputsChanged.connect(self.sig_devices_changed)
        self._session = QMediaCaptureSession(self)
        self._sink = QVideoSink(self)
        self._sink.videoFrameChanged.connect(self._on_sink_frame)
        self._session.setVideoSink(self._sink)
        self._capture = QImageCapture(self)
        self._capture.imageCaptured.connect(self._on_capture_image)
        self._capture.errorOccurred.connect(self._on_capture_error)
        self._session.setImageCapture(self._capture)
        self._camera: QCamera | None = None
        self.device: CameraInfo | None = None
        self.preview_format: CameraFormat | None = None
        self.still_format: CameraFormat | None = None

    # -- devices ---------------------------------------------------------------------------
    @staticmethod
    def cameras() -> list[CameraInfo]:
        return list_cameras()

    @property
    def available(self) -> bool:
        return bool(list_cameras())

    @property
    def active(self) -> bool:
        return self._camera is not None and self._camera.isActive()

    def _qt_device(self, device_id: str | None) -> QCameraDevice | None:
        devices = QMediaDevices.videoInputs()
        for dev in devices:
            if device_id is None and dev.isDefault():
                return dev
            if device_id is not None and bytes(dev.id().data()).decode("utf-8", "replace") == device_id:
                return dev
        return devices[0] if devices and device_id is None else None

    # -- control ---------------------------------------------------------------------------
    def start(self, device_id: str | None = None, still: tuple[int, int] | None = None) -> bool:
        """Open the camera; False (and ``sig_error``) when there is none or it fails."""
        self.stop()
        dev = self._qt_device(device_id)
        if dev is None:
            self.sig_error.emit(NO_CAMERA)
            return False
        info = next((c for c in list_cameras()
                     if c.id == bytes(dev.id().data()).decode("utf-8", "replace")), None)
        self.device = info
        self.preview_format, self.still_format = choose_formats(info.formats if info else [],
                                                                still=still)
        camera = QCamera(dev, self)
        camera.errorOccurred.connect(self._on_camera_error)
        camera.activeChanged.connect(self.sig_active)
        if self.preview_format is not None:
            for fmt in dev.videoFormats():
                if _format(fmt) == self.preview_format:
                    camera.setCameraFormat(fmt)
                    break
        if self.still_format is not None:
            self._capture.setResolution(QSize(self.still_format.width, self.still_format.height))
        self._session.setCamera(camera)
        self._camera = camera
        camera.start()
        return True

    def set_still_resolution(self, width: int, height: int) -> None:
        self.still_format = CameraFormat(width, height)
        self._capture.setResolution(QSize(width, height))

    def stop(self) -> None:
        if self._camera is not None:
            self._camera.stop()
            self._session.setCamera(None)
            self._camera.deleteLater()
            self._camera = None

    def capture(self) -> bool:
        """Take a still; the image arrives via ``sig_still``."""
        if self._camera is None or not self._capture.isReadyForCapture():
            self.sig_error.emit(NO_CAMERA if self._camera is None else "相机尚未就绪，请稍候再拍。")
            return False
        self._capture.capture()
        return True

    # -- slots -------------------------------------------------------------------------------
    @Slot(QVideoFrame)
    def _on_sink_frame(self, frame: QVideoFrame) -> None:
        image = frame.toImage()
        if not image.isNull():
            self.sig_preview.emit(image)

    @Slot(int, QImage)
    def _on_capture_image(self, _id: int, image: QImage) -> None:
        self.sig_still.emit(qimage_to_bgr(image))

    @Slot(int, QImageCapture.Error, str)
    def _on_capture_error(self, _id: int, _error, message: str) -> None:
        self.sig_error.emit(f"拍摄失败：{message}")

    @Slot(QCamera.Error, str)
    def _on_camera_error(self, _error, message: str) -> None:
        log.warning("camera error: %s", message)
        text = NO_CAMERA if "no camera" in message.lower() else f"相机出错：{message}"
        self.sig_error.emit(text)

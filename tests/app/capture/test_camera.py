"""Camera adapter: copes with no camera (the CI machine has none); format choice is pure."""
from __future__ import annotations

import numpy as np

from app.capture.camera import (
    NO_CAMERA,
    CameraFormat,
    DocumentCamera,
    bgr_to_qimage,
    choose_formats,
    list_cameras,
    qimage_to_bgr,
)

FORMATS = [CameraFormat(3264, 2448, 15), CameraFormat(2592, 1944, 15), CameraFormat(1600, 1200, 30),
           CameraFormat(1920, 1080, 30), CameraFormat(1280, 960, 30), CameraFormat(640, 480, 30)]


def test_choose_preview_small_and_still_large():
    preview, still = choose_formats(FORMATS)
    assert (still.width, still.height) == (3264, 2448)
    assert (preview.width, preview.height) == (1600, 1200)  # same 4:3 framing, ≤ 2.1 MP
    preview, still = choose_formats(FORMATS, still=(1920, 1080))
    assert (still.width, still.height) == (1920, 1080)
    assert (preview.width, preview.height) == (1920, 1080)
    assert choose_formats([]) == (None, None)
    assert "百万像素" in str(still)


def test_no_camera_is_reported_not_crashed(qtbot):
    assert list_cameras() == []
    cam = DocumentCamera()
    assert not cam.available
    with qtbot.waitSignal(cam.sig_error, timeout=2000) as blocker:
        assert cam.start() is False
    assert blocker.args == [NO_CAMERA]
    with qtbot.waitSignal(cam.sig_error, timeout=2000):
        assert cam.capture() is False
    cam.stop()


def test_qimage_round_trip():
    img = np.zeros((31, 17, 3), np.uint8)
    img[..., 0] = 10
    img[..., 1] = 20
    img[..., 2] = 200
    back = qimage_to_bgr(bgr_to_qimage(img))
    assert back.shape == img.shape and (back == img).all()

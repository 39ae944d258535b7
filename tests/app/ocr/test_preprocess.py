"""Preprocessing on generated images: page detection, orientation, deskew, light, blank pages."""
from __future__ import annotations

import cv2
import numpy as np
import pytest

from app.ocr import preprocess as pp
from app.ocr import qr as qrmod
from tests.app.ocr.generator import render, rotate


def bgr(rgb):
    return cv2.cvtColor(rgb, cv2.COLOR_RGB2BGR)


def test_page_found_on_a_darker_desk_and_perspective_undone(make):
    s = make("vat_normal", "camera_heavy")
    img = cv2.imread(str(s.path))
    quad = pp.find_page(img)
    assert quad is not None
    page = pp.warp_page(img, quad)
    ratio = page.shape[1] / page.shape[0]
    assert abs(ratio - 2000 / 1300) < 0.12  # the invoice's own aspect ratio


def test_flat_scan_has_no_page_outline():
    img = bgr(render("bank_receipt", 1).image)
    assert pp.find_page(img) is None


@pytest.mark.parametrize("turns", [1, 2, 3])
def test_orientation_from_the_qr(turns):
    img = bgr(render("vat_special", 2).image)
    turned = pp.rotate_quarters(img, turns)
    codes = qrmod.find_qr_codes(turned)
    assert codes
    upright = pp.rotate_quarters(turned, codes[0].quarters)
    assert upright.shape == img.shape
    assert np.abs(upright.astype(int) - img.astype(int)).mean() < 1.0


def test_orientation_without_qr_uses_text_lines_and_osd():
    img = bgr(render("bank_receipt", 2).image)
    for turns in (1, 2):
        processed = pp.preprocess(pp.rotate_quarters(img, turns))
        assert (processed.rotation // 90 + turns) % 4 == 0, processed.steps


@pytest.mark.parametrize("angle", [-4.0, 2.5])
def test_deskew_recovers_a_small_angle(angle):
    img = render("digital_normal", 1).image
    skewed = rotate(img, 0, angle)
    est = pp.estimate_skew(cv2.cvtColor(skewed, cv2.COLOR_RGB2GRAY))
    assert abs(est + angle) < 0.6, est


def test_flatten_removes_uneven_light():
    img = bgr(render("fiscal_receipt", 1).image).astype(np.float32)
    w = img.shape[1]
    ramp = np.linspace(0.45, 1.0, w, dtype=np.float32)[None, :, None]
    dark = np.clip(img * ramp, 0, 255).astype(np.uint8)
    flat = pp.flatten_light(dark)
    paper = lambda a: [np.median(cv2.cvtColor(a, cv2.COLOR_BGR2GRAY)[:, x:x + 50]) for x in (20, w - 70)]
    left, right = paper(flat)
    assert abs(left - right) < 12
    assert abs(np.subtract(*paper(dark))) > 60


def test_red_seal_is_suppressed_but_black_ink_stays():
    img = np.full((100, 100, 3), 250, np.uint8)
    img[10:30, 10:90] = (40, 40, 225)   # seal red (BGR)
    img[50:60, 10:90] = (20, 20, 20)    # black text
    grey = pp.suppress_red(img)
    assert grey[20, 50] > 200 and grey[55, 50] < 60


def test_blank_page_is_detected():
    assert pp.is_blank(np.full((1000, 1400, 3), 245, np.uint8))
    noisy = np.clip(np.random.default_rng(1).normal(240, 3, (1000, 1400, 3)), 0, 255).astype(np.uint8)
    assert pp.is_blank(noisy)
    assert not pp.is_blank(bgr(render("vat_normal", 1).image))


def test_preprocess_keeps_the_original_and_records_steps(make):
    s = make("digital_special", "camera_mild")
    img = cv2.imread(str(s.path))
    p = pp.preprocess(img, orientation_hint=0)
    assert p.original is img
    assert p.page_found and "page" in p.steps
    assert abs(p.color.shape[1] - pp.WORK_WIDTH) <= 0.05 * pp.WORK_WIDTH
    assert set(np.unique(p.binary)) <= {0, 255}

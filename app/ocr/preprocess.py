"""Image preprocessing for vouchers photographed by a document camera or scanned.

Steps (each optional, each recorded in :attr:`Processed.steps`):

1. **page** — find a light page on a darker desk and undo the perspective
   (grey → blur → Otsu → largest contour → 4-point hull; Canny edges as a fallback);
2. **orientation** — quarter turns from the invoice QR (its finder patterns give the
   rotation), else from Tesseract's orientation detection, else from the text-line direction;
3. **deskew** — the angle in ±8° that maximises the row-profile variance of the ink;
4. **scale** — the page is brought to :data:`WORK_WIDTH` pixels (low-resolution scans are
   up-sampled, 5 MP photos down-sampled);
5. **flatten** — uneven light removed by dividing by a large-scale background estimate;
6. **binarize** — red seals are suppressed (red, non-dark pixels become paper), then
   Sauvola-like local thresholding for engines that want black-on-white.

All arrays are OpenCV BGR ``uint8``. Nothing here imports Qt.
"""
from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from app.ocr.model import Processed

#: Width of the page image handed to the engines (≈ 240 dpi for an A5 invoice).
WORK_WIDTH = 2000
#: red-channel level above which a pixel under a seal counts as paper (removes the seal) ...
SEAL_WHITE = 210
#: ... and below which it counts as black print under the seal ink. Translucent seal ink over
#: black text leaves a red-tinted pixel with a red channel of about 150-170 after flattening
#: (seal on paper: 220+). Scaling the red channel from 0 (the old mapping) turned that text
#: light grey and the engine dropped the character under the seal ("佛山市人民医院" read as
#: "…人民医"); stretching 120-210 keeps it dark. Seeds 101-102: 4 such misses → 0.
SEAL_INK_DARK = 120
#: Only pages at least this large (share of the image) count as a detected page.
MIN_PAGE_AREA = 0.25


def to_gray(img: np.ndarray) -> np.ndarray:
    return img if img.ndim == 2 else cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)


def to_bgr(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_BGRA2BGR)
    return img


# ------------------------------------------------------------------------------- page finding
def _order_quad(pts: np.ndarray) -> np.ndarray:
    pts = pts.reshape(4, 2).astype(np.float32)
    s = pts.sum(axis=1)
    d = np.diff(pts, axis=1).ravel()
    return np.float32([pts[np.argmin(s)], pts[np.argmin(d)], pts[np.argmax(s)],
                       pts[np.argmax(d)]])


def _quad_from_mask(mask: np.ndarray) -> np.ndarray | None:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    h, w = mask.shape[:2]
    c = max(contours, key=cv2.contourArea)
    area = cv2.contourArea(c)
    if area < MIN_PAGE_AREA * h * w:
        return None
    hull = cv2.convexHull(c)
    peri = cv2.arcLength(hull, True)
    for eps in (0.01, 0.02, 0.03, 0.05, 0.08):
        approx = cv2.approxPolyDP(hull, eps * peri, True)
        if len(approx) == 4:
            quad = _order_quad(approx)
            break
    else:
        quad = _order_quad(cv2.boxPoints(cv2.minAreaRect(hull)))
    # a "page" that touches all four image borders is the image itself (a flat scan)
    margin = 0.01 * max(h, w)
    touches = sum([quad[:, 0].min() <= margin, quad[:, 1].min() <= margin,
                   quad[:, 0].max() >= w - 1 - margin, quad[:, 1].max() >= h - 1 - margin])
    if touches >= 3 or cv2.contourArea(quad) > 0.97 * h * w:
        return None
    return quad


def find_page(img: np.ndarray) -> np.ndarray | None:
    """The page outline (4 points, TL TR BR BL, in ``img`` pixels) or None for a flat scan."""
    gray = to_gray(img)
    h, w = gray.shape
    f = 800.0 / max(h, w)
    small = cv2.resize(gray, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    blur = cv2.GaussianBlur(small, (7, 7), 0)
    # the border of the image is desk when a page was photographed; paper when it was scanned
    border = np.concatenate([blur[:4].ravel(), blur[-4:].ravel(), blur[:, :4].ravel(),
                             blur[:, -4:].ravel()])
    if np.median(border) > 170:
        return None
    _, mask = cv2.threshold(blur, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))
    quad = _quad_from_mask(mask)
    if quad is None:  # fallback: CLAHE + adaptive Canny + dilate (the classic scanner recipe)
        eq = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(blur)
        v = float(np.median(eq))
        edges = cv2.Canny(eq, int(max(0, 0.66 * v)), int(min(255, 1.33 * v)))
        edges = cv2.dilate(edges, np.ones((5, 5), np.uint8))
        filled = np.zeros_like(edges)
        contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        if contours:
            cv2.drawContours(filled, [max(contours, key=cv2.contourArea)], -1, 255, cv2.FILLED)
            quad = _quad_from_mask(filled)
    return None if quad is None else quad / f


def warp_page(img: np.ndarray, quad: np.ndarray) -> np.ndarray:
    tl, tr, br, bl = quad
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    dst = np.float32([[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]])
    m = cv2.getPerspectiveTransform(quad.astype(np.float32), dst)
    out = cv2.warpPerspective(img, m, (width, height), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_REPLICATE)
    # trim a thin rim: the page edge and any desk left by a slightly loose outline
    r = max(2, int(0.006 * max(width, height)))
    return out[r:height - r, r:width - r]


# --------------------------------------------------------------------------------- orientation
def rotate_quarters(img: np.ndarray, clockwise_quarters: int) -> np.ndarray:
    """Rotate clockwise by 90° × n."""
    n = clockwise_quarters % 4
    return img if n == 0 else np.ascontiguousarray(np.rot90(img, -n))


def text_direction_is_vertical(gray: np.ndarray) -> bool:
    """True when the text lines run top-to-bottom (the page lies on its side)."""
    h, w = gray.shape
    f = 1000.0 / max(h, w)
    small = cv2.resize(gray, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                25, 15)
    scores = []
    for kernel in ((15, 1), (1, 15)):
        smear = cv2.morphologyEx(ink, cv2.MORPH_CLOSE, np.ones(kernel[::-1], np.uint8))
        _, _, stats, _ = cv2.connectedComponentsWithStats(smear)
        long_ = 0
        for x, y, cw, ch, area in stats[1:]:
            a, b = (cw, ch) if kernel[0] > 1 else (ch, cw)
            if a > 4 * b and a > 40:
                long_ += a
        scores.append(long_)
    return scores[1] > 1.3 * scores[0]


def tesseract_orientation(gray: np.ndarray, timeout: float = 10.0) -> tuple[int, float] | None:
    """(clockwise quarters to rotate the image upright, confidence) from Tesseract OSD."""
    try:
        import pytesseract
    except ImportError:  # pragma: no cover
        return None
    h, w = gray.shape
    f = min(1.0, 1600.0 / max(h, w))
    small = cv2.resize(gray, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
    try:
        osd = pytesseract.image_to_osd(small, config="--psm 0 -c min_characters_to_try=10",
                                       output_type=pytesseract.Output.DICT, timeout=timeout)
    except Exception:  # noqa: BLE001 - OSD failure just means "no opinion"
        return None
    return int(osd.get("rotate", 0)) // 90 % 4, float(osd.get("orientation_conf", 0.0))


# ------------------------------------------------------------------------------------ deskew
def estimate_skew(gray: np.ndarray, limit: float = 8.0) -> float:
    """Angle in degrees (counter-clockwise positive, as cv2) that straightens the text rows."""
    h, w = gray.shape
    f = 900.0 / max(h, w)
    small = cv2.resize(gray, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
    ink = cv2.adaptiveThreshold(small, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV,
                                25, 15).astype(np.float32)
    sh, sw = ink.shape
    centre = (sw / 2, sh / 2)

    def score(angle: float) -> float:
        m = cv2.getRotationMatrix2D(centre, angle, 1.0)
        rot = cv2.warpAffine(ink, m, (sw, sh), flags=cv2.INTER_NEAREST)
        profile = rot.sum(axis=1)
        return float(np.var(np.diff(profile)))

    best = max(np.arange(-limit, limit + 0.01, 1.0), key=score)
    fine = max(np.arange(best - 1.0, best + 1.01, 0.2), key=score)
    return float(round(fine, 2))


def rotate_small(img: np.ndarray, angle: float) -> np.ndarray:
    if abs(angle) < 0.15:
        return img
    h, w = img.shape[:2]
    m = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
    return cv2.warpAffine(img, m, (w, h), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)


# ------------------------------------------------------------------------ light and binarize
def flatten_light(img: np.ndarray) -> np.ndarray:
    """Divide by the paper's large-scale brightness so that shadows and vignetting vanish."""
    gray = to_gray(img)
    h, w = gray.shape
    f = 200.0 / max(h, w)
    small = cv2.resize(gray, (max(8, int(w * f)), max(8, int(h * f))), interpolation=cv2.INTER_AREA)
    bg = cv2.morphologyEx(small, cv2.MORPH_CLOSE, np.ones((9, 9), np.uint8))  # remove the ink
    bg = cv2.GaussianBlur(bg, (0, 0), 3)
    bg = cv2.resize(bg, (w, h), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    bg = np.maximum(bg, 30.0)
    if img.ndim == 2:
        return np.clip(gray.astype(np.float32) * (245.0 / bg), 0, 255).astype(np.uint8)
    out = img.astype(np.float32) * (245.0 / bg)[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def suppress_red(img: np.ndarray) -> np.ndarray:
    """Grey image in which red seal ink fades into the paper while the text stays dark.

    Where a pixel is red (hue within ≈ ±18° of red, some saturation) its grey value is taken
    from the red channel, in which seal ink is nearly as bright as paper, stretched so that
    what is left of the tint goes white while black text printed *under* the seal (a darker
    red channel) stays dark. Every other pixel keeps its luminance, so the brown form print of
    VAT invoices (hue ≈ 25°) and blue or black print are untouched — unlike using the red
    channel everywhere, which washes out brown labels on dim photos."""
    gray = to_gray(img)
    if img.ndim == 2:
        return gray
    hsv = cv2.cvtColor(img, cv2.COLOR_BGR2HSV)
    h, s, _ = cv2.split(hsv)
    red = ((h <= 9) | (h >= 170)) & (s >= 35)
    if not red.any():
        return gray
    lut = np.clip((np.arange(256, dtype=np.float32) - SEAL_INK_DARK)
                  * (255.0 / (SEAL_WHITE - SEAL_INK_DARK)), 0, 255).astype(np.uint8)
    lifted = cv2.LUT(img[..., 2], lut)
    out = gray.copy()
    out[red] = np.maximum(gray[red], lifted[red])
    return out


def binarize(gray: np.ndarray) -> np.ndarray:
    blur = cv2.GaussianBlur(gray, (3, 3), 0)
    block = max(15, (gray.shape[1] // 60) | 1)
    return cv2.adaptiveThreshold(blur, 255, cv2.ADAPTIVE_THRESH_GAUSSIAN_C, cv2.THRESH_BINARY,
                                 block, 15)


def normalise_width(img: np.ndarray, width: int = WORK_WIDTH) -> np.ndarray:
    h, w = img.shape[:2]
    if abs(w - width) < 0.05 * width:
        return img
    f = width / w
    interp = cv2.INTER_AREA if f < 1 else cv2.INTER_CUBIC
    return cv2.resize(img, (width, max(1, round(h * f))), interpolation=interp)


def is_blank(img: np.ndarray) -> bool:
    """A page with (almost) no ink: nothing to read."""
    gray = to_gray(img)
    h, w = gray.shape
    f = 600.0 / max(h, w)
    small = cv2.resize(gray, (max(1, int(w * f)), max(1, int(h * f))), interpolation=cv2.INTER_AREA)
    flat = flatten_light(small)
    ink = flat < 150
    return float(ink.mean()) < 0.002 or float(small.std()) < 4.0


# --------------------------------------------------------------------------------- pipeline
def preprocess(original: np.ndarray, *, orientation_hint: int | None = None,
               use_osd: bool = True,
               qr_orientation: Callable[[np.ndarray], int | None] | None = None) -> Processed:
    """Run all steps on ``original`` (BGR). ``orientation_hint`` (clockwise quarters to turn the
    image upright) skips detection; ``qr_orientation`` is asked for one on the page image."""
    steps: list[str] = []
    img = to_bgr(original)
    quad = find_page(img)
    if quad is not None:
        img = warp_page(img, quad)
        steps.append("page")
    turns = orientation_hint
    if turns is None and qr_orientation is not None:
        turns = qr_orientation(img)
        if turns is not None:
            steps.append("orientation:qr")
    gray = to_gray(img)
    if turns is None:
        vertical = text_direction_is_vertical(gray)
        osd = tesseract_orientation(gray) if use_osd else None
        if osd is not None and osd[1] >= 1.0 and ((osd[0] % 2 == 1) == vertical):
            turns = osd[0]
            steps.append("orientation:osd")
        else:
            turns = 1 if vertical else 0
            steps.append("orientation:lines")
    if turns:
        img = rotate_quarters(img, turns)
    img = normalise_width(img)
    gray = to_gray(img)
    skew = estimate_skew(gray)
    if abs(skew) >= 0.15:
        img = rotate_small(img, skew)
        steps.append(f"deskew:{skew:+.1f}")
    color = flatten_light(img)
    steps.append("flatten")
    gray = suppress_red(color)
    steps.append("seal")
    binary = binarize(gray)
    steps.append("binarize")
    return Processed(original=original, color=color, binary=binary, gray=gray,
                     rotation=(turns or 0) * 90, skew=skew, page_found=quad is not None,
                     steps=steps)


def angle_to_quarters(degrees: float) -> int:
    return round(degrees / 90.0) % 4


__all__ = [
    "WORK_WIDTH",
    "angle_to_quarters",
    "binarize",
    "estimate_skew",
    "find_page",
    "flatten_light",
    "is_blank",
    "preprocess",
    "rotate_quarters",
    "suppress_red",
    "warp_page",
]

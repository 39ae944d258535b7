"""From a file to checked voucher fields: load → QR → preprocess → OCR → extract → check.

The entry points are :func:`recognize_file` (every page of a file) and :func:`recognize_image`
(an image already in memory, e.g. a camera still). Both are blocking and Qt-free; the UI runs
them in a worker thread and may pass a ``threading.Event`` to cancel.
"""
from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from app.ocr import extract, preprocess
from app.ocr import qr as qrmod
from app.ocr.checks import run_checks
from app.ocr.engines import DEFAULT_ENGINE, ENGINES
from app.ocr.engines.worker import get_worker
from app.ocr.errors import EngineUnavailable, OcrCancelled, OcrError
from app.ocr.loader import SourcePage, load_pages
from app.ocr.model import FIELD_LABELS, Check, FieldValue, OcrLine, Processed, VoucherResult

log = logging.getLogger(__name__)

#: per-page engine timeout (seconds); the issue's ceiling is 30 s per page.
#: ``JINCAI_OCR_TIMEOUT`` overrides it (the test suite raises it: a shared CI box under load).
DEFAULT_TIMEOUT = 30.0


def default_timeout() -> float:
    try:
        return float(os.environ.get("JINCAI_OCR_TIMEOUT", DEFAULT_TIMEOUT))
    except ValueError:
        return DEFAULT_TIMEOUT
#: fields whose confidence is below this are highlighted for review
LOW_CONFIDENCE = 0.80


@dataclass
class OcrOptions:
    engine: str = DEFAULT_ENGINE
    timeout: float = field(default_factory=default_timeout)
    #: ask Tesseract's orientation detector when there is no QR to tell the orientation
    use_osd: bool = True
    #: keep the processed images in the result (the review screen shows them)
    keep_images: bool = True
    #: constructor options of the engine (e.g. ``{"psm": 6}`` for Tesseract)
    engine_options: dict = field(default_factory=dict)
    #: skip preprocessing (page, orientation, deskew, light) — for the benchmark's baseline only
    raw: bool = False


def _check_cancel(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise OcrCancelled()


def merge_qr(fields: dict[str, FieldValue], kind: str, inv_qr=None, bill_qr=None) -> list[Check]:
    """QR values win (they are machine-written); what the text said is kept in ``other`` so
    that the ``qr_*`` checks can compare. Returns checks that only the merge can decide."""
    extra: list[Check] = []

    def put(name: str, value) -> None:
        if value is None:
            return
        printed = fields.get(name)
        other = printed.value if printed is not None else None
        fields[name] = FieldValue(value, 0.99, "qr", other=other)

    if inv_qr is not None:
        put("invoice_code", inv_qr.code)
        put("invoice_number", inv_qr.number)
        put("issue_date", inv_qr.issue_date.isoformat())
        if inv_qr.check_code:
            put("check_code", inv_qr.check_code)
        if inv_qr.is_digital:
            # 数电票 QRs carry either the net amount or the total, depending on the issuer
            # (domain.md §10): compare with whichever the face shows; fill nothing by guess.
            net, total = fields.get("amount_fen"), fields.get("total_fen")
            if net is not None and net.value == inv_qr.amount_fen:
                put("amount_fen", inv_qr.amount_fen)
            elif total is not None and total.value == inv_qr.amount_fen:
                put("total_fen", inv_qr.amount_fen)
            elif net is not None or total is not None:
                shown = "、".join(f"{fv.value / 100:,.2f}" for fv in (net, total)
                                 if fv is not None and isinstance(fv.value, int))
                extra.append(Check("qr_amount", False,
                                   tuple(n for n in ("amount_fen", "total_fen") if n in fields),
                                   f"二维码中的金额 {inv_qr.amount_fen / 100:,.2f} 元与票面金额"
                                   f"（{shown} 元）都不一致，请核对原件。"))
        else:
            put("amount_fen", inv_qr.amount_fen)
    if bill_qr is not None:
        put("invoice_code", bill_qr.code)
        put("invoice_number", bill_qr.number)
        if bill_qr.check_code:
            put("check_code", bill_qr.check_code)
        if bill_qr.issue_date:
            put("issue_date", bill_qr.issue_date.isoformat())
        if bill_qr.amount_fen is not None:
            put("total_fen", bill_qr.amount_fen)
    return extra


def _finish(fields: dict[str, FieldValue], kind: str, *, inv_qr=None, bill_qr=None,
            extra: list[Check] = ()) -> tuple[list[Check], list[str]]:
    checks = run_checks(fields, kind, qr=inv_qr, fiscal_qr=bill_qr)
    for check in extra:
        checks.append(check)
        for name in check.fields:
            if not check.ok and name in fields and check.name not in fields[name].failed:
                fields[name].failed.append(check.name)
    warnings = []
    missing = [FIELD_LABELS[n] for n in extract.EXPECTED_FIELDS.get(kind, ()) if n not in fields]
    if missing:
        warnings.append("未能识别：" + "、".join(missing) + "。请对照原件手工填写。")
    return checks, warnings


def _decode_qr(image: np.ndarray):
    codes = qrmod.find_qr_codes(image)
    inv = qrmod.invoice_qr(codes)
    bill = None
    if inv is None:
        for c in codes:
            bill = qrmod.parse_fiscal_bill_qr(c.text)
            if bill is not None:
                return codes, None, (c, bill)
    return codes, inv, bill


def _turn_half(p: Processed) -> Processed:
    def turn(a):
        return None if a is None else np.ascontiguousarray(a[::-1, ::-1])

    return Processed(original=p.original, color=turn(p.color), binary=turn(p.binary),
                     gray=turn(p.gray), rotation=(p.rotation + 180) % 360, skew=p.skew,
                     page_found=p.page_found, steps=p.steps + ["orientation:retry-180"])


def recognize_page(page: SourcePage, options: OcrOptions | None = None, *,
                   cancel: threading.Event | None = None) -> VoucherResult:
    options = options or OcrOptions()
    started, cpu_started = time.perf_counter(), time.process_time()
    engine_wall = engine_cpu = 0.0
    _check_cancel(cancel)
    if page.xml_fields is not None:
        fields = extract.fields_from_xml(page.xml_fields)
        kind = page.xml_fields.get("_kind_hint", "unknown")
        checks, warnings = _finish(fields, kind)
        return VoucherResult(page.file, page.page, kind, fields, checks, None,
                             time.perf_counter() - started, page.sha256, warnings=warnings)
    image = page.image
    _, inv, bill = (None, None, None) if options.raw or image is None else _decode_qr(image)
    inv_qr = inv[1] if inv else None
    bill_qr = bill[1] if bill else None
    qr_code = (inv or bill or (None,))[0]
    payload = qr_code.text if qr_code is not None else None
    _check_cancel(cancel)

    if page.text_lines is not None:  # PDF with a text layer: no OCR needed
        lines = page.text_lines
        engine_name = None
        source = "text"
        processed = Processed(original=image, color=image, binary=image, gray=None,
                              steps=["text-layer"]) if image is not None else None
    else:
        if preprocess.is_blank(image):
            raise OcrError("blank_page", f"“{Path(page.file).name}”第 {page.page} 页是空白页，"
                                         "没有可识别的内容。请检查是否放反或漏放凭证。",
                           file=page.file)
        hint = qr_code.quarters if qr_code is not None else None
        if options.raw:
            processed = Processed(original=image, color=image, binary=preprocess.to_gray(image),
                                  gray=preprocess.to_gray(image), steps=["raw"])
        else:
            processed = preprocess.preprocess(image, orientation_hint=hint,
                                              use_osd=options.use_osd)
        _check_cancel(cancel)
        engine_name = options.engine
        if engine_name not in ENGINES:
            raise EngineUnavailable(engine_name, f"未知的识别引擎，可选：{', '.join(ENGINES)}")
        worker = get_worker(engine_name, **options.engine_options)
        engine_input = ENGINES[engine_name].input_image(processed)
        lines, engine_wall = worker.recognize(engine_input, timeout=options.timeout, cancel=cancel)
        engine_cpu = worker.last_cpu
        source = "ocr"
        if (qr_code is None and not options.raw
                and extract.classify("\n".join(ln.text for ln in lines)) == "unknown"):
            # No QR to tell the orientation and nothing recognisable read: the orientation
            # guess (Tesseract OSD / text-line direction) may have left the page upside down —
            # it happens on sparse pages such as bank receipts. Read it once more turned 180°.
            _check_cancel(cancel)
            turned = _turn_half(processed)
            lines2, wall2 = worker.recognize(ENGINES[engine_name].input_image(turned),
                                             timeout=options.timeout, cancel=cancel)
            engine_wall += wall2
            engine_cpu += worker.last_cpu
            if extract.classify("\n".join(ln.text for ln in lines2)) != "unknown":
                lines, processed = lines2, turned
    text = "\n".join(ln.text for ln in lines)
    kind = extract.classify(text, inv_qr.kind_code if inv_qr else None, bill_qr is not None)
    fields = extract.extract_fields(lines, kind, source)
    if page.tagged_fields:
        # an OFD's semantic tags name the field: exact text, better than a layout guess
        fields.update(extract.fields_from_xml(page.tagged_fields))
    extra = merge_qr(fields, kind, inv_qr, bill_qr)
    checks, warnings = _finish(fields, kind, inv_qr=inv_qr, bill_qr=bill_qr, extra=extra)
    if kind == "unknown":
        warnings.insert(0, "无法判断凭证种类（发票、财政票据或银行回单）。请确认拍摄的是完整的凭证正面。")
    return VoucherResult(page.file, page.page, kind, fields, checks, engine_name,
                         time.perf_counter() - started, page.sha256, qr_payload=payload,
                         processed=processed if options.keep_images else None,
                         warnings=warnings,
                         timings={"engine": engine_wall,
                                  "cpu": time.process_time() - cpu_started + engine_cpu})


def recognize_file(path: str | Path, options: OcrOptions | None = None, *,
                   cancel: threading.Event | None = None,
                   progress: Callable[[int, int], None] | None = None) -> list[VoucherResult]:
    """Every page of ``path``; raises :class:`OcrError` (Chinese message) for a bad file."""
    pages = load_pages(path)
    results = []
    for i, page in enumerate(pages):
        _check_cancel(cancel)
        results.append(recognize_page(page, options, cancel=cancel))
        if progress is not None:
            progress(i + 1, len(pages))
    return results


def recognize_image(image: np.ndarray, options: OcrOptions | None = None, *,
                    name: str = "camera", cancel: threading.Event | None = None,
                    encoded: bytes | None = None) -> VoucherResult:
    """A BGR image in memory (camera still). ``encoded`` are the bytes that will be stored as
    the original attachment; its SHA-256 is recorded (else the raw pixels are hashed)."""
    if image is None or image.size == 0:
        raise OcrError("empty_image", "没有图像可识别（相机没有返回画面）。")
    h, w = image.shape[:2]
    if min(h, w) < 200:
        raise OcrError("too_small", f"图像太小（{w} × {h} 像素），无法识别文字。")
    sha = hashlib.sha256(encoded if encoded is not None else image.tobytes()).hexdigest()
    page = SourcePage(name, 1, sha, image=preprocess.to_bgr(image))
    return recognize_page(page, options, cancel=cancel)


def encode_jpeg(image: np.ndarray, quality: int = 92) -> bytes:
    ok, buf = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover
        raise OcrError("encode_failed", "无法把图像编码为 JPEG。")
    return buf.tobytes()


__all__ = [
    "DEFAULT_TIMEOUT",
    "LOW_CONFIDENCE",
    "OcrLine",
    "OcrOptions",
    "merge_qr",
    "recognize_file",
    "recognize_image",
    "recognize_page",
]

"""Open a voucher file safely: images (JPEG, PNG, TIFF incl. multi-page, BMP, WebP), PDF (with
or without a text layer), 数电票 XML, OFD (text layer, :mod:`app.ocr.ofd`).

Guards, each with a clear Chinese message (:class:`OcrError`):
* missing / empty / unreadable file, unsupported type, not an image at all;
* decompression bombs — the pixel count is read from the header *before* decoding and pages
  above :data:`MAX_PIXELS` are refused (a 20 000 × 20 000 PNG is a few hundred KB on disk);
* corrupt or truncated data;
* PDFs that are encrypted, damaged or absurdly large.

The SHA-256 of the original bytes is kept with every page (audit, duplicate detection).
"""
from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from app.ocr.errors import OcrError
from app.ocr.model import OcrLine

#: Largest page accepted, in pixels (a 16 MP document camera gives 4608 × 3456 ≈ 16 M).
MAX_PIXELS = 64_000_000
#: Largest file accepted.
MAX_FILE_BYTES = 200 * 1024 * 1024
#: Most pages read from one PDF / TIFF.
MAX_PAGES = 200
#: PDF render resolution (the page image shown beside the fields and searched for the QR).
PDF_DPI = 200

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp", ".webp"}
SUPPORTED_SUFFIXES = IMAGE_SUFFIXES | {".pdf", ".xml", ".ofd"}


@dataclass
class SourcePage:
    file: str
    page: int                        # 1-based
    sha256: str                      # of the whole original file
    image: np.ndarray | None = None  # BGR
    #: text-layer lines (PDF) in ``image`` pixel coordinates; None when the page needs OCR
    text_lines: list[OcrLine] | None = None
    #: structured fields read from an XML invoice
    xml_fields: dict | None = None
    #: exact field texts named by an OFD's semantic tags (they win over the layout reading)
    tagged_fields: dict | None = None
    notes: list[str] = field(default_factory=list)


def _err(code: str, message: str, path: Path) -> OcrError:
    return OcrError(code, message, file=str(path))


def read_bytes(path: Path) -> bytes:
    path = Path(path)
    if not path.exists():
        raise _err("not_found", f"找不到文件“{path.name}”。请确认文件仍在原位置。", path)
    if path.is_dir():
        raise _err("is_directory", f"“{path.name}”是文件夹，不是凭证文件。", path)
    size = path.stat().st_size
    if size == 0:
        raise _err("empty_file", f"文件“{path.name}”是空的（0 字节），可能尚未写完或已损坏。请重新扫描。", path)
    if size > MAX_FILE_BYTES:
        raise _err("too_large", f"文件“{path.name}”过大（{size / 1048576:.0f} MB），"
                                f"超过 {MAX_FILE_BYTES // 1048576} MB 的上限。", path)
    try:
        return path.read_bytes()
    except OSError as exc:
        raise _err("unreadable", f"无法读取文件“{path.name}”：{exc.strerror or exc}。", path) from None


def sniff(data: bytes, path_hint: str = "") -> str:
    head = data[:16]
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(b"PK\x03\x04") and (b"OFD.xml" in data[:4096] or path_hint == ".ofd"):
        return "ofd"
    stripped = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith((b"<?xml", b"<")):
        return "xml"
    return "image"


def _check_pixels(w: int, h: int, path: Path, what: str = "图片") -> None:
    if w <= 0 or h <= 0:
        raise _err("corrupt", f"{what}“{path.name}”的尺寸无效。", path)
    if w * h > MAX_PIXELS:
        raise _err("too_many_pixels",
                   f"{what}“{path.name}”过大（{w} × {h} 像素，约 {w * h / 1e6:.0f} 百万像素），"
                   f"超过 {MAX_PIXELS // 1_000_000} 百万像素的安全上限，未打开。"
                   "请用高拍仪或扫描仪的常规分辨率（如 300 dpi）重新扫描。", path)
    if min(w, h) < 200:
        raise _err("too_small", f"{what}“{path.name}”太小（{w} × {h} 像素），无法识别文字。"
                                "请以至少 150 dpi 重新扫描。", path)


def _pil_to_bgr(im: Image.Image) -> np.ndarray:
    im = ImageOps.exif_transpose(im)
    if im.mode in ("RGBA", "LA", "P", "PA"):
        im = im.convert("RGBA")
        bg = Image.new("RGBA", im.size, (255, 255, 255, 255))
        bg.alpha_composite(im)
        im = bg
    im = im.convert("RGB")
    return cv2.cvtColor(np.asarray(im), cv2.COLOR_RGB2BGR)


def load_image_pages(data: bytes, path: Path, sha: str) -> list[SourcePage]:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            im = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        raise _err("too_many_pixels",
                   f"图片“{path.name}”的像素数异常巨大，超过安全上限，未打开（防解压炸弹）。"
                   "请用常规分辨率重新扫描。", path) from None
    except UnidentifiedImageError:
        raise _err("not_an_image",
                   f"“{path.name}”不是可识别的图片、PDF 或数电票 XML 文件。"
                   "支持 JPEG、PNG、TIFF、BMP、WebP、PDF 和 XML。", path) from None
    except Exception as exc:  # noqa: BLE001
        raise _err("corrupt", f"图片“{path.name}”无法打开，文件可能已损坏：{exc}", path) from None
    pages = []
    n_frames = getattr(im, "n_frames", 1) or 1
    for index in range(min(n_frames, MAX_PAGES)):
        try:
            if n_frames > 1:
                im.seek(index)
            _check_pixels(im.width, im.height, path)
            im.load()
            bgr = _pil_to_bgr(im)
        except OcrError:
            raise
        except Exception as exc:  # noqa: BLE001 - truncated / corrupt data
            raise _err("corrupt", f"图片“{path.name}”（第 {index + 1} 页）已损坏或不完整，无法解码："
                                  f"{exc}。请重新扫描或重新导出。", path) from None
        pages.append(SourcePage(str(path), index + 1, sha, image=bgr))
    return pages


def _pdf_text_lines(page, scale: float, height_pt: float) -> list[OcrLine]:
    textpage = page.get_textpage()
    try:
        lines = []
        n = textpage.count_rects()
        for i in range(n):
            left, bottom, right, top = textpage.get_rect(i)
            text = textpage.get_text_bounded(left, bottom, right, top)
            from app.ocr.engines.base import normalise_text

            text = normalise_text(text.replace("\r", " ").replace("\n", " "))
            if not text:
                continue
            box = (int(left * scale), int((height_pt - top) * scale), int(right * scale),
                   int((height_pt - bottom) * scale))
            lines.append(OcrLine(text, 0.99, box))
        return merge_text_runs(lines)
    finally:
        textpage.close()


def merge_text_runs(pieces: list[OcrLine]) -> list[OcrLine]:
    """Join text rectangles (often one per glyph) into runs: same row, small gaps."""
    pieces = sorted(pieces, key=lambda p: (p.box[1], p.box[0]))
    rows: list[list[OcrLine]] = []
    for p in pieces:
        for row in rows:
            r = row[-1]
            h = max(r.height, p.height)
            if abs(r.cy - p.cy) < 0.45 * h:
                row.append(p)
                break
        else:
            rows.append([p])
    out = []
    for row in rows:
        row.sort(key=lambda p: p.box[0])
        run = [row[0]]
        for p in row[1:]:
            prev = run[-1]
            if p.box[0] - prev.box[2] <= 1.0 * max(prev.height, p.height):
                run.append(p)
            else:
                out.append(_join(run))
                run = [p]
        out.append(_join(run))
    return out


def _join(run: list[OcrLine]) -> OcrLine:
    text = ""
    for i, p in enumerate(run):
        if i and p.box[0] - run[i - 1].box[2] > 0.6 * p.height and (
                text[-1:].isalnum() and p.text[:1].isalnum()):
            text += " "
        text += p.text
    box = (min(p.box[0] for p in run), min(p.box[1] for p in run),
           max(p.box[2] for p in run), max(p.box[3] for p in run))
    return OcrLine(text, min(p.confidence for p in run), box)


def load_pdf_pages(data: bytes, path: Path, sha: str, *, render: bool = True) -> list[SourcePage]:
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc)
        if "password" in msg.lower():
            raise _err("encrypted", f"PDF“{path.name}”有密码保护，无法读取。请导出无密码的版本。", path) from None
        raise _err("corrupt", f"PDF“{path.name}”已损坏，无法打开（{msg}）。", path) from None
    try:
        if len(pdf) == 0:
            raise _err("empty_pdf", f"PDF“{path.name}”没有页面。", path)
        pages = []
        for index in range(min(len(pdf), MAX_PAGES)):
            page = pdf[index]
            try:
                w_pt, h_pt = page.get_size()
                scale = PDF_DPI / 72.0
                w_px, h_px = int(w_pt * scale), int(h_pt * scale)
                if w_px * h_px > MAX_PIXELS:
                    scale = (MAX_PIXELS / (w_pt * h_pt)) ** 0.5 * 0.99
                    if w_pt * scale < 200 or h_pt * scale < 200:
                        raise _err("too_many_pixels", f"PDF“{path.name}”第 {index + 1} 页尺寸异常。", path)
                lines = _pdf_text_lines(page, scale, h_pt)
                has_text = sum(len(ln.text) for ln in lines) >= 20
                image = None
                if render or not has_text:
                    bitmap = page.render(scale=scale, fill_color=(255, 255, 255, 255))
                    pil = bitmap.to_pil()
                    image = _pil_to_bgr(pil)
                pages.append(SourcePage(str(path), index + 1, sha, image=image,
                                        text_lines=lines if has_text else None))
            finally:
                page.close()
        return pages
    finally:
        pdf.close()


def load_pages(path: str | Path, *, render_pdf: bool = True) -> list[SourcePage]:
    """Every page of ``path``. Raises :class:`OcrError` with a Chinese message."""
    path = Path(path)
    data = read_bytes(path)
    sha = hashlib.sha256(data).hexdigest()
    kind = sniff(data, path.suffix.lower())
    if path.suffix.lower() == ".ofd" and kind != "ofd":
        raise _err("corrupt", f"OFD 文件“{path.name}”已损坏：不是 OFD 压缩包。"
                              "请重新下载该电子发票，或改用 PDF/XML 版本。", path)
    if kind == "pdf":
        return load_pdf_pages(data, path, sha, render=render_pdf)
    if kind == "ofd":
        from app.ocr.ofd import read_ofd

        return [SourcePage(str(path), p.index, sha, text_lines=p.lines,
                           tagged_fields=p.tagged or None) for p in read_ofd(data, path)]
    if kind == "xml":
        from app.ocr.documents import parse_invoice_xml

        fields = parse_invoice_xml(data, path)
        return [SourcePage(str(path), 1, sha, xml_fields=fields)]
    return load_image_pages(data, path, sha)


def sha256_file(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

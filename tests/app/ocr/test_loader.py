"""Bad input gives a clear Chinese message — never a hang, a crash or a stack trace."""
from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from app.ocr.errors import OcrError
from app.ocr.loader import load_pages, merge_text_runs
from app.ocr.model import OcrLine
from app.ocr.pipeline import recognize_file, recognize_image


def _png_header_only(path, width, height):
    """A tiny PNG that claims to be width × height (a decompression bomb's header)."""
    def chunk(kind, data):
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = zlib.compress(b"\0" * 1000)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", body)
                     + chunk(b"IEND", b""))


def _code(fn, *args):
    with pytest.raises(OcrError) as info:
        fn(*args)
    assert info.value.message and "Traceback" not in info.value.message
    assert any("\u4e00" <= ch <= "\u9fff" for ch in info.value.message)  # Chinese
    return info.value.code


def test_bomb_20000_square_is_refused_before_decoding(tmp_path):
    p = tmp_path / "bomb.png"
    _png_header_only(p, 20_000, 20_000)
    assert p.stat().st_size < 10_000
    assert _code(load_pages, p) == "too_many_pixels"


def test_large_but_below_pillow_limit_is_refused_by_our_limit(tmp_path):
    p = tmp_path / "big.png"
    _png_header_only(p, 10_000, 8_000)
    assert _code(load_pages, p) == "too_many_pixels"


def test_corrupt_truncated_jpeg(tmp_path, make):
    src = make("vat_normal", "lowres").path.read_bytes()
    p = tmp_path / "half.jpg"
    p.write_bytes(src[: len(src) // 3])
    assert _code(load_pages, p) == "corrupt"


def test_non_image_empty_missing_and_directory(tmp_path):
    text = tmp_path / "notes.jpg"
    text.write_text("这不是图片", encoding="utf-8")
    assert _code(load_pages, text) == "not_an_image"
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    assert _code(load_pages, empty) == "empty_file"
    assert _code(load_pages, tmp_path / "missing.png") == "not_found"
    assert _code(load_pages, tmp_path) == "is_directory"
    broken_pdf = tmp_path / "broken.pdf"
    broken_pdf.write_bytes(b"%PDF-1.7\n garbage")
    assert _code(load_pages, broken_pdf) == "corrupt"


def test_empty_page_is_reported_not_guessed(tmp_path):
    p = tmp_path / "blank.png"
    Image.new("RGB", (1600, 1100), (246, 246, 244)).save(p)
    assert _code(recognize_file, p) == "blank_page"
    assert _code(recognize_image, np.zeros((0, 0, 3), np.uint8)) == "empty_image"


def test_unsafe_xml_is_refused(tmp_path):
    p = tmp_path / "lol.xml"
    p.write_text('<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "aaaa">]><EInvoice>&a;</EInvoice>')
    assert _code(load_pages, p) == "xml_unsafe"
    q = tmp_path / "other.xml"
    q.write_text("<root><x>1</x></root>")
    assert _code(load_pages, q) == "not_invoice_xml"


def test_multipage_tiff_and_scanned_pdf(tmp_path, make):
    a = Image.open(make("vat_normal", "lowres").path).convert("RGB")
    b = Image.open(make("bank_receipt", "lowres").path).convert("RGB")
    tif = tmp_path / "two.tiff"
    a.save(tif, save_all=True, append_images=[b])
    pages = load_pages(tif)
    assert [p.page for p in pages] == [1, 2]
    assert pages[0].sha256 == pages[1].sha256 and len(pages[0].sha256) == 64
    pdf = tmp_path / "scan.pdf"
    a.save(pdf, save_all=True, append_images=[b], resolution=100)
    pages = load_pages(pdf)
    assert len(pages) == 2
    assert all(p.text_lines is None and p.image is not None for p in pages)  # needs OCR


def test_text_runs_are_joined_per_row():
    glyphs = [OcrLine(ch, 0.99, (100 + 30 * i, 10, 125 + 30 * i, 38)) for i, ch in enumerate("发票号码:")]
    glyphs += [OcrLine(d, 0.99, (400 + 16 * i, 12, 414 + 16 * i, 38)) for i, d in enumerate("12345678")]
    runs = merge_text_runs(glyphs)
    assert [r.text for r in runs] == ["发票号码:", "12345678"]


def test_an_ofd_without_a_document_is_named_and_explained(tmp_path):
    import zipfile

    p = tmp_path / "e-invoice.ofd"
    with zipfile.ZipFile(p, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
    assert _code(load_pages, p) == "corrupt"
    with pytest.raises(OcrError) as err:
        load_pages(p)
    assert "e-invoice.ofd" in err.value.message and "DocRoot" in err.value.message

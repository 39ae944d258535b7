"""Documents that need no OCR: PDF text layer and 数电票 XML (source ``text``, engine None)."""
from __future__ import annotations

import pytest

from app.ocr.pipeline import recognize_file
from tests.app.ocr.generator import write_invoice_xml, write_text_pdf


@pytest.fixture(scope="module")
def text_pdf(tmp_path_factory, qapp):
    path = tmp_path_factory.mktemp("pdf") / "e-invoice.pdf"
    vouchers = write_text_pdf("digital_special", 11, path, pages=2)
    return path, vouchers


def test_pdf_text_layer_is_read_without_ocr(text_pdf):
    path, vouchers = text_pdf
    results = recognize_file(path)
    assert len(results) == 2
    for result, voucher in zip(results, vouchers):
        assert result.engine is None
        assert result.kind == "digital_special"
        for name, expected in voucher.truth.items():
            assert result.fields[name].value == expected, name
            assert result.fields[name].source in ("text", "qr")
        assert all(c.ok for c in result.checks), [c.message for c in result.checks if not c.ok]


def test_vat_pdf_text_layer(tmp_path, qapp):
    path = tmp_path / "vat.pdf"
    (voucher,) = write_text_pdf("vat_normal", 12, path)
    (result,) = recognize_file(path)
    assert result.kind == "vat_normal"
    assert {k: result.fields[k].value for k in voucher.truth} == voucher.truth


def test_digital_invoice_xml(tmp_path):
    path = tmp_path / "invoice.xml"
    voucher = write_invoice_xml("digital_normal", 7, path)
    (result,) = recognize_file(path)
    assert result.kind == "digital_normal"
    assert {k: result.fields[k].value for k in voucher.truth} == voucher.truth
    assert all(f.source == "text" for f in result.fields.values())
    assert all(c.ok for c in result.checks)

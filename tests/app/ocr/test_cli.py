"""`jincai ocr FILE... [--engine NAME] --json` (app.ocr.cli wired by app.cli)."""
from __future__ import annotations

import json

from app.cli import main
from tests.app.ocr.generator import write_invoice_xml, write_text_pdf


def test_json_per_file_with_pages_and_errors(tmp_path, capsys, qapp):
    xml = tmp_path / "a.xml"
    v = write_invoice_xml("digital_special", 31, xml)
    pdf = tmp_path / "two.pdf"
    vs = write_text_pdf("vat_special", 32, pdf, pages=2)
    bad = tmp_path / "bad.jpg"
    bad.write_bytes(b"\xff\xd8\xff garbage")
    code = main(["ocr", str(xml), str(pdf), str(bad), "--json"])
    out = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert code == 1  # one file could not be read
    a, b, c = out
    assert a["file"] == str(xml) and a["kind"] == "digital_special" and a["engine"] is None
    assert a["fields"]["total_fen"] == {"value": v.truth["total_fen"], "confidence": 0.99,
                                        "source": "text"}
    assert all(a["checks"].values())
    assert b["kind"] == "vat_special" and len(b["pages"]) == 2
    assert b["pages"][1]["fields"]["invoice_number"]["value"] == vs[1].truth["invoice_number"]
    assert isinstance(b["fields"]["amount_fen"]["value"], int)
    assert c["error"]["code"] in ("corrupt", "not_an_image") and "文件" in c["error"]["message"]


def test_human_output_and_engine_list(tmp_path, capsys):
    xml = tmp_path / "a.xml"
    write_invoice_xml("digital_normal", 33, xml)
    assert main(["ocr", str(xml)]) == 0
    text = capsys.readouterr().out
    assert "电子发票（普通发票）" in text and "校验" in text
    assert main(["ocr", "--engines"]) == 0
    listing = capsys.readouterr().out
    assert "rapidocr" in listing and "tesseract" in listing and "默认" in listing
    assert main(["ocr"]) == 2


def test_selftest_on_the_bundled_sample():
    from app.ocr.selftest import run_selftest

    report = run_selftest()
    assert report.ok, report.summary
    assert report.fields_right >= report.fields_total - 1
    assert "识别自检通过" in report.summary

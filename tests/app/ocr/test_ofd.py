"""OFD e-invoices (GB/T 33190): fields from the XML text layer, exact, no OCR; semantic tags;
corrupt and hostile packages refused with a clear message."""
from __future__ import annotations

import io
import json
import zipfile

import pytest

from app.ocr.errors import OcrError
from app.ocr.loader import load_pages
from app.ocr.ofd import read_ofd
from app.ocr.pipeline import recognize_file
from tests.app.ocr.generator import write_ofd


@pytest.mark.parametrize("kind", ["digital_normal", "digital_special", "vat_normal"])
@pytest.mark.parametrize("tags", [True, False], ids=["tagged", "layout-only"])
def test_every_field_is_read_exactly_from_the_text_layer(tmp_path, kind, tags):
    path = tmp_path / "invoice.ofd"
    v = write_ofd(kind, 41, path, tags=tags)
    (r,) = recognize_file(path)
    assert r.kind == kind and r.engine is None
    for name, expected in v.truth.items():
        assert r.fields[name].value == expected, name
        assert r.fields[name].source == "text"
    assert all(c.ok for c in r.checks), [c.message for c in r.failed_checks]
    assert r.seconds < 5


def test_semantic_tags_name_the_fields(tmp_path):
    path = tmp_path / "tagged.ofd"
    v = write_ofd("digital_normal", 42, path)
    (page,) = read_ofd(path.read_bytes(), path)
    total = v.truth["total_fen"]
    assert page.tagged == {"invoice_number": v.truth["invoice_number"],
                           "total_fen": f"¥{total // 100}.{total % 100:02d}"}


def test_a_forged_total_still_fails_its_check(tmp_path):
    """An OFD whose printed total was edited: read exactly, and the cross-check says so."""
    path = tmp_path / "forged.ofd"
    v = write_ofd("digital_normal", 43, path, tags=False)
    real = v.truth["total_fen"]
    forged = real + 100_00
    buf = io.BytesIO()
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(buf, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename.endswith("Content.xml"):
                text = data.decode()
                old = f"¥{real // 100}.{real % 100:02d}"
                assert old in text
                data = text.replace(old, f"¥{forged // 100}.{forged % 100:02d}").encode()
            dst.writestr(info, data)
    path.write_bytes(buf.getvalue())
    (r,) = recognize_file(path)
    assert r.fields["total_fen"].value == forged
    assert not {c.name: c.ok for c in r.checks}["amount_plus_tax"]
    assert r.fields["total_fen"].failed


def _zip(files: dict[str, str | bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


OFD_XML = ('<ofd:OFD xmlns:ofd="http://www.ofdspec.org/2016"><ofd:DocBody>'
           '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>')


@pytest.mark.parametrize("data,fragment", [
    (b"PK\x03\x04 truncated", "不是完整的 OFD 压缩包"),
    (b"not a zip at all", "不是 OFD 压缩包"),
    (_zip({"OFD.xml": "<ofd:OFD"}), "不是有效的 XML"),
    (_zip({"OFD.xml": OFD_XML}), "缺少文件“Doc_0/Document.xml”"),
    (_zip({"OFD.xml": '<!DOCTYPE x [<!ENTITY a "b">]><x/>'}), "DOCTYPE"),
    (_zip({"OFD.xml": OFD_XML.replace("Doc_0/Document.xml", "../../etc/passwd")}), "压缩包以外"),
    (_zip({"OFD.xml": OFD_XML, "Doc_0/Document.xml": "<Document><Pages/></Document>"}), "没有页面"),
    (_zip({"OFD.xml": OFD_XML,
           "Doc_0/Document.xml": '<Document><Pages><Page ID="1" BaseLoc="P/C.xml"/></Pages></Document>',
           "Doc_0/P/C.xml": "<Page><Content/></Page>"}), "没有文字层"),
], ids=["truncated", "not-zip", "bad-xml", "missing-document", "doctype", "path-escape", "no-pages",
        "no-text"])
def test_corrupt_ofd_gives_a_clear_message(tmp_path, data, fragment):
    path = tmp_path / "broken.ofd"
    path.write_bytes(data)
    with pytest.raises(OcrError) as err:
        load_pages(path)
    assert fragment in err.value.message and "broken.ofd" in err.value.message


def test_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = tmp_path / "bomb.ofd"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("OFD.xml", OFD_XML)
        z.writestr("Doc_0/big.bin", b"\0" * (25 * 1024 * 1024))
    assert path.stat().st_size < 200_000
    with pytest.raises(OcrError) as err:
        load_pages(path)
    assert err.value.code == "too_large" and "解压炸弹" in err.value.message


def test_cli_json(tmp_path, capsys):
    from app.cli import main

    path = tmp_path / "e.ofd"
    v = write_ofd("digital_special", 44, path)
    assert main(["ocr", str(path), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["kind"] == "digital_special" and out["engine"] is None
    assert out["fields"]["total_fen"] == {"value": v.truth["total_fen"], "confidence": 0.99,
                                          "source": "text"}
    broken = tmp_path / "broken.ofd"
    broken.write_bytes(b"PK\x03\x04 nope")
    assert main(["ocr", str(broken), "--json"]) == 1
    err = json.loads(capsys.readouterr().out)["error"]
    assert "OFD" in err["message"] and "broken.ofd" in err["message"]

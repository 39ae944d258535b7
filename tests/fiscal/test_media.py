"""fiscal.media: accepted voucher files are judged by content, the same on client and server."""
from __future__ import annotations

import io
import zipfile

import pytest

from fiscal.media import file_media_type, sniff_media_type


def _zip(names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for n in names:
            z.writestr(n, "<x/>")
    return buf.getvalue()


@pytest.mark.parametrize(("head", "expected"), [
    (b"\xff\xd8\xff\xe0rest", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n....", "image/png"),
    (b"II*\x00....", "image/tiff"),
    (b"MM\x00*....", "image/tiff"),
    (b"%PDF-1.7\n", "application/pdf"),
    (b"\xef\xbb\xbf<?xml version='1.0'?><a/>", "application/xml"),
    (b"  <Invoice><No>1</No></Invoice>", "application/xml"),
    (b"<!DOCTYPE html><html></html>", None),   # a web page is not a voucher
    (b"<html><body>x</body></html>", None),
    (b"MZ\x90\x00 an executable", None),
    (b"", None),
])
def test_sniff(head, expected) -> None:
    assert sniff_media_type(head) == expected


def test_ofd_is_a_zip_holding_ofd_xml(tmp_path) -> None:
    assert sniff_media_type(_zip(["OFD.xml", "Doc_0/Document.xml"])) == "application/ofd"
    assert sniff_media_type(_zip(["word/document.xml"])) is None  # a .docx is refused
    assert sniff_media_type(b"PK\x03\x04 truncated") is None
    path = tmp_path / "invoice.ofd"
    path.write_bytes(_zip(["/OFD.xml"]))
    assert file_media_type(path) == "application/ofd"

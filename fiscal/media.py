"""Which voucher files the system accepts, judged by content (magic bytes), not by file name.

One rule for both sides: the server refuses anything else at upload, and the client checks the
same way before queueing a file, so a user learns at once rather than at the next sync.
"""
from __future__ import annotations

import io
import zipfile
from pathlib import Path

ACCEPTED = ("image/jpeg", "image/png", "image/tiff", "application/pdf", "application/ofd",
            "application/xml")


def sniff_media_type(head: bytes, path: Path | None = None) -> str | None:
    """Media type from the first bytes (read 4 KiB): JPEG, PNG, TIFF, PDF, OFD (a zip holding
    OFD.xml; ``path`` lets the zip directory at the end be read), XML; else ``None``."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(path if path is not None else io.BytesIO(head)) as z:
                names = {n.lstrip("/").lower() for n in z.namelist()}
        except (zipfile.BadZipFile, OSError, ValueError):
            return None
        return "application/ofd" if "ofd.xml" in names else None
    text = head.lstrip(b"\xef\xbb\xbf").lstrip()
    if text.startswith(b"<?xml") or (text.startswith(b"<") and b">" in text[:4096]
                                     and not text.lower().startswith((b"<!doctype html", b"<html"))):
        return "application/xml"
    return None


def file_media_type(path: Path) -> str | None:
    with Path(path).open("rb") as f:
        return sniff_media_type(f.read(4096), Path(path))

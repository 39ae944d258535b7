"""Attachments: content-addressed, sniffed from bytes, chunked/resumable, invoice duplicates."""
from __future__ import annotations

import hashlib
import io
import os
import zipfile

import pytest

from tests.server.conftest import draft, indicator, new_id


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def ofd() -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("OFD.xml", "<ofd:OFD xmlns:ofd='http://www.ofdspec.org/2016'/>")
        z.writestr("Doc_0/Document.xml", "<doc/>")
    return buf.getvalue()


SAMPLES = {
    "image/jpeg": b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + os.urandom(100),
    "image/png": b"\x89PNG\r\n\x1a\n" + os.urandom(100),
    "image/tiff": b"II*\x00" + os.urandom(100),
    "application/pdf": b"%PDF-1.7\n" + os.urandom(100),
    "application/xml": "<?xml version='1.0' encoding='UTF-8'?><发票 号码='1'/>".encode(),
    "application/ofd": ofd(),
}


@pytest.fixture(scope="module")
def ind(world):
    assert world.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("IND-ATT", "A1", 100_000_00), indicator("IND-ATT2", "A2", 10_000_00)]}).status_code == 200
    return "IND-ATT"


@pytest.mark.parametrize("media", list(SAMPLES))
def test_upload_sniffs_type_from_bytes(world, media):
    data = SAMPLES[media]
    acc = world.api("acc_a1")
    r = acc.put(f"/api/v1/attachments/{sha(data)}", content=data,
                headers={"Content-Type": "application/octet-stream"})
    assert r.status_code == 201, r.text
    assert r.json()["media_type"] == media and r.json()["size"] == len(data)
    again = acc.put(f"/api/v1/attachments/{sha(data)}", content=data)
    assert again.status_code == 200  # deduplicated
    got = acc.get(f"/api/v1/attachments/{sha(data)}/content")
    assert got.content == data and got.headers["content-type"].startswith(media)
    assert got.headers["content-disposition"].startswith("attachment")
    assert got.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize("data", [b"MZ\x90\x00 windows exe", b"<html><script>alert(1)</script></html>",
                                  b"PK\x03\x04 not an ofd zip", b"plain text"])
def test_unsupported_types_are_refused(world, data):
    before = world.counts()
    r = world.api("acc_a1").put(f"/api/v1/attachments/{sha(data)}", content=data)
    assert r.status_code == 415 and "JPEG" in r.json()["message"]
    assert world.counts() == before


def test_hash_mismatch_and_empty(world):
    data = SAMPLES["image/png"]
    r = world.api("acc_a1").put(f"/api/v1/attachments/{'0' * 64}", content=data)
    assert r.status_code == 422 and r.json()["code"] == "sha256_mismatch"
    r = world.api("acc_a1").put(f"/api/v1/attachments/{sha(b'')}", content=b"")
    assert r.status_code == 422


def test_chunked_resumable_upload(world):
    data = b"%PDF-1.4\n" + os.urandom(300_000)
    h = sha(data)
    acc = world.api("acc_a1")
    assert acc.get(f"/api/v1/attachments/{h}/upload").json() == {"sha256": h, "received": 0, "complete": False}
    assert acc.patch(f"/api/v1/attachments/{h}/upload", params={"offset": 0}, content=data[:100_000]).json()["received"] == 100_000
    # the connection "breaks"; the client asks where to resume
    assert acc.get(f"/api/v1/attachments/{h}/upload").json()["received"] == 100_000
    wrong = acc.patch(f"/api/v1/attachments/{h}/upload", params={"offset": 0}, content=data[:10])
    assert wrong.status_code == 409 and wrong.json()["details"]["received"] == 100_000
    acc.patch(f"/api/v1/attachments/{h}/upload", params={"offset": 100_000}, content=data[100_000:200_000])
    done = acc.patch(f"/api/v1/attachments/{h}/upload", params={"offset": 200_000, "final": "true"},
                     content=data[200_000:])
    assert done.status_code == 200 and done.json()["complete"] is True
    assert acc.get(f"/api/v1/attachments/{h}").json()["media_type"] == "application/pdf"
    assert acc.get(f"/api/v1/attachments/{h}/content").content == data


def _upload(api, data):
    r = api.put(f"/api/v1/attachments/{sha(data)}", content=data)
    assert r.status_code in (200, 201), r.text
    return sha(data)


def test_same_invoice_never_on_two_live_applications(world, ind):
    a1, a2 = world.api("acc_a1"), world.api("acc_a2")
    inv = {"kind": "电子发票（普通发票）", "number": "25332000000012345678", "amount_fen": 1_00,
           "issue_date": "2026-03-01"}
    first, second, other_unit = new_id(), new_id(), new_id()
    a1.put(f"/api/v1/applications/{first}", json=draft(ind, 1_00))
    a1.put(f"/api/v1/applications/{second}", json=draft(ind, 1_00))
    a2.put(f"/api/v1/applications/{other_unit}", json=draft("IND-ATT2", 1_00))
    s1 = _upload(a1, b"%PDF-1.7 invoice scan A" + os.urandom(10))
    r = a1.post(f"/api/v1/applications/{first}/attachments", json={"sha256": s1, "role": "invoice", "invoice": inv})
    assert r.status_code == 200, r.text
    assert r.json()["attachments"][0]["invoice_key"] == "25332000000012345678"
    # a re-scan of the same invoice (different bytes) on another application of the same unit
    s2 = _upload(a1, b"%PDF-1.7 invoice scan B" + os.urandom(10))
    dup = a1.post(f"/api/v1/applications/{second}/attachments", json={"sha256": s2, "role": "invoice", "invoice": inv})
    assert dup.status_code == 409 and dup.json()["code"] == "duplicate_invoice"
    assert "本单位的支付申请" in dup.json()["message"]
    # ... and in another unit: refused without telling which application
    s3 = _upload(a2, b"%PDF-1.7 invoice scan C" + os.urandom(10))
    dup2 = a2.post(f"/api/v1/applications/{other_unit}/attachments", json={"sha256": s3, "role": "invoice", "invoice": inv})
    assert dup2.status_code == 409 and "另一单位" in dup2.json()["message"]
    # legacy code + number form
    legacy = {"code": "033002100611", "number": "12345678"}
    ok = a1.post(f"/api/v1/applications/{second}/attachments", json={"sha256": s2, "role": "invoice", "invoice": legacy})
    assert ok.status_code == 200 and ok.json()["attachments"][0]["invoice_key"] == "033002100611:12345678"
    # voiding the first application frees its invoice
    assert a1.post(f"/api/v1/applications/{first}/void").status_code == 200
    free = a2.post(f"/api/v1/applications/{other_unit}/attachments", json={"sha256": s3, "role": "invoice", "invoice": inv})
    assert free.status_code == 200, free.text


def test_personal_payee_basis_attachment_unlocks_submit(world, ind):
    acc = world.api("acc_a1")
    aid = new_id()
    acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 6_000_000, payee_is_personal=True))
    assert acc.post(f"/api/v1/applications/{aid}/submit").json()["code"] == "personal_payee_basis_required"
    s = _upload(acc, b"%PDF-1.7 labour contract" + os.urandom(10))
    assert acc.post(f"/api/v1/applications/{aid}/attachments", json={"sha256": s, "role": "basis"}).status_code == 200
    assert acc.post(f"/api/v1/applications/{aid}/submit").status_code == 200


def test_detach(world, ind):
    acc = world.api("acc_a1")
    aid = new_id()
    acc.put(f"/api/v1/applications/{aid}", json=draft(ind, 1_00))
    s = _upload(acc, b"%PDF-1.7 detach me" + os.urandom(10))
    inv = {"number": "25332000000099999999"}
    assert acc.post(f"/api/v1/applications/{aid}/attachments",
                    json={"sha256": s, "role": "invoice", "invoice": inv}).status_code == 200
    r = acc.delete(f"/api/v1/applications/{aid}/attachments/{s}")
    assert r.status_code == 200 and r.json()["attachments"] == []
    other = new_id()
    acc.put(f"/api/v1/applications/{other}", json=draft(ind, 1_00))
    assert acc.post(f"/api/v1/applications/{other}/attachments",
                    json={"sha256": s, "role": "invoice", "invoice": inv}).status_code == 200

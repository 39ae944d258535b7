"""Attachments that exist only on the server (another device uploaded them) are fetched on
demand by ``app.services.attachments.ensure_local``: downloaded through the signed-in HTTPS
transport from the real server app, checked against their SHA-256, stored by hash."""
from __future__ import annotations

import hashlib
import io

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from app.db import open_database
from app.models import Attachment
from app.services.attachments import blob_path, ensure_local
from app.services.errors import InvalidField, NotFound, ServiceError
from app.sync.engine import BackoffPolicy, SyncEngine
from app.sync.http import HttpTransport, sign_in

URL = "http://testserver"


def _png(seed: int) -> bytes:
    from PIL import Image

    img = Image.new("RGB", (40, 30), (seed % 256, 120, 200))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


@pytest.fixture
def world(tmp_path):
    from tests.server.conftest import build_world, draft, indicator, make_database, new_id

    w = build_world(make_database("sqlite", tmp_path / "server"))
    w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("DL-1", "A1", 100_000)]}).raise_for_status()
    # an accountant's other device: the voucher is uploaded and linked on the server only
    acc = w.api("acc_a1")
    w.voucher = _png(7)
    w.sha = hashlib.sha256(w.voucher).hexdigest()
    w.app_id = new_id()
    assert acc.put(f"/api/v1/applications/{w.app_id}", json=draft("DL-1", 12_00)).status_code in (200, 201)
    assert acc.put(f"/api/v1/attachments/{w.sha}", content=w.voucher).status_code == 201
    r = acc.post(f"/api/v1/applications/{w.app_id}/attachments", json={"sha256": w.sha,
                                                                       "role": "other"})
    assert r.status_code == 200, r.text
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def _device(tmp_path, name, world, username):
    from tests.server.conftest import PASSWORD

    db = open_database(tmp_path / name / "jincai.sqlite3")
    sign_in(db=db, server_url=URL, username=username, password=PASSWORD, device_id=name,
            client=world.client)
    transport = HttpTransport(server_url=URL, username=username, device_id=name,
                              client=world.client)
    return db, transport


def test_second_device_downloads_verifies_and_keeps_by_hash(tmp_path, memory_keyring, world):
    db, transport = _device(tmp_path, "dev2", world, "acc_a1")
    try:
        report = SyncEngine(db=db, transport=transport,
                            backoff=BackoffPolicy(attempts=2, base_s=0)).run()
        assert report.sanity_ok is True
        with db.read() as s:  # the pull brought the link, not the bytes
            att = s.query(Attachment).filter_by(application_id=world.app_id).one()
            assert att.sha256 == world.sha
        assert not blob_path(db, world.sha).exists()
        path = ensure_local(db=db, sha256=world.sha.upper(), transport=transport)
        assert path == blob_path(db, world.sha) and path.read_bytes() == world.voucher
        assert not [p for p in db.files_dir.rglob(".download-*")]

        class Offline:  # the second call is served from the local store
            def download_attachment(self, *_a):
                raise AssertionError("no network needed")

            def close(self):
                pass
        assert ensure_local(db=db, sha256=world.sha, transport=Offline()).read_bytes() == world.voucher
    finally:
        db.close()


def test_reviewer_of_the_bureau_fetches_it_other_bureau_cannot(tmp_path, memory_keyring, world):
    db, transport = _device(tmp_path, "rev", world, "bur_a")
    other, other_t = _device(tmp_path, "other", world, "acc_b1")
    try:
        assert ensure_local(db=db, sha256=world.sha, transport=transport).read_bytes() == world.voucher
        with pytest.raises(NotFound) as err:  # unit/bureau scoping on the server
            ensure_local(db=other, sha256=world.sha, transport=other_t)
        assert "无权查看" in err.value.message
        assert not blob_path(other, world.sha).exists()
        with pytest.raises(InvalidField):
            ensure_local(db=other, sha256="not-a-hash", transport=other_t)
    finally:
        db.close()
        other.close()


def test_corrupted_server_file_is_refused_and_not_stored(tmp_path, memory_keyring, world):
    from server.services import attachments as server_atts

    server_file = server_atts.blob_path(world.app.state.settings, world.sha)
    server_file.write_bytes(_png(8))  # bit rot / tampering on the server's disk
    db, transport = _device(tmp_path, "dev3", world, "acc_a1")
    try:
        with pytest.raises(ServiceError) as err:
            ensure_local(db=db, sha256=world.sha, transport=transport)
        assert "SHA-256 不符" in err.value.message
        assert not blob_path(db, world.sha).exists()
        assert not [p for p in db.files_dir.rglob(".download-*")]
        server_file.unlink()
        with pytest.raises(ServiceError) as err:
            ensure_local(db=db, sha256=world.sha, transport=transport)
        assert "缺失" in err.value.message
    finally:
        db.close()


def test_offline_says_so(tmp_path, memory_keyring, world):
    import httpx

    db, _ = _device(tmp_path, "dev4", world, "acc_a1")
    dead = httpx.Client(base_url="http://127.0.0.1:9", timeout=2)  # nothing listens there
    transport = HttpTransport(server_url=URL, username="acc_a1", device_id="dev4", client=dead)
    try:
        with pytest.raises(ServiceError) as err:
            ensure_local(db=db, sha256=world.sha, transport=transport)
        assert "无法连接服务器" in err.value.message
        assert not blob_path(db, world.sha).exists()
    finally:
        dead.close()
        db.close()

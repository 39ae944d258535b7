"""Vouchers attached offline reach the server linked to their application (application.attach
between the draft and the submission), and the server's duplicate-invoice refusal holds the
submission back with its message."""
from __future__ import annotations

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from app.db import open_database
from app.models import Conflict, OutboxCommand
from app.services import DraftInput, attach_file, get_application, queue_application, save_draft
from app.sync.engine import BackoffPolicy, SyncEngine
from app.sync.http import HttpTransport, sign_in

URL = "http://testserver"
INVOICE_KEY = "3300231130:04512345"


@pytest.fixture
def world(tmp_path):
    from tests.server.conftest import build_world, indicator, make_database

    w = build_world(make_database("sqlite", tmp_path / "server"))
    r = w.api("bur_a").post("/api/v1/indicators/bulk",
                            json={"items": [indicator("ATT-1", "A1", 500_000)]})
    assert r.status_code == 200, r.text
    yield w
    w.client.close()
    w.app.state.engine.dispose()


def _png(path, shade: int):
    from PIL import Image

    Image.new("RGB", (40, 30), (shade, 120, 200)).save(path)
    return path


def _sync(db, world, device: str):
    from tests.server.conftest import PASSWORD

    sign_in(db=db, server_url=URL, username="acc_a1", password=PASSWORD, device_id=device,
            client=world.client)
    transport = HttpTransport(server_url=URL, username="acc_a1", device_id=device,
                              client=world.client)
    return SyncEngine(db=db, transport=transport,
                      backoff=BackoffPolicy(attempts=2, base_s=0)).run()


def _queued_with_invoice(db, tmp_path, shade: int) -> str:
    draft = DraftInput(indicator_id="ATT-1", amount=12_300, use_des="购买办公用品",
                       payee_name="某某文具有限公司", payee_account="6222021234567890123",
                       payee_bank="中国工商银行金华分行", dep_eco_code="30299", fiscal_year=2026)
    app_id = save_draft(db=db, draft=draft).application.id
    ocr = {"kind": "vat_normal", "fields": {"total_fen": {"value": 12_300},
                                            "issue_date": {"value": "2026-11-02"}}}
    attach_file(db=db, application_id=app_id, source=_png(tmp_path / f"inv{shade}.png", shade),
                role="invoice", media_type="image/png", invoice_key=INVOICE_KEY, ocr_result=ocr)
    attach_file(db=db, application_id=app_id, source=_png(tmp_path / f"ctr{shade}.png", shade + 1),
                role="contract", media_type="image/png")
    queue_application(db=db, application_id=app_id)
    return app_id


def test_attachments_are_linked_on_the_server_then_submitted(db, memory_keyring, world,
                                                             tmp_path) -> None:
    _sync(db, world, "dev-1")  # indicators first
    app_id = _queued_with_invoice(db, tmp_path, 10)
    with db.read() as s:
        kinds = [c.kind for c in s.query(OutboxCommand).order_by(OutboxCommand.id)]
    assert kinds == ["application.save_draft", "application.attach", "application.attach",
                     "application.submit"]

    report = _sync(db, world, "dev-1")
    with db.read() as s:
        errors = [c.last_error for c in s.query(OutboxCommand) if c.last_error]
    assert (report.pushed, report.refused) == (4, 0), errors
    assert get_application(db=db, application_id=app_id).local_status == "submitted"
    server = world.api("acc_a1").get(f"/api/v1/applications/{app_id}").json()
    assert server["status"] == "submitted"
    roles = sorted((a["role"], a.get("invoice_key")) for a in server["attachments"])
    assert roles == [("contract", None), ("invoice", INVOICE_KEY)]

    # a replayed sync sends nothing again and the links are not doubled
    assert _sync(db, world, "dev-1").pushed == 0
    again = world.api("acc_a1").get(f"/api/v1/applications/{app_id}").json()
    assert len(again["attachments"]) == 2


def test_a_duplicate_invoice_on_another_device_holds_the_submission_back(
        memory_keyring, world, tmp_path, data_dir) -> None:
    first = open_database(tmp_path / "dev1" / "jincai.sqlite3")
    second = open_database(tmp_path / "dev2" / "jincai.sqlite3")
    try:
        _sync(first, world, "dev-1")
        _sync(second, world, "dev-2")  # the second device is offline from here on
        _queued_with_invoice(first, tmp_path, 10)
        assert _sync(first, world, "dev-1").refused == 0
        before = world.api("acc_a1").get("/api/v1/indicators/ATT-1").json()["available_fen"]

        # offline, the second device cannot know: same invoice, other image files
        dup_id = _queued_with_invoice(second, tmp_path, 50)
        report = _sync(second, world, "dev-2")
        assert report.refused >= 1
        view = get_application(db=second, application_id=dup_id)
        assert view.local_status == "draft"
        assert INVOICE_KEY in (view.server_message or "") and "重复报销" in view.server_message
        with second.read() as s:
            states = {c.kind: c.state for c in s.query(OutboxCommand)
                      .filter(OutboxCommand.entity_id == dup_id)}
            assert states["application.submit"] == "refused"  # never sent
            assert s.query(Conflict).count() == 0  # a refused link is not an edit conflict
        server = world.api("acc_a1").get(f"/api/v1/applications/{dup_id}").json()
        assert server["status"] == "draft"
        after = world.api("acc_a1").get("/api/v1/indicators/ATT-1").json()["available_fen"]
        assert after == before  # nothing reserved for the held-back application
    finally:
        first.close()
        second.close()

"""The reviewer sees the voucher images: an accountant attaches a scanned invoice on one
machine and syncs; a reviewer on another machine syncs against the same real server, opens the
task in 待我审批, and the image is downloaded on demand (task runner, verified by SHA-256) and
shown as a thumbnail that opens in a zoomable viewer, beside the fields OCR read and the failed
checks highlighted."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
pytest.importorskip("server.app")

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QImage, QPainter

from app.db import open_database
from app.services.applications import save_draft
from app.services.attachments import attach_file
from app.services.ui_queries import fetch_attachment, list_attachments
from app.ui.approval_queue import ApprovalQueueView
from app.ui.context import SignedInUser, UiContext
from app.ui.voucher_images import FAILED_BG

URL = "http://testserver"


from tests.server.conftest import DB_PARAMS  # after the importorskip


@pytest.fixture(params=DB_PARAMS)
def world(request, tmp_path):
    from tests.server.conftest import build_world, drop_database, indicator, make_database
    from tests.server.test_approvals import add_user

    (tmp_path / "server").mkdir()
    database = make_database(request.param, tmp_path / "server")
    w = build_world(database)
    add_user(w, "acc2_a1", "accountant", "A1")  # the unit's first reviewer (复核)
    r = w.api("bur_a").post("/api/v1/indicators/bulk", json={"items": [
        indicator("RV-1", "A1", 100_000_00, fund_type_code="1")]})
    assert r.status_code == 200, r.text
    yield w
    w.client.close()
    w.app.state.engine.dispose()
    drop_database(database)


def _invoice_png(path) -> bytes:
    img = QImage(800, 500, QImage.Format.Format_RGB32)
    img.fill(QColor("white"))
    p = QPainter(img)
    p.setPen(QColor("#8b0000"))
    p.drawRect(20, 20, 760, 460)
    p.drawText(60, 80, "INVOICE 12345678  TOTAL 3000.00")
    p.end()
    assert img.save(str(path), "PNG")
    return path.read_bytes()


def _sync(db, world, username, device):
    from app.sync.engine import BackoffPolicy, SyncEngine
    from app.sync.http import HttpTransport

    transport = HttpTransport(server_url=URL, username=username, device_id=device,
                              client=world.client)
    return SyncEngine(db=db, transport=transport, backoff=BackoffPolicy(attempts=2, base_s=0)).run()


def _sign_in(db, world, username, device):
    from app.sync.http import sign_in
    from tests.server.conftest import PASSWORD

    sign_in(db=db, server_url=URL, username=username, password=PASSWORD, device_id=device,
            client=world.client)


def test_reviewer_sees_the_voucher_image_from_another_machine(qtbot, runner, tmp_path, world):
    # --- the accountant's machine, as the desktop client does it: a draft, the scanned invoice
    # attached, queued and synced (draft → application.attach with the file uploaded → submit)
    from app.services import DraftInput, attach_file, queue_application, save_draft

    acc_db = open_database(tmp_path / "acc" / "jincai.sqlite3", backup=False)
    _sign_in(acc_db, world, "acc_a1", "dev-acc")
    _sync(acc_db, world, "acc_a1", "dev-acc")
    app_id = save_draft(db=acc_db, draft=DraftInput(
        indicator_id="RV-1", amount=3_000_00, use_des="支付物业维修材料款",
        payee_name="某某文具有限公司", payee_account="6222021234567890123",
        payee_bank="中国工商银行金华分行", dep_eco_code="30299", fiscal_year=2026)).application.id
    from PIL import Image

    from tests.app.ocr.generator import render

    voucher = render("vat_normal", 11)  # a 增值税普通发票 as the OCR tests render them
    Image.fromarray(voucher.image).save(tmp_path / "invoice.png")
    content = (tmp_path / "invoice.png").read_bytes()
    sha = hashlib.sha256(content).hexdigest()
    attach_file(db=acc_db, application_id=app_id, source=tmp_path / "invoice.png", role="invoice",
                media_type="image/png")
    queue_application(db=acc_db, application_id=app_id)
    report = _sync(acc_db, world, "acc_a1", "dev-acc")
    assert (report.pushed, report.refused) == (3, 0), report  # draft, attach, submit
    acc_db.close()
    server_copy = world.api("acc_a1").get(f"/api/v1/applications/{app_id}").json()
    assert server_copy["status"] == "submitted"
    assert [a["sha256"] for a in server_copy["attachments"]] == [sha]

    # --- the reviewer's machine: never saw the file
    rev_db = open_database(tmp_path / "rev" / "jincai.sqlite3", backup=False)
    _sign_in(rev_db, world, "acc2_a1", "dev-rev")
    _sync(rev_db, world, "acc2_a1", "dev-rev")
    [att] = list_attachments(db=rev_db, application_id=app_id)
    assert att.sha256 == sha and att.path is None  # known, not yet here

    user = SignedInUser("acc2_a1", "复核会计", ("accountant",), "A1", URL, online=True)
    fetched: list[str] = []

    def fetch(sha256: str):
        fetched.append(sha256)
        return fetch_attachment(db=rev_db, sha256=sha256, server_url=URL, username="acc2_a1",
                                client=world.client)

    ctx = UiContext(rev_db, runner, user=user, fetch_attachment=fetch)
    view = ApprovalQueueView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.model.rowCount() == 1, timeout=10_000)
    panel = view.vouchers
    qtbot.waitUntil(lambda: len(panel.rows()) == 1 and panel.thumbnail_state(0) == "image",
                    timeout=15_000)
    assert fetched == [sha]
    local = panel.local_path(panel.rows()[0])
    assert local and hashlib.sha256(Path(local).read_bytes()).hexdigest() == sha
    icon = panel.thumbs.item(0).icon().pixmap(panel.thumbs.iconSize())
    assert not icon.isNull() and icon.width() > 50

    # the fields travel only with the capturing machine: read here, beside the image
    qtbot.waitUntil(lambda: panel.fields.rowCount() > 3, timeout=120_000)
    labels = {panel.fields.item(r, 0).text(): panel.fields.item(r, 1).text()
              for r in range(panel.fields.rowCount())}
    assert labels.get("发票号码") == voucher.truth["invoice_number"], labels
    assert "票面价税合计" in panel.checks.text()  # the invoice total differs from the 3,000.00 applied

    # click enlarges: the full image in a zoomable view
    panel.thumbs.setCurrentRow(0)
    dialog = panel.open_current()
    assert dialog is not None
    qtbot.addWidget(dialog)
    assert dialog.item.pixmap().width() == voucher.image.shape[1]
    qtbot.waitExposed(dialog)
    dialog.fit()
    before = dialog.view.transform().m11()
    qtbot.keyClick(dialog, Qt.Key.Key_Plus, Qt.KeyboardModifier.ControlModifier)
    assert dialog.view.transform().m11() == pytest.approx(before * 1.25)
    qtbot.keyClick(dialog, Qt.Key.Key_1)  # actual size
    assert dialog.view.transform().m11() == pytest.approx(1.0)
    dialog.close()
    rev_db.close()


def test_ocr_fields_and_failed_checks_beside_the_image(qtbot, ctx, tmp_path):
    """On the machine that has the OCR result: fields listed, the failed ones highlighted, the
    voucher checked against the application (total vs amount)."""
    from app.services.applications import DraftInput as D

    _invoice_png(tmp_path / "v.png")
    saved = save_draft(db=ctx.db, draft=D(amount=3_000_00, payee_name="某某文具有限公司"),
                       application_id=None)
    ocr = {"fields": {"invoice_number": {"value": "1234"}, "total_fen": {"value": 2_900_00},
                      "seller_name": {"value": "某某文具有限公司"}},
           "checks": {"invoice_number_format": False},
           "problems": ["发票号码“1234”应为8位数字。"]}
    attach_file(db=ctx.db, application_id=saved.application.id, source=tmp_path / "v.png",
                role="invoice", media_type="image/png", ocr_result=ocr)
    [row] = list_attachments(db=ctx.db, application_id=saved.application.id, amount=3_000_00,
                             payee_name="某某文具有限公司")
    failed = {name for name, ok, _m in row.checks if not ok}
    assert failed == {"invoice_number_format", "total_fen_vs_application"}
    assert row.failed_fields == {"invoice_number", "total_fen"}

    from app.ui.voucher_images import VoucherImagesPanel

    panel = VoucherImagesPanel(ctx.runner)
    qtbot.addWidget(panel)
    panel.set_attachments([row])
    qtbot.waitUntil(lambda: panel.thumbnail_state(0) == "image", timeout=5000)
    labels = {panel.fields.item(r, 0).text(): r for r in range(panel.fields.rowCount())}
    assert set(labels) == {"发票号码", "价税合计", "销售方名称"}
    bg = lambda r: panel.fields.item(r, 1).background().color()
    assert bg(labels["发票号码"]) == FAILED_BG and bg(labels["价税合计"]) == FAILED_BG
    assert bg(labels["销售方名称"]) != FAILED_BG
    assert "2 项校验未通过" in panel.checks.text() and "应为8位数字" in panel.checks.text()
    assert "与申请金额 3,000.00 元不一致" in panel.checks.text()


def test_offline_reviewer_sees_a_clear_placeholder(qtbot, ctx, tmp_path):
    """No file here and no server: "图像尚未下载", never an empty box or a frozen UI."""
    from app.services.ui_queries import AttachmentRow
    from app.ui.voucher_images import VoucherImagesPanel

    row = AttachmentRow("a1", "x.png", "image/png", 10, "invoice", None, True, None,
                        sha256="0" * 64)
    panel = VoucherImagesPanel(ctx.runner, fetch=ctx.fetch_attachment)
    qtbot.addWidget(panel)
    with qtbot.waitSignal(panel.sig_images_ready, timeout=5000):
        panel.set_attachments([row])
    assert panel.thumbnail_state(0) == "missing"
    assert "图像尚未下载" in panel.thumbs.item(0).toolTip()
    assert "离线" in panel.thumbs.item(0).toolTip()
    assert not panel.enlarge.isEnabled()

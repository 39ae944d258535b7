"""Attachments: content-addressed files in the data dir, one invoice per payment."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from app.services import DraftInput, ServiceError, attach_file, get_application, save_draft
from app.services.attachments import blob_path


def test_files_named_by_sha256_and_deduplicated(db, tmp_path: Path) -> None:
    a = save_draft(db=db, draft=DraftInput(fiscal_year=2026)).application.id
    b = save_draft(db=db, draft=DraftInput(fiscal_year=2026)).application.id
    src = tmp_path / "发票.jpg"
    src.write_bytes(b"\xff\xd8 fake jpeg")
    sha = hashlib.sha256(src.read_bytes()).hexdigest()
    view, changes = attach_file(db=db, application_id=a, source=src, role="invoice",
                                media_type="image/jpeg", ocr_result={"amount_fen": 12_300},
                                invoice_key="24332000000012345678")
    assert view.sha256 == sha and blob_path(db, sha).read_bytes() == src.read_bytes()
    assert changes.attachments == {view.id}
    again, _ = attach_file(db=db, application_id=a, source=src, role="invoice",
                           invoice_key="24332000000012345678")
    assert again.id == view.id  # same content on the same application: one link
    assert len(list((db.files_dir).rglob(sha))) == 1
    assert [x.file_name for x in get_application(db=db, application_id=a).attachments] == ["发票.jpg"]
    with pytest.raises(ServiceError, match="已附在另一笔支付申请上"):
        attach_file(db=db, application_id=b, source=src, role="invoice",
                    invoice_key="24332000000012345678")
    assert not list(db.files_dir.glob(".incoming-*"))

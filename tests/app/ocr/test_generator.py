"""The generator's ground truth is internally consistent (checked with fiscal, not re-derived)."""
from __future__ import annotations

import cv2
import pytest
import zxingcpp

from fiscal import ids as fids
from fiscal.money import parse_daxie
from tests.app.ocr.generator import FIELDS_BY_KIND, KINDS, degrade, render


@pytest.mark.parametrize("kind", KINDS)
def test_truth_is_consistent(kind):
    for seed in (1, 2, 3):
        v = render(kind, seed)
        t = v.truth
        assert set(t) == set(FIELDS_BY_KIND[kind])
        for key in ("buyer_tax_id", "seller_tax_id"):
            if key in t:
                assert fids.is_valid_uscc(t[key], org_code=True), t[key]
        assert parse_daxie(t["total_daxie"]) == t["total_fen"]
        if "tax_fen" in t:
            assert t["amount_fen"] + t["tax_fen"] == t["total_fen"]
        if kind.startswith("vat"):
            info = fids.parse_invoice_code(t["invoice_code"])
            assert ("专用" in info.kind_name) == (kind == "vat_special")
        if kind.startswith("digital"):
            fids.parse_digital_invoice_number(t["invoice_number"])
        if kind == "fiscal_receipt":
            assert fids.is_valid_fiscal_bill(t["invoice_code"], t["invoice_number"])
        for key in ("payer_account", "payee_account"):
            if key in t:
                assert fids.is_valid_bank_account(t[key])


@pytest.mark.parametrize("kind", ["vat_normal", "vat_special", "digital_normal", "digital_special"])
def test_rendered_qr_decodes_to_the_truth(kind):
    v = render(kind, 4)
    found = zxingcpp.read_barcodes(cv2.cvtColor(v.image, cv2.COLOR_RGB2GRAY))
    assert found and found[0].text == v.qr_payload
    qr = fids.parse_invoice_qr(found[0].text)
    assert qr.number == v.truth["invoice_number"]
    assert qr.issue_date.isoformat() == v.truth["issue_date"]


def test_conditions_change_the_image_but_keep_it_readable_size():
    v = render("bank_receipt", 1)
    w = v.image.shape[1]
    rot = degrade(v.image, "rot90", 3)
    assert rot.shape[0] > rot.shape[1]  # on its side
    cam = degrade(v.image, "camera_heavy", 3)
    assert cam.shape[1] > 1500 and cam.mean() < v.image.mean()  # darker desk around the page
    low = degrade(v.image, "lowres", 3)
    assert low.shape[1] < 0.55 * w

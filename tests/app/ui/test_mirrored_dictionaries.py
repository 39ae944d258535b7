"""Screens name codes and offer 结算方式 from the server's dictionaries as last synced (a
mirrored copy in the local store), not only from the ones shipped with the client."""
from __future__ import annotations

import copy

from app.sync.dictionaries import apply_dictionaries
from app.ui import formatting
from fiscal.dictionaries import shipped_raw


def test_main_window_and_form_use_the_mirrored_dictionaries(qtbot, ctx, db):
    from app.ui.shell import build_main_window

    raw = copy.deepcopy(shipped_raw())
    raw["settlement_modes"]["7"] = "网上银行转账"
    raw["fund_types"]["1"] = "一般公共预算资金（本级）"
    with db.transaction() as s:
        assert apply_dictionaries(s, {"region": "330700000", "digest": "d-ui",
                                      "dictionaries": raw}, 5) is True
    try:
        w = build_main_window(ctx)
        qtbot.addWidget(w)
        qtbot.waitUntil(lambda: formatting.fund_type_name("1") == "一般公共预算资金（本级）",
                        timeout=5000)
        form = w.applications.form
        combo = form.settlement
        qtbot.waitUntil(lambda: combo.findData("网上银行转账") >= 0, timeout=5000)
        assert [combo.itemText(i) for i in range(combo.count())] == list(
            raw["settlement_modes"].values())
    finally:
        formatting.use_dictionaries(None)
    assert formatting.fund_type_name("1") == "一般公共预算资金"  # the shipped name again


def test_a_blank_template_offers_the_mirrored_settlement_modes(qtbot, ctx, db, tmp_path):
    """导入导出 → 下载模板: the hidden list sheet holds the server's 结算方式 as last synced."""
    import openpyxl

    from app.excel.templates import LISTS
    from app.ui.shell import build_main_window

    raw = copy.deepcopy(shipped_raw())
    raw["settlement_modes"]["7"] = "网上银行转账"
    with db.transaction() as s:
        assert apply_dictionaries(s, {"region": "330700000", "digest": "d-xl",
                                      "dictionaries": raw}, 6) is True
    try:
        w = build_main_window(ctx)
        qtbot.addWidget(w)
        path = tmp_path / "批量支付申请模板.xlsx"
        w.excel_panel.write_template("applications", path)  # on a pool thread
        qtbot.waitUntil(lambda: str(path) in w.excel_panel.status.text(), timeout=20000)
        values = [c.value for col in openpyxl.load_workbook(path)[LISTS].iter_cols() for c in col]
        assert "7 网上银行转账" in values
    finally:
        formatting.use_dictionaries(None)


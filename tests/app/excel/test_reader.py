"""Reading real workbooks: sheet choice, header row, synonyms, unit, code spellings, skipped rows."""
from __future__ import annotations

import openpyxl
import pytest

from app.excel.importer import import_workbook
from app.excel.reader import open_sheet
from app.excel.schema import fields_for, header_index, normalize_header, synonyms

from .conftest import FIXTURES, IND_HEADER, ind_row


def test_normalize_header_strips_units_markers_and_spaces():
    assert normalize_header("预算金额（元）") == ("预算金额", "元")
    assert normalize_header("金额\n(万元)") == ("金额", "万元")
    assert normalize_header("*单位代码") == ("单位代码", None)
    assert normalize_header("金额/万元") == ("金额", "万元")
    assert normalize_header(" 支出功能分类 ") == ("支出功能分类", None)


def test_synonym_table_covers_every_field_and_issue_examples():
    table = synonyms()
    for kind in ("indicators", "payees", "applications"):
        for field in fields_for(kind):
            assert table[field.key], field.key
    idx = header_index("indicators")
    assert idx["预算单位编码"] == idx["单位代码"] == "agency_code"
    assert idx["支出功能分类"] == idx["功能分类科目"] == "func_code"
    assert idx["经济科目"] == idx["部门经济分类科目"] == "dep_eco_code"
    assert idx[normalize_header("预算金额（元）")[0]] == idx[normalize_header("金额(元)")[0]] == "amount"


def test_libreoffice_bureau_table_is_read_completely():
    """Instructions sheet first, merged title, two-row merged header, 单位：万元 note, 栏次 row,
    codes as 'code name' / 'code-name' / apostrophe / full-width / spaces, formulas (cached
    values), 小计 / blank / 合计 / 注 rows."""
    for name in ("lo_indicators_real.xlsx", "lo_indicators_real.xls", "lo_indicators_real.ods"):
        result = import_workbook(FIXTURES / name, "indicators", dry_run=True, year=2026, preview=10)
        assert result.outcome == "ok", (name, result.errors)
        assert result.sheet == "指标明细"
        assert result.header_row == 4
        assert result.unit == "万元" and result.unit_source == "note"
        assert result.valid_rows == 5
        assert result.skipped_total_rows == 2
        rows = {r.data["bgt_code"]: r for r in result.preview}
        assert rows["ZB2026-001"].data["amount"] == 12_500_000  # 12.5 万元
        assert rows["ZB2026-002"].data["amount"] == 400_000  # =0.3+0.1 -> 0.4 万元, exact
        assert rows["ZB2026-003"].data["amount"] == 100_123_456  # 100.123456 万元
        assert rows["ZB2026-004"].data["amount"] == 25_000_000  # =12.5*2
        assert rows["ZB2026-005"].data["amount"] == 1  # 0.000001 万元 = 1 分
        assert rows["ZB2026-002"].data["func_code"] == "2050202"  # "2050202-小学教育"
        assert rows["ZB2026-003"].data["func_code"] == "2050203"  # "'2050203"
        assert rows["ZB2026-004"].data["func_code"] == "2050201"  # full-width
        assert rows["ZB2026-004"].data["agency_code"] == "101003"  # full-width
        assert rows["ZB2026-004"].data["dep_eco_code"] == "30201"  # " 30201 "
        assert rows["ZB2026-005"].data["func_code"] == "2050201"  # " 2050201  学前教育"
        assert rows["ZB2026-002"].data["fund_type"] == "1"  # "1 一般公共预算资金"
        assert rows["ZB2026-003"].data["fund_type"] == "1"  # name only
        assert rows["ZB2026-001"].data["agency_code"] == "101001"
        assert "其中：追加" in result.ignored_headers


def test_header_below_title_rows_and_unit_in_header(book):
    path = book([["预算金额（万元）" if h == "金额(元)" else h for h in IND_HEADER], ind_row("A1", 1.5)],
                title="2026年指标表", before=[["填报单位：某局"], []])
    result = import_workbook(path, "indicators", dry_run=True, year=2026, preview=1)
    assert result.header_row == 4
    assert result.unit == "万元" and result.unit_source == "header"
    assert result.preview[0].data["amount"] == 1_500_000


def test_unit_header_beats_note_and_default_is_yuan(book):
    path = book([IND_HEADER, ind_row("A1", 1.5)], before=[["单位：万元"]])
    result = import_workbook(path, "indicators", dry_run=True, year=2026, preview=1)
    assert result.unit == "元" and result.unit_source == "header"
    assert result.preview[0].data["amount"] == 150
    path = book([[h.replace("(元)", "") for h in IND_HEADER], ind_row("A1", 1.5)])
    result = import_workbook(path, "indicators", dry_run=True, year=2026, preview=1)
    assert result.unit == "元" and result.unit_source == "default"


def test_data_sheet_is_chosen_instruction_and_hidden_sheets_skipped(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.title = "填表说明"
    wb.active.append(["单位代码", "功能分类科目", "金额"])  # looks like a header but is an instructions sheet
    other = wb.create_sheet("封面")
    other.append(["2026 年预算"])
    data = wb.create_sheet("Sheet3")
    data.append(IND_HEADER)
    data.append(ind_row("A1"))
    hidden = wb.create_sheet("隐藏")
    hidden.sheet_state = "hidden"
    hidden.append(IND_HEADER)
    path = tmp_path / "multi.xlsx"
    wb.save(path)
    result = import_workbook(path, "indicators", dry_run=True, year=2026)
    assert result.sheet == "Sheet3" and result.valid_rows == 1
    forced = import_workbook(path, "indicators", dry_run=True, year=2026, sheet="隐藏")
    assert forced.sheet == "隐藏" and forced.valid_rows == 0
    missing = import_workbook(path, "indicators", dry_run=True, sheet="没有")
    assert missing.outcome == "unreadable" and "没有名为“没有”的工作表" in missing.message


def test_totals_blank_and_footer_rows_are_skipped(book):
    rows = [IND_HEADER, ind_row("A1"), [], ["小计", "", "", "", "", "", 100], ind_row("A2"),
            ["合 计", None, None, None, None, None, 200], ["注：金额单位为元"], ["填表人：张三", None, "审核人：李四"]]
    result = import_workbook(book(rows), "indicators", dry_run=True, year=2026)
    assert result.outcome == "ok", result.errors
    assert result.valid_rows == 2 and result.skipped_total_rows == 2


def test_no_header_is_a_clear_message(book):
    result = import_workbook(book([["a", "b"], [1, 2]]), "indicators", dry_run=True)
    assert result.outcome == "unreadable"
    assert "找不到表头" in result.message and "功能分类科目" in result.message


def test_missing_required_column_is_named(book):
    header = [h for h in IND_HEADER if h != "资金性质"]
    result = import_workbook(book([header, ind_row("A1")[:5] + [100]]), "indicators", dry_run=True, year=2026)
    assert result.outcome == "rejected"
    assert result.errors[0].column == "资金性质" and result.errors[0].row == 1
    assert "缺少必填列" in result.errors[0].reason


def test_header_synonyms_columns_in_any_order(book):
    header = ["金额（元）", "支出功能分类", "预算单位编码", "资金性质", "经济科目", "文号", "指标编号"]
    row = [88.8, "2050202 小学教育", "101001", "一般公共预算资金", "30201", "文1", "Z1"]
    result = import_workbook(book([header, row]), "indicators", dry_run=True, year=2026, preview=1)
    assert result.outcome == "ok", result.errors
    assert result.preview[0].data == {
        "amount": 8880, "func_code": "2050202", "agency_code": "101001", "fund_type": "1",
        "dep_eco_code": "30201", "doc_no": "文1", "bgt_code": "Z1", "fiscal_year": 2026, "amount_unit": "元"}


def test_open_sheet_reports_layout(book):
    reader = open_sheet(book([IND_HEADER, ind_row("A1")], title="标题"), "indicators")
    try:
        assert reader.layout.header_row == 2
        assert reader.layout.columns["func_code"].letter == "D"
        assert [r.row for r in reader.rows()] == [3]
    finally:
        reader.close()


@pytest.mark.parametrize("value", ["2050202 小学教育", "2050202-小学教育", "'2050202", "２０５０２０２",
                                   " 2050202 ", 2050202, "2050202小学教育", "[2050202]小学教育"])
def test_code_spellings(book, value):
    result = import_workbook(book([IND_HEADER, ind_row("A1", func=value)]), "indicators", dry_run=True,
                             year=2026, preview=1)
    assert result.outcome == "ok", result.errors
    assert result.preview[0].data["func_code"] == "2050202"


def test_formula_without_saved_result_is_explained(book):
    row = ind_row("A1")
    row[6] = "=100*2"  # openpyxl writes the formula but no cached value
    result = import_workbook(book([IND_HEADER, row]), "indicators", dry_run=True, year=2026)
    assert result.errors[0].column == "金额(元)"
    assert "没有保存公式的计算结果" in result.errors[0].reason and "保存一次" in result.errors[0].reason


def test_duplicate_column_is_reported(book):
    header = IND_HEADER + ["预算金额"]
    result = import_workbook(book([header, ind_row("A1") + [5]]), "indicators", dry_run=True, year=2026,
                             preview=1)
    assert result.preview[0].data["amount"] == 10000
    assert any("重复" in h and "预算金额" in h for h in result.ignored_headers)


def test_prenumbered_empty_rows_are_blank(book):
    header = ["序号"] + IND_HEADER
    rows = [header, [1] + ind_row("A1"), [2], [3], [4, None, None, None, None, None, None, None]]
    result = import_workbook(book(rows), "indicators", dry_run=True, year=2026)
    assert result.outcome == "ok" and result.valid_rows == 1 and result.skipped_blank_rows == 3


def test_functional_code_in_separate_lei_kuan_xiang_columns(book):
    header = ["指标编码", "指标文号", "单位代码", "类", "款", "项", "经济科目", "资金性质", "金额"]
    rows = [header,
            ["A1", "文1", "101001", "205", "02", "02", "30201", "1", 10],
            ["A2", "文1", "101001", 205, 2, 3, "30201", "1", 10],
            ["A3", "文1", "101001", "205", "20502", "2050201 学前教育", "30201", "1", 10],
            ["A4", "文1", "101001", "205", "99", "99", "30201", "1", 10],
            ["A5", "文1", "101001", "", "", "", "30201", "1", 10]]
    result = import_workbook(book(rows), "indicators", dry_run=True, year=2026, preview=5)
    assert [r.data["func_code"] for r in result.preview] == ["2050202", "2050203", "2050201"]
    assert [(e.row, e.column, e.value) for e in result.errors] == [(5, "类/款/项", "2059999"), (6, "类/款/项", None)]
    assert result.errors[0].col_index == 5


def test_table_not_starting_at_a1_keeps_excel_coordinates(tmp_path):
    """Pins python-calamine's coordinates: rows from row 1, columns from the first used column."""
    wb = openpyxl.Workbook()
    ws = wb.active
    for j, text in enumerate(IND_HEADER):
        ws.cell(4, 3 + j, text)
    for j, value in enumerate(ind_row("A1", func="2059999")):
        ws.cell(6, 3 + j, value)
    wb.save(tmp_path / "offset.xlsx")
    result = import_workbook(tmp_path / "offset.xlsx", "indicators", dry_run=True, year=2026)
    assert result.header_row == 4
    error = result.errors[0]
    assert (error.row, error.column, error.col_index) == (6, "功能分类科目", 5)  # column F

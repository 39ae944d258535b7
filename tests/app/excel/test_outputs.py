"""Annotated copies, templates and exports."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import openpyxl
import pytest
from openpyxl.utils import get_column_letter

from app.excel import annotate as annotate_mod
from app.excel.annotate import ERROR_SHEET, annotate_workbook
from app.excel.export import IndicatorExecution, write_application_list, write_execution_report
from app.excel.importer import import_workbook
from app.excel.templates import DATA_SHEETS, INSTRUCTIONS, LISTS, write_template

from .conftest import FIXTURES, IND_HEADER, ind_row


def _bad_book(book):
    return book([IND_HEADER, ind_row("A1"), ind_row("A2", func="2059999", amount=1.234), ind_row("A1")],
                title="2026年指标")


@pytest.mark.parametrize("streaming", [False, True])
def test_annotated_copy_marks_cells_and_lists_errors(book, tmp_path, monkeypatch, streaming):
    if streaming:
        monkeypatch.setattr(annotate_mod, "IN_PLACE_MAX_BYTES", 0)
    source = _bad_book(book)
    result = import_workbook(source, "indicators", dry_run=True, year=2026)
    out = annotate_workbook(source, tmp_path / "annotated.xlsx", result)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == ERROR_SHEET and "数据" in wb.sheetnames
    ws = wb["数据"]
    assert ws["A1"].value == "2026年指标" and ws["D4"].value == "2059999"
    for ref, words in (("D4", "不是2026年度"), ("G4", "3位小数"), ("A5", "与第3行重复")):
        assert ws[ref].fill.fgColor.rgb.endswith("FFC7CE"), ref
        assert words in ws[ref].comment.text
    assert ws["B3"].comment is None
    errors = list(wb[ERROR_SHEET].iter_rows(min_row=3, values_only=True))
    assert [(r[0], r[1], r[2]) for r in errors] == [(4, "功能分类科目", "D4"), (4, "金额(元)", "G4"),
                                                  (5, "指标编码", "A5")]
    assert wb[ERROR_SHEET]["C3"].hyperlink.location == "'数据'!D4" or "D4" in str(wb[ERROR_SHEET]["C3"].hyperlink.target or wb[ERROR_SHEET]["C3"].hyperlink.location)
    # the annotated copy, once fixed, imports: the error sheet is skipped and old comments replaced
    ws["D4"].value = "2050202"
    ws["G4"].value = 1.23
    ws["A5"].value = "A3"
    wb.save(tmp_path / "fixed.xlsx")
    fixed = import_workbook(tmp_path / "fixed.xlsx", "indicators", dry_run=True, year=2026)
    assert fixed.outcome == "ok" and fixed.sheet == "数据", fixed.errors
    again = annotate_workbook(tmp_path / "fixed.xlsx", tmp_path / "again.xlsx", fixed)
    wb2 = openpyxl.load_workbook(again)
    assert wb2.sheetnames.count(ERROR_SHEET) == 1
    if not streaming:
        assert wb2["数据"]["D4"].comment is None


def test_annotating_a_legacy_xls(tmp_path):
    result = import_workbook(FIXTURES / "lo_payees.xls", "payees", dry_run=True)
    out = annotate_workbook(FIXTURES / "lo_payees.xls", tmp_path / "payees-annotated.xlsx", result)
    ws = openpyxl.load_workbook(out)["收款人名单"]
    assert "校验位错误" in ws["E2"].comment.text


@pytest.mark.parametrize("kind", ["indicators", "payees", "applications"])
def test_templates(kind, tmp_path):
    path = write_template(kind, tmp_path / f"{kind}.xlsx", year=2026)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [DATA_SHEETS[kind], LISTS, INSTRUCTIONS]
    ws = wb[DATA_SHEETS[kind]]
    assert wb[LISTS].sheet_state == "hidden"
    assert ws.freeze_panes == "A3"
    headers = [c.value for c in ws[2]]
    assert all(c.comment is not None for c in ws[2])
    assert any(h.startswith("*") for h in headers)
    assert ws.column_dimensions["A"].width > 8
    formulas = {dv.formula1 for dv in ws.data_validations.dataValidation}
    if kind == "indicators":
        assert "*金额(元)" in headers
        assert any("代码表" in (f or "") for f in formulas)  # code and dictionary dropdowns
        assert '"是,否"' in formulas
        col = get_column_letter(headers.index("*金额(元)") + 1)
        assert ws.column_dimensions[col].number_format == "#,##0.00"
        func_col = get_column_letter(headers.index("*功能分类科目") + 1)
        assert ws.column_dimensions[func_col].number_format == "@"
        lists = wb[LISTS]
        assert any(str(c.value).startswith("2050202 ") for c in lists["A"])
    if kind == "payees":
        col = get_column_letter(headers.index("*收款人账号") + 1)
        assert ws.column_dimensions[col].number_format == "@"
    instructions = wb[INSTRUCTIONS]
    assert "填写说明" in instructions["A1"].value
    # a blank template reads back with every column recognised
    result = import_workbook(path, kind, dry_run=True, year=2026)
    assert result.header_row == 2 and len(result.columns) == len(headers)


def test_filled_template_imports(tmp_path):
    path = write_template("indicators", tmp_path / "t.xlsx", year=2026, unit="万元")
    wb = openpyxl.load_workbook(path)
    ws = wb[DATA_SHEETS["indicators"]]
    headers = [c.value.lstrip("*") for c in ws[2]]
    values = {"指标编码": "Z1", "指标文号": "文1", "单位代码": "101001", "功能分类科目": "2050202 小学教育",
              "部门经济分类科目": "30201 办公费", "资金性质": "1 一般公共预算资金", "金额(万元)": 1.5,
              "是否政府采购": "否"}
    for name, value in values.items():
        ws.cell(3, headers.index(name) + 1, value)
    wb.save(path)
    result = import_workbook(path, "indicators", dry_run=True, year=2026, preview=1)
    assert result.outcome == "ok", result.errors
    assert result.unit == "万元"
    assert result.preview[0].data["amount"] == 1_500_000 and result.preview[0].data["is_gov_pur"] is False


def test_execution_report(tmp_path):
    rows = [
        IndicatorExecution("Z1", "101001", 100_000_00, paid_fen=25_000_00, pending_fen=5_000_00,
                           agency_name="第一小学", dept_name="教育局", func_code="2050202"),
        {"bgt_code": "Z2", "agency_code": "101002", "amount_fen": 50_000_01, "paid_fen": 50_000_01},
        {"bgt_code": "Z3", "agency_code": "201001", "amount_fen": 1, "dept_code": "201", "dept_name": "卫健委"},
    ]
    out = write_execution_report(tmp_path / "exec.xlsx", rows, as_of=dt.date(2026, 6, 30))
    wb = openpyxl.load_workbook(out)
    ws = wb["按指标"]
    assert ws.freeze_panes == "C4" and ws["A3"].value == "指标编码"
    assert ws["J4"].value == 100000 and ws["J4"].number_format == "#,##0.00"
    assert ws["N4"].value == 70000  # balance = 100000 - 25000 - 5000
    assert ws["O4"].value == pytest.approx(0.25)
    total = [c.value for c in ws[7]]
    assert total[0] == "合计" and Decimal(str(total[9])) == Decimal("150000.02")
    dept = wb["按部门"]
    body = [[c.value for c in r] for r in dept.iter_rows(min_row=4)]
    assert body[0][:4] == ["101", "教育局", 2, 2] and body[1][:2] == ["201", "卫健委"]
    assert body[-1][0] == "合计" and body[-1][3] == 3


def test_application_list(tmp_path):
    apps = [{"app_no": "SQ1", "amount_fen": 80000, "status": "paid", "create_date": "2026-03-01",
             "payee_name": "张三"},
            {"app_no": "SQ2", "amount_fen": 12345, "status": "approving"},
            {"app_no": "SQ3", "amount_fen": 5, "status": "paid"}]
    out = write_application_list(tmp_path / "apps.xlsx", apps)
    wb = openpyxl.load_workbook(out)
    ws = wb["申请清单"]
    assert ws["L4"].value == "已支付" and ws["L5"].value == "审批中"
    assert ws["B4"].value == dt.datetime(2026, 3, 1)
    assert [c.value for c in ws[7]][10] == pytest.approx(923.50)
    summary = {r[0]: r[1:] for r in wb["按状态"].iter_rows(min_row=4, values_only=True)}
    assert summary["已支付"] == (2, pytest.approx(800.05)) and summary["合计"][0] == 3


def test_generic_table_export(tmp_path):
    from app.excel.export import write_table

    cols = [("month", "月份", "text"), ("count", "笔数", "int"), ("paid", "支付金额", "money"),
            ("rate", "执行率", "percent")]
    out = write_table(tmp_path / "t.xlsx", [{"month": "2026-01", "count": 3, "paid": 12345, "rate": 0.1},
                                            ("2026-02", 2, 5, 0.2)], columns=cols, title="月度趋势")
    ws = openpyxl.load_workbook(out)["数据"]
    assert ws["A1"].value == "月度趋势" and [c.value for c in ws[3]] == ["月份", "笔数", "支付金额", "执行率"]
    assert ws["C4"].value == pytest.approx(123.45) and ws["C4"].number_format == "#,##0.00"
    assert [c.value for c in ws[6]][:3] == ["合计", 5, pytest.approx(123.50)]
    with pytest.raises(ValueError):
        write_table(tmp_path / "x.xlsx", [], columns=[("a", "A", "weird")], title="x")


def test_annotating_a_streamed_sheet(book, tmp_path, monkeypatch):
    from app.excel import safety

    monkeypatch.setattr(safety, "MAX_CELLS", 10)
    monkeypatch.setattr(annotate_mod, "IN_PLACE_MAX_BYTES", 0)
    source = _bad_book(book)
    result = import_workbook(source, "indicators", dry_run=True, year=2026)
    assert result.streamed
    ws = openpyxl.load_workbook(annotate_workbook(source, tmp_path / "a.xlsx", result))["数据"]
    assert "不是2026年度" in ws["D4"].comment.text and ws["A1"].value == "2026年指标"

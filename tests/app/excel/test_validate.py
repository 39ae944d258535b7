"""Every row checked with the fiscal rules; every error located and explained in Chinese."""
from __future__ import annotations

import pytest

from app.excel.importer import import_workbook
from app.excel.sinks import KeySet
from fiscal.ids import uscc_check_char

from .conftest import IND_HEADER, ind_row


def _errors(result):
    return [(e.row, e.column, e.value, e.reason) for e in result.errors]


def _one_error(book, row, **kw):
    result = import_workbook(book([IND_HEADER, row]), "indicators", dry_run=True, year=2026, **kw)
    assert result.outcome == "rejected"
    assert len(result.errors) == 1, _errors(result)
    return result.errors[0]


def test_issue_example_unknown_functional_code(book):
    error = _one_error(book, ind_row("A1", func="2059999"))
    assert (error.row, error.column, error.value) == (2, "功能分类科目", "2059999")
    assert error.reason == "2059999 不是2026年度的有效支出功能分类科目"


@pytest.mark.parametrize("func, words", [
    ("205", "类级科目"), ("20502", "款级科目"), ("20502021", "位数不对"), ("abc", "不是科目编码"),
])
def test_functional_code_level_and_shape(book, func, words):
    assert words in _one_error(book, ind_row("A1", func=func)).reason


@pytest.mark.parametrize("eco, words", [
    ("50201", "应以 3 开头"), ("302", "类级科目"), ("30298", "不是2026年度的有效部门预算支出经济分类科目"),
])
def test_economic_code(book, eco, words):
    assert words in _one_error(book, ind_row("A1", eco=eco)).reason


def test_economic_codes_must_map(book):
    header = IND_HEADER + ["政府经济分类科目"]
    ok = import_workbook(book([header, ind_row("A1", eco="30201") + ["50201"]]), "indicators",
                         dry_run=True, year=2026)
    assert ok.outcome == "ok", _errors(ok)
    also_ok = import_workbook(book([header, ind_row("A1", eco="30201") + ["50502"]]), "indicators",
                              dry_run=True, year=2026)  # 事业单位 mapping
    assert also_ok.outcome == "ok", _errors(also_ok)
    bad = import_workbook(book([header, ind_row("A1", eco="30201") + ["50101"]]), "indicators",
                          dry_run=True, year=2026)
    assert bad.errors[0].column == "政府经济分类科目" and "不对应" in bad.errors[0].reason


@pytest.mark.parametrize("fund, expected", [("1", "1"), ("一般公共预算资金", "1"), ("2 政府性基金预算资金", "2"),
                                            ("6-单位资金", "6"), (3, "3")])
def test_fund_type_by_code_or_name(book, fund, expected):
    result = import_workbook(book([IND_HEADER, ind_row("A1", fund=fund)]), "indicators", dry_run=True,
                             year=2026, preview=1)
    assert result.outcome == "ok", _errors(result)
    assert result.preview[0].data["fund_type"] == expected


def test_fund_type_errors(book):
    assert "不在资金性质字典中" in _one_error(book, ind_row("A1", fund="9")).reason
    assert "不一致" in _one_error(book, ind_row("A1", fund="1 单位资金")).reason


@pytest.mark.parametrize("amount, fen", [
    (1234.56, 123456), ("1,234.56", 123456), ("￥1,234.5", 123450), ("１２３４．５６", 123456),
    (0.01, 1), (12345678901.23, 1234567890123),
])
def test_amounts_in_yuan_are_exact(book, amount, fen):
    result = import_workbook(book([IND_HEADER, ind_row("A1", amount=amount)]), "indicators", dry_run=True,
                             year=2026, preview=1)
    assert result.outcome == "ok", _errors(result)
    assert result.preview[0].data["amount"] == fen


@pytest.mark.parametrize("amount, words", [
    (1.234, "3位小数"), (0, "大于零"), (-5, "负数"), ("abc", "无法识别"), ("1,23.4", "千分位"),
])
def test_amount_errors_in_yuan(book, amount, words):
    error = _one_error(book, ind_row("A1", amount=amount))
    assert error.column == "金额(元)" and words in error.reason


def test_amounts_in_wan_have_six_decimals(book):
    header = [h.replace("(元)", "(万元)") for h in IND_HEADER]
    result = import_workbook(book([header, ind_row("A1", amount=1.234567), ind_row("A2", amount="2.5")]),
                             "indicators", dry_run=True, year=2026, preview=2)
    assert [r.data["amount"] for r in result.preview] == [1_234_567, 2_500_000]
    bad = import_workbook(book([header, ind_row("A1", amount=1.2345678)]), "indicators", dry_run=True, year=2026)
    assert "7位小数" in bad.errors[0].reason and "万元" in bad.errors[0].reason


def test_required_cells(book):
    result = import_workbook(book([IND_HEADER, ["A1", "", "101001", None, "30201", "1", 5]]), "indicators",
                             dry_run=True, year=2026)
    assert _errors(result) == [
        (2, "指标文号", None, "“指标文号”是必填项，不能为空"),
        (2, "功能分类科目", None, "“功能分类科目”是必填项，不能为空"),
    ]


def test_duplicates_in_file_by_code_and_by_content(book):
    rows = [IND_HEADER, ind_row("A1"), ind_row("A2"), ind_row("A1", amount=5)]
    result = import_workbook(book(rows), "indicators", dry_run=True, year=2026)
    assert _errors(result) == [(4, "指标编码", "A1", "与第2行重复（指标编码相同）")]
    header = IND_HEADER[1:]
    rows = [header, ind_row("x")[1:], ind_row("x", func="2050203")[1:], ind_row("x")[1:]]
    result = import_workbook(book(rows), "indicators", dry_run=True, year=2026)
    assert [e.row for e in result.errors] == [4]
    assert "全部相同" in result.errors[0].reason


def test_duplicates_against_existing_data(book):
    existing = KeySet({"bgt:A2"})
    result = import_workbook(book([IND_HEADER, ind_row("A1"), ind_row("A2")]), "indicators", dry_run=True,
                             year=2026, existing=existing)
    assert _errors(result) == [(3, "指标编码", "A2", "系统中已存在相同的预算指标（指标编码相同），不能重复导入")]


def test_rows_with_their_own_year(book):
    header = IND_HEADER + ["预算年度"]
    rows = [header, ind_row("A1") + [2025], ind_row("A2") + ["2026年"], ind_row("A3") + [2019]]
    result = import_workbook(book(rows), "indicators", dry_run=True, year=2026, preview=3)
    assert [e.row for e in result.errors] == [4] and "没有2019年度" in result.errors[0].reason
    assert [r.data["fiscal_year"] for r in result.preview] == [2025, 2026]


# ---- payees ---------------------------------------------------------------------------------

PAYEE_HEADER = ["收款人全称", "收款账号", "开户银行", "统一社会信用代码", "身份证号"]


def _uscc(body17="91330106MA2B3C4D5"):
    return body17 + uscc_check_char(body17)


def test_payees(book):
    rows = [PAYEE_HEADER,
            ["某某科技有限公司", "1202 0212 0900 1234 567", "工行", _uscc(), ""],
            ["张三", "6222021202001234567", "工行", "", "11010519491231002X"],
            ["坏代码公司", "12345678", "工行", _uscc()[:-1] + "0", ""],
            ["账号太短", "1234", "工行", "", ""],
            ["数字账号", 6.222021202001235e18, "工行", "", ""],
            ["混合", "12345678", "工行", _uscc(), "11010519491231002X"],
            ["重复", "6222 0212 0200 1234 567", "工行", "", ""]]
    result = import_workbook(book(rows), "payees", dry_run=True, preview=5)
    got = {(e.row, e.column): e.reason for e in result.errors}
    assert "校验位错误" in got[(4, "统一社会信用代码")]
    assert "8–32位数字" in got[(5, "收款账号")]
    assert "15位" in got[(6, "收款账号")]
    assert "同时填写了统一社会信用代码和身份证号" in got[(7, "身份证号")]
    assert "与第3行重复" in got[(8, "收款账号")]
    assert [r.data["payee_account"] for r in result.preview] == ["1202021209001234567", "6222021202001234567"]
    assert [r.data["payee_type"] for r in result.preview] == ["单位", "个人"]


def test_payees_from_legacy_xls():
    from .conftest import FIXTURES

    result = import_workbook(FIXTURES / "lo_payees.xls", "payees", dry_run=True)
    assert result.file_format == "xls" and result.sheet == "收款人名单"
    got = sorted((e.row, e.column, e.code) for e in result.errors)
    assert got == [(2, "统一社会信用代码", "uscc_checksum"), (4, "身份证号", "bad_id"),
                   (5, "银行账号", "bad_account"), (6, "银行账号", "duplicate_in_file")]


# ---- applications ---------------------------------------------------------------------------

APP_HEADER = ["指标编码", "收款人全称", "收款人账号", "收款人开户银行", "金额(元)", "部门经济分类科目",
              "结算方式", "用途"]


def test_applications(book):
    rows = [APP_HEADER,
            ["ZB1", "张三", "6222021202001234567", "工行", 800, "30226 劳务费", "转账", "3月讲课费"],
            ["ZB1", "李四", "6222021202001234568", "工行", 800.5, "30226", "1", "3月讲课费"],
            ["ZB1", "王五", "6222021202001234569", "工行", 100, "30226", "刷脸", "x" * 301],
            ["ZB1", "张三", "6222021202001234567", "工行", 800, "30226", "转账", "3月讲课费"]]
    result = import_workbook(book(rows), "applications", dry_run=True, year=2026, preview=5)
    got = {(e.row, e.column): e.reason for e in result.errors}
    assert "不在结算方式字典中" in got[(4, "结算方式")]
    assert "超过上限300个字" in got[(4, "用途")]
    assert "与第2行重复" in got[(5, "收款人账号")]
    assert [r.data["amount"] for r in result.preview] == [80000, 80050]
    assert result.preview[0].data["settlement_mode"] == "1"


def test_applications_must_name_a_known_indicator(book):
    rows = [APP_HEADER,
            ["ZB1", "张三", "6222021202001234567", "工行", 800, "30226", "转账", "讲课费"],
            ["ZB9", "李四", "6222021202001234568", "工行", 800, "30226", "转账", "讲课费"]]
    result = import_workbook(book(rows), "applications", dry_run=True, year=2026,
                             indicators=KeySet({"bgt:ZB1"}))
    assert [(e.row, e.column, e.value, e.code) for e in result.errors] == [
        (3, "指标编码", "ZB9", "unknown_indicator")]
    assert "不存在" in result.errors[0].reason


@pytest.mark.parametrize("unit", ["元", "万元"])
def test_amounts_survive_excel_floats_exactly(book, unit):
    """Random amounts written as Excel numbers (binary floats) come back as the exact fen."""
    import random
    from decimal import Decimal

    rng = random.Random(8)
    fens = [rng.choice([rng.randrange(1, 100), rng.randrange(1, 10**8), rng.randrange(1, 10**14)])
            for _ in range(1500)]
    header = IND_HEADER[:-1] + [f"金额({unit})"]
    scale = Decimal(100) if unit == "元" else Decimal(1_000_000)
    rows = [header] + [ind_row(f"Z{i}", amount=float(Decimal(f) / scale)) for i, f in enumerate(fens)]
    result = import_workbook(book(rows), "indicators", dry_run=True, year=2026, preview=len(fens))
    assert result.outcome == "ok", result.errors[:3]
    assert [r.data["amount"] for r in result.preview] == fens


def test_source_split_must_add_up(book):
    header = IND_HEADER[:-1] + ["合计", "一般公共预算拨款", "事业收入", "上年结转"]
    rows = [header,
            ind_row("A1")[:-1] + [100, 60, 40, None],
            ind_row("A2")[:-1] + [100.5, 60, 40, 0.5],
            ind_row("A3")[:-1] + [100, 60, 30, 0],
            ind_row("A4")[:-1] + [100, None, None, None],
            ind_row("A5")[:-1] + [100, -1, 101, 0]]
    result = import_workbook(book(rows, before=[["单位：元"]]), "indicators", dry_run=True, year=2026, preview=5)
    got = [(e.row, e.column, e.code) for e in result.errors]
    assert got == [(5, "合计", "split_mismatch"), (7, "一般公共预算拨款", "negative")]
    assert "与资金来源合计 90.00 元不相等（相差 10.00 元" in result.errors[0].reason
    splits = {r.data["bgt_code"]: r.data.get("source_split") for r in result.preview}
    assert splits == {"A1": {"src_public": 6000, "src_business": 4000},
                      "A2": {"src_public": 6000, "src_business": 4000, "src_carryover": 50}, "A4": None}

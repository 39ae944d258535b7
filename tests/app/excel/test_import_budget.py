"""Imported 批量支付申请 go through the same offline budget pre-check as typed applications
(不得超指标: available after the user's own unsent applications), cumulative within the file;
errors name the row, the 金额 column, the figures and the rule."""
from __future__ import annotations

import json

import pytest

from app.cli import main
from app.db import open_database
from app.excel.importer import import_workbook
from app.models import Indicator, PaymentApplication
from app.services import imports
from app.services.applications import DraftInput, queue_application, save_draft

HEADER = ["指标编码", "收款人全称", "收款人账号", "收款人开户银行", "金额(元)", "部门经济分类科目",
          "结算方式", "用途", "身份证号", "申请编号"]


@pytest.fixture
def db(tmp_path, monkeypatch):
    monkeypatch.setenv("JINCAI_DATA_DIR", str(tmp_path / "data"))
    database = open_database(tmp_path / "data" / "jincai.sqlite3")
    with database.transaction() as s:  # B1: 950.00 available; B2: 10,000.00
        for ind_id, fen in (("B1", 95_000), ("B2", 1_000_000)):
            s.add(Indicator(id=ind_id, fiscal_year=2026, unit_code="101001", region_code="330700000",
                            func_code="2050202", amount=fen, available=fen, active=True))
    yield database
    database.close()


def _row(i: int, indicator: str, yuan) -> list:
    return [indicator, f"专家{i}", f"62220212020012{i:05d}", "工行", yuan, "30226", "转账", "评审劳务费",
            None, f"BUD-{indicator}-{i}"]


def _run(path, db, **kw):
    sink = imports.LocalDraftSink(db)
    result = import_workbook(path, "applications", sink=sink, existing=sink,
                             indicators=imports.LocalIndicatorKeys(db), year=2026, **kw)
    imports.finish_result(result, sink)
    return result


def _drafts(db) -> int:
    with db.read() as s:
        return s.query(PaymentApplication).count()


def test_ten_rows_against_one_indicator_add_up(book, db):
    # 10 × 100.00 against 950.00: the tenth row (Excel row 11) is over by 50.00
    rows = [_row(i, "B1", 100) for i in range(10)] + [_row(10, "B2", 5_000)]
    path = book([HEADER, *rows])
    for dry_run in (True, False):  # the preview says it before the import does
        result = _run(path, db, dry_run=dry_run)
        assert result.outcome == "rejected" and result.imported_rows == 0
        [error] = result.errors
        assert (error.row, error.column, error.value, error.code) == (11, "金额(元)", "100.00",
                                                                      "insufficient_balance")
        assert error.reason == ("不得超指标（离线预检）：指标 B1 服务器确认的可用余额 950.00 元，扣除您尚未"
                                "被服务器确认的申请 0.00 元、本文件前面 9 行已用 900.00 元后可用 50.00 元；"
                                "本行金额 100.00 元，超出 50.00 元。请减少金额、改用其他指标或申请追加指标")
    assert _drafts(db) == 0


def test_own_unsent_applications_count_and_partial_skips_only_the_rows_over(book, db):
    # a typed application of 300.00 queued for sending: B1 has 650.00 left offline
    saved = save_draft(db=db, draft=DraftInput(
        indicator_id="B1", amount=30_000, use_des="办公用品", payee_name="某某文具有限公司",
        payee_account="6222021202001234567", payee_bank="工行", fiscal_year=2026,
        region_code="330700000", unit_code="101001", dep_eco_code="30201", settlement_mode="转账"))
    queue_application(db=db, application_id=saved.application.id)
    path = book([HEADER, _row(1, "B1", 400), _row(2, "B1", 300), _row(3, "B1", 250)])
    result = _run(path, db)
    assert result.outcome == "rejected" and [(e.row, e.column) for e in result.errors] == [(3, "金额(元)")]
    assert "扣除您尚未被服务器确认的申请 300.00 元、本文件前面 1 行已用 400.00 元后可用 250.00 元" \
        in result.errors[0].reason
    # --partial: row 3 is left out and does not count, so row 4 (250.00) still fits exactly
    result = _run(path, db, partial=True)
    assert result.outcome == "ok" and result.imported_rows == 2, result.message
    with db.read() as s:
        imported = sorted(a.amount for a in s.query(PaymentApplication)
                          .filter(PaymentApplication.local_status == "draft"))
    assert imported == [25_000, 40_000]


def test_the_draft_sink_keeps_the_budget_even_without_a_checker(book, db):
    path = book([HEADER, _row(1, "B1", 900), _row(2, "B1", 100)])
    sink = imports.LocalDraftSink(db)
    result = import_workbook(path, "applications", sink=sink, year=2026)  # no indicators/checker
    imports.finish_result(result, sink)
    assert result.outcome == "rejected" and result.imported_rows == 0
    assert [(e.row, e.code) for e in result.errors] == [(3, "insufficient_balance")]
    assert "未导入任何数据" in result.message and _drafts(db) == 0


def test_cli_json_names_row_column_and_rule(book, db, monkeypatch, capsys):
    monkeypatch.delenv("JINCAI_EXCEL_SINK_DIR")
    path = book([HEADER, _row(1, "B1", 600), _row(2, "B1", 600)])
    code = main(["excel", "import", str(path), "--kind", "applications", "--db", str(db.path),
                 "--json", "--year", "2026", "--dry-run"])
    payload = json.loads(capsys.readouterr().out)
    assert code == 1 and payload["outcome"] == "rejected"
    [error] = payload["errors"]
    assert (error["row"], error["column"], error["value"]) == (3, "金额(元)", "600.00")
    assert "不得超指标" in error["reason"] and "超出 250.00 元" in error["reason"]

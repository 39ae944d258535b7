"""`jincai excel ...` through app.cli.main (in-process: fast, same code path as the console script)."""
from __future__ import annotations

import json

import openpyxl
import pytest

from app.cli import main

from .conftest import FIXTURES, IND_HEADER, ind_row


def _json(capsys):
    out = capsys.readouterr().out
    return json.loads(out)


def test_template_command(tmp_path, capsys):
    out = tmp_path / "payees.xlsx"
    assert main(["excel", "template", "payees", "-o", str(out)]) == 0
    assert out.exists() and "已生成模板" in capsys.readouterr().out
    assert "收款人" in openpyxl.load_workbook(out).sheetnames


def test_import_ok_prints_exact_json(book, tmp_path, capsys):
    path = book([IND_HEADER, ind_row("A1"), ind_row("A2")])
    sink = tmp_path / "target.jsonl"
    code = main(["excel", "import", str(path), "--kind", "indicators", "--json", "--year", "2026",
                 "--sink", str(sink)])
    payload = _json(capsys)
    assert code == 0
    assert set(payload) == {"file", "sheet", "header_row", "unit", "valid_rows", "imported_rows", "errors",
                            "outcome", "message"}
    assert payload["outcome"] == "ok" and payload["imported_rows"] == 2 and payload["unit"] == "元"
    assert "尚未接入本地数据库" in payload["message"]
    assert len(sink.read_text(encoding="utf-8").splitlines()) == 2
    # importing the same file again: every row already exists
    assert main(["excel", "import", str(path), "--kind", "indicators", "--json", "--year", "2026",
                 "--sink", str(sink)]) == 1
    again = _json(capsys)
    assert again["outcome"] == "rejected" and all("已存在" in e["reason"] for e in again["errors"])


def test_import_rejected_with_annotation(book, tmp_path, capsys):
    path = book([IND_HEADER, ind_row("A1"), ind_row("A2", func="2059999")])
    annotated = tmp_path / "out.xlsx"
    code = main(["excel", "import", str(path), "--kind", "indicators", "--json", "--year", "2026",
                 "--annotate", str(annotated)])
    payload = _json(capsys)
    assert code == 1 and payload["outcome"] == "rejected" and payload["imported_rows"] == 0
    assert payload["errors"] == [{"row": 3, "column": "功能分类科目", "value": "2059999",
                                  "reason": "2059999 不是2026年度的有效支出功能分类科目"}]
    assert openpyxl.load_workbook(annotated)["数据"]["D3"].comment is not None


def test_import_partial_and_dry_run(book, tmp_path, capsys):
    path = book([IND_HEADER, ind_row("A1"), ind_row("A2", func="2059999")])
    assert main(["excel", "import", str(path), "--kind", "indicators", "--json", "--year", "2026",
                 "--dry-run", "--partial"]) == 0
    payload = _json(capsys)
    assert payload["valid_rows"] == 1 and payload["imported_rows"] == 0
    assert main(["excel", "import", str(path), "--kind", "indicators", "--json", "--year", "2026",
                 "--partial"]) == 0
    assert _json(capsys)["imported_rows"] == 1


def test_import_unreadable(tmp_path, capsys):
    path = tmp_path / "a.xlsx"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    assert main(["excel", "import", str(path), "--kind", "payees", "--json"]) == 2
    payload = _json(capsys)
    assert payload["outcome"] == "unreadable" and payload["sheet"] is None and "CSV" in payload["message"]
    assert main(["excel", "import", str(FIXTURES / "lo_encrypted.xlsx"), "--kind", "indicators", "--json"]) == 2
    assert "密码" in _json(capsys)["message"]


def test_import_unknown_year_is_unreadable_not_a_traceback(book, capsys):
    path = book([IND_HEADER, ind_row("A1")])
    assert main(["excel", "import", str(path), "--kind", "indicators", "--json", "--year", "1999"]) in (1, 2)
    payload = _json(capsys)
    assert payload["outcome"] in ("rejected", "unreadable") and "1999" in json.dumps(payload, ensure_ascii=False)


def test_human_output(book, capsys):
    path = book([IND_HEADER, ind_row("A1", amount=1.234)])
    assert main(["excel", "import", str(path), "--kind", "indicators", "--dry-run", "--year", "2026"]) == 1
    out = capsys.readouterr().out
    assert "第2行，列“金额(元)”：1.234 —— " in out


def test_export_commands(tmp_path, capsys):
    data = tmp_path / "ind.json"
    data.write_text(json.dumps([{"bgt_code": "Z1", "agency_code": "101001", "amount_fen": 100}]), encoding="utf-8")
    assert main(["excel", "export", "execution", "--input", str(data), "-o", str(tmp_path / "e.xlsx")]) == 0
    apps = tmp_path / "apps.json"
    apps.write_text(json.dumps([{"app_no": "1", "amount_fen": 1, "status": "paid"}]), encoding="utf-8")
    assert main(["excel", "export", "applications", "--input", str(apps), "-o", str(tmp_path / "a.xlsx")]) == 0
    assert main(["excel", "export", "applications", "--input", str(tmp_path / "none.json"),
                 "-o", str(tmp_path / "b.xlsx")]) == 2


def test_bad_kind_is_an_argparse_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["excel", "import", "x.xlsx", "--kind", "vouchers"])
    assert exc.value.code == 2


def test_applications_checked_against_imported_indicators(book, tmp_path, capsys):
    indicators = book([IND_HEADER, ind_row("ZB1")])
    assert main(["excel", "import", str(indicators), "--kind", "indicators", "--year", "2026", "--json"]) == 0
    capsys.readouterr()
    apps = book([["指标编码", "收款人全称", "收款人账号", "收款人开户银行", "金额(元)", "部门经济分类科目",
                  "结算方式", "用途"],
                 ["ZB1", "张三", "6222021202001234567", "工行", 800, "30226", "转账", "讲课费"],
                 ["ZB2", "李四", "6222021202001234568", "工行", 800, "30226", "转账", "讲课费"]])
    assert main(["excel", "import", str(apps), "--kind", "applications", "--year", "2026", "--json"]) == 1
    payload = _json(capsys)
    assert [(e["row"], e["value"]) for e in payload["errors"]] == [(3, "ZB2")]

"""All or nothing, --partial, dry run, sinks, progress and cancel."""
from __future__ import annotations

import json

import pytest

from app.excel import importer
from app.excel.importer import import_workbook
from app.excel.sinks import ExistingKeys, ImportSink, JsonLinesSink, MemorySink

from .conftest import IND_HEADER, ind_row


def _mixed(book):
    return book([IND_HEADER, ind_row("A1"), ind_row("A2", func="2059999"), ind_row("A3")])


def test_all_or_nothing_by_default(book):
    sink = MemorySink()
    result = import_workbook(_mixed(book), "indicators", sink=sink, year=2026)
    assert result.outcome == "rejected" and result.exit_code == 1
    assert result.valid_rows == 2 and result.imported_rows == 0 and sink.records == []
    assert "未导入任何数据" in result.message


def test_partial_imports_valid_rows(book):
    sink = MemorySink()
    result = import_workbook(_mixed(book), "indicators", sink=sink, year=2026, partial=True)
    assert result.outcome == "ok" and result.exit_code == 0
    assert result.imported_rows == 2 and [r.row for r in sink.records] == [2, 4]
    assert "1 行有错误已跳过" in result.message


def test_dry_run_writes_nothing(book):
    sink = MemorySink()
    result = import_workbook(book([IND_HEADER, ind_row("A1")]), "indicators", sink=sink, dry_run=True, year=2026)
    assert result.outcome == "ok" and result.imported_rows == 0 and sink.records == []
    assert "试运行" in result.message


def test_ok_import_and_json_shape(book):
    sink = MemorySink()
    result = import_workbook(book([IND_HEADER, ind_row("A1"), ind_row("A2")]), "indicators", sink=sink, year=2026)
    assert result.outcome == "ok" and result.imported_rows == 2
    payload = result.to_json()
    assert list(payload) == ["file", "sheet", "header_row", "unit", "valid_rows", "imported_rows", "errors",
                             "outcome", "message"]
    assert sink.records[0].data["amount"] == 10000 and sink.records[0].key == "bgt:A1"


def test_jsonl_sink_is_atomic_and_remembers_keys(book, tmp_path):
    target = tmp_path / "out" / "indicators.jsonl"
    sink = JsonLinesSink(target)
    assert isinstance(sink, ImportSink) and isinstance(sink, ExistingKeys)
    result = import_workbook(_mixed(book), "indicators", sink=sink, existing=sink, year=2026)
    assert result.outcome == "rejected" and not target.exists()
    assert list(target.parent.glob("*.staging")) == []
    first = import_workbook(book([IND_HEADER, ind_row("A1")]), "indicators", sink=sink, existing=sink, year=2026)
    assert first.imported_rows == 1
    again = import_workbook(book([IND_HEADER, ind_row("A1"), ind_row("B1")]), "indicators", sink=sink,
                            existing=sink, year=2026, partial=True)
    assert again.imported_rows == 1 and "已存在" in again.errors[0].reason
    lines = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert [line["key"] for line in lines] == ["bgt:A1", "bgt:B1"]
    assert lines[0]["data"]["amount"] == 10000


def test_batches_and_progress(book, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_SIZE", 3)
    rows = [IND_HEADER] + [ind_row(f"A{i}") for i in range(10)]
    sink, seen = MemorySink(), []
    result = import_workbook(book(rows), "indicators", sink=sink, year=2026,
                             progress=lambda done, total: seen.append((done, total)))
    assert result.imported_rows == 10 and len(sink.records) == 10
    assert seen[-1] == (10, 10)


def test_cancel_rolls_back(book):
    rows = [IND_HEADER] + [ind_row(f"A{i}") for i in range(600)]
    sink = MemorySink()
    result = import_workbook(book(rows), "indicators", sink=sink, year=2026, cancel=lambda: True)
    assert result.outcome == "cancelled" and sink.records == [] and result.imported_rows == 0
    assert result.to_json()["outcome"] == "rejected"


def test_errors_are_capped_but_counted(book, monkeypatch):
    monkeypatch.setattr(importer, "MAX_ERRORS", 3)
    rows = [IND_HEADER] + [ind_row(f"A{i}", func="2059999") for i in range(5)]
    result = import_workbook(book(rows), "indicators", dry_run=True, year=2026)
    assert len(result.errors) == 3 and result.error_count == 5 and "仅列出前 3 处错误" in result.message


def test_unknown_kind_is_a_programming_error(book):
    with pytest.raises(ValueError):
        import_workbook(book([IND_HEADER]), "vouchers")


def test_sink_failure_rolls_back_and_reports(book):
    class Broken(MemorySink):
        def write(self, records):
            raise OSError("disk full")

    sink = Broken()
    result = import_workbook(book([IND_HEADER, ind_row("A1")]), "indicators", sink=sink, year=2026)
    assert result.outcome == "rejected" and "disk full" in result.message and sink.records == []
    assert "未导入任何数据" in result.message

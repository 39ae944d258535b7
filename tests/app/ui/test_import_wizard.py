"""Import wizard: pick file → preview rows and errors → import, off the UI thread, with cancel."""
from __future__ import annotations

import threading
from pathlib import Path

import openpyxl
import pytest
from PySide6.QtCore import QThread
from PySide6.QtWidgets import QWizard

from app.excel.importer import ImportResult, import_workbook
from app.excel.sinks import MemorySink
from app.ui.import_wizard import ImportWizard

HEADER = ["指标编码", "指标文号", "单位代码", "功能分类科目", "部门经济分类科目", "资金性质", "金额(元)"]


def _book(path: Path, rows) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "指标"
    ws.append(HEADER)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


def _row(code, func="2050202", amount=1234.5):
    return [code, "X财预〔2026〕1号", "101001", func, "30201", "1", amount]


@pytest.fixture
def sink():
    return MemorySink()


@pytest.fixture
def wizard(qtbot, sink):
    w = ImportWizard(sink_factory=lambda kind: sink, existing_factory=lambda kind: sink)
    qtbot.addWidget(w)
    w.show()
    return w


def _wait(qtbot, wizard):
    qtbot.waitUntil(lambda: wizard.running_task is None, timeout=10_000)


def test_pick_preview_import(qtbot, wizard, sink, tmp_path):
    path = _book(tmp_path / "ok.xlsx", [_row("A1"), _row("A2")])
    assert not wizard.file_page.isComplete()
    wizard.set_file(path, "indicators")
    wizard.file_page.year_spin.setValue(2026)
    assert wizard.file_page.isComplete()
    assert "尚未接入本地数据库" not in wizard.target_description
    with qtbot.waitSignal(wizard.sig_preview_ready, timeout=10_000):
        wizard.next()
    assert wizard.currentPage() is wizard.preview_page
    assert wizard.preview_result.outcome == "ok" and sink.records == []  # preview is a dry run
    assert wizard.preview_model.rowCount() == 2
    assert wizard.preview_model.index(0, 7).data() == "1,234.50"  # amount formatted in the GUI thread
    assert wizard.preview_page.isComplete()
    with qtbot.waitSignal(wizard.sig_imported, timeout=10_000) as blocker:
        wizard.next()
    assert blocker.args[0].imported_rows == 2 and len(sink.records) == 2
    _wait(qtbot, wizard)
    assert wizard.import_page.isComplete()
    assert "已导入 2 行" in wizard.import_page.summary.text()


def test_preview_shows_errors_and_blocks_import(qtbot, wizard, sink, tmp_path):
    path = _book(tmp_path / "bad.xlsx", [_row("A1"), _row("A2", func="2059999"), _row("A3", amount=-1)])
    wizard.set_file(path, "indicators")
    wizard.file_page.year_spin.setValue(2026)
    with qtbot.waitSignal(wizard.sig_preview_ready, timeout=10_000):
        wizard.next()
    model = wizard.error_model
    assert model.rowCount() == 2
    assert [model.index(0, c).data() for c in range(4)] == [
        "3", "功能分类科目", "2059999", "2059999 不是2026年度的有效支出功能分类科目"]
    assert not wizard.preview_page.isComplete()
    assert not wizard.button(QWizard.WizardButton.NextButton).isEnabled()
    assert wizard.preview_page.annotate_button.isEnabled()
    out = wizard.save_annotated(tmp_path / "annotated.xlsx")
    assert openpyxl.load_workbook(out)["指标"]["D3"].comment is not None
    # going back and choosing "only the correct rows" allows the import
    wizard.back()
    wizard.file_page.partial_check.setChecked(True)
    with qtbot.waitSignal(wizard.sig_preview_ready, timeout=10_000):
        wizard.next()
    assert wizard.preview_page.isComplete()
    with qtbot.waitSignal(wizard.sig_imported, timeout=10_000):
        wizard.next()
    assert [r.row for r in sink.records] == [2]


def test_unreadable_file_is_explained(qtbot, wizard, tmp_path):
    path = tmp_path / "fake.xlsx"
    path.write_text("a,b\n1,2\n", encoding="utf-8")
    wizard.set_file(path, "payees")
    with qtbot.waitSignal(wizard.sig_preview_ready, timeout=10_000):
        wizard.next()
    assert "CSV" in wizard.preview_page.summary.text()
    assert not wizard.preview_page.isComplete()


def test_work_runs_off_the_ui_thread_and_can_be_cancelled(qtbot, sink, tmp_path):
    started = threading.Event()
    threads = []

    def slow_import(path, kind, *, cancel, progress, **kwargs):
        threads.append(QThread.currentThread())
        started.set()
        done = 0
        while not cancel():
            done += 1
            progress(done, 1_000_000)
            QThread.msleep(5)
        result = ImportResult(file=str(path), kind=kind, sheet="指标", header_row=1, unit="元")
        result.outcome, result.message = "cancelled", "导入已取消，未写入任何数据。"
        return result

    wizard = ImportWizard(sink_factory=lambda kind: sink, import_fn=slow_import)
    qtbot.addWidget(wizard)
    wizard.show()
    wizard.set_file(_book(tmp_path / "x.xlsx", [_row("A1")]), "indicators")
    wizard.next()
    assert started.wait(5)
    qtbot.waitUntil(lambda: wizard.preview_page.progress.maximum() == 1_000_000, timeout=5_000)
    assert threads[0] is not QThread.currentThread()
    assert wizard.preview_page.cancel_button.isEnabled()
    wizard.preview_page.cancel_button.click()
    _wait(qtbot, wizard)
    assert wizard.preview_result.outcome == "cancelled"
    assert "已取消" in wizard.preview_page.summary.text()
    assert not wizard.preview_page.isComplete()


def test_default_target_is_labelled_as_not_yet_the_database(qtbot):
    wizard = ImportWizard()
    qtbot.addWidget(wizard)
    assert "尚未接入本地数据库" in wizard.target_description


def test_real_import_function_is_used_by_default(qtbot, sink, tmp_path):
    wizard = ImportWizard(sink_factory=lambda kind: sink)
    qtbot.addWidget(wizard)
    assert wizard._import_fn is import_workbook


def test_applications_are_checked_against_known_indicators(qtbot, sink, tmp_path):
    from app.excel.sinks import KeySet

    wizard = ImportWizard(sink_factory=lambda kind: sink, indicators_factory=lambda: KeySet({"bgt:ZB1"}))
    qtbot.addWidget(wizard)
    wizard.show()
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["指标编码", "收款人全称", "收款人账号", "收款人开户银行", "金额(元)", "部门经济分类科目", "结算方式", "用途"])
    ws.append(["ZB2", "张三", "6222021202001234567", "工行", 800, "30226", "转账", "讲课费"])
    wb.save(tmp_path / "apps.xlsx")
    wizard.set_file(tmp_path / "apps.xlsx", "applications")
    wizard.file_page.year_spin.setValue(2026)
    with qtbot.waitSignal(wizard.sig_preview_ready, timeout=10_000):
        wizard.next()
    assert wizard.error_model.index(0, 3).data().startswith("指标 ZB2 不存在")


def test_excel_panel_writes_templates_and_opens_the_wizard(qtbot, sink, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from app.ui.import_wizard import ExcelPanel

    panel = ExcelPanel(wizard_factory=lambda parent: ImportWizard(parent, sink_factory=lambda kind: sink))
    qtbot.addWidget(panel)
    panel.show()
    target = tmp_path / "payees-template.xlsx"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    panel.template_buttons["payees"].click()
    qtbot.waitUntil(lambda: "已生成模板" in panel.status.text(), timeout=10_000)
    assert "收款人" in openpyxl.load_workbook(target).sheetnames
    panel.import_buttons["applications"].click()
    assert panel.wizard is not None and panel.wizard.kind() == "applications"
    panel.wizard.close()


def test_choosing_only_correct_rows_on_the_preview_page(qtbot, wizard, sink, tmp_path):
    path = _book(tmp_path / "bad.xlsx", [_row("A1"), _row("A2", func="2059999")])
    wizard.set_file(path, "indicators")
    wizard.file_page.year_spin.setValue(2026)
    with qtbot.waitSignal(wizard.sig_preview_ready, timeout=10_000):
        wizard.next()
    assert not wizard.preview_page.isComplete()
    assert "只导入正确的行" in wizard.preview_page.summary.text()
    wizard.preview_page.partial_check.setChecked(True)
    assert wizard.file_page.partial_check.isChecked() and wizard.preview_page.isComplete()
    with qtbot.waitSignal(wizard.sig_imported, timeout=10_000) as blocker:
        wizard.next()
    assert blocker.args[0].imported_rows == 1 and [r.row for r in sink.records] == [2]

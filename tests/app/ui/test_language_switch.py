"""设置 switches Chinese ⇄ English while the window is open (no restart): every main screen's
visible texts change, and fiscal's Chinese refusals show in English in the English UI."""
from __future__ import annotations

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton

from app.ui.i18n import current_language, switch_language
from app.ui.message_i18n import english_message, translate_message


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def _headers(model) -> list[str]:
    return [model.headerData(i, Qt.Orientation.Horizontal) for i in range(model.columnCount())]


def _button_texts(widget) -> set[str]:
    return {b.text() for b in widget.findChildren(QPushButton) if b.text()}


def test_switch_in_settings_retranslates_every_main_screen(qtbot, ctx, tmp_path):
    from app.ui.shell import build_main_window

    settings = QSettings(str(tmp_path / "settings.ini"), QSettings.Format.IniFormat)
    w = build_main_window(ctx)
    qtbot.addWidget(w)
    w.settings._settings = settings  # never the user's real settings
    w.show()
    assert w._nav.item(0).text() == "指标"
    form = w.applications.form
    zh_buttons = {key: _button_texts(getattr(w, key)) for key in
                  ("indicators", "approvals", "warnings", "dashboard", "settings")}
    assert "保存草稿 (Ctrl+S)" in form.save_button.text()
    assert "指标文号" in _headers(w.indicator_model)
    try:
        w.show_page("settings")
        w.settings.language.setCurrentIndex(w.settings.language.findData("en"))
        w.settings.save_button.click()
        qtbot.waitUntil(lambda: w._nav.item(0).text() == "Indicators", timeout=5000)
        assert current_language() == "en" and settings.value("language") == "en"
        titles = [w._nav.item(i).text() for i in range(w._nav.count())]
        assert not any(_has_cjk(t) for t in titles), titles
        assert form.save_button.text() == "Save draft (Ctrl+S)"
        assert w.status_panel.sync_button.text() == "Sync (F5)"
        assert not any(_has_cjk(h) for h in _headers(w.indicator_model))
        assert not any(_has_cjk(h) for h in _headers(w.approvals.model))
        for key, before in zh_buttons.items():
            after = _button_texts(getattr(w, key))
            assert after != before, key  # the screen's buttons changed language
            assert not any(_has_cjk(t) for t in after), (key, after)
        assert "金财桌面端" not in w.windowTitle() and "Jincai" in w.windowTitle()
        labels = [lab.text() for lab in w.settings.findChildren(QLabel)]
        assert "UI language" in " ".join(labels) or "Language" in " ".join(labels)
        # and back to Chinese
        w.settings.language.setCurrentIndex(w.settings.language.findData("zh_CN"))
        w.settings.save_button.click()
        qtbot.waitUntil(lambda: w._nav.item(0).text() == "指标", timeout=5000)
        assert form.save_button.text() == "保存草稿 (Ctrl+S)"
        assert "指标文号" in _headers(w.indicator_model)
        assert {key: _button_texts(getattr(w, key)) for key in zh_buttons} == zh_buttons
    finally:
        switch_language("zh_CN")


def test_budget_refusal_in_english(qtbot, ctx):
    """The form's budget panel shows fiscal's 不得超指标 refusal in English in the English UI."""
    from fiscal.rules.budget import check_available

    v = check_available(amount=1_000_00, paid=500_00, reserved=200_00, requested=400_00)
    assert v is not None and v.code == "insufficient_balance"
    assert translate_message(v.message, v.code, english=False) == v.message  # Chinese UI
    en = english_message(v.message, v.code)
    assert en == ("Exceeds the indicator's available balance: indicator 1,000.00 − paid 500.00 − "
                  "in transit 200.00 − this payment 400.00 = shortfall -100.00 yuan. Reduce the "
                  "amount or apply for an additional indicator.")

    from app.services.ui_queries import get_indicator_rows, search_indicator_ids
    from app.ui.shell import build_main_window

    switch_language("en")
    try:
        w = build_main_window(ctx)
        qtbot.addWidget(w)
        w.show()
        ids = search_indicator_ids(db=ctx.db, executable_only=True)
        row = get_indicator_rows(db=ctx.db, ids=ids[:1])[ids[0]]
        form = w.applications.form
        w.show_page("applications")
        form.start_new(row.id)
        qtbot.waitUntil(lambda: form.indicator() is not None, timeout=5000)
        form.amount_edit.setText(str((row.available + 100_00) // 100))  # more than is left
        qtbot.waitUntil(lambda: "Exceeds" in form.budget_panel.rules_text()
                        or "No payment beyond" in form.budget_panel.rules_text(), timeout=5000)
        assert "超出" not in form.budget_panel.rules_text()
        form.amount_edit.setText("1,2,3")
        err = form._errors["amount"].text()
        assert err.startswith("Amount “1,2,3” cannot be read"), err
    finally:
        switch_language("zh_CN")
    assert QApplication.instance() is not None

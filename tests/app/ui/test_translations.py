"""The English translation covers every user string of the UI (Chinese is the source)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from PySide6.QtWidgets import QApplication

from app.ui.application import install_translators

ROOT = Path(__file__).resolve().parents[3]


def _has_cjk(text: str) -> bool:
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def test_every_tr_string_has_an_english_text():
    result = subprocess.run([sys.executable, str(ROOT / "resources/translations/update_ts.py"),
                             "--check"], check=False, capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout[-2000:]


def test_the_working_window_speaks_english(qtbot, ctx):
    from app.ui.shell import build_main_window
    from app.ui.tasks import pick_language

    app = QApplication.instance()
    translators = install_translators(app, "en")
    try:
        assert translators
        w = build_main_window(ctx)
        qtbot.addWidget(w)
        w.show()
        titles = [w._nav.item(i).text() for i in range(w._nav.count())]
        assert titles[0] == "Indicators" and not any(_has_cjk(t) for t in titles)
        form = w.applications.form
        assert form.save_button.text() == "Save draft (Ctrl+S)"
        assert w.status_panel.sync_button.text() == "Sync (F5)"
        headers = [w.indicator_model.headerData(i, __import__("PySide6.QtCore").QtCore.Qt.Orientation.Horizontal)
                   for i in range(w.indicator_model.columnCount())]
        assert not any(_has_cjk(h) for h in headers)
        assert pick_language("密码不正确。 / Wrong password.") == "Wrong password."
    finally:
        for t in translators:
            app.removeTranslator(t)
    assert pick_language("密码不正确。 / Wrong password.") == "密码不正确。"

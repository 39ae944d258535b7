"""A newer client advertised by the server (issue #9) shows politely: a link in the status bar
with the whole message in its tool tip, and a paragraph in 关于; nothing when none is newer."""
from __future__ import annotations

from app import __version__
from app.services.updates import is_newer, record_advice


def _newer_than(version: str) -> str:
    from packaging.version import Version

    v = Version(version)
    return f"{v.major}.{v.minor}.{v.micro + 1}"


def test_status_bar_and_about_show_the_newer_client(qtbot, ctx, monkeypatch):
    from app.services import updates
    from app.ui.shell import build_main_window

    current = "1.2.3"  # a released build (a source checkout never nags)
    monkeypatch.setattr(updates, "__version__", current)
    latest = _newer_than(current)
    assert is_newer(latest, current)
    record_advice(ctx.db.data_dir, {"latest_client_version": latest,
                                    "client_download_url": "https://jincai.example.gov.cn/dl"})
    w = build_main_window(ctx)
    qtbot.addWidget(w)
    w.show()
    label = w.status_panel.update_label
    qtbot.waitUntil(lambda: label.isVisible(), timeout=5000)
    assert f"新版本 {latest} 可用" in label.text()
    assert "https://jincai.example.gov.cn/dl" in label.text()
    assert f"当前 {current}" in label.toolTip() and "不影响本机数据" in label.toolTip()
    about = w.about_text()
    assert f"新版本 {latest}" in about and __version__ in about


def test_nothing_when_the_server_advertises_nothing_newer(qtbot, ctx):
    from app.ui.shell import build_main_window

    record_advice(ctx.db.data_dir, {"latest_client_version": __version__})
    w = build_main_window(ctx)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.status_panel.status is not None, timeout=5000)
    assert not w.status_panel.update_label.isVisible()
    assert "新版本" not in w.about_text()

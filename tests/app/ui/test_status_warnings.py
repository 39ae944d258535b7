"""The status bar shows how many 三级预警 still wait for a step, and hides the count at zero."""
from __future__ import annotations

from app.models import MonitoringWarning


def _panel(ctx, qtbot):
    from app.ui.status_panel import SyncStatusPanel

    panel = SyncStatusPanel(ctx)
    qtbot.addWidget(panel)
    return panel


def _refreshed(panel, qtbot):
    seen = []
    original = panel._on_status
    panel._on_status = lambda st: (seen.append(st), original(st))
    panel.refresh()
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    return seen[-1]


def test_open_warnings_in_the_status_bar(ctx, db, qtbot) -> None:
    with db.transaction() as s:
        for w in s.query(MonitoringWarning):
            s.delete(w)
    panel = _panel(ctx, qtbot)
    assert _refreshed(panel, qtbot).open_warnings == 0
    assert panel.warnings_label.isHidden()

    with db.transaction() as s:
        s.add(MonitoringWarning(id="SW1", rule_code="personal_payee", severity="yellow",
                                status="raised"))
        s.add(MonitoringWarning(id="SW2", rule_code="cash_limit", severity="red",
                                status="normal"))  # closed by the bureau: not counted
    assert _refreshed(panel, qtbot).open_warnings == 1
    assert not panel.warnings_label.isHidden()
    assert panel.warnings_label.text() == "预警 1"

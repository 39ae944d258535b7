"""Indicator browser: id-list model over 100,000 rows, filtering off the UI thread."""
from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from app.db import open_database
from app.services.ui_queries import seed_demo_data
from app.ui.indicator_browser import (
    PERMILLE_ROLE,
    IndicatorBrowserView,
    IndicatorTableModel,
)


@pytest.fixture(scope="module")
def big_db(tmp_path_factory):
    db = open_database(tmp_path_factory.mktemp("big") / "big.sqlite3", backup=False)
    seed_demo_data(db=db, indicators=100_000, with_accounts=False)
    yield db
    db.close()


def _wait_filter(qtbot, model, text):
    with qtbot.waitSignal(model.sig_filter_finished, timeout=20_000) as blocker:
        model.set_filter(text)
    assert blocker.args[0] == " ".join(text.split())
    return blocker.args[1]


def test_filters_100000_indicators_off_the_ui_thread(qtbot, runner, big_db):
    model = IndicatorTableModel.for_database(runner, big_db)
    assert _wait_filter(qtbot, model, "") == 100_000
    assert model.rowCount() == 100_000
    # scrolling to the end loads one page, not the table
    last = model.index(99_999, 0)
    assert model.data(last) == f"ZB{model.row_at(0).fiscal_year}-100000"
    assert model.cached_count() <= IndicatorTableModel.PAGE * 2

    # document number / id prefix
    year = model.row_at(0).fiscal_year
    n = _wait_filter(qtbot, model, f"ZB{year}-0999")
    assert n == 100 and all(i.startswith(f"ZB{year}-0999") for i in model.ids())
    # project name substring and a second word (AND)
    n_project = _wait_filter(qtbot, model, "校舍维修改造")
    assert n_project == sum(1 for n in range(1, 100_001) if n % 15 == 3)  # demo: project 3 of 15
    rows = [model.row_at(r) for r in range(0, model.rowCount(), 997)]
    assert all(r.pro_name == "校舍维修改造" for r in rows)
    n_both = _wait_filter(qtbot, model, f"校舍维修改造 ZB{year}-00")
    assert 0 < n_both < n_project
    assert all(model.row_at(r).id.startswith(f"ZB{year}-00") for r in range(model.rowCount()))
    assert _wait_filter(qtbot, model, "没有这个项目") == 0


def test_a_newer_filter_wins_over_an_older_one(qtbot, runner, big_db):
    model = IndicatorTableModel.for_database(runner, big_db)
    seen = []
    model.sig_filter_finished.connect(lambda text, n: seen.append((text, n)))
    model.set_filter("")
    model.set_filter("图书采购")
    qtbot.waitUntil(lambda: any(t == "图书采购" for t, _ in seen), timeout=20_000)
    runner.wait_idle()
    assert seen[-1][0] == "图书采购"
    assert all(model.row_at(r).pro_name == "图书采购" for r in range(0, model.rowCount(), 501))


def test_columns_show_codes_with_names_money_and_rate(qtbot, db, runner):
    model = IndicatorTableModel.for_database(runner, db)
    _wait_filter(qtbot, model, "")
    cols = IndicatorTableModel.COLUMNS
    row = model.row_at(0)
    func_text = model.data(model.index(0, cols.index("func")))
    assert func_text.startswith(row.func_code + " ") and len(func_text) > len(row.func_code) + 1
    assert model.data(model.index(0, cols.index("amount"))) == f"{row.amount // 100:,}.{row.amount % 100:02d}"
    assert model.data(model.index(0, cols.index("rate")), PERMILLE_ROLE) == row.paid * 1000 // row.amount
    assert model.headerData(cols.index("doc_no"), Qt.Orientation.Horizontal) == "指标文号"


def test_double_click_starts_an_application(qtbot, db, runner):
    model = IndicatorTableModel.for_database(runner, db)
    view = IndicatorBrowserView(runner, model)
    qtbot.addWidget(view)
    view.show()
    _wait_filter(qtbot, model, "")
    with qtbot.waitSignal(view.sig_start_application) as blocker:
        view._on_table_double_clicked(model.index(3, 2))
    assert blocker.args == [model.id_at(3)]
    # typing in the search box filters after a short pause
    with qtbot.waitSignal(model.sig_filter_finished, timeout=10_000):
        qtbot.keyClicks(view.search_box(), model.id_at(5))
    assert model.rowCount() == 1


def test_sorting_is_a_query_not_a_python_sort(qtbot, db, runner):
    model = IndicatorTableModel.for_database(runner, db)
    _wait_filter(qtbot, model, "")
    cols = IndicatorTableModel.COLUMNS
    with qtbot.waitSignal(model.sig_filter_finished, timeout=10_000):
        model.sort(cols.index("amount"), Qt.SortOrder.DescendingOrder)
    amounts = [model.row_at(r).amount for r in range(model.rowCount())]
    assert amounts == sorted(amounts, reverse=True)
    with qtbot.waitSignal(model.sig_filter_finished, timeout=10_000):
        model.sort(cols.index("rate"), Qt.SortOrder.AscendingOrder)
    rates = [model.row_at(r).execution_permille for r in range(model.rowCount())]
    assert rates == sorted(rates)


def test_a_refresh_with_the_same_rows_keeps_the_selection(qtbot, db, runner):
    model = IndicatorTableModel.for_database(runner, db)
    view = IndicatorBrowserView(runner, model)
    qtbot.addWidget(view)
    view.show()
    _wait_filter(qtbot, model, "")
    view.table().selectRow(40)
    resets = []
    model.modelReset.connect(lambda: resets.append(1))
    with qtbot.waitSignal(model.sig_filter_finished, timeout=10_000):
        model.reload()
    assert resets == [] and view.current_indicator_id() == model.id_at(40)


def test_totals_follow_the_filter(qtbot, db, runner):
    from app.services.ui_queries import get_indicator_rows, search_indicator_ids

    model = IndicatorTableModel.for_database(runner, db)
    view = IndicatorBrowserView(runner, model)
    qtbot.addWidget(view)
    with qtbot.waitSignal(model.sig_totals, timeout=10_000) as blocker:
        model.set_filter("图书采购")
    totals = blocker.args[0]
    rows = get_indicator_rows(db=db, ids=search_indicator_ids(db=db, text="图书采购")).values()
    assert totals.count == len(rows) == model.rowCount()
    assert totals.amount == sum(r.amount for r in rows)
    assert totals.available == sum(r.available for r in rows)
    assert f"{totals.count:,}" in view.totals_text()

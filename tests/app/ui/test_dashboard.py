"""统计 for bureau users: execution rate by 部门 (the units' departments from the sync's unit
cache), by 单位 and by indicator, beside economic class; image and Excel export still work."""
from __future__ import annotations

from openpyxl import load_workbook
from PySide6.QtGui import QImage
from sqlalchemy import select, update

from app.models import CodeTableEntry, Indicator
from app.services.ui_queries import dashboard_data
from app.ui.dashboard import DashboardView


def _spread_over_departments(db) -> dict[str, tuple[int, int]]:
    """Move indicators into three units of two departments; returns dept → (amount, paid)."""
    with db.transaction() as s:
        ids = list(s.scalars(select(Indicator.id).where(Indicator.active.is_(True))
                             .order_by(Indicator.id)))
        for code, name, dept in (("201001", "市教育局", "D20"), ("201002", "市第一中学", "D20"),
                                 ("301001", "市卫健委", "D30")):
            s.add(CodeTableEntry(table="unit", fiscal_year=0, code=code, name=name, parent=dept))
        for code, name in (("D20", "教育部门"), ("D30", "卫生健康部门")):
            s.add(CodeTableEntry(table="department", fiscal_year=0, code=code, name=name))
        for i, ind_id in enumerate(ids):
            unit = ("201001", "201002", "301001")[i % 3]
            s.execute(update(Indicator).where(Indicator.id == ind_id).values(unit_code=unit))
    expected: dict[str, tuple[int, int]] = {}
    with db.read() as s:
        for unit, amount, paid in s.execute(select(Indicator.unit_code, Indicator.amount,
                                                   Indicator.paid)
                                            .where(Indicator.active.is_(True))):
            dept = "D30" if unit == "301001" else "D20"
            a, p = expected.get(dept, (0, 0))
            expected[dept] = (a + amount, p + paid)
    return expected


def test_execution_rate_by_department_unit_and_indicator(qtbot, ctx, tmp_path):
    expected = _spread_over_departments(ctx.db)
    data = dashboard_data(db=ctx.db)
    got = {g.key: (g.amount, g.paid) for g in data.by_department}
    assert got == expected
    assert {g.key for g in data.by_unit} == {"201001", "201002", "301001"}
    assert data.names["department:D20"] == "教育部门"
    assert len(data.by_indicator) == 8
    assert [g.amount for g in data.by_indicator] == sorted(
        (g.amount for g in data.by_indicator), reverse=True)

    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.resize(1400, 800)
    view.show()
    qtbot.waitUntil(lambda: view.data is not None, timeout=5000)
    titles = view.chart_titles()
    assert "按部门的执行率" in titles and "按指标的执行率（金额最大的 8 个）" in titles
    assert "按经济分类（类）的执行率" in titles
    dept_chart = view.findChild(type(view._dept_chart), "departmentChart").chart()
    axis = dept_chart.axes()[0]
    assert set(axis.categories()) == {"教育部门", "卫生健康部门"}
    bars = dept_chart.series()[0].barSets()[0]
    d20 = expected["D20"]
    rates = [bars.at(i) for i in range(bars.count())]
    assert d20[1] * 1000 // d20[0] / 10 in rates

    png = tmp_path / "统计.png"
    assert view.save_image(str(png))
    assert QImage(str(png)).width() >= 1000
    xlsx = tmp_path / "预算执行情况表.xlsx"
    view._message.setText("")
    from app.services.ui_queries import export_execution_report

    export_execution_report(db=ctx.db, path=str(xlsx))
    wb = load_workbook(xlsx, read_only=True)
    assert wb.sheetnames  # the workbook opens
    cells = " ".join(str(c) for ws in wb.worksheets for row in ws.iter_rows(values_only=True)
                     for c in row if c is not None)
    assert "201001" in cells and "301001" in cells


def test_unit_user_sees_units_not_a_single_department_bar(qtbot, ctx):
    view = DashboardView(ctx)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitUntil(lambda: view.data is not None, timeout=5000)
    assert "按单位的执行率" in view.chart_titles()

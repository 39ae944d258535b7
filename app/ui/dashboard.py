"""统计: execution rate by fund type, functional class and economic class; monthly trend of
the user's payments (QtCharts); export as image and as Excel."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from PySide6.QtCharts import (
    QBarCategoryAxis,
    QBarSeries,
    QBarSet,
    QChart,
    QChartView,
    QHorizontalBarSeries,
    QLineSeries,
    QValueAxis,
)
from PySide6.QtCore import QMargins, Qt
from PySide6.QtGui import QColor, QPainter
from PySide6.QtWidgets import (
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.services.ui_queries import (
    DashboardData,
    ExecutionGroup,
    dashboard_data,
    export_execution_report,
)
from app.ui.context import UiContext
from app.ui.formatting import code_name, fund_type_name, money, permille_text, status_name
from app.ui.i18n import RetranslateMixin
from app.ui.tasks import ChangeAwareMixin


def _wan(fen: int) -> float:
    """Chart axis values in 万元 (display only; never used for arithmetic)."""
    return fen / 1_000_000


class DashboardView(RetranslateMixin, ChangeAwareMixin, QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: DashboardData | None = None
        self._kpis: dict[str, QLabel] = {}
        kpi_row = QHBoxLayout()
        for key, text in (("amount", self.tr("指标总额")), ("paid", self.tr("已支付")),
                          ("reserved", self.tr("在途")), ("rate", self.tr("执行率")),
                          ("apps", self.tr("我的申请"))):
            box = QLabel()
            box.setObjectName(f"kpi_{key}")
            box.setStyleSheet("QLabel { background: #f4f7fb; border: 1px solid #dde4ee;"
                              " border-radius: 6px; padding: 8px 14px; }")
            box.setTextFormat(Qt.TextFormat.RichText)
            box.setProperty("title", text)
            kpi_row.addWidget(box, 1)
            self._kpis[key] = box
        self._fund_chart = self._chart_view()
        self._func_chart = self._chart_view()
        self._eco_chart = self._chart_view()
        self._trend_chart = self._chart_view()
        self._dept_chart = self._chart_view()
        self._dept_chart.setObjectName("departmentChart")
        self._ind_chart = self._chart_view()
        self._ind_chart.setObjectName("indicatorChart")
        grid = QGridLayout()
        grid.addWidget(self._dept_chart, 0, 0)
        grid.addWidget(self._ind_chart, 0, 1)
        grid.addWidget(self._eco_chart, 0, 2)
        grid.addWidget(self._fund_chart, 1, 0)
        grid.addWidget(self._func_chart, 1, 1)
        grid.addWidget(self._trend_chart, 1, 2)
        self._image_button = QPushButton(self.tr("导出图片…"))
        self._excel_button = QPushButton(self.tr("导出 Excel…"))
        self._message = QLabel()
        buttons = QHBoxLayout()
        buttons.addWidget(self._message, 1)
        buttons.addWidget(self._image_button)
        buttons.addWidget(self._excel_button)
        layout = QVBoxLayout(self)
        layout.addLayout(kpi_row)
        layout.addLayout(grid, 1)
        layout.addLayout(buttons)
        self._image_button.clicked.connect(self._on_image_clicked)
        self._excel_button.clicked.connect(self._on_excel_clicked)
        self.watch_changes(ctx.runner)
        self.refresh()

    @staticmethod
    def _chart_view() -> QChartView:
        view = QChartView()
        view.setRenderHint(QPainter.RenderHint.Antialiasing)
        view.setMinimumHeight(240)
        return view

    def wants_changes(self, changes: Any) -> bool:
        return bool(getattr(changes, "indicators", None) or getattr(changes, "applications", None))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh_if_stale()

    def refresh(self) -> None:
        db = self.ctx.db
        self.ctx.runner.query(lambda c: dashboard_data(db=db), on_success=self.show_data,
                              key=f"dashboard-{id(self)}", label=self.tr("统计"))

    def show_data(self, data: DashboardData) -> None:
        self.data = data
        t = data.total
        values = {"amount": money(t.amount), "paid": money(t.paid), "reserved": money(t.reserved),
                  "rate": permille_text(t.permille),
                  "apps": " · ".join(f"{status_name(k)} {v}" for k, v in
                                     sorted(data.status_counts.items()))}
        for key, label in self._kpis.items():
            label.setText(f"<span style='color:#667'>{label.property('title')}</span><br>"
                          f"<span style='font-size:15pt'><b>{values[key]}</b></span>")
        year = datetime.now().year
        self._fund_chart.setChart(self._rate_chart(
            self.tr("按资金性质的执行率"), [(fund_type_name(g.key) or g.key, g) for g in data.by_fund_type]))
        self._func_chart.setChart(self._rate_chart(
            self.tr("按功能分类（类）的执行率"),
            [(f"{g.key} {code_name('functional', g.key, year)}", g) for g in data.by_func_class]))
        self._eco_chart.setChart(self._rate_chart(
            self.tr("按经济分类（类）的执行率"),
            [(f"{g.key} {code_name('dep_economic', g.key, year)}" if g.key else self.tr("未细化"), g)
             for g in data.by_eco_class]))
        self._trend_chart.setChart(self._trend(data.monthly_paid))
        self._dept_chart.setChart(self._rate_chart(*self._org_groups(data)))
        self._ind_chart.setChart(self._rate_chart(
            self.tr("按指标的执行率（金额最大的 8 个）"),
            [(f"{g.key} {data.names.get('indicator:' + g.key, '')}".strip(), g)
             for g in data.by_indicator]))

    def _org_groups(self, data: DashboardData) -> tuple[str, list[tuple[str, ExecutionGroup]]]:
        """By 部门 when the data spans several departments (bureau users), else by 单位."""
        depts = [g for g in data.by_department if g.key]
        if len(depts) > 1:
            return self.tr("按部门的执行率"), [
                (data.names.get(f"department:{g.key}") or g.key, g) for g in data.by_department]
        return self.tr("按单位的执行率"), [
            (data.names.get(f"unit:{g.key}") or g.key, g) for g in data.by_unit]

    def chart_titles(self) -> list[str]:
        return [v.chart().title() for v in (self._dept_chart, self._ind_chart, self._eco_chart,
                                            self._fund_chart, self._func_chart, self._trend_chart)
                if v.chart() is not None]

    def _rate_chart(self, title: str, groups: list[tuple[str, ExecutionGroup]]) -> QChart:
        chart = QChart()
        chart.setTitle(title)
        chart.legend().setVisible(False)
        chart.setMargins(QMargins(4, 4, 4, 4))
        bars = QBarSet(self.tr("执行率 %"))
        bars.setColor(QColor("#2e86de"))
        cats = []
        for name, g in groups[:8]:
            bars.append(g.permille / 10)
            cats.append(name[:14])
        series = QHorizontalBarSeries()
        series.append(bars)
        series.setLabelsVisible(True)
        series.setLabelsFormat("@value%")
        chart.addSeries(series)
        axis_y = QBarCategoryAxis()
        axis_y.append(cats)
        axis_x = QValueAxis()
        axis_x.setRange(0, 100)
        axis_x.setLabelFormat("%d%%")
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        series.attachAxis(axis_y)
        series.attachAxis(axis_x)
        return chart

    def _trend(self, monthly: list[tuple[str, int]]) -> QChart:
        chart = QChart()
        chart.setTitle(self.tr("我的支付申请月度金额（万元）"))
        chart.legend().setVisible(False)
        chart.setMargins(QMargins(4, 4, 4, 4))
        bars = QBarSet(self.tr("金额"))
        bars.setColor(QColor("#27ae60"))
        line = QLineSeries()
        line.setColor(QColor("#e67e22"))
        cats, running = [], 0
        for i, (month, fen) in enumerate(monthly[-12:]):
            bars.append(_wan(fen))
            running += fen
            line.append(i, _wan(running))
            cats.append(month[2:])
        series = QBarSeries()
        series.append(bars)
        chart.addSeries(series)
        axis_x = QBarCategoryAxis()
        axis_x.append(cats)
        axis_y = QValueAxis()
        axis_y.setLabelFormat("%.1f")
        top = max([_wan(f) for _m, f in monthly[-12:]] + [1.0])
        axis_y.setRange(0, top * 1.15)
        chart.addAxis(axis_x, Qt.AlignmentFlag.AlignBottom)
        chart.addAxis(axis_y, Qt.AlignmentFlag.AlignLeft)
        series.attachAxis(axis_x)
        series.attachAxis(axis_y)
        return chart

    def _on_image_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出图片"), "统计.png",
                                              self.tr("PNG 图片 (*.png)"))
        if path:
            self.save_image(path)

    def save_image(self, path: str) -> bool:
        ok = self.grab().save(path, "PNG")
        self._message.setText(self.tr("已导出：{0}").format(path) if ok else self.tr("导出失败"))
        return ok

    def _on_excel_clicked(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.tr("导出 Excel"), "预算执行情况表.xlsx",
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if not path:
            return
        db = self.ctx.db
        self._message.setText(self.tr("正在导出…"))
        self.ctx.runner.query(lambda c: export_execution_report(db=db, path=path),
                              on_success=lambda p: self._message.setText(
                                  self.tr("已导出：{0}").format(p)),
                              on_failure=lambda m, e: self._message.setText(m),
                              label=self.tr("导出 Excel"))

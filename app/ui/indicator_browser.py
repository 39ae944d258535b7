"""Indicator browser (指标): 100,000 rows that scroll and filter without freezing.

:class:`IndicatorTableModel` holds only the ordered list of matching ids; rows are fetched in
pages around what the view paints (a bounded cache, Anki's browser table model), and the
filter query runs on the task runner — a newer filter cancels the older one.
"""
from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRect,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QKeySequence, QPainter, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.services.ui_queries import (
    IndicatorRow,
    get_indicator_rows,
    indicator_totals,
    search_indicator_ids,
)
from app.ui.formatting import code_label, fund_type_name, money, permille_text
from app.ui.i18n import RetranslateMixin
from app.ui.tasks import ChangeAwareMixin, TaskRunner

ROW_ROLE = Qt.ItemDataRole.UserRole + 1  # the IndicatorRow
PERMILLE_ROLE = Qt.ItemDataRole.UserRole + 2  # execution rate in ‰ (int)
ID_ROLE = Qt.ItemDataRole.UserRole + 3

RowFetcher = Callable[[Sequence[str]], dict[str, IndicatorRow]]
IdSearcher = Callable[..., list[str]]  # (text, sort=..., descending=...) -> ids


class IndicatorTableModel(QAbstractTableModel):
    """An id list with a lazy, bounded row cache."""

    sig_filter_started = Signal(str)
    sig_filter_finished = Signal(str, int)  # filter text, number of matches
    sig_totals = Signal(object)  # IndicatorTotals of the current filter

    COLUMNS = ("id", "doc_no", "pro_name", "func", "eco", "fund", "amount", "paid",
               "reserved", "available", "rate")
    MONEY_COLUMNS = frozenset({"amount", "paid", "reserved", "available"})
    PAGE = 120
    CACHE_LIMIT = 12_000

    def __init__(self, runner: TaskRunner | None, search_ids: IdSearcher,
                 fetch_rows: RowFetcher, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._runner = runner
        self._search_ids = search_ids
        self._fetch_rows = fetch_rows
        self._ids: list[str] = []
        self._cache: OrderedDict[str, IndicatorRow] = OrderedDict()
        self._filter = ""
        self._applied_filter: str | None = None
        self._sort = ("id", False)
        self.totals_fn: Callable[[str], Any] | None = None
        self._headers = (
            self.tr("指标编号"), self.tr("指标文号"), self.tr("项目名称"), self.tr("功能科目"),
            self.tr("经济科目"), self.tr("资金性质"), self.tr("金额"), self.tr("已支付"),
            self.tr("在途"), self.tr("可用"), self.tr("执行率"),
        )

    @classmethod
    def for_database(cls, runner: TaskRunner | None, db: Any, *, fiscal_year: int | None = None,
                     parent: QObject | None = None) -> IndicatorTableModel:
        model = cls(
            runner,
            lambda text, sort="id", descending=False: search_indicator_ids(
                db=db, text=text, fiscal_year=fiscal_year, sort=sort, descending=descending),
            lambda ids: get_indicator_rows(db=db, ids=ids),
            parent,
        )
        model.totals_fn = lambda text: indicator_totals(db=db, text=text, fiscal_year=fiscal_year)
        return model

    # ------------------------------------------------------------------ filtering

    def filter_text(self) -> str:
        return self._filter

    def set_filter(self, text: str) -> None:
        """Run the filter off the UI thread (or inline without a runner)."""
        text = " ".join((text or "").split())
        self._filter = text
        self.sig_filter_started.emit(text)
        sort, descending = self._sort
        if self._runner is None:
            self._apply_ids(text, self._search_ids(text, sort=sort, descending=descending))
            return
        search = self._search_ids

        def work(ctx: Any) -> list[str]:
            ctx.check()
            return search(text, sort=sort, descending=descending)

        self._runner.query(work, on_success=lambda ids: self._apply_ids(text, ids),
                           label=self.tr("筛选指标"), key=f"indicator-filter-{id(self)}")

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is part of the (indexed) query, never done over the rows in Python."""
        key = self.COLUMNS[column] if 0 <= column < len(self.COLUMNS) else "id"
        sort = (key, order == Qt.SortOrder.DescendingOrder)
        if sort != self._sort:
            self._sort = sort
            self.set_filter(self._filter)

    def reload(self) -> None:
        """Forget cached rows and re-run the current filter (after a change set)."""
        self._cache.clear()
        self.set_filter(self._filter)

    def invalidate_rows(self, ids: Sequence[str]) -> None:
        for i in ids:
            self._cache.pop(i, None)
        if self._ids:
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._ids) - 1, len(self.COLUMNS) - 1))

    def _apply_ids(self, text: str, ids: list[str]) -> None:
        if text != self._filter:
            return  # an older filter finished after a newer one started
        if ids == self._ids and self._ids:
            # same rows (a refresh after a change set): keep the selection and scroll position
            self.dataChanged.emit(self.index(0, 0),
                                  self.index(len(self._ids) - 1, len(self.COLUMNS) - 1))
        else:
            self.beginResetModel()
            self._ids = list(ids)
            self.endResetModel()
        self._applied_filter = text
        self.sig_filter_finished.emit(text, len(self._ids))
        totals_fn = self.totals_fn
        if totals_fn is not None and self._runner is not None:
            self._runner.query(lambda c: totals_fn(text),
                               on_success=lambda t: self.sig_totals.emit(t)
                               if text == self._filter else None,
                               key=f"indicator-totals-{id(self)}", label=self.tr("合计"))

    # ------------------------------------------------------------------ rows

    def ids(self) -> list[str]:
        return list(self._ids)

    def id_at(self, row: int) -> str | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    def row_of(self, indicator_id: str) -> int:
        try:
            return self._ids.index(indicator_id)
        except ValueError:
            return -1

    def row_at(self, row: int) -> IndicatorRow | None:
        rid = self.id_at(row)
        if rid is None:
            return None
        cached = self._cache.get(rid)
        if cached is not None:
            self._cache.move_to_end(rid)
            return cached
        self._load_page(row)
        return self._cache.get(rid)

    def _load_page(self, row: int) -> None:
        start = max(0, row - self.PAGE // 4)
        wanted = [i for i in self._ids[start:start + self.PAGE] if i not in self._cache]
        if not wanted:
            return
        fetched = self._fetch_rows(wanted)
        for rid in wanted:
            row_data = fetched.get(rid)
            if row_data is not None:
                self._cache[rid] = row_data
        while len(self._cache) > self.CACHE_LIMIT:
            self._cache.popitem(last=False)

    def cached_count(self) -> int:
        return len(self._cache)

    # ------------------------------------------------------------------ Qt model API

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self._ids)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex | None = None) -> int:
        return 0 if parent is not None and parent.isValid() else len(self.COLUMNS)

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation == Qt.Orientation.Horizontal:
            if role == Qt.ItemDataRole.DisplayRole:
                return self._headers[section]
            if role == Qt.ItemDataRole.TextAlignmentRole and self.COLUMNS[section] in self.MONEY_COLUMNS:
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        elif role == Qt.ItemDataRole.DisplayRole:
            return section + 1
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self.COLUMNS[index.column()]
        if role == ID_ROLE:
            return self.id_at(index.row())
        if role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole,
                        Qt.ItemDataRole.TextAlignmentRole, Qt.ItemDataRole.ForegroundRole,
                        ROW_ROLE, PERMILLE_ROLE):
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            if column in self.MONEY_COLUMNS or column == "rate":
                return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            return None
        row = self.row_at(index.row())
        if row is None:
            return "…" if role == Qt.ItemDataRole.DisplayRole else None
        if role == ROW_ROLE:
            return row
        if role == PERMILLE_ROLE:
            return row.execution_permille
        if role == Qt.ItemDataRole.ForegroundRole:
            if not row.executable:
                return QColor("#9a9a9a")
            if column == "available" and row.available_after_pending <= 0:
                return QColor("#c0392b")
            return None
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == "available" and row.pending_own:
                return self.tr("服务器确认可用 {0}，扣除本机未确认申请 {1} 后为 {2}").format(
                    money(row.available), money(row.pending_own), money(row.available_after_pending))
            if column == "pro_name":
                return f"{row.pro_code or ''} {row.pro_name or ''}\n{row.doc_title or ''}"
            if not row.executable:
                return self.tr("不可执行指标")
            return None
        return self._display(column, row)

    def _display(self, column: str, row: IndicatorRow) -> str:
        if column == "id":
            return row.id
        if column == "doc_no":
            return row.doc_no or ""
        if column == "pro_name":
            return row.pro_name or ""
        if column == "func":
            return code_label("functional", row.func_code, row.fiscal_year)
        if column == "eco":
            return code_label("dep_economic", row.dep_eco_code, row.fiscal_year) or self.tr("（未细化）")
        if column == "fund":
            return fund_type_name(row.fund_type_code)
        if column == "amount":
            return money(row.amount)
        if column == "paid":
            return money(row.paid)
        if column == "reserved":
            return money(row.reserved + row.pending_own)
        if column == "available":
            return money(row.available_after_pending)
        if column == "rate":
            return permille_text(row.execution_permille)
        return ""


class ExecutionRateDelegate(QStyledItemDelegate):
    """Paints the execution rate as a bar with the percentage on it."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem,
              index: QModelIndex | QPersistentModelIndex) -> None:
        permille = index.data(PERMILLE_ROLE)
        if permille is None:
            super().paint(painter, option, index)
            return
        painter.save()
        if option.state & QStyle.StateFlag.State_Selected:
            painter.fillRect(option.rect, option.palette.highlight())
        r = option.rect.adjusted(4, 5, -4, -5)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#e8edf3"))
        painter.drawRoundedRect(r, 3, 3)
        width = int(r.width() * min(1000, max(0, int(permille))) / 1000)
        color = QColor("#2e86de") if permille < 800 else QColor("#27ae60")
        if permille < 200:
            color = QColor("#e67e22")
        painter.setBrush(color)
        painter.drawRoundedRect(QRect(r.x(), r.y(), width, r.height()), 3, 3)
        painter.setPen(QColor("#1b1b1b"))
        painter.drawText(r, int(Qt.AlignmentFlag.AlignCenter), permille_text(int(permille)))
        painter.restore()


class IndicatorBrowserView(RetranslateMixin, ChangeAwareMixin, QWidget):
    """Search box + table; double-click or Enter starts an application on the indicator."""

    sig_start_application = Signal(str)  # indicator id

    def __init__(self, runner: TaskRunner | None, model: IndicatorTableModel,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.model = model
        self._search = QLineEdit()
        self._search.setObjectName("indicatorSearch")
        self._search.setPlaceholderText(self.tr("按指标编号、文号、项目、功能/经济科目代码筛选（空格分隔多个词）"))
        self._search.setClearButtonEnabled(True)
        self._count = QLabel()
        self._count.setObjectName("indicatorCount")
        self._totals = QLabel()
        self._totals.setObjectName("indicatorTotals")
        self._totals.setStyleSheet("color:#555;")
        self._new_button = QPushButton(self.tr("用此指标新建申请"))
        self._new_button.setToolTip(self.tr("双击一行或按回车同样可以新建（Ctrl+N）"))
        self._table = QTableView()
        self._table.setObjectName("indicatorTable")
        self._table.setModel(model)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._table.setAlternatingRowColors(True)
        self._table.setWordWrap(False)
        self._table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self._table.verticalHeader().setDefaultSectionSize(26)
        self._table.verticalHeader().setVisible(False)
        header = self._table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        for col, width in enumerate((128, 170, 150, 190, 150, 120, 120, 120, 110, 120, 110)):
            self._table.setColumnWidth(col, width)
        header.setStretchLastSection(True)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self._table.setSortingEnabled(True)
        self._rate_delegate = ExecutionRateDelegate(self._table)
        self._table.setItemDelegateForColumn(IndicatorTableModel.COLUMNS.index("rate"),
                                             self._rate_delegate)
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(180)

        top = QHBoxLayout()
        top.addWidget(QLabel(self.tr("筛选：")))
        top.addWidget(self._search, 1)
        top.addWidget(self._count)
        top.addWidget(self._new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self._table, 1)
        layout.addWidget(self._totals)

        self._search.textChanged.connect(self._on_search_text_changed)
        self._search.returnPressed.connect(self._on_search_return_pressed)
        self._debounce.timeout.connect(self._on_debounce_timeout)
        self._table.doubleClicked.connect(self._on_table_double_clicked)
        self._new_button.clicked.connect(self._on_new_button_clicked)
        model.sig_filter_started.connect(self._on_model_filter_started)
        model.sig_filter_finished.connect(self._on_model_filter_finished)
        model.sig_totals.connect(self._on_model_totals)
        enter = QShortcut(QKeySequence(Qt.Key.Key_Return), self._table)
        enter.setContext(Qt.ShortcutContext.WidgetShortcut)
        enter.activated.connect(self._on_new_button_clicked)
        focus = QShortcut(QKeySequence("Ctrl+F"), self)
        focus.activated.connect(self._search.setFocus)
        if runner is not None:
            self.watch_changes(runner)
        self.setTabOrder(self._search, self._table)
        self.setTabOrder(self._table, self._new_button)

    # ChangeAwareMixin
    def wants_changes(self, changes: Any) -> bool:
        return bool(getattr(changes, "indicators", None) or getattr(changes, "applications", None))

    def refresh(self) -> None:
        self.model.reload()

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh_if_stale()

    def table(self) -> QTableView:
        return self._table

    def search_box(self) -> QLineEdit:
        return self._search

    def current_indicator_id(self) -> str | None:
        index = self._table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def _on_search_text_changed(self, _text: str) -> None:
        self._debounce.start()

    def _on_search_return_pressed(self) -> None:
        self._debounce.stop()
        self.model.set_filter(self._search.text())
        self._table.setFocus()

    def _on_debounce_timeout(self) -> None:
        self.model.set_filter(self._search.text())

    def _on_model_filter_started(self, _text: str) -> None:
        self._count.setText(self.tr("正在筛选…"))

    def _on_model_filter_finished(self, _text: str, count: int) -> None:
        self._count.setText(self.tr("共 {0} 条").format(f"{count:,}"))
        if count and not self._table.currentIndex().isValid():
            self._table.selectRow(0)

    def _on_model_totals(self, t: Any) -> None:
        self._totals.setText(self.tr("合计 {0} 条：金额 {1}　已支付 {2}　在途 {3}　可用 {4}").format(
            f"{t.count:,}", money(t.amount), money(t.paid), money(t.reserved), money(t.available)))

    def totals_text(self) -> str:
        return self._totals.text()

    def _on_table_double_clicked(self, index: QModelIndex) -> None:
        rid = self.model.id_at(index.row())
        if rid:
            self.sig_start_application.emit(rid)

    def _on_new_button_clicked(self) -> None:
        rid = self.current_indicator_id()
        if rid:
            self.sig_start_application.emit(rid)

"""The main window: navigation on the left, one page per working area, a status bar.

Feature screens (indicator browser, payment form, reviewer queue, capture, import wizard…) plug in
through :meth:`MainWindow.set_page`; until a screen is installed its page says what will be there.
"""
from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from app import __version__
from app.ui.i18n import RetranslateMixin


class MainWindow(RetranslateMixin, QMainWindow):
    sig_page_changed = Signal(str)

    #: (key, Chinese title, one-line description) of each navigation entry, in order.
    PAGES = (
        ("indicators", "指标", "预算指标：金额、已支付、在途、可用与执行率"),
        ("applications", "支付申请", "填写、保存、提交支付申请，查看状态与审批轨迹"),
        ("approvals", "待我审批", "审批队列：凭证、预算情况与预警并列显示"),
        ("warnings", "预警", "三级预警与处置闭环"),
        ("capture", "凭证采集", "高拍仪、文件夹与文件采集，识别并核对票据字段"),
        ("excel", "导入导出", "Excel 模板、指标与收款人导入、报表导出"),
        ("dashboard", "统计", "执行率与月度趋势"),
        ("settings", "设置", "服务器、语言、识别引擎"),
    )

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("金财桌面端") + f" {__version__}")
        self.resize(1280, 800)
        self._nav = QListWidget()
        self._nav.setObjectName("navigation")
        self._nav.setFixedWidth(160)
        self._stack = QStackedWidget()
        self._pages: dict[str, int] = {}
        for key, title, description in self.PAGES:
            item = QListWidgetItem(self.tr(title))
            item.setData(Qt.ItemDataRole.UserRole, key)
            self._nav.addItem(item)
            self._pages[key] = self._stack.addWidget(self._placeholder(self.tr(title), self.tr(description)))
        self._nav.currentRowChanged.connect(self._on_nav_row_changed)
        central = QWidget()
        layout = QHBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self._nav)
        layout.addWidget(self._stack, 1)
        self.setCentralWidget(central)
        self._connection_label = QLabel(self.tr("离线"))
        self._connection_label.setObjectName("connectionState")
        self.statusBar().addPermanentWidget(self._connection_label)
        self.statusBar().showMessage(self.tr("就绪"))
        help_menu = self.menuBar().addMenu(self.tr("帮助"))
        help_menu.addAction(self.tr("关于"), self._on_about_triggered)
        self._nav.setCurrentRow(0)

    @staticmethod
    def _placeholder(title: str, description: str) -> QWidget:
        page = QWidget()
        layout = QVBoxLayout(page)
        heading = QLabel(f"<h2>{title}</h2>")
        body = QLabel(description)
        body.setWordWrap(True)
        layout.addWidget(heading)
        layout.addWidget(body)
        layout.addStretch(1)
        return page

    def retranslate_dynamic(self) -> None:
        title = self.tr("金财桌面端") + f" {__version__}"
        suffix = getattr(self, "_title_suffix", "")
        self.setWindowTitle(title + (suffix() if callable(suffix) else suffix))

    def page_keys(self) -> list[str]:
        return [key for key, _, _ in self.PAGES]

    def current_page(self) -> str:
        return self.PAGES[self._nav.currentRow()][0]

    def show_page(self, key: str) -> None:
        self._nav.setCurrentRow(self.page_keys().index(key))

    def set_page(self, key: str, widget: QWidget) -> None:
        """Install a feature screen for a navigation entry, replacing its placeholder."""
        index = self._pages[key]
        old = self._stack.widget(index)
        self._stack.removeWidget(old)
        old.deleteLater()
        self._stack.insertWidget(index, widget)
        if self._nav.currentRow() == index:
            self._stack.setCurrentIndex(index)

    def add_page(self, key: str, title: str, description: str, widget: QWidget) -> None:
        """A navigation entry after the fixed ones, for a screen only some roles get (the
        treasury's 支付); ``title`` and ``description`` are already translated."""
        self.PAGES = (*self.PAGES, (key, title, description))
        item = QListWidgetItem(title)
        item.setData(Qt.ItemDataRole.UserRole, key)
        self._nav.addItem(item)
        self._pages[key] = self._stack.addWidget(widget)

    def page_widget(self, key: str) -> QWidget:
        return self._stack.widget(self._pages[key])

    def install_status_widget(self, widget: QWidget) -> None:
        """Replace the bare connection label with a richer status widget (sync panel)."""
        self.statusBar().removeWidget(self._connection_label)
        self._connection_label.hide()
        self.statusBar().addPermanentWidget(widget)

    def install_top_widget(self, widget: QWidget) -> None:
        """A strip above the pages (the in-app notification bar)."""
        central = self.takeCentralWidget()  # setCentralWidget would delete it
        outer = QWidget()
        layout = QVBoxLayout(outer)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(widget)
        layout.addWidget(central, 1)
        self.setCentralWidget(outer)

    def set_connection_state(self, online: bool) -> None:
        self._connection_label.setText(self.tr("在线") if online else self.tr("离线"))

    def _on_nav_row_changed(self, row: int) -> None:
        if row < 0:
            return
        self._stack.setCurrentIndex(row)
        self.sig_page_changed.emit(self.PAGES[row][0])

    #: returns app.services.updates.UpdateNotice or None (the shell sets it: it knows the store)
    update_notice_fn = None

    def about_text(self) -> str:
        text = (self.tr("金财桌面端 Jincai Desk") + f"\n{self.tr('版本')} {__version__}\n"
                + self.tr("国库集中支付客户端"))
        notice = self.update_notice_fn() if self.update_notice_fn is not None else None
        if notice is not None:
            from app.ui.tasks import ui_is_english

            text += "\n\n" + (notice.message_en() if ui_is_english() else notice.message())
        return text

    def _on_about_triggered(self) -> None:
        QMessageBox.about(self, self.tr("关于金财桌面端"), self.about_text())

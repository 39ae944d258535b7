import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel

from app.ui.application import install_translators, register_cjk_font
from app.ui.main_window import MainWindow


@pytest.fixture()
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    return w


def test_navigation_lists_every_working_area_in_chinese(window):
    nav = window.findChild(type(window._nav), "navigation")
    titles = [nav.item(i).text() for i in range(nav.count())]
    assert titles == ["指标", "支付申请", "待我审批", "预警", "凭证采集", "导入导出", "统计", "设置"]


def test_keyboard_navigation_switches_pages(window, qtbot):
    window._nav.setFocus()
    qtbot.keyClick(window._nav, Qt.Key.Key_Down)
    assert window.current_page() == "applications"
    seen = []
    window.sig_page_changed.connect(seen.append)
    window.show_page("capture")
    assert seen == ["capture"]
    assert window._stack.currentIndex() == 4


def test_feature_screens_replace_placeholders(window):
    screen = QLabel("capture screen")
    window.set_page("capture", screen)
    window.show_page("capture")
    assert window._stack.currentWidget() is screen
    assert window.page_widget("capture") is screen


def test_english_translation_is_complete_for_the_shell(qtbot):
    app = QApplication.instance()
    translators = install_translators(app, "en")
    try:
        assert translators, "jincai_en.qm missing: the set-up compiles resources/translations/*.ts"
        w = MainWindow()
        qtbot.addWidget(w)
        titles = [w._nav.item(i).text() for i in range(w._nav.count())]
        assert titles[0] == "Indicators" and titles[-1] == "Settings"
        assert all(not any("\u4e00" <= ch <= "\u9fff" for ch in t) for t in titles)
    finally:
        for translator in translators:
            app.removeTranslator(translator)


def test_a_cjk_font_is_available():
    # Without a CJK font every Chinese character renders as an empty box.
    assert register_cjk_font() is not None

"""Start-up of the desktop client: Qt application, fonts, translations, main window."""
from __future__ import annotations

import logging
import os
import sys

from PySide6.QtCore import QLibraryInfo, QLocale, QTranslator
from PySide6.QtGui import QFont, QFontDatabase
from PySide6.QtWidgets import QApplication

from app import __version__
from fiscal.resources import resource_path

log = logging.getLogger(__name__)

#: UI languages: Simplified Chinese is the source language, English a translation.
LANGUAGES = {"zh_CN": "简体中文", "en": "English"}


def has_display() -> bool:
    if os.environ.get("QT_QPA_PLATFORM", "").split(":")[0] in ("offscreen", "minimal", "vnc", "eglfs"):
        return True
    if sys.platform.startswith("linux"):
        return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))
    return True


def register_cjk_font() -> str | None:
    """Use a bundled CJK font if one ships in resources/fonts (so Chinese renders where none is
    installed); otherwise rely on the system's fonts (fonts-noto-cjk on Debian)."""
    fonts_dir = resource_path("fonts")
    family = None
    if fonts_dir.is_dir():
        for path in sorted(fonts_dir.iterdir()):
            if path.suffix.lower() in (".ttf", ".otf", ".ttc"):
                font_id = QFontDatabase.addApplicationFont(str(path))
                families = QFontDatabase.applicationFontFamilies(font_id) if font_id >= 0 else []
                # a .ttc holds several regional families; Simplified Chinese shapes come first
                families.sort(key=lambda name: not any(tag in name for tag in (" SC", " CN", "GB")))
                family = family or (families[0] if families else None)
    if family is None:
        for candidate in ("Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei",
                          "Microsoft YaHei", "PingFang SC"):
            if candidate in QFontDatabase.families():
                family = candidate
                break
    if family:
        font = QFont(family)
        font.setPointSize(10)
        QApplication.setFont(font)
    return family


def install_translators(app: QApplication, language: str) -> list[QTranslator]:
    """Chinese is the source text; for English load our .qm and Qt's own."""
    translators: list[QTranslator] = []
    if language.startswith("zh"):
        QLocale.setDefault(QLocale(QLocale.Language.Chinese, QLocale.Country.China))
        qt_translator = QTranslator(app)
        if qt_translator.load("qtbase_zh_CN", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(qt_translator)
            translators.append(qt_translator)
        return translators
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    ours = QTranslator(app)
    qm = resource_path("translations", f"jincai_{language}.qm")
    if ours.load(str(qm)):
        app.installTranslator(ours)
        translators.append(ours)
    else:
        log.warning("translation %s not found; run the set-up to compile it", qm)
    return translators


def create_application(argv: list[str] | None = None, language: str | None = None) -> QApplication:
    app = QApplication.instance() or QApplication(argv or sys.argv[:1])
    app.setApplicationName("Jincai Desk")
    app.setOrganizationName("Jincai")
    app.setApplicationVersion(__version__)
    register_cjk_font()
    language = language or os.environ.get("JINCAI_LANGUAGE", "zh_CN")
    app._jincai_translators = install_translators(app, language)  # keep them alive
    return app


def run_desktop(argv: list[str] | None = None) -> int:
    if not has_display():
        print("没有图形显示 (no display): run it under a virtual screen with:  xvfb-run -a jincai",
              file=sys.stderr)
        return 2
    app = create_application(argv)
    from app.ui.main_window import MainWindow

    window = MainWindow()
    window.show()
    return app.exec()

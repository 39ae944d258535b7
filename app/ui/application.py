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
    if language is None:
        from PySide6.QtCore import QSettings

        language = os.environ.get("JINCAI_LANGUAGE") or str(QSettings().value("language", "zh_CN"))
    app._jincai_translators = install_translators(app, language)  # keep them alive
    app._jincai_language = language  # switch_language (app/ui/i18n.py) replaces both
    return app


def _open_database_interactively():  # type: ignore[no-untyped-def]
    """Open the local store; on damage offer the two recovery paths (restore / start fresh)."""
    from PySide6.QtWidgets import QMessageBox

    from app import db as store

    try:
        return store.open_database()
    except store.DatabaseCorruptError as exc:
        box = QMessageBox(QMessageBox.Icon.Critical, QApplication.translate("startup", "本地数据库已损坏"),
                          exc.message.split(" / ")[0])
        restore = box.addButton(QApplication.translate("startup", "恢复最近的备份"),
                                QMessageBox.ButtonRole.AcceptRole) if exc.backups else None
        fresh = box.addButton(QApplication.translate("startup", "重新开始（保留未发送草稿）"),
                              QMessageBox.ButtonRole.DestructiveRole)
        box.addButton(QApplication.translate("startup", "退出"), QMessageBox.ButtonRole.RejectRole)
        box.exec()
        if restore is not None and box.clickedButton() is restore:
            return store.restore_backup(exc.path).database
        if box.clickedButton() is fresh:
            return store.start_fresh(exc.path).database
        return None
    except store.LocalDatabaseError as exc:
        QMessageBox.critical(None, QApplication.translate("startup", "无法打开本地数据库"),
                             exc.message.split(" / ")[0])
        return None


def run_desktop(argv: list[str] | None = None) -> int:
    """Sign-in, then the working window.

    * a server configured (``JINCAI_SERVER_URL`` or 设置): sign in to it;
    * none configured (the embedded default of ``make run``), or ``--demo``: start a local
      server with demo data on a free port and list its demo users;
    * ``--offline-demo``: no server at all, demo data in the local store, offline unlock.
    """
    if not has_display():
        print("没有图形显示 (no display): run it under a virtual screen with:  xvfb-run -a jincai",
              file=sys.stderr)
        return 2
    argv = list(argv if argv is not None else sys.argv)
    app = create_application(argv)
    from PySide6.QtCore import QSettings
    from PySide6.QtWidgets import QDialog

    from app.services.ui_queries import DEMO_SERVER_URL, DEMO_USERS, seed_demo_data
    from app.ui.context import UiContext
    from app.ui.shell import build_main_window
    from app.ui.sign_in import SignInDialog
    from app.ui.tasks import TaskRunner

    settings = QSettings()
    configured = os.environ.get("JINCAI_SERVER_URL") or str(settings.value("server_url", "") or "")
    offline_demo = "--offline-demo" in argv or os.environ.get("JINCAI_DEMO") == "offline"
    embedded = not offline_demo and ("--demo" in argv or not configured
                                     or os.environ.get("JINCAI_DEMO") == "1")
    db = _open_database_interactively()
    if db is None:
        return 1
    runner = TaskRunner()
    server = None
    state: dict[str, object] = {}  # the embedded server's url and users, once started
    if offline_demo:
        seed_demo_data(db=db, indicators=int(os.environ.get("JINCAI_DEMO_INDICATORS", "20000")))
    elif embedded:
        from app.db import data_dir
        from app.ui.embedded import EmbeddedServer, use_memory_keyring_if_needed

        use_memory_keyring_if_needed()
        server = EmbeddedServer(data_dir() / "embedded-server")

    def make_dialog() -> SignInDialog:
        if offline_demo:
            d = SignInDialog(db, runner, demo=True, server_url=DEMO_SERVER_URL,
                             demo_users=DEMO_USERS)
            d.offline_check.setChecked(True)
            return d
        if server is None:
            return SignInDialog(db, runner, server_url=configured,
                                username=str(settings.value("last_user", "")))
        if "url" in state:
            return SignInDialog(db, runner, demo=True, server_url=str(state["url"]),
                                demo_users=tuple(state["users"]))  # type: ignore[arg-type]
        d = SignInDialog(db, runner, demo=True, demo_users=())
        d.set_preparing(QApplication.translate("startup", "正在启动本机演示服务器…"))

        def start(_ctx):  # type: ignore[no-untyped-def]
            users = server.prepare()
            return server.start(), users

        def started(result):  # type: ignore[no-untyped-def]
            state["url"], state["users"] = result
            d.set_preparing(None)
            d.set_server_url(str(state["url"]))
            d.set_demo_users(state["users"])  # type: ignore[arg-type]

        runner.query(start, on_success=started,
                     on_failure=lambda message, _exc: (d.set_preparing(None),
                                                       d.show_error(message)),
                     label=QApplication.translate("startup", "启动本机服务器"))
        return d

    try:
        while True:
            dialog = make_dialog()
            if dialog.exec() != QDialog.DialogCode.Accepted or dialog.user() is None:
                return 0
            user = dialog.user()
            if not embedded and not offline_demo:
                settings.setValue("server_url", user.server_url)
            settings.setValue("last_user", user.username)
            ctx = UiContext(db, runner, user=user, demo=embedded or offline_demo)
            window = build_main_window(ctx)
            signed_out: list[bool] = []
            window.sig_signed_out.connect(lambda flags=signed_out: flags.append(True))
            window.show()
            if user.online:
                window.status_panel.start_sync()
            rc = app.exec()
            window.deleteLater()
            if not signed_out:
                return rc
    finally:
        runner.cancel_all()
        runner.wait_idle(5000)
        if server is not None:
            server.stop()
        db.close()

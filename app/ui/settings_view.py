"""设置: server address, UI language, OCR engine (stored in QSettings; the language switches
at once, without a restart — app/ui/i18n.py), and where the local data lives."""
from __future__ import annotations

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ui.application import LANGUAGES
from app.ui.context import UiContext
from app.ui.i18n import RetranslateMixin, current_language, switch_language
from app.ui.sign_in import validate_server_url


class SettingsView(RetranslateMixin, QWidget):
    def __init__(self, ctx: UiContext, parent: QWidget | None = None,
                 settings: QSettings | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._settings = settings or QSettings()
        self.server_edit = QLineEdit(str(self._settings.value("server_url", "")
                                         or (ctx.user.server_url if ctx.user else "")))
        self.server_error = QLabel()
        self.server_error.setStyleSheet("color:#c0392b")
        self.language = QComboBox()
        self.language.setObjectName("languageCombo")
        for code, name in LANGUAGES.items():
            self.language.addItem(name, code)
        current = str(self._settings.value("language", "zh_CN"))
        self.language.setCurrentIndex(max(0, self.language.findData(current)))
        self.ocr = QComboBox()
        for code, name in (("auto", self.tr("自动（优先 RapidOCR）")), ("rapid", "RapidOCR"),
                           ("tesseract", "Tesseract 5")):
            self.ocr.addItem(name, code)
        self.ocr.setCurrentIndex(max(0, self.ocr.findData(str(self._settings.value("ocr_engine",
                                                                                    "auto")))))
        self.save_button = QPushButton(self.tr("保存设置"))
        self._message = QLabel()
        conn = QGroupBox(self.tr("服务器"))
        cf = QFormLayout(conn)
        cf.addRow(self.tr("服务器地址"), self.server_edit)
        cf.addRow("", self.server_error)
        ui = QGroupBox(self.tr("界面与识别"))
        uf = QFormLayout(ui)
        uf.addRow(self.tr("界面语言"), self.language)
        uf.addRow(self.tr("识别引擎"), self.ocr)
        data = QGroupBox(self.tr("本机数据"))
        df = QFormLayout(data)
        path = QLabel(str(ctx.db.path))
        path.setWordWrap(True)
        df.addRow(self.tr("数据库"), path)
        df.addRow(self.tr("模式"), QLabel(self.tr("演示模式") if ctx.demo else self.tr("正式")))
        layout = QVBoxLayout(self)
        for w in (conn, ui, data):
            layout.addWidget(w)
        layout.addWidget(self.save_button)
        layout.addWidget(self._message)
        layout.addStretch(1)
        self.save_button.clicked.connect(self.save)

    def save(self) -> bool:
        problem = validate_server_url(self.server_edit.text())
        self.server_error.setText(problem or "")
        if problem:
            return False
        self._settings.setValue("server_url", self.server_edit.text().strip())
        self._settings.setValue("language", self.language.currentData())
        self._settings.setValue("ocr_engine", self.ocr.currentData())
        self._settings.sync()
        self._message.setText(self.tr("设置已保存。"))
        if current_language() != self.language.currentData():
            switch_language(str(self.language.currentData()))  # every screen retranslates
        return True

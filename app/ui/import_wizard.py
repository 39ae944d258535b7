"""Excel import wizard: pick a file → preview rows and errors (dry run) → import, with progress and cancel.

All file work runs off the UI thread in an :class:`ImportTask` (a ``QRunnable`` on the global
thread pool) that talks only through signals; a cancel flag stops it between rows. The worker
returns plain :class:`~app.excel.importer.ImportResult` objects; everything shown is formatted
here, in the GUI thread.

Given the local database (``db``, as the desktop shell passes it), rows go to the product
(:class:`app.services.imports.ProductTargets`): indicators to the server as the signed-in user,
then a sync; payees to the address book; batch applications to local drafts. ``sink_factory``
overrides that; with neither, the target is the JSON-lines staging file of :mod:`app.excel.sinks`.
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QRunnable,
    Qt,
    QThreadPool,
    Signal,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from app.excel.importer import ImportResult, import_workbook
from app.excel.schema import KIND_NAMES, KINDS, fields_for, synonyms
from app.excel.sinks import ExistingKeys, ImportSink, JsonLinesSink
from app.excel.validate import default_year
from app.ui.i18n import RetranslateMixin
from fiscal.money import format_amount

ImportFn = Callable[..., ImportResult]
PREVIEW_ROWS = 200


# ---- worker -------------------------------------------------------------------------------

class ImportSignals(QObject):
    sig_progress = Signal(int, int, int)  # task id, rows done, rows expected
    sig_finished = Signal(int, object)  # task id, ImportResult
    sig_failed = Signal(int, str)  # task id, message


class ImportTask(QRunnable):
    """Runs one ``import_workbook`` call (dry run or real) on a pool thread."""

    _next_id = 0

    def __init__(self, import_fn: ImportFn, path: str, kind: str, **kwargs) -> None:
        super().__init__()
        self.setAutoDelete(False)  # the wizard keeps a reference until the result has arrived
        ImportTask._next_id += 1
        self.task_id = ImportTask._next_id
        self.signals = ImportSignals()
        self._cancel = threading.Event()
        self._import_fn = import_fn
        self._path, self._kind, self._kwargs = path, kind, kwargs

    def cancel(self) -> None:
        self._cancel.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def run(self) -> None:  # pool thread: no widgets here
        try:
            kwargs = dict(self._kwargs)
            prepare = kwargs.pop("prepare", None)
            if prepare is not None:  # sinks open connections / read the store: not on the UI thread
                kwargs.update(prepare())
            result = self._import_fn(
                self._path, self._kind, cancel=self._cancel.is_set,
                progress=lambda done, total: self.signals.sig_progress.emit(self.task_id, done, total),
                **kwargs)
        except Exception as exc:  # noqa: BLE001 - reported to the user, never raised into Qt
            self.signals.sig_failed.emit(self.task_id, f"{type(exc).__name__}: {exc}")
            return
        self.signals.sig_finished.emit(self.task_id, result)


# ---- item models ----------------------------------------------------------------------------

class ImportErrorTableModel(QAbstractTableModel):
    HEADERS = ("行号", "列", "内容", "错误原因")

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._errors: list = []

    def set_errors(self, errors: list) -> None:
        self.beginResetModel()
        self._errors = list(errors)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._errors)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(self.HEADERS[section])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or role not in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return None
        error = self._errors[index.row()]
        value = (error.row, error.column, error.value, error.reason)[index.column()]
        return "" if value is None else str(value)


class RecordPreviewTableModel(QAbstractTableModel):
    """The first valid rows as they will be imported (codes canonical, money formatted)."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._records: list = []
        self._keys: list[str] = []
        self._headers: list[str] = []

    def set_records(self, kind: str, records: list, columns: dict[str, str]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self._keys = [f.key for f in fields_for(kind) if f.key in columns]
        self._headers = ["行号"] + [synonyms()[k][0] for k in self._keys]
        self.endResetModel()

    def rowCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: QModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._headers)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal:
            return self.tr(self._headers[section])
        return None

    def data(self, index: QModelIndex, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        record = self._records[index.row()]
        if index.column() == 0:
            return str(record.row) if role == Qt.ItemDataRole.DisplayRole else None
        key = self._keys[index.column() - 1]
        value = record.data.get(key)
        if role == Qt.ItemDataRole.TextAlignmentRole and key == "amount":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if value is None:
            return ""
        if key == "amount":
            return format_amount(value)
        if isinstance(value, bool):
            return self.tr("是") if value else self.tr("否")
        return str(value)


# ---- pages ----------------------------------------------------------------------------------

class _FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self.setTitle(self.tr("选择文件"))
        self.setSubTitle(self.tr("选择要导入的 Excel 工作簿（.xlsx、.xls、.ods）和数据类型。"))
        self.path_edit = QLineEdit()
        self.path_edit.setObjectName("pathEdit")
        browse = QPushButton(self.tr("浏览…"))
        browse.clicked.connect(self._on_browse_clicked)
        row = QHBoxLayout()
        row.addWidget(self.path_edit, 1)
        row.addWidget(browse)
        self.kind_combo = QComboBox()
        self.kind_combo.setObjectName("kindCombo")
        for kind in KINDS:
            self.kind_combo.addItem(self.tr(KIND_NAMES[kind]), kind)
        self.year_spin = QSpinBox()
        self.year_spin.setRange(2000, 2100)
        self.year_spin.setValue(default_year())
        self.partial_check = QCheckBox(self.tr("只导入正确的行（默认：任何一行有错则全部不导入）"))
        self.partial_check.setObjectName("partialCheck")
        target = QLabel(wizard.target_description)
        target.setWordWrap(True)
        target.setObjectName("targetLabel")
        form = QFormLayout(self)
        form.addRow(self.tr("文件"), row)
        form.addRow(self.tr("数据类型"), self.kind_combo)
        form.addRow(self.tr("预算年度"), self.year_spin)
        form.addRow("", self.partial_check)
        form.addRow(self.tr("导入目标"), target)
        self.path_edit.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:
        text = self.path_edit.text().strip()
        return bool(text) and Path(text).is_file()

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("选择 Excel 文件"), "",
                                              self.tr("Excel 工作簿 (*.xlsx *.xlsm *.xls *.ods);;所有文件 (*)"))
        if path:
            self.path_edit.setText(path)


class _PreviewPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(self.tr("预览与校验"))
        self.setSubTitle(self.tr("逐行校验，不写入任何数据。"))
        self.summary = QLabel()
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("previewProgress")
        self.cancel_button = QPushButton(self.tr("停止校验"))
        self.cancel_button.clicked.connect(wizard.cancel_running)
        self.annotate_button = QPushButton(self.tr("保存标注错误的副本…"))
        self.annotate_button.setObjectName("annotateButton")
        self.annotate_button.clicked.connect(self._on_annotate_clicked)
        self.annotate_button.setEnabled(False)
        self.partial_check = QCheckBox(self.tr("只导入正确的行"))
        self.partial_check.setObjectName("previewPartialCheck")
        self.partial_check.toggled.connect(wizard.file_page.partial_check.setChecked)
        wizard.file_page.partial_check.toggled.connect(self.partial_check.setChecked)
        self.partial_check.toggled.connect(self.completeChanged)
        bar = QHBoxLayout()
        bar.addWidget(self.progress, 1)
        bar.addWidget(self.cancel_button)
        bar.addWidget(self.partial_check)
        bar.addWidget(self.annotate_button)
        self.tabs = QTabWidget()
        self.rows_view = QTableView()
        self.rows_view.setModel(wizard.preview_model)
        self.errors_view = QTableView()
        self.errors_view.setModel(wizard.error_model)
        self.errors_view.horizontalHeader().setStretchLastSection(True)
        self.tabs.addTab(self.errors_view, self.tr("错误"))
        self.tabs.addTab(self.rows_view, self.tr("将导入的行"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addLayout(bar)
        layout.addWidget(self.tabs, 1)

    def initializePage(self) -> None:
        self._wizard.start_preview()

    def cleanupPage(self) -> None:
        self._wizard.cancel_running()

    def isComplete(self) -> bool:
        return self._wizard.can_import()

    def _on_annotate_clicked(self) -> None:
        source = Path(self._wizard.file_path())
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存标注副本"),
                                              str(source.with_name(source.stem + "-错误标注.xlsx")),
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self._wizard.save_annotated(path)


class _ImportPage(QWizardPage):
    def __init__(self, wizard: ImportWizard) -> None:
        super().__init__()
        self._wizard = wizard
        self.setTitle(self.tr("导入"))
        self.summary = QLabel()
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)
        self.progress = QProgressBar()
        self.progress.setObjectName("importProgress")
        self.cancel_button = QPushButton(self.tr("取消导入"))
        self.cancel_button.setObjectName("cancelImportButton")
        self.cancel_button.clicked.connect(wizard.cancel_running)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.progress)
        layout.addWidget(self.cancel_button)
        layout.addStretch(1)
        self.setFinalPage(True)

    def initializePage(self) -> None:
        self._wizard.start_import()

    def isComplete(self) -> bool:
        return self._wizard.import_result is not None and self._wizard.running_task is None


# ---- the wizard -----------------------------------------------------------------------------

class ImportWizard(QWizard):
    """Pick file → preview (dry run) → import. Emits ``sig_imported(result)`` after a commit."""

    sig_imported = Signal(object)
    sig_preview_ready = Signal(object)
    sig_task_done = Signal()

    def __init__(self, parent: QWidget | None = None, *,
                 sink_factory: Callable[[str], ImportSink] | None = None,
                 existing_factory: Callable[[str], ExistingKeys | None] | None = None,
                 indicators_factory: Callable[[], ExistingKeys | None] | None = None,
                 import_fn: ImportFn | None = None,
                 thread_pool: QThreadPool | None = None,
                 db=None) -> None:
        super().__init__(parent)
        self._targets = None
        if db is not None and sink_factory is None:
            from app.services.imports import ProductTargets, import_to_product

            self._targets = ProductTargets(db)
            sink_factory = self._targets.sink
            existing_factory = existing_factory or self._targets.existing
            indicators_factory = indicators_factory or self._targets.indicators
            import_fn = import_fn or import_to_product
        import_fn = import_fn or import_workbook
        self.setWindowTitle(self.tr("Excel 导入"))
        self.setObjectName("importWizard")
        self._sink_factory = sink_factory
        self._existing_factory = existing_factory
        self._indicators_factory = indicators_factory
        self._import_fn = import_fn
        self._pool = thread_pool or QThreadPool.globalInstance()
        self.running_task: ImportTask | None = None
        self._handlers: tuple = (0, None, None)
        self._tasks: list[ImportTask] = []
        self.preview_result: ImportResult | None = None
        self.import_result: ImportResult | None = None
        self.failure: str | None = None
        self.target_description = self.tr(
            "JSON-lines 暂存文件（尚未接入本地数据库）") if sink_factory is None else self.tr("本地数据库")
        if self._targets is not None:
            self.target_description = self.tr("服务器或本地数据库（按导入类型）")
        self.preview_model = RecordPreviewTableModel(self)
        self.error_model = ImportErrorTableModel(self)
        self.file_page = _FilePage(self)
        self.preview_page = _PreviewPage(self)
        self.import_page = _ImportPage(self)
        for page in (self.file_page, self.preview_page, self.import_page):
            self.addPage(page)
        self.setButtonText(QWizard.WizardButton.NextButton, self.tr("下一步"))
        self.setButtonText(QWizard.WizardButton.BackButton, self.tr("上一步"))
        self.setButtonText(QWizard.WizardButton.FinishButton, self.tr("完成"))
        self.setButtonText(QWizard.WizardButton.CancelButton, self.tr("关闭"))
        self.resize(960, 640)

    # -- inputs --
    def set_file(self, path: str | Path, kind: str | None = None) -> None:
        self.file_page.path_edit.setText(str(path))
        if kind is not None:
            self.file_page.kind_combo.setCurrentIndex(KINDS.index(kind))

    def file_path(self) -> str:
        return self.file_page.path_edit.text().strip()

    def kind(self) -> str:
        return self.file_page.kind_combo.currentData()

    def partial(self) -> bool:
        return self.file_page.partial_check.isChecked()

    def year(self) -> int:
        return self.file_page.year_spin.value()

    def _sink(self) -> ImportSink:
        if self._sink_factory is not None:
            return self._sink_factory(self.kind())
        from app.excel.cli import default_sink_path

        return JsonLinesSink(default_sink_path(self.kind()))

    def _indicators(self) -> ExistingKeys | None:
        """Known indicators, against which batch applications are checked."""
        if self.kind() != "applications":
            return None
        if self._indicators_factory is not None:
            return self._indicators_factory()
        if self._sink_factory is None:
            from app.excel.cli import default_sink_path

            path = default_sink_path("indicators")
            return JsonLinesSink(path) if path.exists() else None
        return None

    def _existing(self, sink: ImportSink) -> ExistingKeys | None:
        if self._existing_factory is not None:
            return self._existing_factory(self.kind())
        return sink if isinstance(sink, ExistingKeys) else None

    # -- running --
    def _start(self, on_finished, progress_bar: QProgressBar, **kwargs) -> None:
        self.cancel_running()
        self.failure = None
        task = ImportTask(self._import_fn, self.file_path(), self.kind(), year=self.year(),
                          partial=self.partial(), **kwargs)
        queued = Qt.ConnectionType.QueuedConnection  # slots run in the GUI thread, never the worker's
        task.signals.sig_progress.connect(self._on_task_progress, queued)
        task.signals.sig_finished.connect(self._on_task_finished, queued)
        task.signals.sig_failed.connect(self._on_task_failed, queued)
        progress_bar.setRange(0, 0)  # busy until the first progress report
        self._handlers = (task.task_id, on_finished, progress_bar)
        self.running_task = task
        self._tasks.append(task)  # keep every task alive until the wizard goes away
        self._pool.start(task)

    def cancel_running(self) -> None:
        if self.running_task is not None:
            self.running_task.cancel()

    def start_preview(self) -> None:
        self.preview_result = None
        self.error_model.set_errors([])
        self.preview_model.set_records(self.kind(), [], {})
        page = self.preview_page
        page.summary.setText(self.tr("正在校验…"))
        page.annotate_button.setEnabled(False)
        page.cancel_button.setEnabled(True)
        def prepare() -> dict:  # in the worker: building a sink may open a TLS client (~0.6 s)
            sink = self._sink()
            return {"existing": self._existing(sink), "indicators": self._indicators()}

        self._start(self._on_preview_finished, page.progress, dry_run=True, preview=PREVIEW_ROWS,
                    prepare=prepare)
        page.completeChanged.emit()

    def start_import(self) -> None:
        self.import_result = None
        page = self.import_page
        page.summary.setText(self.tr("正在导入…"))
        page.cancel_button.setEnabled(True)
        def prepare() -> dict:
            sink = self._sink()
            return {"sink": sink, "existing": self._existing(sink), "indicators": self._indicators()}

        self._start(self._on_import_finished, page.progress, prepare=prepare)
        page.completeChanged.emit()

    def can_import(self) -> bool:
        """The checked file has valid rows, and either no errors or "only the correct rows" chosen."""
        result = self.preview_result
        return (self.running_task is None and result is not None and result.sheet is not None
                and result.outcome in ("ok", "rejected") and result.valid_rows > 0
                and (result.error_count == 0 or self.partial()))

    def save_annotated(self, path: str | Path) -> Path | None:
        from app.excel.annotate import annotate_workbook

        if self.preview_result is None or self.preview_result.sheet is None:
            return None
        return annotate_workbook(self.file_path(), path, self.preview_result)

    # -- slots --
    def _on_task_progress(self, task_id: int, done: int, total: int) -> None:
        if self.running_task is None or task_id != self.running_task.task_id:
            return
        bar = self._handlers[2]
        bar.setRange(0, max(total, 1))
        bar.setValue(min(done, max(total, 1)))

    def _finish_task(self, task_id: int) -> bool:
        if self.running_task is None or task_id != self.running_task.task_id:
            return False  # a superseded task (the user went back and forth)
        self.running_task = None
        return True

    def _on_task_failed(self, task_id: int, message: str) -> None:
        if not self._finish_task(task_id):
            return
        self.failure = message
        for page in (self.preview_page, self.import_page):
            page.progress.setRange(0, 1)
            page.cancel_button.setEnabled(False)
        text = self.tr("处理时出错，未导入任何数据：") + message
        self.preview_page.summary.setText(text)
        self.import_page.summary.setText(text)
        self.preview_page.completeChanged.emit()
        self.import_page.completeChanged.emit()
        self.sig_task_done.emit()

    def _on_task_finished(self, task_id: int, result: ImportResult) -> None:
        if not self._finish_task(task_id):
            return
        handler = self._handlers[1]
        handler(result)
        self.sig_task_done.emit()

    def _on_preview_finished(self, result: ImportResult) -> None:
        page = self.preview_page
        self.preview_result = result
        page.progress.setRange(0, 1)
        page.progress.setValue(1)
        page.cancel_button.setEnabled(False)
        self.error_model.set_errors(result.errors)
        self.preview_model.set_records(result.kind, result.preview, result.columns)
        lines = [self._describe(result)]
        if result.error_count and result.valid_rows and result.sheet is not None:
            lines.append(self.tr("可以修改文件后重新导入（“保存标注错误的副本”标出了每个错误单元格），"
                                 "或勾选“只导入正确的行”，跳过有错误的行。"))
        elif result.outcome == "ok":
            lines.append(self.tr("点击“下一步”开始导入。"))
        page.summary.setText("\n".join(lines))
        page.annotate_button.setEnabled(result.sheet is not None and bool(result.errors))
        page.tabs.setCurrentIndex(0 if result.errors else 1)
        page.completeChanged.emit()
        self.sig_preview_ready.emit(result)

    def _on_import_finished(self, result: ImportResult) -> None:
        page = self.import_page
        self.import_result = result
        page.progress.setRange(0, 1)
        page.progress.setValue(1)
        page.cancel_button.setEnabled(False)
        page.summary.setText(self._describe(result))
        page.completeChanged.emit()
        if result.outcome == "ok" and result.imported_rows:
            self.sig_imported.emit(result)

    def _describe(self, result: ImportResult) -> str:
        if result.sheet is None:
            return result.message
        where = self.tr("工作表“{sheet}”，表头在第 {row} 行，金额单位：{unit}。").format(
            sheet=result.sheet, row=result.header_row, unit=result.unit)
        return f"{where}\n{result.message}"

    def done(self, code: int) -> None:  # closing the wizard stops any running work
        self.cancel_running()
        super().done(code)


# ---- the 导入导出 page ----------------------------------------------------------------------

class _TemplateSignals(QObject):
    sig_done = Signal(str)
    sig_failed = Signal(str)


class TemplateTask(QRunnable):
    """Writes a blank template on a pool thread."""

    def __init__(self, kind: str, path: str, year: int,
                 dictionaries_fn: Callable[[], Any] | None = None) -> None:
        super().__init__()
        self.setAutoDelete(False)
        self.signals = _TemplateSignals()
        self._kind, self._path, self._year = kind, path, year
        self._dictionaries_fn = dictionaries_fn

    def run(self) -> None:  # pool thread
        from app.excel.templates import write_template

        try:
            # the dropdowns offer the server's dictionaries as last synced, when known
            dicts = self._dictionaries_fn() if self._dictionaries_fn is not None else None
            write_template(self._kind, self._path, year=self._year, dicts=dicts)
        except Exception as exc:  # noqa: BLE001 - reported in the panel
            self.signals.sig_failed.emit(str(getattr(exc, "message", exc)))
            return
        self.signals.sig_done.emit(self._path)


class ExcelPanel(RetranslateMixin, QWidget):
    """The 导入导出 page: a template to download and an import to start, per kind.

    ``MainWindow.set_page("excel", ExcelPanel(...))`` installs it; ``wizard_factory`` builds the
    wizard (so the application can hand it the local store's sink).
    """

    sig_imported = Signal(object)

    def __init__(self, parent: QWidget | None = None, *,
                 wizard_factory: Callable[[QWidget], ImportWizard] | None = None,
                 thread_pool: QThreadPool | None = None,
                 dictionaries_fn: Callable[[], Any] | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("excelPanel")
        self._dictionaries_fn = dictionaries_fn
        self._wizard_factory = wizard_factory or (lambda parent: ImportWizard(parent))
        self._pool = thread_pool or QThreadPool.globalInstance()
        self._tasks: list[TemplateTask] = []
        self.wizard: ImportWizard | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel(self.tr("<h2>导入导出</h2>")))
        intro = QLabel(self.tr("先下载模板填写（或使用财政下发的表格），再导入。导入前逐行校验，"
                               "有错误的单元格会在副本中标出。"))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        form = QFormLayout()
        self.template_buttons: dict[str, QPushButton] = {}
        self.import_buttons: dict[str, QPushButton] = {}
        for kind in KINDS:
            row = QHBoxLayout()
            template = QPushButton(self.tr("下载模板…"))
            template.setObjectName(f"template_{kind}")
            template.clicked.connect(lambda _checked=False, k=kind: self._on_template_clicked(k))
            start = QPushButton(self.tr("导入…"))
            start.setObjectName(f"import_{kind}")
            start.clicked.connect(lambda _checked=False, k=kind: self.open_wizard(k))
            row.addWidget(template)
            row.addWidget(start)
            row.addStretch(1)
            self.template_buttons[kind] = template
            self.import_buttons[kind] = start
            form.addRow(self.tr(KIND_NAMES[kind]), row)
        layout.addLayout(form)
        self.status = QLabel()
        self.status.setObjectName("excelStatus")
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        layout.addStretch(1)

    def open_wizard(self, kind: str, path: str | Path | None = None) -> ImportWizard:
        wizard = self._wizard_factory(self)
        wizard.file_page.kind_combo.setCurrentIndex(KINDS.index(kind))
        if path is not None:
            wizard.set_file(path, kind)
        wizard.sig_imported.connect(self.sig_imported)
        wizard.setModal(True)
        wizard.show()
        self.wizard = wizard
        return wizard

    def write_template(self, kind: str, path: str | Path) -> TemplateTask:
        task = TemplateTask(kind, str(path), default_year(), self._dictionaries_fn)
        queued = Qt.ConnectionType.QueuedConnection
        task.signals.sig_done.connect(self._on_template_done, queued)
        task.signals.sig_failed.connect(self._on_template_failed, queued)
        self._tasks.append(task)
        self.status.setText(self.tr("正在生成模板…"))
        self._pool.start(task)
        return task

    def _on_template_clicked(self, kind: str) -> None:
        suggested = f"{KIND_NAMES[kind]}导入模板.xlsx"
        path, _ = QFileDialog.getSaveFileName(self, self.tr("保存模板"), suggested,
                                              self.tr("Excel 工作簿 (*.xlsx)"))
        if path:
            self.write_template(kind, path)

    def _on_template_done(self, path: str) -> None:
        self.status.setText(self.tr("已生成模板：") + path)

    def _on_template_failed(self, message: str) -> None:
        self.status.setText(self.tr("无法生成模板：") + message)

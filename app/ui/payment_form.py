"""Payment application form (支付申请): keyboard-first, live 大写, budget arithmetic as you type.

The widget only collects text and shows answers: parsing money and checking identifiers are
:mod:`fiscal` functions, saving/queueing/pre-checks are services run on the task runner.
"""
from __future__ import annotations

import logging
from html import escape
from itertools import pairwise
from typing import Any

from PySide6.QtCore import QStringListModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDialog,
    QDialogButtonBox,
    QFrame,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.services.applications import (
    DraftInput,
    clean_payee_id_number,
    get_application,
    queue_application,
    save_draft,
)
from app.services.errors import BudgetExceeded, IncompleteApplication, InvalidField, ServiceError
from app.services.payees import search_payees
from app.services.results import ApplicationView, Changes, PayeeView
from app.services.ui_queries import (
    DictionaryLists,
    IndicatorRow,
    RulePreview,
    dictionary_lists,
    economic_codes_in_scope,
    get_indicator_row,
    preview_application,
)
from app.ui.attachments_panel import AttachmentsPanel
from app.ui.context import UiContext
from app.ui.formatting import code_label, fund_type_name, money, settlement_modes, status_name
from app.ui.i18n import RetranslateMixin
from app.ui.indicator_browser import IndicatorBrowserView, IndicatorTableModel
from app.ui.message_i18n import translate_message
from fiscal.ids import check_uscc, normalize_resident_id, uscc_category
from fiscal.money import AmountError, parse_amount, to_daxie

log = logging.getLogger(__name__)

ERROR_STYLE = "color: #c0392b;"
OK_STYLE = "color: #1e8449;"


class IndicatorPickerDialog(QDialog):
    """Search and pick an indicator (the same lazy model as the browser)."""

    def __init__(self, ctx: UiContext, parent: QWidget | None = None, text: str = "") -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("选择指标"))
        self.resize(1100, 560)
        self.model = IndicatorTableModel.for_database(ctx.runner, ctx.db, parent=self)
        self.browser = IndicatorBrowserView(ctx.runner, self.model, self)
        self.browser._new_button.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok
                                   | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("选择"))
        buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        self.browser.sig_start_application.connect(self._on_browser_start_application)
        self.browser.search_box().setText(text)
        self.model.set_filter(text)
        self.browser.search_box().setFocus()

    def selected_id(self) -> str | None:
        return self.browser.current_indicator_id()

    def _on_browser_start_application(self, _indicator_id: str) -> None:
        self.accept()


class BudgetPanel(QGroupBox):
    """指标 − 已支付 − 在途 − 本次 = 剩余, and the rules that would refuse."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("预算情况"), parent)
        self.setObjectName("budgetPanel")
        self._grid = QGridLayout()
        self._labels: dict[str, tuple[QLabel, QLabel]] = {}
        rows = (("amount", self.tr("指标金额")), ("paid", self.tr("− 已支付")),
                ("reserved", self.tr("− 在途")), ("frozen", self.tr("− 冻结")),
                ("pending", self.tr("− 本机未确认申请")), ("requested", self.tr("− 本次申请")),
                ("remaining", self.tr("= 剩余可用")))
        for i, (key, text) in enumerate(rows):
            name, value = QLabel(text), QLabel("—")
            value.setObjectName(f"budget_{key}")
            value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self._grid.addWidget(name, i, 0)
            self._grid.addWidget(value, i, 1)
            self._labels[key] = (name, value)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        self._grid.addWidget(line, len(rows) - 1, 0, 1, 2, Qt.AlignmentFlag.AlignTop)
        self._formula = QLabel()
        self._formula.setObjectName("budgetFormula")
        self._formula.setWordWrap(True)
        self._rules = QLabel()
        self._rules.setObjectName("budgetRules")
        self._rules.setWordWrap(True)
        self._rules.setTextFormat(Qt.TextFormat.RichText)
        self._indicator = QLabel()
        self._indicator.setWordWrap(True)
        layout = QVBoxLayout(self)
        layout.addWidget(self._indicator)
        layout.addLayout(self._grid)
        layout.addWidget(self._formula)
        layout.addWidget(QLabel(self.tr("<b>规则检查</b>")))
        layout.addWidget(self._rules)
        layout.addStretch(1)
        self.clear()

    def clear(self) -> None:
        for _name, value in self._labels.values():
            value.setText("—")
            value.setStyleSheet("")
        self._formula.setText("")
        self._indicator.setText(self.tr("尚未选择指标。"))
        self._rules.setText(self.tr("选择指标并填写金额后显示。"))

    def show_indicator(self, row: IndicatorRow) -> None:
        self._indicator.setText(
            f"<b>{escape(row.id)}</b> {escape(row.doc_no or '')}<br>{escape(row.pro_name or '')}<br>"
            f"{code_label('functional', row.func_code, row.fiscal_year)} · "
            f"{fund_type_name(row.fund_type_code)}")

    def show_preview(self, preview: RulePreview) -> None:
        row = preview.indicator
        self.show_indicator(row)
        values = {"amount": row.amount, "paid": row.paid, "reserved": row.reserved,
                  "frozen": row.frozen, "pending": row.pending_own,
                  "requested": preview.requested, "remaining": preview.remaining}
        for key, fen in values.items():
            name, value = self._labels[key]
            value.setText(money(fen))
            hide = key in ("frozen", "pending") and fen == 0
            name.setVisible(not hide)
            value.setVisible(not hide)
        remaining = self._labels["remaining"][1]
        remaining.setStyleSheet(ERROR_STYLE + "font-weight: bold;" if preview.remaining < 0
                                else OK_STYLE + "font-weight: bold;")
        parts = [money(row.amount), money(row.paid), money(row.reserved)]
        formula = self.tr("{0} − {1} − {2}").format(*parts)
        if row.frozen:
            formula += f" − {money(row.frozen)}"
        if row.pending_own:
            formula += f" − {money(row.pending_own)}"
        formula += f" − {money(preview.requested)} = {money(preview.remaining)}"
        self._formula.setText(formula)
        if not preview.violations:
            ok_text = self.tr("未发现会被拒绝的规则（以服务器审核为准）。")
            self._rules.setText(f"<span style='{OK_STYLE}'>✔ {ok_text}</span>")
        else:
            items = "".join(f"<li><span style='{ERROR_STYLE}'>✘ "
                            f"{escape(translate_message(v.message, v.code))}</span></li>"
                            for v in preview.violations)
            self._rules.setText(f"<ul style='margin-left:-20px'>{items}</ul>")

    def rules_text(self) -> str:
        return self._rules.text()

    def value_text(self, key: str) -> str:
        return self._labels[key][1].text()


class PaymentFormView(RetranslateMixin, QWidget):
    """The form. ``start_new(indicator_id)`` or ``load_application(id)``; Ctrl+S saves the
    draft, Ctrl+Enter queues it (sent at the next sync; immediately when online)."""

    sig_saved = Signal(str)  # application id
    sig_queued = Signal(str)  # application id
    sig_busy = Signal(bool)

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self._application_id: str | None = None
        self._status: str = "draft"
        self._indicator: IndicatorRow | None = None
        self._payees: dict[str, PayeeView] = {}
        self._amount_fen: int | None = 0
        self._errors: dict[str, QLabel] = {}
        self._build()
        self._preview_timer = QTimer(self)
        self._preview_timer.setSingleShot(True)
        self._preview_timer.setInterval(200)
        self._preview_timer.timeout.connect(self._on_preview_timer_timeout)
        self._payee_timer = QTimer(self)
        self._payee_timer.setSingleShot(True)
        self._payee_timer.setInterval(150)
        self._payee_timer.timeout.connect(self._on_payee_timer_timeout)
        self.start_new()
        self.reload_dictionaries()
        # a sync may bring the server's dictionaries (a new 结算方式): refill the dropdown
        ctx.runner.sig_changes.connect(self._on_runner_changes)

    # ------------------------------------------------------------------ layout

    def _field_row(self, grid: QGridLayout, row: int, key: str, label: str, widget: QWidget,
                   extra: QWidget | None = None) -> None:
        lab = QLabel(label)
        lab.setBuddy(widget)
        grid.addWidget(lab, row, 0, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if extra is None:
            grid.addWidget(widget, row, 1)
        else:
            box = QHBoxLayout()
            box.addWidget(widget, 1)
            box.addWidget(extra)
            grid.addLayout(box, row, 1)
        err = QLabel()
        err.setObjectName(f"error_{key}")
        err.setTextFormat(Qt.TextFormat.PlainText)
        err.setStyleSheet(ERROR_STYLE)
        err.setWordWrap(True)
        err.setMinimumWidth(220)
        grid.addWidget(err, row, 2)
        self._errors[key] = err

    def _build(self) -> None:
        self._title = QLabel()
        self._title.setObjectName("formTitle")
        self._status_label = QLabel()
        self._status_label.setObjectName("formStatus")

        self.indicator_edit = QLineEdit()
        self.indicator_edit.setObjectName("indicatorField")
        self.indicator_edit.setPlaceholderText(self.tr("输入指标编号，或按 F4 搜索"))
        self.indicator_button = QPushButton(self.tr("选择…"))
        self.indicator_button.setToolTip(self.tr("搜索指标（F4）"))
        self.payee_name = QLineEdit()
        self.payee_name.setObjectName("payeeName")
        self.payee_name.setPlaceholderText(self.tr("输入名称或账号，从收款人地址簿选择"))
        self._payee_model = QStringListModel(self)
        self._completer = QCompleter(self._payee_model, self)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setFilterMode(Qt.MatchFlag.MatchContains)
        self.payee_name.setCompleter(self._completer)
        self.payee_account = QLineEdit()
        self.payee_account.setObjectName("payeeAccount")
        self.payee_bank = QLineEdit()
        self.payee_bank.setObjectName("payeeBank")
        self.payee_uscc = QLineEdit()
        self.payee_uscc.setObjectName("payeeUscc")
        self.payee_uscc.setMaxLength(18)
        self.payee_uscc.setPlaceholderText(self.tr("18 位统一社会信用代码（单位收款人）"))
        self.payee_personal = QCheckBox(self.tr("个人收款人"))
        # 证件号码: the 身份证号 of a personal payee (sent with the application; the server's
        # 劳务费 check compares it with the units' 人员信息)
        self.payee_id_number = QLineEdit()
        self.payee_id_number.setObjectName("payeeIdNumber")
        self.payee_id_number.setMaxLength(22)  # 18 characters, room for pasted spaces
        self.payee_id_number.setPlaceholderText(self.tr("18 位居民身份证号（个人收款人）"))
        self.payee_id_number.setEnabled(False)
        self.amount_edit = QLineEdit()
        self.amount_edit.setObjectName("amountField")
        self.amount_edit.setPlaceholderText(self.tr("例如 12,345.67"))
        self.amount_edit.setAlignment(Qt.AlignmentFlag.AlignRight)
        self.daxie_label = QLabel()
        self.daxie_label.setObjectName("daxieLabel")
        self.daxie_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.use_des = QLineEdit()
        self.use_des.setObjectName("useDes")
        self.use_des.setMaxLength(300)
        self.settlement = QComboBox()
        self.settlement.setObjectName("settlementMode")
        for name in settlement_modes().values():
            self.settlement.addItem(name, name)
        self.eco_combo = QComboBox()
        self.eco_combo.setObjectName("ecoCode")
        self.eco_combo.setMinimumContentsLength(16)
        self.contract_edit = QLineEdit()
        self.contract_edit.setObjectName("contractNo")
        self.card_not_accepted = QCheckBox(self.tr("对方不受理公务卡"))

        grid = QGridLayout()
        grid.setColumnStretch(1, 1)
        self._field_row(grid, 0, "indicator_id", self.tr("指标(&I)"), self.indicator_edit,
                        self.indicator_button)
        self._field_row(grid, 1, "payee_name", self.tr("收款人全称(&P)"), self.payee_name,
                        self.payee_personal)
        self._field_row(grid, 2, "payee_account", self.tr("收款人账号"), self.payee_account)
        self._field_row(grid, 3, "payee_bank", self.tr("开户银行"), self.payee_bank)
        self._field_row(grid, 4, "payee_uscc", self.tr("统一社会信用代码"), self.payee_uscc)
        self._field_row(grid, 5, "payee_id_number", self.tr("证件号码"), self.payee_id_number)
        self._field_row(grid, 6, "amount", self.tr("金额（元）(&A)"), self.amount_edit)
        grid.addWidget(self.daxie_label, 7, 1, 1, 2)
        self._field_row(grid, 8, "use_des", self.tr("用途(&U)"), self.use_des)
        self._field_row(grid, 9, "settlement_mode", self.tr("结算方式"), self.settlement,
                        self.card_not_accepted)
        self._field_row(grid, 10, "dep_eco_code", self.tr("经济科目"), self.eco_combo)
        self._field_row(grid, 11, "contract_no", self.tr("采购合同编号"), self.contract_edit)

        self.save_button = QPushButton(self.tr("保存草稿 (Ctrl+S)"))
        self.save_button.setObjectName("saveButton")
        self.submit_button = QPushButton(self.tr("提交 (Ctrl+Enter)"))
        self.submit_button.setObjectName("submitButton")
        self.submit_button.setDefault(True)
        self.new_button = QPushButton(self.tr("新建 (Ctrl+N)"))
        self.print_button = QPushButton(self.tr("打印/PDF…"))
        self._message = QLabel()
        self._message.setObjectName("formMessage")
        self._message.setTextFormat(Qt.TextFormat.PlainText)
        self._message.setWordWrap(True)
        buttons = QHBoxLayout()
        buttons.addWidget(self._message, 1)
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.print_button)
        buttons.addWidget(self.save_button)
        buttons.addWidget(self.submit_button)

        form_box = QWidget()
        form_layout = QVBoxLayout(form_box)
        head = QHBoxLayout()
        head.addWidget(self._title)
        head.addStretch(1)
        head.addWidget(self._status_label)
        form_layout.addLayout(head)
        form_layout.addLayout(grid)
        self.attachments = AttachmentsPanel(self.ctx)
        form_layout.addWidget(self.attachments)
        form_layout.addStretch(1)
        form_layout.addLayout(buttons)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(form_box)
        self.budget_panel = BudgetPanel()
        self.budget_panel.setMinimumWidth(330)
        self.budget_panel.setMaximumWidth(420)
        outer = QHBoxLayout(self)
        outer.addWidget(scroll, 1)
        outer.addWidget(self.budget_panel)

        order = [self.indicator_edit, self.indicator_button, self.payee_name, self.payee_personal,
                 self.payee_account, self.payee_bank, self.payee_uscc, self.payee_id_number,
                 self.amount_edit,
                 self.use_des, self.settlement, self.card_not_accepted, self.eco_combo,
                 self.contract_edit, self.attachments.list, self.attachments.role,
                 self.attachments.add_button, self.save_button, self.submit_button, self.new_button,
                 self.print_button]
        for a, b in pairwise(order):
            self.setTabOrder(a, b)

        self.indicator_button.clicked.connect(self._on_indicator_button_clicked)
        self.indicator_edit.editingFinished.connect(self._on_indicator_edit_finished)
        self.payee_name.textEdited.connect(self._on_payee_name_edited)
        self._completer.activated.connect(self._on_completer_activated)
        self.payee_uscc.textChanged.connect(self._on_payee_uscc_changed)
        self.payee_personal.toggled.connect(self._on_payee_personal_toggled)
        self.payee_id_number.textChanged.connect(self._on_payee_id_number_changed)
        self.amount_edit.textChanged.connect(self._on_amount_text_changed)
        self.use_des.textChanged.connect(self._on_any_field_changed)
        self.settlement.currentIndexChanged.connect(self._on_any_field_changed)
        self.eco_combo.currentIndexChanged.connect(self._on_any_field_changed)
        self.contract_edit.textChanged.connect(self._on_any_field_changed)
        self.card_not_accepted.toggled.connect(self._on_any_field_changed)
        self.save_button.clicked.connect(self.save)
        self.submit_button.clicked.connect(self.submit)
        self.new_button.clicked.connect(self._on_new_button_clicked)
        self.attachments.sig_attach_requested.connect(self.attach_file)
        self.print_button.clicked.connect(self._on_print_button_clicked)
        for seq, slot in (("Ctrl+S", self.save), ("Ctrl+Return", self.submit),
                          ("Ctrl+Enter", self.submit), ("F4", self._on_indicator_button_clicked),
                          ("Ctrl+N", self._on_new_button_clicked),
                          ("Ctrl+O", self.attachments._on_add_clicked)):
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(slot)

    # ------------------------------------------------------------------ state

    def application_id(self) -> str | None:
        return self._application_id

    def indicator(self) -> IndicatorRow | None:
        return self._indicator

    def error_text(self, key: str) -> str:
        return self._errors[key].text()

    def message_text(self) -> str:
        return self._message.text()

    def _set_message(self, text: str, error: bool = False) -> None:
        self._message.setStyleSheet(ERROR_STYLE if error else OK_STYLE)
        self._message.setText(text)

    def _clear_errors(self, *keys: str) -> None:
        for key in keys or tuple(self._errors):
            if key != "payee_uscc" or not keys:
                self._errors[key].setText("")

    def _set_error(self, key: str | None, text: str) -> None:
        label = self._errors.get(key or "") or self._errors.get(_FIELD_ALIASES.get(key or "", ""))
        if label is None:
            self._set_message(text, error=True)
            return
        label.setStyleSheet(ERROR_STYLE)  # a live check may have turned it grey or green
        label.setText(text)

    def start_new(self, indicator_id: str | None = None) -> None:
        self._application_id = None
        self._status = "draft"
        for w in (self.payee_name, self.payee_account, self.payee_bank, self.payee_uscc,
                  self.payee_id_number, self.amount_edit, self.use_des, self.contract_edit):
            w.clear()
        self.payee_personal.setChecked(False)
        self.card_not_accepted.setChecked(False)
        index = self.settlement.findData("转账")
        self.settlement.setCurrentIndex(max(0, index))
        self._clear_errors()
        self._set_editable(True)
        self._title.setText(self.tr("<h2>新建支付申请</h2>"))
        self.attachments.set_application(None)
        self._status_label.setText(status_name("draft"))
        self._set_message("")
        if indicator_id:
            self.set_indicator_id(indicator_id)
        elif self._indicator is None:
            self.indicator_edit.clear()
            self.budget_panel.clear()
            self._fill_eco_codes(None)
        else:
            self._schedule_preview()
        self.indicator_edit.setFocus() if not indicator_id else self.payee_name.setFocus()

    def set_indicator_id(self, indicator_id: str, *, then: Any = None) -> None:
        indicator_id = indicator_id.strip()
        self.indicator_edit.setText(indicator_id)
        db = self.ctx.db

        def loaded(row: IndicatorRow) -> None:
            self._set_indicator(row)
            if then is not None:
                then()

        def failed(message: str, _exc: BaseException) -> None:
            self._indicator = None
            self._errors["indicator_id"].setText(message)
            self.budget_panel.clear()

        self.ctx.runner.query(lambda c: get_indicator_row(db=db, indicator_id=indicator_id),
                              on_success=loaded, on_failure=failed, label=self.tr("读取指标"),
                              key=f"form-indicator-{id(self)}")

    def reload_dictionaries(self) -> None:
        """Refill the 结算方式 list from the server's dictionaries as last synced (the shipped
        list fills it until then), keeping the current choice."""
        db = self.ctx.db
        self.ctx.runner.query(lambda c: dictionary_lists(db=db), on_success=self._on_dictionaries_loaded,
                              label=self.tr("读取字典"), key=f"form-dicts-{id(self)}")

    def _on_runner_changes(self, changes: object) -> None:
        if getattr(changes, "sync_state", False):
            self.reload_dictionaries()

    def _on_dictionaries_loaded(self, lists: DictionaryLists) -> None:
        current = self.settlement.currentData()
        self.settlement.blockSignals(True)
        self.settlement.clear()
        for name in lists.settlement_modes.values():
            self.settlement.addItem(name, name)
        if current and self.settlement.findData(current) < 0:
            self.settlement.addItem(current, current)  # a saved draft's mode stays visible
        index = self.settlement.findData(current) if current else 0
        self.settlement.setCurrentIndex(max(index, 0))
        self.settlement.blockSignals(False)

    def _set_indicator(self, row: IndicatorRow) -> None:
        self._indicator = row
        self.indicator_edit.setText(row.id)
        self._errors["indicator_id"].setText("" if row.executable else self.tr("不可执行指标"))
        self.budget_panel.show_indicator(row)
        self._fill_eco_codes(row)
        self.contract_edit.setEnabled(row.is_gov_procurement and self._editable)
        self.contract_edit.setPlaceholderText(
            self.tr("政府采购指标：必填") if row.is_gov_procurement else self.tr("非政府采购，无需填写"))
        self._schedule_preview()

    def _fill_eco_codes(self, row: IndicatorRow | None, select: str | None = None) -> None:
        current = select or self.eco_combo.currentData()
        self.eco_combo.blockSignals(True)
        self.eco_combo.clear()
        self.eco_combo.addItem(self.tr("（请选择经济科目）"), None)
        if row is not None:
            for code, name in economic_codes_in_scope(fiscal_year=row.fiscal_year,
                                                      scope=row.dep_eco_code):
                self.eco_combo.addItem(f"{code} {name}", code)
            self.eco_combo.setToolTip(
                self.tr("限于指标的经济科目 {0} 及其下级").format(row.dep_eco_code)
                if row.dep_eco_code else self.tr("指标未细化经济科目，请选择具体科目"))
            index = self.eco_combo.findData(current) if current else -1
            if index < 0 and row.dep_eco_code:
                index = self.eco_combo.findData(row.dep_eco_code)
            self.eco_combo.setCurrentIndex(max(0, index))
        self.eco_combo.blockSignals(False)

    _editable = True

    def _set_editable(self, editable: bool) -> None:
        self._editable = editable
        for w in (self.indicator_edit, self.payee_name, self.payee_account, self.payee_bank,
                  self.payee_uscc, self.payee_id_number, self.amount_edit, self.use_des):
            w.setReadOnly(not editable)
        for w in (self.indicator_button, self.payee_personal, self.settlement, self.eco_combo,
                  self.card_not_accepted, self.save_button, self.submit_button):
            w.setEnabled(editable)
        self.contract_edit.setEnabled(editable and bool(self._indicator
                                                        and self._indicator.is_gov_procurement))

    def draft(self) -> DraftInput:
        """The form as the service's input (amount 0 when it does not parse)."""
        row = self._indicator
        uscc = self.payee_uscc.text().strip().upper()
        personal = self.payee_personal.isChecked()
        return DraftInput(
            indicator_id=row.id if row else (self.indicator_edit.text().strip() or None),
            amount=self._amount_fen or 0,
            use_des=self.use_des.text(),
            payee_name=self.payee_name.text(),
            payee_account=self.payee_account.text(),
            payee_bank=self.payee_bank.text() or None,
            payee_is_personal=personal,
            # only a personal payee has one (the field is disabled otherwise)
            payee_id_number=(self.payee_id_number.text() or None) if personal else None,
            fiscal_year=row.fiscal_year if row else DraftInput().fiscal_year,
            unit_code=row.unit_code if row else "",
            func_code=row.func_code if row else None,
            dep_eco_code=self.eco_combo.currentData(),
            settlement_mode=self.settlement.currentData(),
            contract_no=self.contract_edit.text() or None,
            card_not_accepted=self.card_not_accepted.isChecked(),
            extra={"payee_uscc": uscc} if uscc else None,
        )

    # ------------------------------------------------------------------ loading

    def load_application(self, application_id: str) -> None:
        db = self.ctx.db
        self.ctx.runner.query(lambda c: get_application(db=db, application_id=application_id),
                              on_success=self._fill_from_view, label=self.tr("读取支付申请"),
                              key=f"form-load-{id(self)}")

    def _fill_from_view(self, app: ApplicationView, *, as_copy: bool = False) -> None:
        self.start_new()
        if not as_copy:
            self._application_id = app.id
            self._status = app.local_status
        self.payee_name.setText(app.payee_name)
        self.payee_account.setText(app.payee_account)
        self.payee_bank.setText(app.payee_bank or "")
        self.payee_personal.setChecked(app.payee_is_personal)
        self.payee_id_number.setText(app.payee_id_number or "")
        self.amount_edit.setText(money(app.amount) if app.amount else "")
        self.use_des.setText(app.use_des)
        index = self.settlement.findData(app.settlement_mode)
        if index >= 0:
            self.settlement.setCurrentIndex(index)
        self.contract_edit.setText(app.contract_no or "")
        self.card_not_accepted.setChecked(app.card_not_accepted)
        if as_copy:
            self._title.setText(self.tr("<h2>新建支付申请（复制）</h2>"))
        else:
            self._title.setText(self.tr("<h2>支付申请 {0}</h2>").format(app.app_no or app.id[:8]))
            self._status_label.setText(status_name(app.local_status))
            if app.server_message:
                self._set_message(self.tr("服务器意见：{0}").format(app.server_message),
                                  error=app.local_status in ("returned", "rejected"))
        self._set_editable(as_copy or app.local_status in ("draft", "returned"))
        if not as_copy:
            self.attachments.set_application(app.id, app.local_status in ("draft", "returned"))
        if app.indicator_id:
            eco = app.dep_eco_code
            self.set_indicator_id(app.indicator_id,
                                  then=lambda: self._fill_eco_codes(self._indicator, select=eco))

    def copy_application(self, application_id: str) -> None:
        """Copy-to-new for repeated payments."""
        db = self.ctx.db
        self.ctx.runner.query(lambda c: get_application(db=db, application_id=application_id),
                              on_success=lambda a: self._fill_from_view(a, as_copy=True),
                              label=self.tr("复制支付申请"))

    # ------------------------------------------------------------------ live feedback

    def _on_indicator_button_clicked(self) -> None:
        if not self._editable:
            return
        dialog = IndicatorPickerDialog(self.ctx, self, self.indicator_edit.text().strip()
                                       if self._indicator is None else "")
        if dialog.exec() == QDialog.DialogCode.Accepted and dialog.selected_id():
            self.set_indicator_id(dialog.selected_id() or "")
            self.payee_name.setFocus()

    def _on_indicator_edit_finished(self) -> None:
        text = self.indicator_edit.text().strip()
        if not text or (self._indicator and self._indicator.id == text):
            return
        self.set_indicator_id(text)

    def _on_payee_name_edited(self, _text: str) -> None:
        self._payee_timer.start()
        self._schedule_preview()

    def _on_payee_timer_timeout(self) -> None:
        db, text = self.ctx.db, self.payee_name.text().strip()
        self.ctx.runner.query(lambda c: search_payees(db=db, text=text, limit=20),
                              on_success=self._on_payees_found, key=f"payees-{id(self)}",
                              label=self.tr("查找收款人"))

    def _on_payees_found(self, payees: list[PayeeView]) -> None:
        self._payees = {}
        for p in payees:
            self._payees.setdefault(p.name, p)
        self._payee_model.setStringList(list(self._payees))
        if self.payee_name.hasFocus() and payees:
            self._completer.complete()

    def _on_completer_activated(self, text: str) -> None:
        self.apply_payee(text)

    def apply_payee(self, name: str) -> bool:
        payee = self._payees.get(name)
        if payee is None:
            return False
        self.payee_name.setText(payee.name)
        self.payee_account.setText(payee.account_no)
        self.payee_bank.setText(payee.bank_name)
        self.payee_personal.setChecked(payee.kind == "person")
        self.payee_id_number.setText((payee.id_no or "") if payee.kind == "person" else "")
        uscc = (payee.extra or {}).get("uscc")
        if uscc:
            self.payee_uscc.setText(uscc)
        self.amount_edit.setFocus()
        return True

    def _on_payee_uscc_changed(self, text: str) -> None:
        text = text.strip().upper()
        err = self._errors["payee_uscc"]
        if not text:
            err.setText("")
            return
        if len(text) < 18:
            err.setStyleSheet("color: #7f8c8d;")
            err.setText(self.tr("还差 {0} 位").format(18 - len(text)))
            return
        result = check_uscc(text)
        if result.ok:
            err.setStyleSheet(OK_STYLE)
            err.setText("✔ " + (uscc_category(text) or self.tr("校验通过")))
        else:
            err.setStyleSheet(ERROR_STYLE)
            err.setText(translate_message(result.message) if result.message
                        else self.tr("统一社会信用代码不正确"))

    def _on_payee_personal_toggled(self, personal: bool) -> None:
        self.payee_id_number.setEnabled(personal)
        self._on_payee_id_number_changed(self.payee_id_number.text())
        self._schedule_preview()

    def payee_id_number_problem(self) -> str | None:
        """What is wrong with the 证件号码 as typed (None: fine, empty, or not used because
        the payee is not a person): the service's own check (clean_payee_id_number), which
        mirrors the server's, in the UI language."""
        if not self.payee_personal.isChecked():
            return None
        try:
            clean_payee_id_number(self.payee_id_number.text(), personal=True)
        except InvalidField as exc:
            return translate_message(exc.message).rstrip("。.")
        return None

    def _on_payee_id_number_changed(self, text: str) -> None:
        err = self._errors["payee_id_number"]
        text = normalize_resident_id(text)
        if not text or not self.payee_personal.isChecked():
            err.setText("")
            return
        if len(text) < 18:
            err.setStyleSheet("color: #7f8c8d;")
            err.setText(self.tr("还差 {0} 位").format(18 - len(text)))
            return
        problem = self.payee_id_number_problem()
        err.setStyleSheet(ERROR_STYLE if problem else OK_STYLE)
        err.setText(problem or "✔ " + self.tr("校验通过"))

    def _on_amount_text_changed(self, text: str) -> None:
        err = self._errors["amount"]
        if not text.strip():
            self._amount_fen = 0
            self.daxie_label.setText("")
            err.setText("")
            self._schedule_preview()
            return
        try:
            fen = parse_amount(text)
        except AmountError as exc:
            self._amount_fen = None
            self.daxie_label.setText("")
            err.setText(translate_message(exc.message, exc.code))
        else:
            self._amount_fen = fen
            err.setText("" if fen > 0 else self.tr("金额必须大于 0"))
            self.daxie_label.setText(self.tr("大写：人民币{0}").format(to_daxie(fen)))
        self._schedule_preview()

    def retranslate_dynamic(self) -> None:
        self._on_amount_text_changed(self.amount_edit.text())  # 大写 line and its error
        if self._indicator is not None:
            self.refresh_preview()  # the budget panel's rule texts

    def daxie_text(self) -> str:
        return self.daxie_label.text()

    def _on_any_field_changed(self, *_args: Any) -> None:
        self._schedule_preview()

    def _schedule_preview(self) -> None:
        if self._indicator is not None:
            self._preview_timer.start()

    def _on_preview_timer_timeout(self) -> None:
        self.refresh_preview()

    def refresh_preview(self) -> None:
        if self._indicator is None:
            return
        db, draft, app_id = self.ctx.db, self.draft(), self._application_id
        self.ctx.runner.query(
            lambda c: preview_application(db=db, draft=draft, application_id=app_id),
            on_success=self._on_preview_ready, on_failure=self._on_preview_failed,
            key=f"form-preview-{id(self)}", label=self.tr("预算检查"))

    def _on_preview_ready(self, preview: RulePreview) -> None:
        self.budget_panel.show_preview(preview)

    def _on_preview_failed(self, message: str, _exc: BaseException) -> None:
        self.budget_panel._rules.setText(message)

    # ------------------------------------------------------------------ save / submit

    def _local_checks(self) -> bool:
        if self._amount_fen is None:
            self.amount_edit.setFocus()
            return False
        problem = self.payee_id_number_problem()
        if problem:
            self._set_error("payee_id_number", problem)
            self._set_message(self.tr("请先改正证件号码：{0}。").format(problem), error=True)
            self.payee_id_number.setFocus()
            return False
        return True

    def save(self) -> None:
        if not self._editable or not self._local_checks():
            return
        db, draft, app_id = self.ctx.db, self.draft(), self._application_id
        self._clear_errors(*[k for k in self._errors if k not in _LIVE_CHECKED])
        self.sig_busy.emit(True)
        self.ctx.runner.mutation(
            lambda c: save_draft(db=db, draft=draft, application_id=app_id),
            on_success=self._on_saved, on_failure=self._on_action_failed,
            label=self.tr("保存草稿"))

    def apply_voucher(self, path: str, prefill: dict[str, Any], *, role: str = "invoice",
                      ocr_result: dict[str, Any] | None = None,
                      invoice_key: str | None = None) -> None:
        """A voucher read in 凭证采集: fill the empty fields it knows (payee, account, amount,
        USCC), then attach the file with its OCR fields."""
        if not self._editable:
            self.start_new(self._indicator.id if self._indicator else None)
        for key, widget in (("payee_name", self.payee_name), ("payee_account", self.payee_account),
                            ("payee_tax_id", self.payee_uscc)):
            value = prefill.get(key)
            if value and not widget.text().strip():
                widget.setText(str(value))
        amount = prefill.get("amount_fen")
        if isinstance(amount, int) and amount > 0 and not self.amount_edit.text().strip():
            self.amount_edit.setText(money(amount))
        self.attach_file(path, role, ocr_result=ocr_result, invoice_key=invoice_key)

    def attach_file(self, path: str, role: str, *, ocr_result: dict[str, Any] | None = None,
                    invoice_key: str | None = None) -> None:
        """Link a file to this application (saving the draft first when it is new)."""
        import mimetypes

        from app.services.ui_queries import save_and_attach

        if not self._editable or not self._local_checks():
            return
        db, draft, app_id = self.ctx.db, self.draft(), self._application_id
        media = mimetypes.guess_type(path)[0] or "application/octet-stream"

        def done(result: Any) -> None:
            self._application_id = result.application_id
            self.attachments.set_application(result.application_id)
            self._set_message(self.tr("附件已添加。"))
            self.refresh_preview()

        self.ctx.runner.mutation(
            lambda c: save_and_attach(db=db, draft=draft, application_id=app_id, source=path,
                                      role=role, media_type=media, ocr_result=ocr_result,
                                      invoice_key=invoice_key),
            on_success=done, on_failure=self._on_action_failed, label=self.tr("添加附件"))

    def _on_saved(self, result: Any) -> None:
        self.sig_busy.emit(False)
        self._application_id = result.application.id
        self._set_message(self.tr("草稿已保存（{0}）。").format(result.application.id[:8]))
        self.sig_saved.emit(result.application.id)

    def submit(self) -> None:
        if not self._editable or not self._local_checks():
            return
        db, draft, app_id = self.ctx.db, self.draft(), self._application_id
        self._clear_errors(*[k for k in self._errors if k not in _LIVE_CHECKED])
        holder: dict[str, str] = {}

        def work(c: Any) -> Any:
            saved = save_draft(db=db, draft=draft, application_id=app_id)
            holder["id"] = saved.application.id
            return queue_application(db=db, application_id=saved.application.id)

        def failed(message: str, exc: BaseException) -> None:
            if "id" in holder:  # the draft itself was saved
                self._application_id = holder["id"]
                self.ctx.runner.broadcast(Changes(applications=frozenset({holder["id"]})))
            self._on_action_failed(message, exc)

        self.sig_busy.emit(True)
        self.ctx.runner.mutation(work, on_success=self._on_queued, on_failure=failed,
                                 label=self.tr("提交支付申请"))

    def _on_queued(self, result: Any) -> None:
        self.sig_busy.emit(False)
        app = result.application
        if self.ctx.online:
            text = self.tr("支付申请已排队，正在发送到服务器。")
        else:
            text = self.tr("当前离线：支付申请已排队，联网同步后自动发送。")
        notes = "；".join(translate_message(n.message, n.code) for n in result.notes)
        if notes:
            text += self.tr(" 提示：{0}").format(notes)
        self.ctx.notify(text, "success")
        self.sig_queued.emit(app.id)
        keep = self._indicator.id if self._indicator else None
        self.start_new(keep)
        self._set_message(text)

    def _on_action_failed(self, message: str, exc: BaseException) -> None:
        self.sig_busy.emit(False)
        if isinstance(exc, IncompleteApplication):
            for key, label in exc.missing:
                self._set_error(key, self.tr("请填写{0}").format(label))
            self._set_message(message, error=True)
            self._focus_field(exc.missing[0][0] if exc.missing else None)
            return
        if isinstance(exc, BudgetExceeded):
            self._set_error("amount", message)
            notes = [translate_message(n.message, n.code) for n in exc.notes]
            self._set_message(self.tr("不能提交：{0}").format(translate_message(exc.check.rule_name))
                              + ("；" + "；".join(notes) if notes else ""), error=True)
            self.refresh_preview()
            self.amount_edit.setFocus()
            return
        if isinstance(exc, ServiceError) and exc.field:
            self._set_error(exc.field, message)
            self._focus_field(exc.field)
        self._set_message(message, error=True)

    def _focus_field(self, key: str | None) -> None:
        widget = {"indicator_id": self.indicator_edit, "amount": self.amount_edit,
                  "use_des": self.use_des, "payee_name": self.payee_name,
                  "payee_account": self.payee_account, "contract_no": self.contract_edit,
                  "payee_id_number": self.payee_id_number,
                  "dep_eco_code": self.eco_combo}.get(key or "")
        if widget is not None:
            widget.setFocus()

    def _on_new_button_clicked(self) -> None:
        self.start_new(self._indicator.id if self._indicator else None)

    def _on_print_button_clicked(self) -> None:
        from app.ui.print_application import PrintApplicationDialog

        if not self._application_id:
            self._set_message(self.tr("请先保存草稿，再打印。"), error=True)
            return
        PrintApplicationDialog.run(self.ctx, self._application_id, self)


# fields whose message is the live check's, kept when a save clears the others
_LIVE_CHECKED = ("payee_uscc", "payee_id_number", "amount")
_FIELD_ALIASES = {"amount_fen": "amount", "indicator": "indicator_id", "attachments": "amount",
                  "func_code": "indicator_id", "settlement": "settlement_mode"}

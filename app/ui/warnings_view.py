"""预警: warnings by level with the whole disposition loop (issues #4, #6).

The signed-in user sees the steps their side may take on the selected warning (fiscal state
machine): the bureau (业务处室) rules 认定正常 / 需要核实 / 认定违规 / 确认整改, the unit answers
已整改 / 核实无误 or explains a yellow warning in writing. Each step takes a note and, on the
unit's side, files; it is queued for the next sync and shows 待发送 until the server answers. A
refusal shows the server's message and puts the typed text (and its files) back. The history
(who, when, what) is the mirrored server record.
"""
from __future__ import annotations

from datetime import datetime
from html import escape
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QTabBar,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from app.services.ui_queries import WARNING_STATUS_NAMES, WarningView, list_warnings
from app.services.warnings import ActionOption, actions_for, dispose_warning, side_for_roles
from app.ui.approval_queue import LEVEL_COLORS
from app.ui.context import UiContext
from app.ui.formatting import local_time
from app.ui.i18n import RetranslateMixin
from app.ui.record_model import Column, RecordTableModel
from app.ui.tasks import ChangeAwareMixin

# (action, shortcut) in the order the buttons stand; Alt+letter like the approval queue
ACTIONS = (("mark_normal", "Alt+N"), ("request_verify", "Alt+V"), ("mark_violation", "Alt+X"),
           ("accept_rectification", "Alt+R"), ("answer_fixed", "Alt+F"), ("answer_ok", "Alt+K"),
           ("explain", "Alt+E"))


class WarningTableModel(RecordTableModel):
    def __init__(self, parent: Any = None) -> None:
        levels = {"red": self.tr("红色"), "yellow": self.tr("黄色"), "blue": self.tr("蓝色")}
        statuses = self.status_names()
        super().__init__([
            Column(self.tr("级别"), lambda w: levels.get(w.severity, w.severity),
                   color=lambda w: LEVEL_COLORS.get(w.severity)),
            Column(self.tr("规则"), lambda w: w.rule_name),
            Column(self.tr("说明"), lambda w: w.message, tooltip=lambda w: w.message),
            Column(self.tr("指标/申请"), lambda w: w.indicator_id or w.application_id or ""),
            Column(self.tr("状态"), lambda w: statuses.get(w.status, WARNING_STATUS_NAMES.get(
                w.status, w.status))),
            Column(self.tr("时间"), lambda w: local_time(w.created_at)),
        ], parent)

    def status_names(self) -> dict[str, str]:
        """Local rows' old statuses and the server's disposition states (fiscal.warnings)."""
        return {"open": self.tr("待处置"), "explained": self.tr("已书面说明（待认定）"),
                "closed": self.tr("已关闭"), "confirmed": self.tr("已确认"),
                "dismissed": self.tr("已排除"), "raised": self.tr("待处理"),
                "normal": self.tr("认定正常"), "verifying": self.tr("需要核实"),
                "answered_ok": self.tr("核实无误（待复核）"),
                "answered_fixed": self.tr("已整改（待复核）"), "violation": self.tr("认定违规"),
                "rectified": self.tr("整改完成"), "pending_send": self.tr("待发送")}


class WarningsView(RetranslateMixin, ChangeAwareMixin, QWidget):
    LEVELS = (None, "red", "yellow", "blue")

    def __init__(self, ctx: UiContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.model = WarningTableModel(self)
        self._tabs = QTabBar()
        for text in (self.tr("全部"), self.tr("红色预警"), self.tr("黄色预警"), self.tr("蓝色预警")):
            self._tabs.addTab(text)
        self._mine = QCheckBox(self.tr("只看待我处理"))
        self._mine.setObjectName("warningMine")
        self._table = QTableView()
        self._table.setObjectName("warningTable")
        self._table.setModel(self.model)
        self._table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self._table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self._table.verticalHeader().setVisible(False)
        self._table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self._table.horizontalHeader().setStretchLastSection(True)
        for col, w in enumerate((60, 150, 400, 140, 150)):
            self._table.setColumnWidth(col, w)
        self._detail = QTextBrowser()
        self._detail.setObjectName("warningDetail")
        self._explanation = QPlainTextEdit()  # the note of whichever step is taken
        self._explanation.setObjectName("warningExplanation")
        self._explanation.setPlaceholderText(
            self.tr("处理说明：原因、依据与整改措施（随下次同步发送）"))
        self._explanation.setMaximumHeight(90)
        self._explanation.setTabChangesFocus(True)
        # the unit's answers on red/yellow warnings need at least one file (fiscal.warnings)
        self._files: list[Path] = []
        self._kept: list[str] = []  # SHA-256s of a refused step's files, sent again as they are
        self._attach = QPushButton(self.tr("添加附件… (Ctrl+O)"))
        self._attach.setObjectName("warningAttach")
        self._attach.setShortcut(QKeySequence("Ctrl+O"))
        # the unit's answers carry who to call about them (domain.md §6.1)
        self._contact = QLineEdit()
        self._contact.setObjectName("warningContact")
        self._contact.setPlaceholderText(self.tr("联系人及电话（单位反馈）"))
        self._contact.setMaxLength(120)  # the server's limit (app.services.warnings.MAX_CONTACT)
        self._contact.setMinimumWidth(240)
        self._files_label = QLabel()
        self._message = QLabel()
        self._message.setWordWrap(True)
        self._buttons: dict[str, QPushButton] = {}
        for action, seq in ACTIONS:
            b = QPushButton()
            b.setObjectName(f"warningAction_{action}")
            b.clicked.connect(lambda _c=False, a=action: self.act(a))
            sc = QShortcut(QKeySequence(seq), self)
            sc.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            sc.activated.connect(lambda a=action: self.act(a))
            self._buttons[action] = b
        self._explain = self._buttons["explain"]  # the unit's 书面说明 (kept name)
        self._label_buttons()
        right = QWidget()
        rl = QVBoxLayout(right)
        rl.setContentsMargins(0, 0, 0, 0)
        rl.addWidget(self._detail, 1)
        rl.addWidget(self._explanation)
        files_row = QHBoxLayout()
        files_row.addWidget(self._message, 1)
        files_row.addWidget(self._contact)
        files_row.addWidget(self._files_label)
        files_row.addWidget(self._attach)
        rl.addLayout(files_row)
        buttons_row = QHBoxLayout()
        buttons_row.addStretch(1)
        for b in self._buttons.values():
            buttons_row.addWidget(b)
        rl.addLayout(buttons_row)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self._table)
        splitter.addWidget(right)
        splitter.setSizes([340, 300])
        top = QHBoxLayout()
        top.addWidget(self._tabs, 1)
        top.addWidget(self._mine)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        self._current_id: str | None = None
        self._drafts: dict[str, tuple[str, str, list[Path], list[str]]] = {}
        self._tabs.currentChanged.connect(lambda _i: self.refresh())
        self._mine.toggled.connect(lambda _b: self.refresh())
        self._table.selectionModel().currentRowChanged.connect(self._on_table_current_changed)
        self._attach.clicked.connect(self._on_attach_clicked)
        ctx.sig_user_changed.connect(lambda _u: self.refresh())
        self.setTabOrder(self._table, self._explanation)
        self.setTabOrder(self._explanation, self._contact)
        self.setTabOrder(self._contact, self._attach)
        self.watch_changes(ctx.runner)
        self._show_actions(None)
        self.refresh()

    # -- who and what ------------------------------------------------------------------------
    @property
    def side(self) -> str:
        """'bureau' or 'unit' for the signed-in user (the server decides the same way)."""
        return side_for_roles(self.ctx.user.roles if self.ctx.user else ())

    def _action_name(self, action: str) -> str:
        return {"mark_normal": self.tr("认定正常"), "request_verify": self.tr("需要核实"),
                "mark_violation": self.tr("认定违规"), "accept_rectification": self.tr("确认整改"),
                "answer_fixed": self.tr("已整改"), "answer_ok": self.tr("核实无误"),
                "explain": self.tr("书面说明")}.get(action, action)

    def _label_buttons(self) -> None:
        # composed "name (shortcut)": set here again on a language switch (retranslate_dynamic)
        for action, seq in ACTIONS:
            name = self.tr("提交说明") if action == "explain" else self._action_name(action)
            self._buttons[action].setText(f"{name} ({seq})")

    def retranslate_dynamic(self) -> None:
        self._label_buttons()
        super().retranslate_dynamic()

    def options(self) -> tuple[ActionOption, ...]:
        w = self.current()
        return actions_for(w, self.side) if w is not None else ()

    def wants_changes(self, changes: Any) -> bool:
        return bool(getattr(changes, "outbox", False) or getattr(changes, "sync_state", False))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.refresh_if_stale()

    def refresh(self) -> None:
        db, level = self.ctx.db, self.LEVELS[max(0, self._tabs.currentIndex())]
        mine, side = self._mine.isChecked(), self.side
        self.ctx.runner.query(lambda c: list_warnings(db=db, severity=level, open_only=mine,
                                                      side=side if mine else None),
                              on_success=self._on_loaded, key=f"warnings-{id(self)}",
                              label=self.tr("读取预警"))

    def _on_loaded(self, warnings: list[WarningView]) -> None:
        keep = self._current_id
        self.model.set_records(warnings)
        if not warnings:
            self._detail.clear()
            self._show_actions(None)
            return
        row = next((i for i, w in enumerate(warnings) if w.id == keep), 0)
        self._table.selectRow(row)
        if row == self._table.currentIndex().row():  # same row as before: no change signal
            self._show(warnings[row])

    def current(self) -> WarningView | None:
        return self.model.record(self._table.currentIndex().row())

    # -- the selected warning ------------------------------------------------------------------
    def _on_table_current_changed(self, current: Any, _prev: Any) -> None:
        w = self.model.record(current.row())
        if w is not None:
            self._show(w)

    def _show(self, w: WarningView) -> None:
        if w.id != self._current_id:
            # what was typed for one warning stays with it while another is looked at
            if self._current_id is not None:
                self._drafts[self._current_id] = (self._explanation.toPlainText(),
                                                  self._contact.text(), list(self._files),
                                                  list(self._kept))
            text, contact, files, kept = self._drafts.pop(w.id, ("", "", [], []))
            self._current_id = w.id
            self._explanation.setPlainText(text)
            self._contact.setText(contact)
            self._files, self._kept = files, kept
            self._message.clear()
            self._update_files_label()
        refused = w.details.get("refused") or {}
        if refused.get("note") and not self._explanation.toPlainText().strip():
            self._explanation.setPlainText(refused["note"])  # what was typed is never lost
            if refused.get("contact") and not self._contact.text().strip():
                self._contact.setText(str(refused["contact"]))
            self._kept = [h for h in refused.get("attachments") or () if h]
            self._update_files_label()
        self._detail.setHtml(self._detail_html(w))
        self._show_actions(w)

    def _show_actions(self, w: WarningView | None) -> None:
        opts = {o.action: o for o in (actions_for(w, self.side) if w is not None else ())}
        for action, b in self._buttons.items():
            b.setVisible(action in opts)
            b.setEnabled(action in opts)
        files = any(o.files_allowed for o in opts.values())
        self._attach.setEnabled(files)
        self._contact.setEnabled(files)  # the unit's side
        self._explanation.setEnabled(bool(opts))

    def _detail_html(self, w: WarningView) -> str:
        d = w.details
        explanation = d.get("explanation")
        state = self.model.status_names().get(w.status, WARNING_STATUS_NAMES.get(w.status, w.status))
        opts = actions_for(w, self.side)
        if opts:
            sep = self.tr("、")  # the list separator of the UI language
            todo = self.tr("您可以：{0}").format(sep.join(self._action_name(o.action)
                                                     for o in opts))
        elif w.status == "pending_send":
            todo = self.tr("已处理，等待同步发送。")
        else:
            todo = self.tr("当前无需您处理。")
        return (
            f"<h3 style='color:{LEVEL_COLORS.get(w.severity, '#000')}'>{escape(w.rule_name)}"
            f" <small>{escape(w.rule_code)}</small></h3><p>{escape(w.message)}</p>"
            f"<p><b>{self.tr('状态')}</b>：{escape(state)}　{escape(todo)}</p>"
            + (f"<p><b>{self.tr('情况说明')}</b>：{escape(str(explanation))}</p>"
               if explanation else "")
            + self._send_state_html(w) + self._history_html(d.get("history") or [])
            + f"<p style='color:#666'>{self.tr('处置流程：财政认定正常或要求核实 → 单位反馈（核实无误/已整改，附证明材料） → 财政复核关闭或认定违规。')}</p>")

    def _history_html(self, history: list[dict[str, Any]]) -> str:
        if not history:
            return ""
        head = "".join(f"<th align='left'>{escape(t)}</th>" for t in (
            self.tr("时间"), self.tr("处理人"), self.tr("处理"), self.tr("说明"), self.tr("附件")))
        rows = []
        for h in history:
            try:
                at = local_time(datetime.fromisoformat(str(h.get("at"))))
            except ValueError:
                at = str(h.get("at") or "")
            name = self._action_name(str(h.get("action") or "")) if h.get("action") else \
                str(h.get("action_name") or "")
            n = len(h.get("attachments") or ())
            note = str(h.get("note") or "") + (f"（{h['contact']}）" if h.get("contact") else "")
            rows.append(f"<tr><td>{escape(at)}</td><td>{escape(str(h.get('by') or ''))}</td>"
                        f"<td>{escape(name)}</td><td>{escape(note)}</td>"
                        f"<td>{n if n else ''}</td></tr>")
        return (f"<p><b>{self.tr('处理记录')}</b></p><table cellspacing='0' cellpadding='3' "
                f"border='1' style='border-collapse:collapse'><tr>{head}</tr>{''.join(rows)}</table>")

    def _send_state_html(self, w: WarningView) -> str:
        pending, refused = w.details.get("pending"), w.details.get("refused")
        if pending:
            why = pending.get("message")
            name = self._action_name(str(pending.get("action") or "")) if pending.get("action") \
                else str(pending.get("action_name") or "")
            return (f"<p style='color:#b9770e'>{self.tr('待发送')}：{escape(name)}"
                    + (f"（{escape(str(why))}）" if why else "") + "</p>")
        if refused:
            name = self._action_name(str(refused.get("action") or "")) if refused.get("action") \
                else str(refused.get("action_name") or "")
            return (f"<p style='color:#c0392b'>{self.tr('服务器未接受')}"
                    f"“{escape(name)}”：{escape(str(refused.get('message')))}</p>")
        return ""

    # -- files ---------------------------------------------------------------------------------
    def add_files(self, paths: list[str | Path]) -> None:
        self._files += [Path(p) for p in paths if Path(p) not in self._files]
        self._update_files_label()

    def _update_files_label(self) -> None:
        n = len(self._files) + len(self._kept)
        self._files_label.setText(self.tr("附件 %n 个", "", n) if n else "")
        self._files_label.setToolTip("、".join(p.name for p in self._files))

    def _on_attach_clicked(self) -> None:
        # the types the server keeps (app.services.warnings.media_type checks the content)
        paths, _ = QFileDialog.getOpenFileNames(
            self, self.tr("选择证明材料"), "",
            self.tr("凭证文件 (*.pdf *.jpg *.jpeg *.png *.tif *.tiff *.ofd *.xml);;所有文件 (*)"))
        self.add_files(paths)

    # -- taking a step -------------------------------------------------------------------------
    def act(self, action: str) -> None:
        """Queue ``action`` on the selected warning with the typed note and files."""
        w = self.current()
        b = self._buttons.get(action)
        if w is None or b is None or not b.isEnabled():
            return
        opts = {o.action: o for o in actions_for(w, self.side)}
        if action not in opts:
            return
        db, text = self.ctx.db, self._explanation.toPlainText()
        files = list(self._files) if opts[action].files_allowed else []
        kept = list(self._kept) if opts[action].files_allowed else []
        contact = self._contact.text() if opts[action].files_allowed else ""
        name, wid = self._action_name(action), w.id

        def failed(message: str, _exc: BaseException) -> None:
            self._message.setStyleSheet("color:#c0392b")
            self._message.setText(message)

        def done(_c: Any) -> None:
            if self._current_id == wid:
                self._explanation.clear()
                self._contact.clear()
                self._files, self._kept = [], []
                self._update_files_label()
            self._drafts.pop(wid, None)
            self._message.setStyleSheet("color:#1e8449")
            self._message.setText(self.tr("“{0}”已保存，将随下次同步发送。").format(name))

        self.ctx.runner.mutation(
            lambda c: dispose_warning(db=db, warning_id=wid, action=action, note=text,
                                      files=files, attachments=kept, contact=contact)[1],
            on_success=done, on_failure=failed, label=self.tr("预警处理"))

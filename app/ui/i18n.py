"""Live language switch (设置 → 界面语言) without a restart.

:func:`switch_language` removes the installed translators and installs the new ones; Qt then
sends ``QEvent.LanguageChange`` to every widget. Screens take it in ``changeEvent`` (through
:class:`RetranslateMixin`) and call :meth:`RetranslateMixin.retranslate`:

* fixed texts (labels, buttons, group titles, placeholders, tool tips, combo and list items,
  tab titles, menu actions, table headers) are re-translated from their Chinese source. The
  source is remembered on the widget the first time it is seen; a text shown in English is
  traced back to its source through the English catalogue (``jincai_en.ts``), with the
  screen's own class name as the preferred ``tr()`` context;
* texts composed at run time (counts, HTML detail panes) are rebuilt by the screen's
  :meth:`RetranslateMixin.retranslate_dynamic` (by default: ``refresh()`` when visible, else
  stale until shown)."""
from __future__ import annotations

import logging
import xml.etree.ElementTree as ET
from dataclasses import replace
from functools import lru_cache
from typing import Any

from PySide6.QtCore import QAbstractItemModel, QCoreApplication, QEvent, QModelIndex, QObject, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QComboBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QTabWidget,
    QWidget,
)

from fiscal.resources import resource_path

log = logging.getLogger(__name__)

_PROP = "jincaiSrc_"  # dynamic property prefix: the Chinese source of a shown text


@lru_cache(maxsize=1)
def _catalogue() -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, str]],
                          dict[str, frozenset[str]]]:
    """(Chinese source → its tr() contexts, English text → (context, source),
    source → its English texts)."""
    sources: dict[str, list[str]] = {}
    reverse: dict[str, tuple[str, str]] = {}
    forward: dict[str, set[str]] = {}
    path = resource_path("translations", "jincai_en.ts")
    try:
        root = ET.parse(path).getroot()
    except (OSError, ET.ParseError) as exc:
        log.warning("translation catalogue %s not read: %s", path, exc)
        return {}, {}, {}
    for ctx in root.iter("context"):
        name = ctx.findtext("name") or ""
        for msg in ctx.iter("message"):
            src = msg.findtext("source") or ""
            en = msg.findtext("translation") or ""
            sources.setdefault(src, []).append(name)
            if en:
                reverse.setdefault(en, (name, src))
                forward.setdefault(src, set()).add(en)
    return ({k: tuple(v) for k, v in sources.items()}, reverse,
            {k: frozenset(v) for k, v in forward.items()})


def _contexts_for(obj: QObject | None) -> list[str]:
    """Class names from ``obj`` up through its parents: the likely tr() contexts."""
    out: list[str] = []
    while obj is not None:
        for cls in type(obj).__mro__:
            if cls.__module__.startswith("app.") and cls.__name__ not in out:
                out.append(cls.__name__)
        obj = obj.parent()
    return out


def translate_source(source: str, hints: list[str]) -> str:
    """``source`` in the current language, in the first of ``hints`` that knows it."""
    sources = _catalogue()[0]
    contexts = sources.get(source, ())
    for ctx in [h for h in hints if h in contexts] + list(contexts):
        out = QCoreApplication.translate(ctx, source)
        if out != source or not contexts:
            return out
    return source


def source_of(text: str, hints: list[str]) -> str | None:
    """The Chinese source of a shown text (itself, or traced back from English)."""
    sources, reverse, _forward = _catalogue()
    if text in sources:
        return text
    hit = reverse.get(text)
    return hit[1] if hit else None


def _retext(obj: QObject, key: str, current: str, setter: Any, hints: list[str]) -> None:
    if not current:
        return
    src = obj.property(_PROP + key)
    if not isinstance(src, str) or (current != src
                                    and current not in _catalogue()[2].get(src, ())):
        src = source_of(current, hints)  # first visit, or the text was changed since
        if src is None:
            return  # composed at run time: the screen rebuilds it
        obj.setProperty(_PROP + key, src)
    new = translate_source(src, hints)
    if new != current:
        setter(new)


def retranslate_tree(root: QWidget) -> None:
    """Re-translate the fixed texts of ``root`` and every widget below it."""
    for w in [root, *root.findChildren(QWidget)]:
        hints = _contexts_for(w)
        if isinstance(w, (QLabel, QAbstractButton)):
            _retext(w, "text", w.text(), w.setText, hints)
        if isinstance(w, QGroupBox):
            _retext(w, "title", w.title(), w.setTitle, hints)
        if isinstance(w, (QLineEdit, QPlainTextEdit)):
            _retext(w, "placeholder", w.placeholderText(), w.setPlaceholderText, hints)
        if w.toolTip():
            _retext(w, "tooltip", w.toolTip(), w.setToolTip, hints)
        if w.isWindow() and w.windowTitle():
            _retext(w, "title_w", w.windowTitle(), w.setWindowTitle, hints)
        if isinstance(w, QComboBox):
            for i in range(w.count()):
                _retext(w, f"item{i}", w.itemText(i),
                        lambda t, i=i, w=w: w.setItemText(i, t), hints)
        if isinstance(w, QListWidget):
            for i in range(w.count()):
                item = w.item(i)
                # list items are not QObjects: the source lives on the list, by row
                _retext(w, f"row{i}", item.text(), item.setText, hints)
        if isinstance(w, QTabWidget):
            for i in range(w.count()):
                _retext(w, f"tab{i}", w.tabText(i),
                        lambda t, i=i, w=w: w.setTabText(i, t), hints)
        for action in w.actions():
            _retext(action, "text", action.text(), action.setText, hints)
            menu = action.menu()
            if menu is not None:
                for sub in menu.actions():
                    _retext(sub, "text", sub.text(), sub.setText, hints)
    for action in root.findChildren(QAction):
        _retext(action, "text", action.text(), action.setText, _contexts_for(action))


def retranslate_model(model: QAbstractItemModel) -> None:
    """Table headers from their sources; cells are re-read (they translate as they are drawn)."""
    if not type(model).__module__.startswith("app."):
        return  # Qt's own models (list/combo widgets) are handled with their widgets
    hints = _contexts_for(model)
    columns = getattr(model, "_columns", None)
    headers = getattr(model, "_headers", None)
    sources = model.property(_PROP + "headers")
    if columns is not None:
        titles = [c.header for c in columns]
    elif isinstance(headers, (list, tuple)):
        titles = list(headers)
    else:
        titles = None
    if titles:
        if not isinstance(sources, list) or len(sources) != len(titles):
            sources = [source_of(t, hints) or "" for t in titles]
            model.setProperty(_PROP + "headers", sources)
        new = [translate_source(s, hints) if s else t for s, t in zip(sources, titles, strict=True)]
        if columns is not None:
            model._columns = [replace(c, header=h) for c, h in zip(columns, new, strict=True)]  # type: ignore[attr-defined]
        else:
            model._headers = type(headers)(new)  # type: ignore[attr-defined,misc]
        model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(new) - 1)
    rows, cols = model.rowCount(QModelIndex()), model.columnCount(QModelIndex())
    if rows and cols:
        model.dataChanged.emit(model.index(0, 0), model.index(rows - 1, cols - 1))


class RetranslateMixin:
    """For screens: ``changeEvent(LanguageChange)`` → :meth:`retranslate`."""

    def changeEvent(self, event: Any) -> None:
        super().changeEvent(event)  # type: ignore[misc]
        if event.type() == QEvent.Type.LanguageChange:
            self.retranslate()

    def retranslate(self) -> None:
        window = self.window()  # type: ignore[attr-defined]
        # the window is told first and walks the whole tree; a screen inside it only rebuilds
        # its composed texts (a screen shown on its own walks its own tree)
        if window is self or not isinstance(window, RetranslateMixin):
            retranslate_tree(self)  # type: ignore[arg-type]
            for model in self.findChildren(QAbstractItemModel):  # type: ignore[attr-defined]
                retranslate_model(model)
        self.retranslate_dynamic()

    def retranslate_dynamic(self) -> None:
        """Rebuild texts composed at run time (default: reload the screen)."""
        refresh = getattr(self, "refresh", None)
        if refresh is None:
            return
        if self.isVisible():  # type: ignore[attr-defined]
            refresh()
        else:
            self._stale = True


def current_language() -> str:
    app = QApplication.instance()
    return str(getattr(app, "_jincai_language", "zh_CN"))


def switch_language(language: str) -> None:
    """Replace the installed translators; every widget then gets ``LanguageChange``."""
    from app.ui.application import install_translators

    app = QApplication.instance()
    if app is None:
        return
    for t in list(getattr(app, "_jincai_translators", []) or []):
        app.removeTranslator(t)
    app._jincai_translators = install_translators(app, language)  # type: ignore[attr-defined]
    app._jincai_language = language  # type: ignore[attr-defined]
    from app.ui.message_i18n import _log_missing

    _log_missing.cache_clear()

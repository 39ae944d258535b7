"""The task runner: every database call, sync, import or OCR run leaves the UI thread here.

Two kinds of work (Anki's ``QueryOp`` / ``CollectionOp``):

* :meth:`TaskRunner.query` reads (or talks to the network) and hands its result to a
  callback on the UI thread;
* :meth:`TaskRunner.mutation` changes the local store through a service, then broadcasts
  what changed (``app.services.results.Changes``) on :attr:`TaskRunner.sig_changes`;
  views subscribe through :class:`ChangeAwareMixin` and redraw when visible.

Workers talk only through signals (Spyder's find-in-files worker): the work function gets a
:class:`TaskContext` with a cancel flag, ``progress()`` and ``partial()`` (results in growing
batches). Nothing Qt-related is touched inside the work function.

Errors: a service error's ``message`` (Chinese, says what and where) is shown to the user;
anything else becomes a generic Chinese message and the traceback goes to the log.
"""
from __future__ import annotations

import gc
import itertools
import logging
import sys
import threading
import time
import traceback
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

log = logging.getLogger(__name__)

_ids = itertools.count(1)


class TaskCancelled(Exception):
    """Raised inside a work function by :meth:`TaskContext.check` after a cancel request."""


def pick_language(text: str) -> str:
    """Some lower layers write "中文 / English": show the half in the UI language."""
    if " / " not in text:
        return text
    zh, _, en = text.partition(" / ")
    return en.strip() if ui_is_english() and en.strip() else zh.strip()


def ui_is_english() -> bool:
    """True when the English translation is installed (its .ts maps this marker to "en")."""
    return QCoreApplication.translate("language", "zh_CN") == "en"


def user_message(exc: BaseException) -> str:
    """The Chinese message a user sees for ``exc``; never a stack trace."""
    msg = getattr(exc, "message", None)
    if isinstance(msg, str) and msg:
        from app.ui.message_i18n import translate_message

        return translate_message(msg, getattr(exc, "code", None))
    name = type(exc).__name__
    if isinstance(exc, TimeoutError):
        return QCoreApplication.translate("tasks", "操作超时，请稍后重试。")
    if isinstance(exc, (ConnectionError, OSError)) and not isinstance(exc, FileNotFoundError):
        return QCoreApplication.translate("tasks", "网络或文件访问失败（{0}），请检查后重试。").format(name)
    if isinstance(exc, FileNotFoundError):
        return QCoreApplication.translate("tasks", "找不到文件：{0}").format(exc.filename or "")
    return QCoreApplication.translate(
        "tasks", "操作失败：程序内部错误（{0}）。详细信息已写入日志，请联系管理员。").format(name)


def _alive(callback: Any) -> bool:
    """False when ``callback`` is a method of a Qt object that has been destroyed (a view
    closed while its query was running): its result is dropped, not an error."""
    owner = getattr(callback, "__self__", None)
    if owner is None or not isinstance(owner, QObject):
        return True
    import shiboken6

    return shiboken6.isValid(owner)


def _is_user_error(exc: BaseException) -> bool:
    """Service refusals and validation errors carry a Chinese ``message`` and a ``code``."""
    return isinstance(getattr(exc, "message", None), str) and hasattr(exc, "code")


class TaskContext:
    """Handed to the work function (runs on a worker thread)."""

    def __init__(self, task: Task) -> None:
        self._task = task

    @property
    def cancelled(self) -> bool:
        return self._task._cancel.is_set()

    @property
    def cancel_event(self) -> threading.Event:
        """For lower layers that take a ``threading.Event`` (the sync engine)."""
        return self._task._cancel

    def check(self) -> None:
        """Raise :class:`TaskCancelled` if the user asked to stop."""
        if self._task._cancel.is_set():
            raise TaskCancelled()

    def progress(self, done: int, total: int = 0, text: str = "") -> None:
        self._task.sig_progress.emit(int(done), int(total), str(text))

    def partial(self, batch: Any) -> None:
        """Deliver part of the result now (e.g. the first 1,000 matches)."""
        self._task.sig_partial.emit(batch)


class Task(QObject):
    """A handle on one piece of background work (lives on the UI thread)."""

    sig_progress = Signal(int, int, str)  # done, total (0 = unknown), text
    sig_partial = Signal(object)
    sig_succeeded = Signal(object)
    sig_failed = Signal(str, object)  # Chinese message, exception
    sig_cancelled = Signal()
    sig_finished = Signal()  # after any of the three above

    def __init__(self, label: str, kind: str, key: str | None, parent: QObject | None = None
                 ) -> None:
        super().__init__(parent)
        self.id = next(_ids)
        self.label = label
        self.kind = kind  # query | mutation
        self.key = key
        self._cancel = threading.Event()
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None
        self.started_at = time.monotonic()

    def cancel(self) -> None:
        """Ask the work to stop; its result (if it still arrives) is dropped."""
        self._cancel.set()

    @property
    def cancel_requested(self) -> bool:
        return self._cancel.is_set()


class _Runnable(QRunnable):
    def __init__(self, task: Task, fn: Callable[[TaskContext], Any],
                 outcome: Callable[[Task, str, Any], None]) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task, self._fn, self._outcome = task, fn, outcome

    def run(self) -> None:
        task = self._task
        if task._cancel.is_set():
            self._outcome(task, "cancelled", None)
            return
        try:
            result = self._fn(TaskContext(task))
        except TaskCancelled:
            self._outcome(task, "cancelled", None)
        except BaseException as exc:  # noqa: BLE001 - reported, never swallowed
            if _is_user_error(exc):  # a refusal the user can act on: no traceback needed
                log.info("task %r refused: %s", task.label, getattr(exc, "message", exc))
                self._outcome(task, "failed", exc)
                return
            log.error("task %r failed:\n%s", task.label, "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__)))
            self._outcome(task, "failed", exc)
        else:
            self._outcome(task, "cancelled" if task._cancel.is_set() else "ok", result)


class _Relay(QObject):
    """Carries a worker's outcome to the UI thread (queued connection)."""

    sig_outcome = Signal(object, str, object)


class _MainThreadGc(QObject):
    """Python's cycle collector runs only on the UI thread (Anki's habit). Run by chance in a
    worker, it can free a Qt wrapper there: ~QObject takes Qt's connection lock and waits for the
    GIL, while the UI thread holds the GIL waiting for that lock (a deadlock seen in CI). So the
    automatic collector is off and this timer collects on the UI thread instead."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        gc.disable()
        self._timer = QTimer(self)
        self._timer.timeout.connect(self.collect)
        self._timer.start(1000)

    @Slot()
    def collect(self) -> None:
        if gc.get_count()[0] >= gc.get_threshold()[0]:
            gc.collect()


_gc: _MainThreadGc | None = None


def collect_on_ui_thread_only() -> None:
    """Install the UI-thread collector once per application (needs a QCoreApplication)."""
    global _gc
    app = QCoreApplication.instance()
    if _gc is None and app is not None:
        _gc = _MainThreadGc(app)


def restore_automatic_gc() -> None:
    """Back to Python's automatic collector (tests that leave the Qt part of the suite)."""
    global _gc
    if _gc is not None:
        _gc._timer.stop()
        _gc.deleteLater()
        _gc = None
    gc.enable()
    gc.collect()


class TaskRunner(QObject):
    """Runs queries and mutations on a thread pool; broadcasts change sets."""

    sig_changes = Signal(object)  # app.services.results.Changes (or any object with __bool__)
    sig_error = Signal(str, str)  # task label, Chinese message (for the notification area)
    sig_busy_changed = Signal(bool)
    sig_task_started = Signal(object)  # Task
    sig_task_finished = Signal(object)  # Task

    def __init__(self, parent: QObject | None = None, *, max_threads: int = 2) -> None:
        super().__init__(parent)
        # workers run Python (sync apply, import parsing) and share the GIL with the UI thread:
        # a 1 ms switch interval (default 5 ms) hands it back to the UI thread sooner
        sys.setswitchinterval(min(sys.getswitchinterval(), 0.001))
        collect_on_ui_thread_only()  # workers must never run the cycle collector
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.sig_outcome.connect(self._on_relay_outcome)
        self._running: dict[int, Task] = {}
        self._keyed: dict[str, Task] = {}
        self._callbacks: dict[int, tuple[Any, Any, bool]] = {}

    # ------------------------------------------------------------------ public API

    def query(self, fn: Callable[[TaskContext], Any], *, on_success: Callable[[Any], None] | None = None,
              on_failure: Callable[[str, BaseException], None] | None = None,
              label: str = "", key: str | None = None,
              on_progress: Callable[[int, int, str], None] | None = None) -> Task:
        """Read something off the UI thread. ``key``: a newer query with the same key cancels
        the older one (typing in a filter box), whose result is then never delivered."""
        return self._start(fn, "query", on_success, on_failure, label, key, on_progress)

    def mutation(self, fn: Callable[[TaskContext], Any], *,
                 on_success: Callable[[Any], None] | None = None,
                 on_failure: Callable[[str, BaseException], None] | None = None,
                 label: str = "", key: str | None = None,
                 on_progress: Callable[[int, int, str], None] | None = None) -> Task:
        """Change the store; afterwards the result's ``changes`` (or the result itself when it
        is a change set) is broadcast on :attr:`sig_changes`."""
        return self._start(fn, "mutation", on_success, on_failure, label, key, on_progress)

    def broadcast(self, changes: Any) -> None:
        if changes:
            self.sig_changes.emit(changes)

    def running(self) -> list[Task]:
        return list(self._running.values())

    def is_busy(self) -> bool:
        return bool(self._running)

    def cancel_all(self) -> None:
        for task in list(self._running.values()):
            task.cancel()

    def wait_idle(self, timeout_ms: int = 10_000) -> bool:
        """Wait for the pool, then deliver pending outcomes (tests and shutdown only)."""
        ok = self._pool.waitForDone(timeout_ms)
        deadline = time.monotonic() + timeout_ms / 1000
        while self._running and time.monotonic() < deadline:
            QCoreApplication.processEvents()
            time.sleep(0.002)
        return ok and not self._running

    # ------------------------------------------------------------------ internals

    def _start(self, fn: Callable[[TaskContext], Any], kind: str, on_success: Any,
               on_failure: Any, label: str, key: str | None,
               on_progress: Any = None) -> Task:
        if key is not None and key in self._keyed:
            self._keyed[key].cancel()
        task = Task(label or kind, kind, key)  # no parent: freed when the last reference goes
        self._running[task.id] = task
        if key is not None:
            self._keyed[key] = task
        self._callbacks[task.id] = (on_success, on_failure, kind == "mutation")
        if on_progress is not None:
            task.sig_progress.connect(on_progress)
        was_busy = len(self._running) > 1
        self.sig_task_started.emit(task)
        if not was_busy:
            self.sig_busy_changed.emit(True)
        self._pool.start(_Runnable(task, fn, self._relay.sig_outcome.emit))
        return task

    @Slot(object, str, object)
    def _on_relay_outcome(self, task: Task, outcome: str, value: Any) -> None:
        on_success, on_failure, is_mutation = self._callbacks.pop(task.id, (None, None, False))
        if on_success is not None and not _alive(on_success):
            on_success = None
        if on_failure is not None and not _alive(on_failure):
            on_failure = lambda _m, _e: None  # the view is gone: nobody to tell
        self._running.pop(task.id, None)
        if task.key is not None and self._keyed.get(task.key) is task:
            del self._keyed[task.key]
        task.done = True
        try:
            if outcome == "ok":
                task.result = value
                if on_success is not None:
                    on_success(value)
                task.sig_succeeded.emit(value)
                if is_mutation:
                    changes = getattr(value, "changes", value)
                    if changes is not None and hasattr(changes, "__bool__") and not isinstance(
                            changes, (list, dict, str)):
                        self.broadcast(changes)
            elif outcome == "failed":
                task.error = value
                message = user_message(value)
                if on_failure is not None:
                    on_failure(message, value)
                else:
                    self.sig_error.emit(task.label, message)
                task.sig_failed.emit(message, value)
            else:
                task.sig_cancelled.emit()
        except Exception:  # a callback bug must not kill the runner
            log.exception("callback of task %r failed", task.label)
            self.sig_error.emit(task.label, user_message(RuntimeError("callback")))
        finally:
            task.sig_finished.emit()
            self.sig_task_finished.emit(task)
            if not self._running:
                self.sig_busy_changed.emit(False)


class ChangeAwareMixin:
    """For views: subscribe to a runner's change sets; refresh now when visible, else when
    next shown. Subclasses implement :meth:`wants_changes` and :meth:`refresh`."""

    _stale = False

    def watch_changes(self, runner: TaskRunner) -> None:
        runner.sig_changes.connect(self._on_runner_changes)

    def wants_changes(self, changes: Any) -> bool:  # pragma: no cover - overridden
        return True

    def refresh(self) -> None:  # pragma: no cover - overridden
        pass

    def _on_runner_changes(self, changes: Any) -> None:
        if not self.wants_changes(changes):
            return
        if self.isVisible():  # type: ignore[attr-defined]
            self._stale = False
            self.refresh()
        else:
            self._stale = True

    def refresh_if_stale(self) -> None:
        """Call from ``showEvent``."""
        if self._stale:
            self._stale = False
            self.refresh()

"""Task runner: results by signal, cancel, errors as Chinese messages, change broadcasts."""
from __future__ import annotations

import threading
import time

from app.services.errors import InvalidField
from app.services.results import Changes
from app.ui.tasks import ChangeAwareMixin, user_message


def test_query_result_arrives_on_the_ui_thread(qtbot, runner):
    main = threading.get_ident()
    got = []

    def work(ctx):
        return threading.get_ident()

    task = runner.query(work, on_success=got.append)
    with qtbot.waitSignal(task.sig_finished, timeout=5000):
        pass
    assert got and got[0] != main
    assert task.done and task.result == got[0]


def test_cancel_stops_the_work_and_drops_its_result(qtbot, runner):
    started = threading.Event()
    steps = []
    delivered = []

    def work(ctx):
        started.set()
        for i in range(500):
            ctx.check()
            steps.append(i)
            ctx.progress(i, 500)
            time.sleep(0.005)
        return "finished"

    task = runner.query(work, on_success=delivered.append, label="长任务")
    assert started.wait(5)
    with qtbot.waitSignal(task.sig_cancelled, timeout=5000):
        task.cancel()
    assert delivered == []
    assert len(steps) < 500
    assert not runner.is_busy()


def test_newer_keyed_query_cancels_the_older(qtbot, runner):
    gate = threading.Event()
    results = []

    def slow(ctx):
        gate.wait(5)
        ctx.check()
        return "old"

    old = runner.query(slow, on_success=results.append, key="filter")
    new = runner.query(lambda ctx: "new", on_success=results.append, key="filter")
    assert old.cancel_requested
    gate.set()
    runner.wait_idle()
    assert results == ["new"] and new.done


def test_errors_become_chinese_messages_and_details_go_to_the_log(qtbot, runner, caplog):
    messages = []

    def broken(ctx):
        raise ZeroDivisionError("boom")

    with qtbot.waitSignal(runner.sig_error, timeout=5000) as blocker:
        runner.query(broken, label="计算")
    assert "程序内部错误" in blocker.args[1] and "boom" not in blocker.args[1]
    assert "ZeroDivisionError: boom" in caplog.text

    task = runner.mutation(lambda ctx: (_ for _ in ()).throw(InvalidField("金额不能为空。", field="amount")),
                           on_failure=lambda m, e: messages.append((m, e.field)))
    with qtbot.waitSignal(task.sig_finished, timeout=5000):
        pass
    assert messages == [("金额不能为空。", "amount")]
    assert user_message(TimeoutError()) == "操作超时，请稍后重试。"


def test_progress_is_reported(qtbot, runner):
    seen = []

    class Sink:
        def on_progress(self, done, total, text):
            seen.append((done, total, text))

    sink = Sink()

    def work(ctx):
        for i in range(3):
            ctx.progress(i + 1, 3, "阶段")

    runner.query(work, on_progress=sink.on_progress)
    runner.wait_idle()
    assert seen == [(1, 3, "阶段"), (2, 3, "阶段"), (3, 3, "阶段")]


def test_mutation_broadcasts_its_change_set_and_hidden_views_refresh_when_shown(qtbot, runner):
    from PySide6.QtWidgets import QWidget

    class View(ChangeAwareMixin, QWidget):
        def __init__(self):
            super().__init__()
            self.refreshed = 0

        def wants_changes(self, changes):
            return bool(changes.applications)

        def refresh(self):
            self.refreshed += 1

        def showEvent(self, event):
            super().showEvent(event)
            self.refresh_if_stale()

    shown, hidden = View(), View()
    qtbot.addWidget(shown)
    qtbot.addWidget(hidden)
    shown.show()
    shown.watch_changes(runner)
    hidden.watch_changes(runner)
    with qtbot.waitSignal(runner.sig_changes, timeout=5000):
        runner.mutation(lambda ctx: Changes(applications=frozenset({"a"})))
    assert shown.refreshed == 1 and hidden.refreshed == 0
    hidden.show()
    assert hidden.refreshed == 1
    with qtbot.assertNotEmitted(runner.sig_changes, wait=200):
        runner.mutation(lambda ctx: Changes())
        runner.wait_idle()


def test_results_for_a_destroyed_view_are_dropped_quietly(qtbot, runner, caplog):
    import shiboken6
    from PySide6.QtWidgets import QLabel

    label = QLabel()
    errors = []
    runner.sig_error.connect(lambda label_, message: errors.append(message))
    gate = threading.Event()

    def work(ctx):
        gate.wait(5)
        return "late result"

    task = runner.query(work, on_success=label.setText)
    shiboken6.delete(label)
    gate.set()
    with qtbot.waitSignal(task.sig_finished, timeout=5000):
        pass
    assert errors == [] and "callback" not in caplog.text


def test_cycle_collection_runs_on_the_ui_thread_only(runner, qtbot) -> None:
    """A worker must never run the cycle collector (it could free a Qt wrapper off the UI
    thread and deadlock against it): the automatic collector is off while the runner exists and
    the UI thread's timer collects instead."""
    import gc
    import weakref

    from app.ui import tasks

    assert not gc.isenabled() and tasks._gc is not None

    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a  # a cycle: only the collector frees it
    gone = weakref.ref(a)
    del a, b
    # enough live allocations to be due for a collection, which only the timer may now run
    keep = [Node() for _ in range(gc.get_threshold()[0] + 1)]
    assert gone() is not None  # not collected at allocation time
    qtbot.waitUntil(lambda: gone() is None, timeout=3000)
    del keep

"""Measures how long the UI thread goes without processing events (the longest "freeze").

A coarse timer fires every ``interval_ms``; the gap between two firings minus the interval
is the stall. Used by the benchmark of issue 6 (sync / import while the UI must stay under
100 ms) and, in the product, to log stalls over ``warn_ms`` with what was running."""
from __future__ import annotations

import logging
import time

from PySide6.QtCore import QObject, Qt, QTimer

log = logging.getLogger(__name__)


class StallMonitor(QObject):
    def __init__(self, parent: QObject | None = None, *, interval_ms: int = 10,
                 warn_ms: int = 0) -> None:
        super().__init__(parent)
        self.interval_ms = interval_ms
        self.warn_ms = warn_ms
        self.max_stall_ms = 0.0
        self.samples = 0
        self.stalls: list[float] = []  # every gap's stall (ms), for percentiles
        self.max_at = 0.0  # seconds after start() when the longest stall ended
        self._started = 0.0
        self._last = 0.0
        self._timer = QTimer(self)
        self._timer.setTimerType(Qt.TimerType.PreciseTimer)
        self._timer.setInterval(interval_ms)
        self._timer.timeout.connect(self._on_timer_timeout)

    def start(self) -> None:
        self.max_stall_ms = 0.0
        self.samples = 0
        self.stalls = []
        self.max_at = 0.0
        self._last = self._started = time.perf_counter()
        self._timer.start()

    def stop(self) -> float:
        self._timer.stop()
        return self.max_stall_ms

    def _on_timer_timeout(self) -> None:
        now = time.perf_counter()
        stall = (now - self._last) * 1000 - self.interval_ms
        self._last = now
        self.samples += 1
        self.stalls.append(stall)
        if stall > self.max_stall_ms:
            self.max_stall_ms = stall
            self.max_at = now - self._started
        if self.warn_ms and stall > self.warn_ms:
            log.warning("UI thread stalled for %.0f ms", stall)

    def percentile(self, q: float) -> float:
        """The ``q``-th percentile (0–100) of the stalls seen since :meth:`start`."""
        if not self.stalls:
            return 0.0
        ordered = sorted(self.stalls)
        return ordered[min(len(ordered) - 1, int(len(ordered) * q / 100))]

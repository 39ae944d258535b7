"""Batch capture: many vouchers in a row, recognised one after another off the UI thread.

Items come from the camera (an image in memory), files or the watched folder. Results arrive
through callbacks as they are ready, in order; cancel stops the running recognition (its engine
process is killed) and drops the queue. Qt-free: the UI wraps the callbacks in queued signals.
Duplicate vouchers are flagged through a lookup the client store provides
(:mod:`app.capture.duplicates`).
"""
from __future__ import annotations

import itertools
import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from app.capture.duplicates import DuplicateChecker
from app.ocr.errors import OcrCancelled, OcrError
from app.ocr.model import VoucherResult
from app.ocr.pipeline import OcrOptions, encode_jpeg, recognize_file, recognize_image

log = logging.getLogger(__name__)
_ids = itertools.count(1)


@dataclass
class CaptureItem:
    source: str                        # "camera" | "file" | "folder"
    path: Path | None = None
    image: np.ndarray | None = None    # BGR, for camera stills
    name: str = ""
    id: int = field(default_factory=lambda: next(_ids))
    #: JPEG bytes of a camera still: what is stored as the original attachment
    encoded: bytes | None = None

    @property
    def label(self) -> str:
        return self.name or (self.path.name if self.path else f"拍摄 {self.id}")


class BatchProcessor:
    def __init__(self, options: OcrOptions | None = None, *,
                 on_result: Callable[[CaptureItem, list[VoucherResult]], None],
                 on_error: Callable[[CaptureItem, str], None],
                 on_idle: Callable[[], None] | None = None,
                 duplicates: DuplicateChecker | None = None):
        self.options = options or OcrOptions()
        self.on_result = on_result
        self.on_error = on_error
        self.on_idle = on_idle
        self.duplicates = duplicates or DuplicateChecker()
        self._queue: queue.Queue[CaptureItem | None] = queue.Queue()
        self._cancel = threading.Event()
        self._thread: threading.Thread | None = None
        self._busy = threading.Event()
        self._lock = threading.Lock()

    def add(self, item: CaptureItem) -> None:
        if item.source == "camera" and item.encoded is None and item.image is not None:
            item.encoded = encode_jpeg(item.image)
        self._queue.put(item)
        self._ensure_thread()

    def add_files(self, paths, source: str = "file") -> list[CaptureItem]:
        items = [CaptureItem(source, path=Path(p)) for p in paths]
        for item in items:
            self.add(item)
        return items

    @property
    def pending(self) -> int:
        return self._queue.qsize() + (1 if self._busy.is_set() else 0)

    def cancel(self) -> None:
        """Stop the running item and drop everything queued."""
        self._cancel.set()
        try:
            while True:
                self._queue.get_nowait()
        except queue.Empty:
            pass

    def close(self) -> None:
        self.cancel()
        self._queue.put(None)
        if self._thread is not None:
            self._thread.join(10)

    def wait_idle(self, timeout: float | None = None) -> bool:
        """For tests and the CLI: block until the queue is empty and nothing runs."""
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self._queue.qsize() or self._busy.is_set():
            if deadline is not None and time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _ensure_thread(self) -> None:
        with self._lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="ocr-batch", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                item = self._queue.get(timeout=30)
            except queue.Empty:
                return
            if item is None:
                return
            self._busy.set()
            self._cancel.clear()
            try:
                self._process(item)
            finally:
                self._busy.clear()
                if self._queue.empty() and self.on_idle is not None:
                    self.on_idle()

    def _process(self, item: CaptureItem) -> None:
        try:
            if item.image is not None:
                results = [recognize_image(item.image, self.options, name=item.label,
                                           cancel=self._cancel, encoded=item.encoded)]
            else:
                results = recognize_file(item.path, self.options, cancel=self._cancel)
            for r in results:
                self.duplicates.flag(r)
            self.on_result(item, results)
        except OcrCancelled:
            self.on_error(item, "已取消。")
        except OcrError as exc:
            self.on_error(item, exc.message)
        except Exception as exc:
            log.exception("capture item %s failed", item.label)
            self.on_error(item, f"识别时发生内部错误：{exc}")

"""Watched folder for vendor scanner software that writes files (高拍仪 utilities, scanners).

Polling, not OS notifications: it works the same on network shares and every platform, and a
poll every half second costs nothing. A file is reported once it is *complete*:

1. its size and modification time have not changed for ``settle`` seconds (debounce);
2. it is not empty and not a temporary name (``.tmp``, ``.part``, ``~$…``);
3. it can be opened for reading (on Windows a file still held by its writer cannot); and
4. its format trailer is present (JPEG ``FFD9``, PNG ``IEND``, PDF ``%%EOF``) — a stable but
   truncated file is held back until ``give_up`` seconds have passed, then reported anyway so
   that the reader can say it is damaged.

Each version of a file (path, size, mtime) is reported once. Qt-free: callbacks run on the
watcher thread; the UI forwards them to its own thread with a queued signal.
"""
from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from app.capture.files import is_supported

log = logging.getLogger(__name__)


@dataclass
class _Seen:
    size: int
    mtime_ns: int
    since: float        # when this (size, mtime) was first seen
    reported: bool = False


def looks_complete(path: Path) -> bool:
    """The file ends the way its format must end (cheap check of the last bytes)."""
    suffix = path.suffix.lower()
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            if size == 0:
                return False
            f.seek(max(0, size - 1024))
            tail = f.read()
    except OSError:
        return False
    if suffix in (".jpg", ".jpeg"):
        return tail.rstrip(b"\0").endswith(b"\xff\xd9")
    if suffix == ".png":
        return b"IEND" in tail[-16:]
    if suffix == ".pdf":
        return b"%%EOF" in tail
    if suffix == ".xml":
        return tail.rstrip().endswith(b">")
    return True  # TIFF/BMP/WebP: rely on the settle time


class FolderWatcher:
    def __init__(self, folder: str | Path, on_ready: Callable[[Path], None], *,
                 settle: float = 1.0, poll_interval: float = 0.5, give_up: float = 30.0,
                 include_existing: bool = False,
                 on_error: Callable[[str], None] | None = None):
        self.folder = Path(folder)
        self.on_ready = on_ready
        self.on_error = on_error
        self.settle = settle
        self.poll_interval = poll_interval
        self.give_up = give_up
        self._seen: dict[Path, _Seen] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._folder_error = False
        if not include_existing:
            self._mark_existing()

    def _mark_existing(self) -> None:
        for path, st in self._scan():
            self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, 0.0, reported=True)

    def _scan(self):
        try:
            entries = list(os.scandir(self.folder))
        except OSError as exc:
            if not self._folder_error and self.on_error is not None:
                self.on_error(f"无法读取监视文件夹“{self.folder}”：{exc.strerror or exc}。"
                              "请检查文件夹是否存在、网络盘是否已连接。")
            self._folder_error = True
            return []
        self._folder_error = False
        out = []
        for e in entries:
            try:
                if e.is_file() and is_supported(e.name):
                    out.append((Path(e.path), e.stat()))
            except OSError:
                continue
        return out

    def poll_once(self, now: float | None = None) -> list[Path]:
        """One scan; returns (and reports) the files that became ready."""
        now = time.monotonic() if now is None else now
        ready = []
        present = set()
        for path, st in self._scan():
            present.add(path)
            seen = self._seen.get(path)
            if seen is None or (seen.size, seen.mtime_ns) != (st.st_size, st.st_mtime_ns):
                self._seen[path] = _Seen(st.st_size, st.st_mtime_ns, now)
                continue
            if seen.reported or st.st_size == 0 or now - seen.since < self.settle:
                continue
            if not looks_complete(path) and now - seen.since < self.give_up:
                continue
            try:
                with open(path, "rb"):
                    pass
            except OSError:
                continue  # still locked by its writer (Windows)
            seen.reported = True
            ready.append(path)
        for gone in set(self._seen) - present:
            del self._seen[gone]
        for path in ready:
            try:
                self.on_ready(path)
            except Exception:
                log.exception("folder watcher consumer failed for %s", path)
        return ready

    # -- thread --------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="folder-watcher", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.poll_interval):
            self.poll_once()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(5)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

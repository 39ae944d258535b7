"""Run an OCR engine in a child process: hard timeouts and cancellation.

Neither onnxruntime inference nor a Tesseract run can be interrupted from a Python thread, so
each engine lives in its own child process (started once, models loaded once) that speaks a tiny
length-prefixed pickle protocol over stdin/stdout. A call that overruns its timeout, or whose
cancel event is set, kills the child's whole process group (Tesseract grandchildren included);
the next call starts a fresh child.

The child is started with ``python -m app.ocr.engines.worker`` (not ``multiprocessing``), so it
never re-imports the caller's main module.
"""
from __future__ import annotations

import atexit
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
from typing import Any

import numpy as np

from app.ocr.errors import EngineUnavailable, OcrCancelled, OcrError, OcrTimeout
from app.ocr.model import OcrLine

#: time allowed for starting the child and loading the models
START_TIMEOUT = 120.0
_POLL = 0.05
_HEADER = struct.Struct("<Q")


def _write(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(_HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read(stream):
    head = stream.read(_HEADER.size)
    if len(head) < _HEADER.size:
        raise EOFError
    (size,) = _HEADER.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        raise EOFError
    return pickle.loads(data)


def _cpu_seconds() -> float:
    """CPU time of this process and of its finished children (Tesseract runs as one)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def serve(name: str, options: dict[str, Any]) -> None:  # runs in the child
    proto_in = sys.stdin.buffer
    proto_out = os.fdopen(os.dup(sys.stdout.fileno()), "wb")
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())  # stray prints must not break the pipe
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    try:
        from app.ocr.engines import create_engine

        engine = create_engine(name, **options)
        if hasattr(engine, "_engine"):
            engine._engine()  # load the models now, not inside the first timed call
    except Exception as exc:  # noqa: BLE001
        _write(proto_out, ("error", "engine_unavailable", getattr(exc, "message", str(exc))))
        return
    _write(proto_out, ("ready",))
    while True:
        try:
            msg = _read(proto_in)
        except (EOFError, OSError):
            return
        if msg[0] == "stop":
            return
        _, image, timeout = msg
        started, cpu = time.perf_counter(), _cpu_seconds()
        try:
            lines = engine.recognize(image, timeout=timeout)
            _write(proto_out, ("ok", [(ln.text, ln.confidence, ln.box) for ln in lines],
                               time.perf_counter() - started, _cpu_seconds() - cpu))
        except Exception as exc:  # noqa: BLE001
            _write(proto_out, ("error", type(exc).__name__, str(exc)))


def worker_command() -> list[str]:
    """How to start a worker; a frozen build sets ``JINCAI_OCR_WORKER`` to its own launcher."""
    custom = os.environ.get("JINCAI_OCR_WORKER")
    if custom:
        return custom.split()
    if getattr(sys, "frozen", False):  # a PyInstaller bundle: the client binary has a worker switch
        return [sys.executable, "--ocr-worker"]
    return [sys.executable, "-m", "app.ocr.engines.worker"]


class EngineWorker:
    """One child process running engine ``name``; thread-safe (calls are serialised)."""

    def __init__(self, name: str, **options: Any):
        self.name = name
        self.options = options
        self._proc: subprocess.Popen | None = None
        self._inbox: queue.Queue | None = None
        self._lock = threading.Lock()
        #: CPU seconds (all threads of the engine process) of the last call
        self.last_cpu = 0.0

    # -- lifecycle -----------------------------------------------------------------------
    def _start(self, cancel: threading.Event | None) -> None:
        env = dict(os.environ)
        env.setdefault("OMP_THREAD_LIMIT", "1")
        root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(
            os.path.abspath(__file__)))))
        env["PYTHONPATH"] = root + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
        kwargs: dict[str, Any] = {}
        if os.name == "posix":
            kwargs["start_new_session"] = True
        else:  # pragma: no cover - Windows
            kwargs["creationflags"] = subprocess.CREATE_NEW_PROCESS_GROUP
        cmd = worker_command() + [self.name, repr(self.options)]
        try:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=subprocess.DEVNULL, env=env, **kwargs)
        except OSError as exc:
            raise EngineUnavailable(self.name, f"无法启动识别进程：{exc}") from None
        inbox: queue.Queue = queue.Queue()

        def pump(stream=proc.stdout, box=inbox):
            try:
                while True:
                    box.put(_read(stream))
            except Exception:  # noqa: BLE001 - EOF or a killed child
                box.put(None)

        threading.Thread(target=pump, name=f"ocr-{self.name}-reader", daemon=True).start()
        self._proc, self._inbox = proc, inbox
        msg = self._wait(START_TIMEOUT, cancel, starting=True)
        if msg[0] != "ready":
            self._kill()
            raise EngineUnavailable(self.name, msg[2] if len(msg) > 2 else "启动失败")

    def _kill(self) -> None:
        proc, self._proc = self._proc, None
        self._inbox = None
        if proc is None:
            return
        if proc.poll() is None:
            try:
                if os.name == "posix":
                    os.killpg(proc.pid, signal.SIGKILL)
                else:  # pragma: no cover
                    proc.kill()
            except (ProcessLookupError, PermissionError):
                proc.kill()
        for stream in (proc.stdin, proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass

    def close(self) -> None:
        with self._lock:
            if self._proc is not None and self._proc.poll() is None:
                try:
                    _write(self._proc.stdin, ("stop",))
                    self._proc.wait(2)
                except (OSError, subprocess.TimeoutExpired):
                    pass
            self._kill()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    # -- calls -----------------------------------------------------------------------------
    def _crashed(self) -> OcrError:
        self._kill()
        return OcrError("engine_crashed", f"识别引擎“{self.name}”意外退出，请重试。")

    def _wait(self, timeout: float, cancel: threading.Event | None, starting: bool = False):
        deadline = time.monotonic() + timeout
        inbox = self._inbox
        while True:
            if cancel is not None and cancel.is_set():
                self._kill()
                raise OcrCancelled()
            try:
                msg = inbox.get(timeout=_POLL)
            except queue.Empty:
                msg = False
            if msg is None:
                raise self._crashed()
            if msg is not False:
                return msg
            if time.monotonic() > deadline:
                self._kill()
                if starting:
                    raise EngineUnavailable(self.name, f"{timeout:.0f} 秒内未能启动")
                raise OcrTimeout(self.name, timeout)

    def start(self) -> None:
        """Start the child now (e.g. while the user is still positioning the voucher)."""
        with self._lock:
            if not self.running:
                self._start(None)

    def recognize(self, image: np.ndarray, *, timeout: float = 30.0,
                  cancel: threading.Event | None = None) -> tuple[list[OcrLine], float]:
        """Lines and the engine's own seconds. Raises OcrTimeout, OcrCancelled, OcrError."""
        with self._lock:
            if not self.running:
                self._start(cancel)
            try:
                _write(self._proc.stdin, ("ocr", np.ascontiguousarray(image), timeout))
            except OSError:
                raise self._crashed() from None
            msg = self._wait(timeout, cancel)
        if msg[0] == "ok":
            self.last_cpu = msg[3] if len(msg) > 3 else 0.0
            return [OcrLine(t, c, tuple(b)) for t, c, b in msg[1]], msg[2]
        if "timeout" in msg[2].lower():
            raise OcrTimeout(self.name, timeout)
        raise OcrError("engine_failed", f"识别引擎“{self.name}”出错：{msg[2]}")


_workers: dict[tuple, EngineWorker] = {}
_workers_lock = threading.Lock()


def get_worker(name: str, **options: Any) -> EngineWorker:
    key = (name, tuple(sorted(options.items())))
    with _workers_lock:
        worker = _workers.get(key)
        if worker is None:
            worker = _workers[key] = EngineWorker(name, **options)
        return worker


@atexit.register
def shutdown_workers() -> None:
    with _workers_lock:
        workers = list(_workers.values())
        _workers.clear()
    for w in workers:
        w.close()


if __name__ == "__main__":
    import ast

    serve(sys.argv[1], ast.literal_eval(sys.argv[2]) if len(sys.argv) > 2 else {})

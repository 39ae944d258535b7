"""The real engines (no mocks) behind one interface, each in a killable worker process."""
from __future__ import annotations

import threading
import time

import cv2
import pytest

from app.ocr import preprocess as pp
from app.ocr.engines import ENGINES, create_engine, engine_status
from app.ocr.engines.worker import EngineWorker, get_worker
from app.ocr.errors import EngineUnavailable, OcrCancelled, OcrTimeout


@pytest.fixture(scope="module")
def page(make):
    s = make("vat_normal", "clean")
    return s, pp.preprocess(cv2.imread(str(s.path)), orientation_hint=0)


def test_both_engines_are_installed_and_offline():
    status = {e["name"]: e for e in engine_status()}
    assert status["rapidocr"]["available"], status["rapidocr"]["reason"]
    assert status["tesseract"]["available"], status["tesseract"]["reason"]
    assert sum(e["default"] for e in status.values()) == 1


@pytest.mark.parametrize("name", ["rapidocr", "tesseract"])
def test_engine_reads_the_invoice_number(page, name):
    sample, processed = page
    engine_input = ENGINES[name].input_image(processed)
    lines, seconds = get_worker(name).recognize(engine_input, timeout=120)
    text = "\n".join(ln.text for ln in lines)
    assert sample.truth["invoice_number"] in text.replace(" ", "")
    assert all(0.0 <= ln.confidence <= 1.0 for ln in lines)
    assert seconds > 0


def test_timeout_kills_the_worker_and_the_next_call_recovers(page):
    _, processed = page
    worker = EngineWorker("tesseract")
    try:
        worker.start()
        first_pid = worker.pid
        started = time.monotonic()
        with pytest.raises(OcrTimeout) as info:
            worker.recognize(processed.binary, timeout=0.05)
        assert time.monotonic() - started < 5
        assert "秒内没有完成" in info.value.message
        assert not worker.running
        small = cv2.resize(processed.binary[:200, 1300:], None, fx=1.0, fy=1.0)
        lines, _ = worker.recognize(small, timeout=60)
        assert worker.pid != first_pid and lines
    finally:
        worker.close()


def test_cancel_stops_a_running_call(page):
    _, processed = page
    worker = EngineWorker("rapidocr")
    cancel = threading.Event()
    try:
        worker.start()
        threading.Timer(0.2, cancel.set).start()
        started = time.monotonic()
        with pytest.raises(OcrCancelled):
            worker.recognize(processed.color, timeout=120, cancel=cancel)
        assert time.monotonic() - started < 5
        assert not worker.running
    finally:
        worker.close()


def test_unknown_engine_is_a_clear_error():
    with pytest.raises(EngineUnavailable) as info:
        create_engine("cloud-ocr")
    assert "未知的识别引擎" in info.value.message

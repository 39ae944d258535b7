"""Watched folder: debounced, and never hands over a file that is still being written."""
from __future__ import annotations

import time
from pathlib import Path

from app.capture.files import expand_inputs, is_supported
from app.capture.folder import FolderWatcher, looks_complete
from tests.app.ocr.generator import make_sample


def _jpeg_bytes(tmp_path) -> bytes:
    return make_sample("bank_receipt", "lowres", 1, tmp_path / "src").path.read_bytes()


def test_file_is_reported_only_after_it_is_complete_and_stable(tmp_path):
    data = _jpeg_bytes(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    got: list[Path] = []
    w = FolderWatcher(inbox, got.append, settle=1.0, give_up=30)
    target = inbox / "scan001.jpg"
    # the scanner writes the file in three chunks
    with open(target, "wb") as f:
        f.write(data[:1000])
    assert w.poll_once(now=0.0) == []
    assert w.poll_once(now=5.0) == []        # stable for 5 s but no JPEG end marker yet
    with open(target, "ab") as f:
        f.write(data[1000:-500])
    assert w.poll_once(now=5.5) == []        # changed: debounce restarts
    with open(target, "ab") as f:
        f.write(data[-500:])
    assert w.poll_once(now=6.0) == []        # complete, but not yet settled
    assert w.poll_once(now=6.5) == []
    assert w.poll_once(now=7.1) == [target]  # settled for > 1 s
    assert got == [target]
    assert w.poll_once(now=20.0) == []       # reported once per version


def test_truncated_file_is_given_up_on_eventually(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "half.jpg").write_bytes(_jpeg_bytes(tmp_path)[:2000])
    w = FolderWatcher(inbox, lambda p: None, include_existing=True, settle=1, give_up=10)
    w.poll_once(now=0)
    assert w.poll_once(now=5) == []
    assert [p.name for p in w.poll_once(now=11)] == ["half.jpg"]  # the reader will say "损坏"


def test_temporary_names_existing_files_and_rewrites(tmp_path):
    data = _jpeg_bytes(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "old.jpg").write_bytes(data)
    w = FolderWatcher(inbox, lambda p: None, settle=0.5)
    for name in ("a.jpg.part", "~$b.jpg", ".c.jpg", "d.tmp", "notes.txt"):
        (inbox / name).write_bytes(data)
    w.poll_once(now=0)
    assert w.poll_once(now=2) == []           # pre-existing and temporary files ignored
    time.sleep(0.01)
    (inbox / "old.jpg").write_bytes(data + b"")  # rewritten: new mtime -> a new version
    (inbox / "new.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)  # no IEND: incomplete
    w.poll_once(now=3)
    assert [p.name for p in w.poll_once(now=4)] == ["old.jpg"]


def test_missing_folder_reports_once(tmp_path):
    errors = []
    w = FolderWatcher(tmp_path / "nope", lambda p: None, on_error=errors.append)
    w.poll_once(now=0)
    w.poll_once(now=1)
    assert len(errors) == 1 and "无法读取监视文件夹" in errors[0]


def test_watcher_thread_delivers(tmp_path):
    data = _jpeg_bytes(tmp_path)
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    got = []
    w = FolderWatcher(inbox, got.append, settle=0.2, poll_interval=0.05)
    w.start()
    try:
        (inbox / "x.jpg").write_bytes(data)
        deadline = time.monotonic() + 5
        while not got and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        w.stop()
    assert [p.name for p in got] == ["x.jpg"] and not w.running


def test_looks_complete_and_expand_inputs(tmp_path):
    pdf = tmp_path / "a.pdf"
    pdf.write_bytes(b"%PDF-1.7\n...\n%%EOF\n")
    assert looks_complete(pdf)
    pdf.write_bytes(b"%PDF-1.7\n...")
    assert not looks_complete(pdf)
    (tmp_path / "b.JPG").write_bytes(b"x")
    (tmp_path / "c.txt").write_text("x")
    (tmp_path / "d.tiff").write_bytes(b"x")
    found = expand_inputs([tmp_path, tmp_path / "b.JPG"])
    assert [p.name for p in found] == ["a.pdf", "b.JPG", "d.tiff"]
    assert is_supported("x.xml") and not is_supported("x.doc")

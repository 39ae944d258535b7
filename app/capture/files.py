"""Files and drag-and-drop: which paths are vouchers we can read."""
from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from app.ocr.loader import SUPPORTED_SUFFIXES

#: names written by scanners, browsers and editors while a file is incomplete
TEMP_MARKERS = (".tmp", ".part", ".crdownload", ".partial", ".download", "~")


def is_temporary(path: Path) -> bool:
    name = path.name.lower()
    return (name.startswith((".", "~$", "~")) or name.endswith(TEMP_MARKERS)
            or name in ("thumbs.db", "desktop.ini"))


def is_supported(path: str | Path) -> bool:
    path = Path(path)
    return path.suffix.lower() in SUPPORTED_SUFFIXES and not is_temporary(path)


def expand_inputs(paths: Iterable[str | Path], *, recursive: bool = False) -> list[Path]:
    """Files to read, in a stable order: folders are expanded (sorted by name), unsupported and
    temporary files skipped, duplicates removed. Multi-page PDFs/TIFFs stay one entry each."""
    out: list[Path] = []
    seen: set[Path] = set()
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            children = p.rglob("*") if recursive else p.iterdir()
            candidates = sorted((c for c in children if c.is_file()), key=lambda c: c.name)
        else:
            candidates = [p]
        for c in candidates:
            key = c.resolve()
            if key in seen or not is_supported(c):
                continue
            seen.add(key)
            out.append(c)
    return out

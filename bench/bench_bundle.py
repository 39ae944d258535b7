"""Size and cold start of the PyInstaller bundle (build it first with `make bundle`).

Start-up is compared with the same command run from the source tree's virtual environment.
"""
from __future__ import annotations

import glob
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BUNDLE = ROOT / "build" / "dist" / "jincai"


def _size_mb(path: Path) -> float:
    return sum(f.lstat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink()) / 1024 / 1024


def _median_seconds(cmd: list[str], runs: int = 5) -> float:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=300)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def run() -> list[dict]:
    if not (BUNDLE / "jincai").exists():
        return [{"benchmark": "bundle", "value": "not built", "unit": "", "note": "run `make bundle` first"}]
    rows = [{"benchmark": "bundle folder size", "value": _size_mb(BUNDLE), "unit": "MB"}]
    debs = sorted(glob.glob(str(ROOT / "build" / "jincai-desk_*.deb")))
    if debs:
        rows.append({"benchmark": ".deb size", "value": os.path.getsize(debs[-1]) / 1024 / 1024, "unit": "MB"})
    venv_version = _median_seconds([sys.executable, "-m", "app.cli", "--version"])
    bundle_version = _median_seconds([str(BUNDLE / "jincai"), "--version"])
    rows.append({"benchmark": "cold start `jincai --version`", "value": bundle_version, "unit": "s",
                 "baseline": venv_version, "ratio": bundle_version / venv_version,
                 "note": "baseline: the same from the source venv; median of 5"})
    venv_test = _median_seconds([sys.executable, "-m", "app.cli", "--self-test"], runs=3)
    bundle_test = _median_seconds([str(BUNDLE / "jincai"), "--self-test"], runs=3)
    rows.append({"benchmark": "`jincai --self-test` (Qt window, database, OCR sample, workbook)",
                 "value": bundle_test, "unit": "s", "baseline": venv_test, "ratio": bundle_test / venv_test,
                 "note": "median of 3, offscreen"})
    return rows

"""`jincai --self-test`: a non-interactive check that an installed client can do its job.

One line per check, ``OK`` or ``FAIL`` with the reason; the exit status is non-zero when any
check fails. Run it offscreen (``QT_QPA_PLATFORM=offscreen``) on a machine without a display.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from pathlib import Path

from fiscal.resources import resource_path


def check_resources() -> str:
    from fiscal.codes import available_years, code_tables
    from fiscal.dictionaries import dictionaries

    year = max(available_years())
    tables = code_tables(year)
    dictionaries()
    return f"{year}年科目 功能{len(tables.functional)} 部门经济{len(tables.dep_economic)} 条"


def check_qt() -> str:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen" if not _has_display() else "")
    from app.ui.application import create_application
    from app.ui.main_window import MainWindow

    app = create_application()
    window = MainWindow()
    window.show()
    app.processEvents()
    pages = len(window.page_keys())
    window.close()
    return f"Qt {app.platformName()}，主窗口 {pages} 个页面"


def check_chinese_rendering() -> str:
    """Render two different characters: with no CJK font both come out as the same empty box."""
    from PySide6.QtCore import Qt
    from PySide6.QtGui import QFont, QImage, QPainter

    from app.ui.application import register_cjk_font

    family = register_cjk_font()
    if not family:
        raise RuntimeError("没有可用的中文字体（安装 fonts-noto-cjk 或随包字体）")

    def render(text: str) -> QImage:
        image = QImage(64, 64, QImage.Format.Format_RGB32)
        image.fill(Qt.GlobalColor.white)
        painter = QPainter(image)
        painter.setFont(QFont(family, 28))
        painter.setPen(Qt.GlobalColor.black)
        painter.drawText(image.rect(), Qt.AlignmentFlag.AlignCenter, text)
        painter.end()
        return image

    first, second = render("金"), render("财")
    ink = sum(1 for x in range(64) for y in range(64) if first.pixelColor(x, y).lightness() < 128)
    if ink < 20:
        raise RuntimeError("中文字符没有画出来")
    if first == second:
        raise RuntimeError(f"字体 {family} 把不同汉字画成同一个方框")
    return f"字体 {family}"


def check_database() -> str:
    from app.db import open_database

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "selftest.sqlite3"
        with open_database(path) as db:
            first = db.revision
            journal = db.pragma("journal_mode")
        with open_database(path) as db:  # second start: backup + no-op migration
            backup = db.backup
        return f"迁移到 {first}，{journal}，备份 {'有' if backup else '无'}"


def check_ocr() -> str:
    from app.ocr.selftest import run_selftest

    report = run_selftest()
    if not report.ok:
        raise RuntimeError(report.summary + (f" 错误字段：{'、'.join(report.wrong)}" if report.wrong else ""))
    return report.summary


def check_workbook() -> str:
    from openpyxl import Workbook, load_workbook

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "selftest.xlsx"
        book = Workbook()
        sheet = book.active
        sheet.append(["功能分类科目", "金额(元)"])
        sheet.append(["2050202 小学教育", 1234.56])
        book.save(path)
        again = load_workbook(path, read_only=True)
        rows = list(again.active.iter_rows(values_only=True))
        again.close()
    if rows[1] != ("2050202 小学教育", 1234.56):
        raise RuntimeError(f"读回的内容不一致：{rows[1]!r}")
    return "写入并读回 2 行"


CHECKS: list[tuple[str, Callable[[], str]]] = [
    ("数据文件 resources", check_resources),
    ("Qt 启动", check_qt),
    ("中文显示", check_chinese_rendering),
    ("本地数据库", check_database),
    ("OCR 识别样例凭证", check_ocr),
    ("Excel 读写", check_workbook),
]


def _has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")) or sys.platform != "linux"


def run_self_test(out=sys.stdout) -> int:
    failures = 0
    print(f"金财桌面端自检 / Jincai Desk self-test — resources: {resource_path()}", file=out)
    for label, check in CHECKS:
        started = time.perf_counter()
        try:
            detail = check()
            status = "OK  "
        except Exception as exc:  # noqa: BLE001 - every failure is reported, the other checks still run
            failures += 1
            status = "FAIL"
            detail = f"{type(exc).__name__}: {exc}"
            if os.environ.get("JINCAI_DEBUG"):
                traceback.print_exc()
        print(f"{status} {label}: {detail} ({time.perf_counter() - started:.1f} s)", file=out, flush=True)
    print("自检通过 / all checks passed" if not failures else f"{failures} 项失败 / {failures} failed",
          file=out)
    return 1 if failures else 0

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest

FIXTURES = Path(__file__).parent / "fixtures"

IND_HEADER = ["指标编码", "指标文号", "单位代码", "功能分类科目", "部门经济分类科目", "资金性质", "金额(元)"]


def ind_row(code: str, amount=100, func="2050202", eco="30201", fund="1", agency="101001",
            doc="X财预〔2026〕1号"):
    return [code, doc, agency, func, eco, fund, amount]


def write_book(path: Path, rows: list[list], *, title: str | None = None, sheet: str = "数据",
               before: list[list] | None = None) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = sheet
    if title:
        ws.append([title])
    for row in before or []:
        ws.append(row)
    for row in rows:
        ws.append(row)
    wb.save(path)
    return path


@pytest.fixture
def book(tmp_path):
    """book(rows, **kw) -> path of a fresh .xlsx written by openpyxl."""
    counter = iter(range(1000))

    def make(rows, **kw):
        return write_book(tmp_path / f"book{next(counter)}.xlsx", rows, **kw)

    return make


@pytest.fixture(autouse=True)
def _sink_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("JINCAI_EXCEL_SINK_DIR", str(tmp_path / "sink"))

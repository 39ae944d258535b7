"""Annotated copy of the user's own workbook: every bad cell filled and commented, plus an error sheet.

The user fixes the copy and imports it again. For an .xlsx of ordinary size the copy is the
user's workbook itself (all sheets, formats and formulas kept; openpyxl normal mode). For a
large file, or an .xls/.ods that openpyxl cannot open, the data sheet's values are streamed into
a new workbook (openpyxl write-only mode), so memory stays flat.
"""
from __future__ import annotations

import logging
import os
from collections import defaultdict
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname

from app.excel.errors import RowError
from app.excel.importer import ImportResult

log = logging.getLogger(__name__)

ERROR_SHEET = "导入错误"
COMMENT_AUTHOR = "金财桌面端"
#: Files larger than this are annotated by streaming (values only) instead of in place.
IN_PLACE_MAX_BYTES = 2 * 1024 * 1024  # ~20 000 rows: openpyxl normal mode stays near 100 MB
#: Most cell comments written (the error sheet always lists every kept error).
MAX_COMMENTS = 5_000

BAD_FILL = PatternFill("solid", fgColor="FFC7CE")
BAD_FONT = Font(color="9C0006")
HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
BOLD = Font(bold=True)


def annotate_workbook(source: str | os.PathLike, out: str | os.PathLike, result: ImportResult) -> Path:
    """Write the annotated copy of ``source`` to ``out`` (an .xlsx) and return its path."""
    src, dst = Path(source), Path(out)
    if result.sheet is None:
        raise ValueError("the workbook was not readable; nothing to annotate")
    by_cell: dict[tuple[int, int], list[RowError]] = defaultdict(list)
    for error in result.errors:
        if error.row is not None and error.col_index is not None:
            by_cell[(error.row, error.col_index)].append(error)
    in_place = result.file_format == "xlsx" and src.stat().st_size <= IN_PLACE_MAX_BYTES
    dst.parent.mkdir(parents=True, exist_ok=True)
    if in_place:
        try:
            _annotate_in_place(src, dst, result, by_cell)
            return dst
        except Exception:  # e.g. an exotic workbook openpyxl cannot load: stream instead
            log.warning("in-place annotation of %s failed; writing a values-only copy", src, exc_info=True)
    _annotate_streaming(src, dst, result, by_cell)
    return dst


def _comment(errors: list[RowError]) -> Comment:
    text = "\n".join(f"• {e.reason}" for e in errors)
    comment = Comment(text, COMMENT_AUTHOR)
    comment.width = 320
    comment.height = max(60, 22 * (1 + len(text) // 22))
    return comment


def _annotate_in_place(src: Path, dst: Path, result: ImportResult,
                       by_cell: dict[tuple[int, int], list[RowError]]) -> None:
    keep_vba = src.suffix.lower() == ".xlsm"
    wb = openpyxl.load_workbook(src, keep_vba=keep_vba, rich_text=False)
    try:
        ws = wb[result.sheet]
        # comments left by an earlier annotation of this file are replaced, not stacked
        for row in ws.iter_rows():
            for cell in row:
                if cell.comment is not None and cell.comment.author == COMMENT_AUTHOR:
                    cell.comment = None
        for n, ((row, col), errors) in enumerate(sorted(by_cell.items())):
            cell = ws.cell(row=row, column=col + 1)
            if type(cell).__name__ == "MergedCell":
                continue
            cell.fill = BAD_FILL
            cell.font = BAD_FONT
            if n < MAX_COMMENTS:
                cell.comment = _comment(errors)
        if ERROR_SHEET in wb.sheetnames:
            del wb[ERROR_SHEET]
        _error_sheet(wb.create_sheet(ERROR_SHEET, 0), result, write_only=False)
        wb.active = 0
        for sheet in wb.worksheets:
            sheet.sheet_view.tabSelected = sheet.title == ERROR_SHEET
        wb.save(dst)
    finally:
        wb.close()


def _annotate_streaming(src: Path, dst: Path, result: ImportResult,
                        by_cell: dict[tuple[int, int], list[RowError]]) -> None:
    import python_calamine as pc

    wb = openpyxl.Workbook(write_only=True)
    _error_sheet(wb.create_sheet(ERROR_SHEET), result, write_only=True)
    ws = wb.create_sheet(result.sheet[:31])
    if result.streamed:  # too big to hold in memory: read it the way the import did
        book = openpyxl.load_workbook(src, read_only=True, data_only=True)
        offset = 0
        source_rows = (["" if v is None else v for v in row]
                       for row in book[result.sheet].iter_rows(values_only=True))
    else:
        book = pc.CalamineWorkbook.from_path(str(src))
        sheet = book.get_sheet_by_name(result.sheet)
        offset = sheet.start[1] if sheet.start else 0
        source_rows = sheet.iter_rows()
    try:
        comments = 0
        for r, values in enumerate(source_rows, 1):
            cells = [None] * offset
            for j, value in enumerate(values):
                errors = by_cell.get((r, j + offset))
                if errors:
                    cell = WriteOnlyCell(ws, value=value if value != "" else None)
                    cell.fill = BAD_FILL
                    cell.font = BAD_FONT
                    if comments < MAX_COMMENTS:
                        cell.comment = _comment(errors)
                        comments += 1
                    cells.append(cell)
                else:
                    cells.append(value if value != "" else None)
            ws.append(cells)
    finally:
        book.close()
    wb.save(dst)


def _error_sheet(ws, result: ImportResult, *, write_only: bool) -> None:
    headers = ["行号", "列", "单元格", "内容", "错误原因"]
    widths = [8, 20, 10, 28, 80]
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A3"
    summary = result.message or ("未发现错误。" if not result.errors else "")
    if write_only:
        ws.append([_wo(ws, summary, BOLD)])
        ws.append([_wo(ws, h, BOLD, HEAD_FILL) for h in headers])
    else:
        ws.append([summary])
        ws["A1"].font = BOLD
        ws.append(headers)
        for cell in ws[2]:
            cell.font, cell.fill = BOLD, HEAD_FILL
    sheet_ref = quote_sheetname(result.sheet)
    for error in result.errors:
        ref = (f"{get_column_letter(error.col_index + 1)}{error.row}"
               if error.row is not None and error.col_index is not None else "")
        row = [error.row, error.column, ref, error.value, error.reason]
        if write_only:
            cells = [WriteOnlyCell(ws, value=v) for v in row]
            cells[4].alignment = Alignment(wrap_text=True, vertical="top")
            if ref:
                cells[2].hyperlink = f"#{sheet_ref}!{ref}"
                cells[2].style = "Hyperlink"
            ws.append(cells)
        else:
            ws.append(row)
            current = ws.max_row
            ws.cell(current, 5).alignment = Alignment(wrap_text=True, vertical="top")
            if ref:
                link = ws.cell(current, 3)
                link.hyperlink = f"#{sheet_ref}!{ref}"
                link.style = "Hyperlink"
    if not result.errors:
        ws.append(["", "", "", "", "未发现错误。"])


def _wo(ws, value, font=None, fill=None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    return cell

"""Reading real workbooks: which sheet holds the data, where its header is, which column is which,
in which unit the amounts are, and which rows are data.

The cells are read with python-calamine (a Rust reader: ~13× faster than openpyxl's read-only
mode, reads .xlsx, .xls and .ods, and returns formulas as their cached values). Everything a
user's file can do wrong before that point is handled by :mod:`app.excel.safety`.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import python_calamine as pc

from app.excel import safety
from app.excel.errors import WorkbookError
from app.excel.schema import fields_for, header_index, normalize_header

log = logging.getLogger(__name__)

#: How many rows from the top are searched for the header row.
HEADER_SCAN_ROWS = 40
#: Sheet names that hold instructions or code lists, never data.
_SKIP_SHEET_RE = re.compile(r"说明|填表|须知|instruction|readme|代码表|字典|下拉|参数|导入错误|选项", re.IGNORECASE)
_UNIT_NOTE_RE = re.compile(r"(?:金额)?单位[:：]\s*(万元|元)")
_TOTAL_RE = re.compile(r"^(?:合计|小计|总计|共计|累计|本页合计|总合计)|(?:合计|小计|总计)$")
_FOOTER_RE = re.compile(r"^(?:注[:：\d一二三四五六七八九、.]|说明[:：]|填表人|填报人|制表人|制表|审核人|审核|"
                        r"单位负责人|财务负责人|经办人|联系人|联系电话|填报日期|填表日期)")
_SPACES = re.compile(r"\s+")


@dataclass(frozen=True, slots=True)
class Column:
    field: str
    header: str  # as written in the file (first line if multi-line)
    index: int  # 0-based absolute sheet column
    unit: str | None  # unit written in the header, if any

    @property
    def letter(self) -> str:
        return column_letter(self.index)


@dataclass
class SheetLayout:
    sheet: str
    sheet_index: int
    header_row: int  # Excel row number of the (lowest) header row
    columns: dict[str, Column]
    unit: str  # '元' or '万元' for the amount columns (default 元)
    unit_source: str  # 'header' | 'note' | 'default'
    ignored_headers: list[str] = field(default_factory=list)
    duplicate_headers: list[tuple[str, str]] = field(default_factory=list)  # (field, header)
    total_rows: int = 0  # sheet rows below the header (upper bound of data rows)


@dataclass(frozen=True, slots=True)
class DataRow:
    row: int  # Excel row number
    values: list  # indexed relative to SheetReader.col_offset


def column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_text(value: object) -> str:
    """The text a user sees for a cell value (used in messages and for header matching)."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    return str(value).strip()


class SheetReader:
    """One opened data sheet: its layout plus an iterator over its data rows.

    Counters ``skipped_blank``, ``skipped_total`` and ``skipped_footer`` grow while iterating.
    """

    def __init__(self, path: Path, file_format: str, layout: SheetLayout, col_offset: int,
                 head: list[list], rest: Iterator[list], max_rows: int,
                 workbook: pc.CalamineWorkbook, sheet_names: list[str], extra_close=None) -> None:
        self.path = path
        self.format = file_format
        self.layout = layout
        self.col_offset = col_offset
        self.sheet_names = sheet_names
        self._head = head
        self._rest = rest
        self._max_rows = max_rows
        self._workbook = workbook
        self._extra_close = extra_close  # the streaming reader's workbook, when the sheet is streamed
        self.streamed = extra_close is not None
        self.skipped_blank = 0
        self.skipped_total = 0
        self.skipped_footer = 0

    def position(self, field_key: str) -> int:
        return self.layout.columns[field_key].index - self.col_offset

    def rows(self) -> Iterator[DataRow]:
        """Data rows below the header; blank, 合计/小计 and footer-note rows are skipped."""
        header_idx = self.layout.header_row - 1
        text_positions = [c.index - self.col_offset for c in self.layout.columns.values()
                          if c.field not in ("amount",)]
        mapped = [c.index - self.col_offset for c in self.layout.columns.values()]
        start = header_idx + 1
        count = 0
        first = True
        for idx, values in self._iter_from(start):
            if not any(v != "" and v is not None for v in values):
                self.skipped_blank += 1
                continue
            if first:
                first = False
                if _is_column_number_row(values):
                    continue
            n = len(values)
            if not any(values[p] != "" and values[p] is not None for p in mapped if p < n):
                # only unrecognised columns filled: a pre-numbered 序号 row of an empty template,
                # or a note beside the table
                self.skipped_blank += 1
                continue
            kind = _classify(values, text_positions)
            if kind == "total":
                self.skipped_total += 1
                continue
            if kind == "footer":
                self.skipped_footer += 1
                continue
            count += 1
            if count > self._max_rows:
                raise WorkbookError(
                    "too_many_rows",
                    f"工作表“{self.layout.sheet}”的数据超过单次导入上限 {self._max_rows} 行。"
                    "请把数据拆分成几个文件（每个不超过上限）分别导入。",
                )
            yield DataRow(idx + 1, values)

    def _iter_from(self, start: int) -> Iterator[tuple[int, list]]:
        idx = start
        for values in self._head[start:]:
            yield idx, values
            idx += 1
        idx = max(idx, len(self._head))
        for values in self._rest:
            yield idx, values
            idx += 1

    def close_extra(self) -> None:
        if self._extra_close is not None:
            try:
                self._extra_close()
            except Exception:  # closing is best effort
                log.debug("closing the streaming reader of %s failed", self.path, exc_info=True)
            self._extra_close = None

    def close(self) -> None:
        self.close_extra()
        try:
            self._workbook.close()
        except Exception:  # closing is best effort
            log.debug("closing %s failed", self.path, exc_info=True)


def _is_column_number_row(values: list) -> bool:
    """The 栏次 row official tables put under the header: 1, 2, 3… or 甲, 乙, 1, 2…"""
    cells = [cell_text(v) for v in values if v != "" and v is not None]
    if len(cells) < 3:
        return False
    numbers = [c for c in cells if c.isdigit()]
    if all(c.isdigit() or c in "甲乙丙丁栏次" for c in cells) and len(numbers) >= 2:
        ints = [int(c) for c in numbers]
        return ints == list(range(ints[0], ints[0] + len(ints)))
    return False


def _classify(values: list, text_positions: list[int]) -> str:
    """'total' for 合计/小计 rows, 'footer' for notes under the table, else 'data'."""
    non_empty = [v for v in values if v != "" and v is not None]
    for pos in text_positions:
        if 0 <= pos < len(values):
            value = values[pos]
            if isinstance(value, str) and value:
                text = _SPACES.sub("", value)
                if _TOTAL_RE.search(text):
                    return "total"
    # A total row whose label sits in an unmapped column (e.g. an index column)
    for value in non_empty[:3]:
        if isinstance(value, str) and _TOTAL_RE.search(_SPACES.sub("", value)):
            return "total"
    if (len(non_empty) <= 2 and isinstance(non_empty[0], str)
            and _FOOTER_RE.match(unicodedata.normalize("NFKC", non_empty[0]).strip())):
        return "footer"
    return "data"


# ---- opening ----------------------------------------------------------------------------

def open_sheet(path: str | Path, kind: str, *, sheet: str | None = None,
               max_rows: int | None = None) -> SheetReader:
    """Open ``path`` and find the data sheet for ``kind``; raises :class:`WorkbookError`."""
    info = safety.inspect_file(path)
    max_rows = max_rows or safety.MAX_DATA_ROWS
    try:
        workbook = pc.CalamineWorkbook.from_path(str(info.path))
    except pc.PasswordError:
        raise WorkbookError("encrypted", f"工作簿“{info.path.name}”设置了密码保护，无法读取。"
                            "请在 Excel 中取消密码后另存，再导入。") from None
    except Exception as exc:  # noqa: BLE001 - calamine raises several error types
        raise _calamine_error(info.path, exc) from None
    try:
        return _choose_sheet(info, workbook, kind, sheet, max_rows)
    except BaseException:
        workbook.close()
        raise


def _calamine_error(path: Path, exc: Exception) -> WorkbookError:
    text = str(exc)
    if isinstance(exc, pc.PasswordError) or "password" in text.lower() or "encrypt" in text.lower():
        return WorkbookError("encrypted", f"工作簿“{path.name}”设置了密码保护，无法读取。请在 Excel 中取消密码后另存，再导入。")
    return WorkbookError(
        "corrupt",
        f"文件“{path.name}”已损坏或格式不正确，无法读取（{type(exc).__name__}）。"
        "请在 Excel 或 WPS 中打开，另存为新的 .xlsx 文件后再导入。",
    )


def _choose_sheet(info: safety.FileInfo, workbook: pc.CalamineWorkbook, kind: str,
                  wanted: str | None, max_rows: int) -> SheetReader:
    metas = workbook.sheets_metadata
    names = [m.name for m in metas]
    if wanted is not None:
        if wanted not in names:
            raise WorkbookError("no_such_sheet", f"工作簿中没有名为“{wanted}”的工作表（现有：{'、'.join(names)}）。")
        candidates = [names.index(wanted)]
    else:
        candidates = [
            i for i, m in enumerate(metas)
            if str(m.typ).endswith("WorkSheet") and str(m.visible).endswith(".Visible")
            and not _SKIP_SHEET_RE.search(m.name)
        ] or [i for i, m in enumerate(metas) if str(m.typ).endswith("WorkSheet")]
    if not candidates:
        raise WorkbookError("no_sheet", f"“{info.path.name}”中没有可读取的工作表。")

    best: SheetReader | None = None
    best_score = (-1, -1)
    refused: WorkbookError | None = None  # an oversized sheet: reported only if no other sheet fits
    for index in candidates:
        closer = None
        try:
            declared_rows = _guard_rows(info, index, names[index], max_rows)
            if declared_rows is None:
                try:
                    sheet = workbook.get_sheet_by_index(index)
                except Exception as exc:  # noqa: BLE001
                    raise _calamine_error(info.path, exc) from None
                if sheet.total_height > max_rows + HEADER_SCAN_ROWS + 1000:
                    raise _too_many(names[index], sheet.total_height, max_rows)
                loaded_rows = (sheet.end[0] + 1) if sheet.end else 0
                if loaded_rows * sheet.width > safety.MAX_CELLS:
                    raise _too_large(names[index], loaded_rows, sheet.width)
        except WorkbookError as exc:
            if wanted is not None or exc.code not in ("too_many_rows", "too_many_cells"):
                raise
            refused = refused or exc
            continue
        if declared_rows is None:
            rows = sheet.iter_rows()
            merged = sheet.merged_cell_ranges or []
            offset = sheet.start[1] if sheet.start else 0
            last_row = sheet.height + (sheet.start[0] if sheet.start else 0)
        else:  # too many cells to hold in memory: stream the sheet's XML (flat memory, slower)
            rows, closer = _open_streaming(info.path, names[index])
            merged, offset, last_row = [], 0, declared_rows
        head: list[list] = []
        for values in rows:
            head.append(values)
            if len(head) >= HEADER_SCAN_ROWS:
                break
        layout, score = _detect_layout(head, merged, offset, kind, names[index], index)
        if layout is not None and score > best_score:
            layout.total_rows = max(0, last_row - layout.header_row)
            if best is not None:
                best.close_extra()
            best = SheetReader(info.path, info.format, layout, offset, head, rows, max_rows,
                               workbook, names, closer)
            best_score = score
        elif closer is not None:
            closer()
        if wanted is None and best is not None and score[0] == len([f for f in fields_for(kind) if f.required]):
            break  # every required column found: good enough, don't load further sheets
    if best is None and refused is not None:
        raise refused
    if best is None:
        expected = "、".join(f.header for f in fields_for(kind) if f.required)
        where = f"工作表“{wanted}”" if wanted else "工作簿的各工作表"
        raise WorkbookError(
            "no_header",
            f"在{where}前 {HEADER_SCAN_ROWS} 行中找不到表头。表头应包含这些列：{expected}。"
            "请使用系统模板（jincai excel template），或把表头改成模板中的列名。",
        )
    return best


_LEFTOVER_HINT = "如果实际数据没有这么多，可能是表格下方或右侧残留了内容或格式：请删除多余的行和列后保存。"


def _too_many(sheet: str, rows: int, max_rows: int) -> WorkbookError:
    return WorkbookError(
        "too_many_rows",
        f"工作表“{sheet}”有 {rows} 行，超过单次导入上限 {max_rows} 行。请把数据拆分成几个文件分别导入。"
        + _LEFTOVER_HINT,
    )


def _too_large(sheet: str, rows: int, cols: int) -> WorkbookError:
    return WorkbookError(
        "too_many_cells",
        f"工作表“{sheet}”的范围有 {rows} 行 × {cols} 列，超过单次导入上限（{safety.MAX_CELLS:,} 个单元格）。"
        "请拆分成几个文件分别导入。" + _LEFTOVER_HINT,
    )


def _guard_rows(info: safety.FileInfo, index: int, name: str, max_rows: int) -> int | None:
    """Check a sheet's declared dimension before loading it into memory.

    Too many rows: refused. Within the row limit but too many cells to hold in memory: returns
    the declared row count, and the sheet is streamed instead. Otherwise None (load it).
    """
    if info.format != "xlsx":
        return None
    declared = safety.declared_size(info.path, index)
    if declared is None:
        return None
    rows, cols = declared
    if rows > max_rows + HEADER_SCAN_ROWS + 1000:
        raise _too_many(name, rows, max_rows)
    if rows * cols > safety.MAX_CELLS:
        if cols > safety.MAX_STREAM_COLUMNS:
            raise _too_large(name, rows, cols)
        log.info("sheet %s of %s has %d×%d cells: streaming it", name, info.path, rows, cols)
        return rows
    return None


def _open_streaming(path: Path, sheet_name: str):
    """(row iterator, close) over an .xlsx sheet read by openpyxl's read-only (SAX) mode."""
    import openpyxl

    try:
        wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        ws = wb[sheet_name]
    except Exception as exc:  # noqa: BLE001
        raise _calamine_error(path, exc) from None

    def rows() -> Iterator[list]:
        for values in ws.iter_rows(values_only=True):
            yield ["" if v is None else v for v in values]

    return rows(), wb.close


def _detect_layout(head: list[list], merged: list, offset: int, kind: str, sheet_name: str,
                   sheet_index: int) -> tuple[SheetLayout | None, tuple[int, int]]:
    index = header_index(kind)
    required = {f.key for f in fields_for(kind) if f.required}
    # value of the top-left cell of a vertical merge, for the cells it covers below
    cover: dict[tuple[int, int], object] = {}
    for (r0, c0), (r1, c1) in merged:
        if r1 > r0 and r0 < len(head):
            top = head[r0][c0 - offset] if 0 <= c0 - offset < len(head[r0]) else ""
            for r in range(r0 + 1, min(r1, len(head) - 1) + 1):
                for c in range(c0, c1 + 1):
                    cover[(r, c)] = top

    def own_matches(values: list) -> int:
        if not all(isinstance(v, str) for v in values if v not in ("", None)):
            return 0
        return sum(1 for v in values if isinstance(v, str) and v and normalize_header(v)[0] in index)

    if not merged:
        # Readers that give no merge information (.ods): a header row made only of text directly
        # under another header-like row inherits that row's text in its empty cells, which is what
        # a vertical merge shows.
        for r in range(1, len(head)):
            if own_matches(head[r]) and own_matches(head[r - 1]):
                for j, value in enumerate(head[r]):
                    if value in ("", None) and j < len(head[r - 1]) and head[r - 1][j] not in ("", None):
                        cover[(r, j + offset)] = head[r - 1][j]

    best: tuple[int, int] = (0, 0)
    best_row = -1
    for r, values in enumerate(head):
        matched: set[str] = set()
        for j, value in enumerate(values):
            text = value if value not in ("", None) else cover.get((r, j + offset), "")
            if not isinstance(text, str) or not text:
                continue
            norm, _unit = normalize_header(text)
            key = index.get(norm)
            if key:
                matched.add(key)
        score = (len(matched & required), len(matched))
        # the lowest row of a multi-row header wins a tie (its merged cells carry the row above)
        if score[1] >= 2 and (score > best or (score == best and r == best_row + 1)):
            best, best_row = score, r
    if best_row < 0:
        return None, (-1, -1)

    columns: dict[str, Column] = {}
    ignored: list[str] = []
    duplicates: list[tuple[str, str]] = []
    for j, value in enumerate(head[best_row]):
        text = value if value not in ("", None) else cover.get((best_row, j + offset), "")
        if not isinstance(text, str):
            text = cell_text(text)
        if not text:
            continue
        norm, unit = normalize_header(text)
        key = index.get(norm)
        shown = _SPACES.sub("", text)
        if key is None:
            ignored.append(shown)
        elif key in columns:
            duplicates.append((key, shown))
        else:
            columns[key] = Column(key, shown, j + offset, unit)

    unit, source = "元", "default"
    amount = columns.get("amount")
    if amount is not None and amount.unit:
        unit, source = amount.unit, "header"
    else:
        for values in head[: best_row + 1]:
            for value in values:
                if isinstance(value, str):
                    match = _UNIT_NOTE_RE.search(_SPACES.sub("", unicodedata.normalize("NFKC", value)))
                    if match:
                        unit, source = match.group(1), "note"
                        break
            if source == "note":
                break
    layout = SheetLayout(sheet_name, sheet_index, best_row + 1, columns, unit, source, ignored, duplicates)
    return layout, best

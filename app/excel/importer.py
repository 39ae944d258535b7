"""Import a workbook: read → validate every row → write through a sink, all or nothing.

``import_workbook`` never raises for a bad file or bad data: the outcome is in the returned
:class:`ImportResult` (``ok`` / ``rejected`` / ``unreadable`` / ``cancelled``), with every error
located by Excel row, column header and value, and explained in Chinese.
"""
from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

from app.excel.errors import RowError, WorkbookError
from app.excel.reader import open_sheet
from app.excel.safety import formulas_without_value
from app.excel.schema import KIND_NAMES, fields_for, synonyms
from app.excel.sinks import ExistingKeys, ImportRecord, ImportSink, RowChecker
from app.excel.validate import KEY_FIELDS, Context, RowValidator, default_year, record_key
from fiscal.codes import available_years
from fiscal.dictionaries import Dictionaries

log = logging.getLogger(__name__)

#: Errors kept in the result (all are counted). The annotated copy marks the kept ones.
MAX_ERRORS = 10_000
BATCH_SIZE = 2_000

class SinkFailure(Exception):
    """The target store failed while writing; the import is rolled back."""


ProgressFn = Callable[[int, int], None]  # (rows done, rows expected)
CancelFn = Callable[[], bool]


@dataclass
class ImportResult:
    file: str
    kind: str
    sheet: str | None = None
    sheet_index: int | None = None
    header_row: int | None = None
    unit: str | None = None
    unit_source: str | None = None
    data_rows: int = 0  # rows read as data (blank/合计/notes excluded)
    valid_rows: int = 0
    imported_rows: int = 0
    errors: list[RowError] = field(default_factory=list)
    error_count: int = 0  # all errors, also those beyond MAX_ERRORS
    error_rows: int = 0  # rows with at least one error
    outcome: str = "ok"  # ok | rejected | unreadable | cancelled
    message: str = ""
    code: str | None = None  # machine code of an unreadable file
    dry_run: bool = False
    partial: bool = False
    columns: dict[str, str] = field(default_factory=dict)  # field -> header in the file
    column_index: dict[str, int] = field(default_factory=dict)  # field -> 0-based sheet column
    ignored_headers: list[str] = field(default_factory=list)
    skipped_total_rows: int = 0
    skipped_blank_rows: int = 0
    preview: list[ImportRecord] = field(default_factory=list)
    file_format: str | None = None
    sheet_names: list[str] = field(default_factory=list)
    streamed: bool = False  # the sheet was too big to hold in memory and was streamed

    def to_json(self) -> dict:
        """Exactly the JSON of ``jincai excel import --json`` (issue 8)."""
        return {
            "file": self.file,
            "sheet": self.sheet,
            "header_row": self.header_row,
            "unit": self.unit,
            "valid_rows": self.valid_rows,
            "imported_rows": self.imported_rows,
            "errors": [e.to_json() for e in self.errors],
            "outcome": "rejected" if self.outcome == "cancelled" else self.outcome,
            "message": self.message,
        }

    @property
    def exit_code(self) -> int:
        return {"ok": 0, "rejected": 1, "cancelled": 1, "unreadable": 2}[self.outcome]


def import_workbook(
    path: str | Path,
    kind: str,
    *,
    sink: ImportSink | None = None,
    existing: ExistingKeys | None = None,
    indicators: ExistingKeys | None = None,
    dry_run: bool = False,
    partial: bool = False,
    year: int | None = None,
    region: str | None = None,
    sheet: str | None = None,
    max_rows: int | None = None,
    preview: int = 0,
    progress: ProgressFn | None = None,
    cancel: CancelFn | None = None,
    checker: RowChecker | None = None,
    dicts: Dictionaries | None = None,
) -> ImportResult:
    """Validate ``path`` as ``kind`` and (unless ``dry_run`` or no sink) import it.

    All or nothing unless ``partial``: one error anywhere and the sink is rolled back.
    ``existing`` answers which keys already exist (duplicates against existing data);
    ``indicators`` answers which indicators exist, so that batch applications must name one.
    ``checker`` (by default ``indicators`` when it is a :class:`RowChecker`) checks the valid
    rows against the target's data in file order — the budget pre-check of applications —, in
    a dry run too, so the preview shows what the import would refuse.
    ``dicts``: the dictionaries to validate against (the client passes the server's as last
    synced); default the shipped ones of ``region``.
    """
    fields_for(kind)  # ValueError for an unknown kind: a programming error, not a user error
    result = ImportResult(file=str(path), kind=kind, dry_run=dry_run, partial=partial)
    if year is not None and year not in available_years():
        result.outcome = "rejected"
        shipped = "、".join(str(y) for y in available_years())
        result.message = f"没有{year}年度的政府收支分类科目（已有：{shipped}），无法校验。请选择正确的预算年度。"
        return result
    try:
        reader = open_sheet(path, kind, sheet=sheet, max_rows=max_rows)
    except WorkbookError as exc:
        return _unreadable(result, exc)
    except Exception as exc:
        log.exception("unexpected error opening %s", path)
        return _unreadable(result, WorkbookError("unexpected", f"无法读取文件：{type(exc).__name__}。请在 Excel 中另存为新文件后重试。"))

    writing = sink is not None and not dry_run
    began = False
    try:
        layout = reader.layout
        result.sheet, result.sheet_index, result.header_row = layout.sheet, layout.sheet_index, layout.header_row
        result.unit, result.unit_source = layout.unit, layout.unit_source
        result.columns = {k: c.header for k, c in layout.columns.items()}
        result.column_index = {k: c.index for k, c in layout.columns.items()}
        result.ignored_headers = list(layout.ignored_headers) + [
            f"{header}（与“{layout.columns[key].header}”重复，已忽略）" for key, header in layout.duplicate_headers]
        result.file_format = reader.format
        result.streamed = reader.streamed
        result.sheet_names = reader.sheet_names
        ctx = Context(year or default_year(), unit=layout.unit, region=region, given_dicts=dicts)
        validator = RowValidator(kind, layout, reader.col_offset, ctx)
        missing = validator.missing_required()
        if missing:
            for error in missing:
                _add_error(result, error)
            result.outcome = "rejected"
            result.message = (f"工作表“{layout.sheet}”第{layout.header_row}行的表头缺少必填列："
                              + "、".join(e.column or "" for e in missing) + "。请补上这些列后重新导入。")
            return result

        if writing:
            sink.begin(kind, {"file": str(path), "sheet": layout.sheet, "unit": layout.unit,
                              "partial": partial})
            began = True
        if checker is None and isinstance(indicators, RowChecker):
            checker = indicators
        if checker is not None:
            checker.start_checks(kind)
        seen: dict[str, int] = {}
        batch: list[ImportRecord] = []
        expected = max(layout.total_rows, 1)
        cancelled = False
        key_field = next((k for k in KEY_FIELDS[kind] if k in layout.columns), None)

        def flush() -> None:
            nonlocal batch
            if not batch:
                return
            good = batch
            if indicators is not None and kind == "applications":
                wanted = {"bgt:" + r.data["bgt_code"] for r in good}
                known = indicators.existing_keys("indicators", wanted)
                if len(known) < len(wanted):
                    kept = []
                    for record in good:
                        if "bgt:" + record.data["bgt_code"] in known:
                            kept.append(record)
                            continue
                        col = layout.columns["bgt_code"]
                        _add_error(result, RowError(
                            record.row, col.header, record.data["bgt_code"],
                            f"指标 {record.data['bgt_code']} 不存在（尚未导入，或编码有误）：每笔支付必须对应一条已下达的指标",
                            "bgt_code", col.index, "unknown_indicator"))
                        result.error_rows += 1
                    good = kept
            if existing is not None:
                dup = existing.existing_keys(kind, [r.key for r in batch])
                if dup:
                    candidates, good = good, []
                    for record in candidates:
                        if record.key in dup:
                            _add_error(result, _dup_error(validator, record, key_field, None))
                            result.error_rows += 1
                        else:
                            good.append(record)
            if checker is not None and good:
                refused = checker.check_rows(kind, good)
                if refused:
                    bad_rows = {e.row for e in refused}
                    for error in refused:
                        col = layout.columns.get(error.field) if error.field else None
                        if col is not None and error.column is None:
                            error = replace(error, column=col.header, col_index=col.index)
                        _add_error(result, error)
                    result.error_rows += len(bad_rows)
                    good = [r for r in good if r.row not in bad_rows]
            result.valid_rows += len(good)
            if preview and len(result.preview) < preview:
                result.preview.extend(good[: preview - len(result.preview)])
            if writing and (partial or result.error_count == 0):
                try:
                    sink.write(good)
                except Exception as exc:
                    raise SinkFailure(str(exc) or type(exc).__name__) from exc
            batch = []

        for n, drow in enumerate(reader.rows(), 1):
            if cancel is not None and (n == 1 or n % 256 == 0) and cancel():
                cancelled = True
                break
            if progress is not None and n % 1000 == 0:
                progress(n, expected)
            data, errors = validator.validate(drow.row, drow.values)
            result.data_rows += 1
            if not errors:
                key = record_key(kind, data)
                first = seen.get(key)
                if first is not None:
                    errors = [_dup_error(validator, ImportRecord(kind, drow.row, key, data), key_field, first)]
                else:
                    seen[key] = drow.row
            if errors:
                result.error_rows += 1
                for error in errors:
                    _add_error(result, error)
                continue
            batch.append(ImportRecord(kind, drow.row, key, data))
            if len(batch) >= BATCH_SIZE:
                flush()
        flush()
        if progress is not None:
            progress(result.data_rows, max(result.data_rows, 1))
        result.skipped_total_rows = reader.skipped_total
        result.skipped_blank_rows = reader.skipped_blank
        _explain_uncached_formulas(result, path)
        return _finish(result, sink if began else None, cancelled)
    except WorkbookError as exc:
        _rollback(sink if began else None)
        return _unreadable(result, exc)
    except SinkFailure as exc:
        _rollback(sink if began else None)
        log.error("import sink failed for %s: %s", path, exc)
        result.outcome = "rejected"
        result.imported_rows = 0
        result.message = f"写入导入目标时出错（{exc}），已全部回滚，未导入任何数据。请检查磁盘空间或权限后重试。"
        return result
    except Exception as exc:
        _rollback(sink if began else None)
        log.exception("unexpected error importing %s", path)
        return _unreadable(result, WorkbookError(
            "unexpected", f"读取文件时出错（{type(exc).__name__}），未导入任何数据。请在 Excel 中另存为新文件后重试。"))
    finally:
        reader.close()


def _explain_uncached_formulas(result: ImportResult, path: str | Path) -> None:
    """A required cell that reads empty may be a formula whose result was never saved."""
    if result.file_format != "xlsx" or result.sheet_index is None:
        return
    empty = {(e.row, e.col_index): i for i, e in enumerate(result.errors)
             if e.code == "required" and e.row is not None and e.col_index is not None}
    if not empty:
        return
    for cell in formulas_without_value(Path(path), result.sheet_index, set(empty)):
        i = empty[cell]
        error = result.errors[i]
        result.errors[i] = replace(
            error, code="formula_without_value",
            reason=f"“{error.column}”是公式，但文件中没有保存公式的计算结果（常见于由程序生成、未在 Excel 中打开过的文件）。"
                   "请在 Excel 或 WPS 中打开该文件并保存一次，再导入")


def _finish(result: ImportResult, sink: ImportSink | None, cancelled: bool) -> ImportResult:
    what = KIND_NAMES[result.kind]
    result.errors.sort(key=lambda e: (e.row or 0, e.col_index if e.col_index is not None else -1))
    skipped = ""
    if result.skipped_total_rows:
        skipped = f"（已跳过 {result.skipped_total_rows} 行合计/小计）"
    if cancelled:
        _rollback(sink)
        result.outcome = "cancelled"
        result.message = "导入已取消，未写入任何数据。"
        return result
    if result.error_count and not result.partial:
        _rollback(sink)
        result.outcome = "rejected"
        result.message = (f"发现 {result.error_count} 处错误（涉及 {result.error_rows} 行），"
                          f"按“全部或不导入”规则，{'本次为试运行；' if result.dry_run else ''}未导入任何数据。"
                          "请按错误清单修改后重新导入，或选择“只导入正确的行”。")
        if result.error_count > len(result.errors):
            result.message += f"（仅列出前 {len(result.errors)} 处错误）"
        return result
    if result.valid_rows == 0:
        _rollback(sink)
        result.outcome = "rejected"
        result.message = (f"工作表“{result.sheet}”中没有可导入的{what}数据行" +
                          (f"（{result.error_rows} 行有错误）" if result.error_rows else "") + "。")
        return result
    result.outcome = "ok"
    errs = f"；{result.error_rows} 行有错误已跳过（共 {result.error_count} 处）" if result.error_count else ""
    if result.dry_run or sink is None:
        result.message = (f"试运行：{result.valid_rows} 行{what}校验通过，可以导入{errs}{skipped}。未写入任何数据。"
                          if result.dry_run else f"校验完成：{result.valid_rows} 行{what}有效{errs}{skipped}。")
        return result
    try:
        result.imported_rows = sink.commit()
    except Exception as exc:
        raise SinkFailure(str(exc) or type(exc).__name__) from exc
    result.message = f"已导入 {result.imported_rows} 行{what}{errs}{skipped}。"
    return result


def _rollback(sink: ImportSink | None) -> None:
    if sink is None:
        return
    try:
        sink.rollback()
    except Exception:
        log.exception("rollback failed")


def _unreadable(result: ImportResult, exc: WorkbookError) -> ImportResult:
    result.outcome = "unreadable"
    result.code = exc.code
    result.message = exc.message
    return result


def _add_error(result: ImportResult, error: RowError) -> None:
    result.error_count += 1
    if len(result.errors) < MAX_ERRORS:
        result.errors.append(error)


def _dup_error(validator: RowValidator, record: ImportRecord, key_field: str | None,
               first_row: int | None) -> RowError:
    layout = validator.layout
    col = layout.columns.get(key_field) if key_field else None
    value = record.data.get(key_field) if key_field else None
    what = synonyms()[key_field][0] if key_field else "关键字段"
    if first_row is not None:
        if record.key.startswith(("bgt:", "acct:", "app:")):
            reason = f"与第{first_row}行重复（{what}相同）"
        else:
            reason = f"与第{first_row}行重复（{_key_description(record.kind)}全部相同）"
        code = "duplicate_in_file"
    else:
        reason = f"系统中已存在相同的{KIND_NAMES[record.kind]}（{what if record.key.startswith(('bgt:', 'acct:', 'app:')) else _key_description(record.kind)}相同），不能重复导入"
        code = "duplicate_existing"
    return RowError(record.row, col.header if col else what, None if value is None else str(value),
                    reason, key_field, col.index if col else None, code)


def _key_description(kind: str) -> str:
    if kind == "indicators":
        return "年度、文号、单位、功能科目、经济科目、项目和资金性质"
    if kind == "applications":
        return "指标、收款账号、金额和用途"
    return "收款账号"

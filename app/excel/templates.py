"""Blank import templates (openpyxl): the file a user fills in and imports back.

Each template has the data sheet (title row, header row with a note on every column, required
columns marked ``*``, frozen header, widths, text/number formats, data-validation dropdowns), a
``填写说明`` instructions sheet, and a hidden ``代码表`` sheet holding the dropdown lists (Excel
limits an inline list to 255 characters, so code lists live on a sheet).
"""
from __future__ import annotations

import os
from pathlib import Path

import openpyxl
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from app.excel import schema
from app.excel.schema import KIND_NAMES, Field, fields_for, synonyms
from app.excel.validate import default_year
from fiscal.codes import code_tables
from fiscal.dictionaries import Dictionaries, dictionaries

DATA_SHEETS = {"indicators": "预算指标", "payees": "收款人", "applications": "支付申请"}
INSTRUCTIONS = "填写说明"
LISTS = "代码表"
#: Rows covered by the dropdowns and checks (formats apply to whole columns).
PREPARED_ROWS = 5000
HEADER_ROW = 2
FIRST_DATA_ROW = 3

_REQ_FILL = PatternFill("solid", fgColor="FCE4D6")
_OPT_FILL = PatternFill("solid", fgColor="DDEBF7")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_TEXT_TYPES = {schema.CODE, schema.ACCOUNT, schema.RESIDENT_ID, schema.USCC, schema.BANK_CODE,
               schema.FUNC, schema.DEP_ECO, schema.GOV_ECO, schema.TEXT}


def header_text(field: Field, unit: str) -> str:
    text = field.header
    if field.type == schema.AMOUNT:
        text = f"{text}({unit})"
    return ("*" if field.required else "") + text


def write_template(kind: str, path: str | os.PathLike, *, year: int | None = None,
                   unit: str = "元", region: str | None = None,
                   dicts: Dictionaries | None = None) -> Path:
    """Write the blank template of ``kind`` to ``path`` (.xlsx) and return the path. The
    dropdowns offer ``dicts`` (the client passes the server's, as last synced), else the
    shipped dictionaries of ``region``."""
    if unit not in ("元", "万元"):
        raise ValueError("unit must be 元 or 万元")
    fields = tuple(f for f in fields_for(kind) if f.in_template)
    year = year or default_year()
    tables = code_tables(year)
    dicts = dicts or dictionaries(region)

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = DATA_SHEETS[kind]
    lists = wb.create_sheet(LISTS)
    lists.sheet_state = "hidden"
    _instructions(wb.create_sheet(INSTRUCTIONS), kind, fields, year, unit)

    # --- list columns on the hidden sheet ---
    list_ranges: dict[str, str] = {}
    list_col = 1

    def add_list(name: str, values: list[str]) -> str:
        nonlocal list_col
        letter = get_column_letter(list_col)
        lists.cell(1, list_col, name).font = Font(bold=True)
        for i, value in enumerate(values, 2):
            lists.cell(i, list_col, value)
        lists.column_dimensions[letter].width = 36
        list_col += 1
        return f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${max(2, len(values) + 1)}"

    for field in fields:
        if field.type == schema.FUNC:
            list_ranges[field.key] = add_list("支出功能分类(项)", [
                f"{item.code} {item.name}" for item in tables.functional.items() if len(item.code) >= 7])
        elif field.type == schema.DEP_ECO:
            list_ranges[field.key] = add_list("部门经济分类(款)", [
                f"{item.code} {item.name}" for item in tables.dep_economic.items() if len(item.code) >= 5])
        elif field.type == schema.GOV_ECO:
            list_ranges[field.key] = add_list("政府经济分类(款)", [
                f"{item.code} {item.name}" for item in tables.gov_economic.items() if len(item.code) >= 5])
        elif field.type == schema.DICT:
            table = getattr(dicts, field.dictionary)
            list_ranges[field.key] = add_list(field.header, [f"{c} {n}" for c, n in table.items()])

    # --- title, header ---
    last_col = get_column_letter(len(fields))
    ws["A1"] = f"{year}年{KIND_NAMES[kind]}导入模板（带 * 的列必须填写；金额单位：{unit}）"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells(f"A1:{last_col}1")
    ws.row_dimensions[1].height = 26
    ws.row_dimensions[HEADER_ROW].height = 32
    end = FIRST_DATA_ROW + PREPARED_ROWS - 1
    for col, field in enumerate(fields, 1):
        letter = get_column_letter(col)
        cell = ws.cell(HEADER_ROW, col, header_text(field, unit))
        cell.font = Font(bold=True, color="C00000" if field.required else "000000")
        cell.fill = _REQ_FILL if field.required else _OPT_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BORDER
        note = field.note + ("（必填）" if field.required else "（选填）")
        comment = Comment(note, "金财桌面端")
        comment.width, comment.height = 300, max(60, 20 * (1 + len(note) // 18))
        cell.comment = comment
        ws.column_dimensions[letter].width = field.width
        rng = f"{letter}{FIRST_DATA_ROW}:{letter}{end}"
        # number formats: text for codes/accounts (keeps leading zeros, no 1.2E+18), money as #,##0.00
        if field.type == schema.AMOUNT:
            fmt = "#,##0.00" if unit == "元" else "#,##0.000000"
        elif field.type in _TEXT_TYPES:
            fmt = "@"
        elif field.type == schema.YEAR:
            fmt = "0"
        else:
            fmt = None
        if fmt:  # a column style: Excel and WPS apply it to every cell typed in that column
            ws.column_dimensions[letter].number_format = fmt
        dv = None
        if field.key in list_ranges:
            dv = DataValidation(type="list", formula1=f"={list_ranges[field.key]}", allow_blank=True,
                                showErrorMessage=field.type == schema.DICT)
            dv.error = f"请从下拉列表中选择{field.header}"
        elif field.type == schema.BOOL:
            dv = DataValidation(type="list", formula1='"是,否"', allow_blank=True, showErrorMessage=True)
            dv.error = "请选择“是”或“否”"
        elif field.type == schema.PAYEE_TYPE:
            dv = DataValidation(type="list", formula1='"单位,个人"', allow_blank=True, showErrorMessage=True)
            dv.error = "请选择“单位”或“个人”"
        elif field.type == schema.AMOUNT:
            dv = DataValidation(type="decimal", operator="greaterThan", formula1="0", allow_blank=True,
                                showErrorMessage=True)
            dv.error = "金额必须是大于零的数字"
        elif field.type == schema.YEAR:
            dv = DataValidation(type="whole", operator="between", formula1="2000", formula2="2100",
                                allow_blank=True, showErrorMessage=True)
            dv.error = "请填写四位年度"
        elif field.max_len and field.type == schema.TEXT:
            dv = DataValidation(type="textLength", operator="lessThanOrEqual", formula1=str(field.max_len),
                                allow_blank=True, showErrorMessage=True)
            dv.error = f"不超过{field.max_len}个字"
        if dv is not None:
            dv.errorTitle = "输入有误"
            dv.prompt = field.note
            dv.promptTitle = header_text(field, unit).lstrip("*")
            dv.showInputMessage = True
            ws.add_data_validation(dv)
            dv.add(rng)
    ws.freeze_panes = ws.cell(FIRST_DATA_ROW, 1)
    ws.auto_filter.ref = f"A{HEADER_ROW}:{last_col}{HEADER_ROW}"
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW}"
    ws.page_setup.orientation = "landscape"
    wb.active = 0
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


def _instructions(ws, kind: str, fields: tuple[Field, ...], year: int, unit: str) -> None:
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 70
    ws.column_dimensions["D"].width = 50
    ws["A1"] = f"{KIND_NAMES[kind]}导入模板 填写说明"
    ws["A1"].font = Font(bold=True, size=14)
    general = [
        f"1. 在“{DATA_SHEETS[kind]}”工作表第{FIRST_DATA_ROW}行起逐行填写，一行一条{KIND_NAMES[kind]}；不要修改第{HEADER_ROW}行的列名，不要插入空列。",
        "2. 带 * 的列必须填写。列名也可使用“可用别名”中的写法（系统会自动识别）；列的先后顺序不限。",
        f"3. 金额单位为{unit}：表头“金额(元)”最多2位小数；如表头写“金额(万元)”或表格上方注明“单位：万元”，最多6位小数（精确到分）。不会四舍五入。",
        f"4. 科目编码按{year}年度政府收支分类科目填写：功能分类到“项”级（7位），经济分类到“款”级（5位）。可写“2050202”或“2050202 小学教育”。",
        "5. 账号、身份证号、编码列已设为“文本”格式；如从其他表格粘贴，请使用“选择性粘贴→数值”，避免长数字变成科学计数。",
        "6. “合计”“小计”行和空行会被自动跳过；公式按计算结果读取。",
        "7. 导入时任何一行有错误，整个文件都不会导入（可选择只导入正确的行）。系统会生成一份标注了错误单元格的副本，按批注修改后重新导入即可。",
    ]
    for i, line in enumerate(general, 3):
        ws.cell(i, 1, line)
        ws.merge_cells(start_row=i, start_column=1, end_row=i, end_column=4)
        ws.cell(i, 1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[i].height = 32
    start = len(general) + 4
    for col, head in enumerate(("列名", "是否必填", "填写要求", "可用别名"), 1):
        cell = ws.cell(start, col, head)
        cell.font = Font(bold=True)
        cell.fill = _OPT_FILL
        cell.border = _BORDER
    table = synonyms()
    for r, field in enumerate(fields, start + 1):
        values = (header_text(field, unit).lstrip("*"), "必填" if field.required else "选填", field.note,
                  "、".join(table[field.key][1:]))
        for col, value in enumerate(values, 1):
            cell = ws.cell(r, col, value)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
            cell.border = _BORDER
    ws.freeze_panes = ws.cell(start + 1, 1)

"""Exports: budget execution report (by indicator, by department) and the application list.

Input is plain data — dataclasses below, or dicts with the same keys — so the local store, the
server or the dashboard can feed it without this module knowing where the numbers come from.
Money is integer fen in, exact ``Decimal`` 元 in the cells (format ``#,##0.00``). Files are
written in openpyxl's write-only mode, so 100 000 rows stay cheap in memory.
"""
from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from decimal import Decimal
from pathlib import Path

import openpyxl
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

MONEY = "#,##0.00"
PERCENT = "0.00%"
_HEAD_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="FFF2CC")
_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)

#: Status words of the local store (app.models.applications.LOCAL_STATUSES) and of the approval
#: chain (fiscal.approval.ChainStatus), in the Chinese the reviewer sees.
APPLICATION_STATUS_NAMES = {
    "draft": "草稿", "queued": "待发送", "submitted": "已提交", "in_progress": "审批中",
    "approving": "审批中", "approved": "已审批通过", "returned": "已退回", "rejected": "已否决",
    "voucher_issued": "已生成凭证", "sent": "已发送银行", "paid": "已支付", "failed": "支付失败",
    "refunded": "已退款", "voided": "已作废",
}


@dataclass
class IndicatorExecution:
    """One indicator with its execution figures (all money in fen)."""

    bgt_code: str
    agency_code: str
    amount_fen: int  # 指标金额 (after adjustments)
    paid_fen: int = 0  # 已支付
    pending_fen: int = 0  # 在途（已申请未支付）
    frozen_fen: int = 0
    doc_no: str = ""
    agency_name: str = ""
    dept_code: str = ""  # defaults to the first 3 characters of agency_code
    dept_name: str = ""
    func_code: str = ""
    func_name: str = ""
    dep_eco_code: str = ""
    project_name: str = ""
    fund_type: str = ""

    @property
    def balance_fen(self) -> int:
        return self.amount_fen - self.paid_fen - self.pending_fen - self.frozen_fen


@dataclass
class ApplicationListItem:
    app_no: str
    amount_fen: int
    status: str
    create_date: dt.date | str | None = None
    agency_code: str = ""
    agency_name: str = ""
    bgt_code: str = ""
    payee_name: str = ""
    payee_account: str = ""
    payee_bank: str = ""
    dep_eco_code: str = ""
    settlement_mode: str = ""
    use_des: str = ""


def _coerce(cls, items: Iterable) -> list:
    names = {f.name for f in fields(cls)}
    out = []
    for item in items:
        if isinstance(item, cls):
            out.append(item)
        elif isinstance(item, Mapping):
            out.append(cls(**{k: v for k, v in item.items() if k in names}))
        else:
            raise TypeError(f"expected {cls.__name__} or dict, got {type(item).__name__}")
    return out


def yuan(fen: int) -> Decimal:
    return Decimal(int(fen)).scaleb(-2)


def _rate(part: int, whole: int) -> float | None:
    # a ratio for display (percent format), not money: float is fine here
    return None if not whole else round(part / whole, 6)


class _SheetWriter:
    """A write-only sheet with a title, a note line, a styled header, widths and frozen panes."""

    def __init__(self, wb, title: str, heading: str, note: str, columns: list[tuple[str, int, str | None]]):
        self.ws = wb.create_sheet(title)
        self.columns = columns
        for i, (_name, width, _fmt) in enumerate(columns, 1):
            self.ws.column_dimensions[get_column_letter(i)].width = width
        self.ws.freeze_panes = "C4"
        self.ws.append([self._cell(heading, font=Font(bold=True, size=14))])
        self.ws.append([self._cell(note, font=Font(color="595959"))])
        self.ws.append([self._cell(name, font=Font(bold=True), fill=_HEAD_FILL, border=True,
                                   align=Alignment(horizontal="center", vertical="center", wrap_text=True))
                        for name, _w, _f in columns])

    def _cell(self, value, *, fmt=None, font=None, fill=None, border=False, align=None):
        cell = WriteOnlyCell(self.ws, value=value)
        if fmt:
            cell.number_format = fmt
        if font is not None:
            cell.font = font
        if fill is not None:
            cell.fill = fill
        if border:
            cell.border = _BORDER
        if align is not None:
            cell.alignment = align
        return cell

    def row(self, values: list, *, total: bool = False) -> None:
        self.ws.append([
            self._cell(v, fmt=fmt, border=True, font=Font(bold=True) if total else None,
                       fill=_TOTAL_FILL if total else None)
            for v, (_n, _w, fmt) in zip(values, self.columns, strict=True)
        ])


def _note(as_of: dt.date | dt.datetime | None) -> str:
    stamp = as_of or dt.datetime.now()
    when = stamp.strftime("%Y-%m-%d %H:%M") if isinstance(stamp, dt.datetime) else stamp.isoformat()
    return f"金额单位：元    数据截至：{when}"


def write_execution_report(path: str | os.PathLike, indicators: Iterable, *, title: str = "预算执行情况表",
                           as_of: dt.date | dt.datetime | None = None) -> Path:
    """Sheets ``按指标`` (one row per indicator + 合计) and ``按部门`` (totals per department)."""
    items = _coerce(IndicatorExecution, indicators)
    wb = openpyxl.Workbook(write_only=True)
    columns = [("指标编码", 18, "@"), ("指标文号", 22, None), ("单位代码", 12, "@"), ("单位名称", 24, None),
               ("功能分类", 12, "@"), ("科目名称", 18, None), ("经济分类", 10, "@"), ("项目名称", 24, None),
               ("资金性质", 10, None), ("指标金额", 16, MONEY), ("已支付", 16, MONEY), ("在途", 14, MONEY),
               ("冻结", 12, MONEY), ("可用余额", 16, MONEY), ("执行率", 10, PERCENT)]
    sheet = _SheetWriter(wb, "按指标", f"{title}（按指标）", _note(as_of), columns)
    totals = [0, 0, 0, 0, 0]
    by_dept: dict[str, dict] = {}
    for it in items:
        figures = [it.amount_fen, it.paid_fen, it.pending_fen, it.frozen_fen, it.balance_fen]
        sheet.row([it.bgt_code, it.doc_no, it.agency_code, it.agency_name, it.func_code, it.func_name,
                   it.dep_eco_code, it.project_name, it.fund_type, *map(yuan, figures),
                   _rate(it.paid_fen, it.amount_fen)])
        totals = [a + b for a, b in zip(totals, figures, strict=True)]
        dept = it.dept_code or it.agency_code[:3]
        entry = by_dept.setdefault(dept, {"name": it.dept_name, "count": 0, "figures": [0, 0, 0, 0, 0],
                                          "agencies": set()})
        entry["name"] = entry["name"] or it.dept_name
        entry["count"] += 1
        entry["agencies"].add(it.agency_code)
        entry["figures"] = [a + b for a, b in zip(entry["figures"], figures, strict=True)]
    sheet.row(["合计", f"{len(items)} 条指标", "", "", "", "", "", "", "", *map(yuan, totals),
               _rate(totals[1], totals[0])], total=True)

    dcols = [("部门代码", 12, "@"), ("部门名称", 26, None), ("单位数", 8, "0"), ("指标数", 8, "0"),
             ("指标金额", 18, MONEY), ("已支付", 18, MONEY), ("在途", 16, MONEY), ("冻结", 14, MONEY),
             ("可用余额", 18, MONEY), ("执行率", 10, PERCENT)]
    dsheet = _SheetWriter(wb, "按部门", f"{title}（按部门）", _note(as_of), dcols)
    for code in sorted(by_dept):
        entry = by_dept[code]
        f = entry["figures"]
        dsheet.row([code, entry["name"], len(entry["agencies"]), entry["count"], *map(yuan, f),
                    _rate(f[1], f[0])])
    dsheet.row(["合计", f"{len(by_dept)} 个部门", sum(len(e["agencies"]) for e in by_dept.values()),
                len(items), *map(yuan, totals), _rate(totals[1], totals[0])], total=True)
    return _save(wb, path)


def write_application_list(path: str | os.PathLike, applications: Iterable, *, title: str = "支付申请清单",
                           as_of: dt.date | dt.datetime | None = None) -> Path:
    """Sheets ``申请清单`` (one row per application with its status + 合计) and ``按状态``."""
    items = _coerce(ApplicationListItem, applications)
    wb = openpyxl.Workbook(write_only=True)
    columns = [("申请编号", 18, "@"), ("申请日期", 12, "yyyy-mm-dd"), ("单位代码", 12, "@"),
               ("单位名称", 22, None), ("指标编码", 18, "@"), ("收款人", 24, None), ("收款账号", 24, "@"),
               ("开户银行", 24, None), ("经济分类", 10, "@"), ("结算方式", 10, None), ("金额", 16, MONEY),
               ("状态", 10, None), ("用途", 36, None)]
    sheet = _SheetWriter(wb, "申请清单", title, _note(as_of), columns)
    total = 0
    by_status: dict[str, list[int]] = {}
    for it in items:
        status = APPLICATION_STATUS_NAMES.get(it.status, it.status)
        date = it.create_date
        if isinstance(date, str) and date:
            try:
                date = dt.date.fromisoformat(date[:10])
            except ValueError:
                pass
        sheet.row([it.app_no, date, it.agency_code, it.agency_name, it.bgt_code, it.payee_name,
                   it.payee_account, it.payee_bank, it.dep_eco_code, it.settlement_mode, yuan(it.amount_fen),
                   status, it.use_des])
        total += it.amount_fen
        entry = by_status.setdefault(status, [0, 0])
        entry[0] += 1
        entry[1] += it.amount_fen
    sheet.row(["合计", None, "", "", "", f"{len(items)} 笔", "", "", "", "", yuan(total), "", ""], total=True)
    ssheet = _SheetWriter(wb, "按状态", f"{title}（按状态汇总）", _note(as_of),
                          [("状态", 14, None), ("笔数", 10, "0"), ("金额", 18, MONEY)])
    for status, (count, fen) in by_status.items():
        ssheet.row([status, count, yuan(fen)])
    ssheet.row(["合计", len(items), yuan(total)], total=True)
    return _save(wb, path)


def _save(wb, path: str | os.PathLike) -> Path:
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    wb.save(target)
    return target


#: Column kinds of :func:`write_table`: how a value is written and formatted.
TABLE_KINDS = {"text": "@", "code": "@", "int": "#,##0", "money": MONEY, "percent": PERCENT,
               "date": "yyyy-mm-dd", "number": "General"}


def write_table(path: str | os.PathLike, rows: Iterable[Mapping | list | tuple], *,
                columns: list[tuple[str, str, str]], title: str, sheet: str = "数据",
                as_of: dt.date | dt.datetime | None = None, total: bool = True) -> Path:
    """Any table as a styled sheet (the dashboard's "导出 Excel"): ``columns`` are
    ``(key, header, kind)`` with kind in :data:`TABLE_KINDS`; ``money`` values are integer fen.
    Rows are dicts (by key) or sequences (by position). With ``total``, money and int columns
    get a 合计 row.
    """
    for _key, _header, kind in columns:
        if kind not in TABLE_KINDS:
            raise ValueError(f"unknown column kind {kind!r}")
    wb = openpyxl.Workbook(write_only=True)
    widths = {"money": 16, "date": 12, "percent": 10, "int": 10}
    spec = [(header, max(widths.get(kind, 14), min(40, 2 * len(header) + 4)), TABLE_KINDS[kind])
            for _key, header, kind in columns]
    writer = _SheetWriter(wb, sheet, title, _note(as_of), spec)
    sums = [0] * len(columns)
    for row in rows:
        values = [row.get(key) for key, _h, _k in columns] if isinstance(row, Mapping) else list(row)
        out = []
        for i, ((_key, _header, kind), value) in enumerate(zip(columns, values, strict=True)):
            if kind == "money" and value is not None:
                sums[i] += int(value)
                value = yuan(value)
            elif kind == "int" and value is not None:
                sums[i] += int(value)
            elif kind == "date" and isinstance(value, str) and value:
                try:
                    value = dt.date.fromisoformat(value[:10])
                except ValueError:
                    pass
            out.append(value)
        writer.row(out)
    if total:
        line = [yuan(sums[i]) if kind == "money" else sums[i] if kind == "int" else None
                for i, (_key, _header, kind) in enumerate(columns)]
        line[0] = "合计" if columns[0][2] not in ("money", "int") else line[0]
        writer.row(line, total=True)
    return _save(wb, path)

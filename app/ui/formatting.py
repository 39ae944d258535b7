"""Display helpers shared by the screens (UI thread only): amounts, code + name labels,
dictionary names, times in Asia/Shanghai. No business rules here."""
from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from fiscal.money import format_amount

SHANGHAI = ZoneInfo("Asia/Shanghai")


def money(fen: int | None) -> str:
    return "" if fen is None else format_amount(int(fen))


@lru_cache(maxsize=8)
def _tables(year: int):  # type: ignore[no-untyped-def]
    from fiscal.codes import available_years, code_tables

    years = available_years()
    if not years:
        return None
    return code_tables(year if year in years else years[-1])


@lru_cache(maxsize=20_000)
def code_label(table: str, code: str | None, year: int) -> str:
    """``"2050202 小学教育"``; the bare code when the table does not know it."""
    if not code:
        return ""
    tables = _tables(year)
    name = tables.table(table).name(code) if tables is not None else None
    return f"{code} {name}" if name else code


def code_name(table: str, code: str | None, year: int) -> str:
    if not code:
        return ""
    tables = _tables(year)
    return (tables.table(table).name(code) if tables is not None else None) or ""


@lru_cache(maxsize=4)
def _dicts(region: str | None = None):  # type: ignore[no-untyped-def]
    from fiscal.dictionaries import dictionaries

    return dictionaries(region)


# The server's dictionaries as last synced (app.services.ui_queries.DictionaryLists), set by the
# main window after a query; until then the shipped ones name the codes.
_synced: dict[str, dict[str, str]] = {}


def use_dictionaries(lists: object | None) -> None:
    """Name codes from ``lists`` (a DictionaryLists) from now on; None: the shipped ones."""
    _synced.clear()
    if lists is not None and getattr(lists, "from_server", True):
        _synced["fund_types"] = dict(getattr(lists, "fund_types", {}))
        _synced["settlement_modes"] = dict(getattr(lists, "settlement_modes", {}))


def fund_type_name(code: str | None) -> str:
    if not code:
        return ""
    return fund_types().get(code, code)


def settlement_modes() -> dict[str, str]:
    return dict(_synced.get("settlement_modes") or _dicts().settlement_modes)


def fund_types() -> dict[str, str]:
    return dict(_synced.get("fund_types") or _dicts().fund_types)


def local_time(value: datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if value is None:
        return ""
    return value.astimezone(SHANGHAI).strftime(fmt)


def permille_text(permille: int) -> str:
    return f"{permille // 10}.{permille % 10}%"


def status_name(status: str | None) -> str:
    """Application status in the UI language."""
    from PySide6.QtCore import QCoreApplication

    t = QCoreApplication.translate
    names = {
        "draft": t("status", "草稿"), "queued": t("status", "待发送"),
        "submitted": t("status", "已提交"), "returned": t("status", "已退回"),
        "approved": t("status", "已审核"), "rejected": t("status", "已拒绝"),
        "paid": t("status", "已支付"), "pending": t("status", "待审批"),
        "decided": t("status", "已审批（待发送）"),
    }
    return names.get(status or "", status or "")

"""Reference data (classification tables, dictionaries) from :mod:`fiscal`, as API errors."""
from __future__ import annotations

from fiscal.codes import CodeTableError, CodeTables, available_years, code_tables
from fiscal.dictionaries import Dictionaries, dictionaries
from server.errors import ApiError


def tables(year: int) -> CodeTables:
    try:
        return code_tables(year)
    except CodeTableError as exc:
        years = "、".join(str(y) for y in available_years())
        raise ApiError(422, "fiscal_year_unsupported",
                       f"没有 {year} 年度的政府收支分类科目（已提供：{years}）。{exc.message}",
                       {"fiscal_year": year}) from None


def dicts(region: str | None = None) -> Dictionaries:
    # Regional overrides are keyed by the 6-digit area code (GB/T 2260) of the 财政区划.
    return dictionaries(region[:6] if region else None)


def check_code(year: int, table: str, code: str | None, label: str, field: str,
               errors: list[dict] | None = None) -> ApiError | None:
    """Unknown classification code -> ApiError (or appended to ``errors``)."""
    if not code:
        return None
    t = getattr(tables(year), table)
    if t.exists(code):
        return None
    err = ApiError(422, f"unknown_{field}", f"{label} {code} 不在 {year} 年度政府收支分类科目中。",
                   {"field": field, "code": code})
    return err


def settlement_code(value: str | None, region: str | None = None) -> str | None:
    """Accept a 结算方式 code or its name; return the code. Unknown -> ApiError 422."""
    if value is None or value == "":
        return None
    modes = dicts(region).settlement_modes
    if value in modes:
        return value
    for code, name in modes.items():
        if name == value:
            return code
    allowed = "、".join(f"{c}={n}" for c, n in modes.items())
    raise ApiError(422, "unknown_settlement_mode", f"结算方式 {value} 无效，可选：{allowed}。",
                   {"field": "settlement_mode", "value": value})

"""Row validation with the ``fiscal`` rules.

Each cell is converted to its canonical value (codes as strings, money as integer fen, flags as
bool) or gets a Chinese reason. Conversions of repeating values (codes, dictionary entries,
flags) are cached per column, which keeps a 100 000-row sheet fast.
"""
from __future__ import annotations

import datetime as dt
import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from app.excel import schema
from app.excel.errors import RowError
from app.excel.reader import Column, SheetLayout, cell_text
from app.excel.schema import Field, fields_for
from fiscal import ids
from fiscal.codes import CodeTableError, available_years, code_tables, split_code_text
from fiscal.dictionaries import Dictionaries, dictionaries
from fiscal.money import AmountError, parse_amount, wan_to_fen

log = logging.getLogger(__name__)


class CellError(Exception):
    def __init__(self, reason: str, code: str = "invalid") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


_CODE_RE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_.]*$")
_WS = re.compile(r"\s+")
_TRUE = {"是", "y", "yes", "true", "1", "√", "✓", "t"}
_FALSE = {"否", "n", "no", "false", "0", "×", "f"}


def default_year() -> int:
    years = available_years()
    this_year = dt.date.today().year
    if this_year in years:
        return this_year
    return max(years) if years else this_year


def excel_decimal(value: float) -> Decimal:
    """A float cell as the decimal Excel shows: Excel keeps 15 significant digits, so a cached
    formula result such as ``12.340000000000002`` is the 12.34 the user sees."""
    return Decimal(format(value, ".15g"))


def clean_text(value: object) -> str:
    if isinstance(value, float | int) and not isinstance(value, bool):
        return cell_text(value)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return str(value).replace("\u3000", " ").strip()


def clean_code(value: object) -> str:
    """Unit/project codes: number cells become digits; apostrophes, spaces, full-width forms go."""
    if isinstance(value, float) and not value.is_integer():
        raise CellError(f"“{cell_text(value)}”不是编码（编码不应带小数）")
    text = unicodedata.normalize("NFKC", clean_text(value))
    text = _WS.sub("", text).lstrip("'‘’`")
    return text


@dataclass
class Context:
    """What a validator needs besides the cell: year, dictionaries, the sheet's unit."""

    year: int
    unit: str = "元"
    region: str | None = None
    given_dicts: Dictionaries | None = None  # e.g. the server's as mirrored by the client

    def __post_init__(self) -> None:
        self.dicts = self.given_dicts or dictionaries(self.region)
        self._tables: dict = {}
        self._years: dict[int, Context] = {self.year: self}

    def for_year(self, year: int) -> Context:
        """The same context for another fiscal year (rows with their own 预算年度)."""
        if year not in self._years:
            other = Context(year, self.unit, self.region, self.given_dicts)
            other._years = self._years
            self._years[year] = other
        return self._years[year]

    def tables(self, year: int | None = None):
        year = year or self.year
        if year not in self._tables:
            self._tables[year] = code_tables(year)
        return self._tables[year]


# ---- converters: (value, ctx) -> canonical, raising CellError -----------------------------

def conv_text(field: Field) -> Callable:
    def convert(value, ctx):
        text = clean_text(value)
        if field.max_len and len(text) > field.max_len:
            raise CellError(f"内容有{len(text)}个字，超过上限{field.max_len}个字", "too_long")
        return text
    return convert


def conv_code(field: Field) -> Callable:
    def convert(value, ctx):
        text = clean_code(value)
        if not _CODE_RE.match(text):
            raise CellError(f"“{cell_text(value)}”不是有效的编码（只能包含字母、数字和 - _ .）", "bad_code")
        if field.max_len and len(text) > field.max_len:
            raise CellError(f"编码有{len(text)}位，超过上限{field.max_len}位", "too_long")
        return text
    return convert


def _split(value) -> tuple[str, str | None]:
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(f"“{cell_text(value)}”不是科目编码")
        value = str(int(value))
    elif isinstance(value, int):
        value = str(value)
    try:
        return split_code_text(_WS.sub(" ", str(value)).strip())
    except ValueError:
        raise CellError(f"“{cell_text(value)}”不是科目编码（应为“2050202”或“2050202 小学教育”的形式）", "bad_code") from None


def conv_func(field: Field) -> Callable:
    def convert(value, ctx):
        code, _name = _split(value)
        table = ctx.tables().functional
        if len(code) not in (3, 5, 7, 9, 11, 13):
            raise CellError(f"功能分类科目“{code}”位数不对：类3位、款5位、项7位", "bad_code")
        if not table.exists(code):
            raise CellError(f"{code} 不是{ctx.year}年度的有效支出功能分类科目", "unknown_code")
        if len(code) < 7:
            raise CellError(f"{code}（{table.name(code)}）是{'类' if len(code) == 3 else '款'}级科目；"
                            "指标和支付须细化到“项”级（7位）", "not_leaf")
        return code
    return convert


def _conv_eco(table_name: str, first_digit: str, label: str) -> Callable[[Field], Callable]:
    def factory(field: Field) -> Callable:
        def convert(value, ctx):
            code, _name = _split(value)
            if not code.startswith(first_digit) or len(code) not in (3, 5, 7):
                raise CellError(f"“{code}”不是{label}编码：应以 {first_digit} 开头，类3位、款5位", "bad_code")
            table = ctx.tables().table(table_name)
            if not table.exists(code):
                raise CellError(f"{code} 不是{ctx.year}年度的有效{label}科目", "unknown_code")
            if len(code) == 3:
                raise CellError(f"{code}（{table.name(code)}）是类级科目；请细化到“款”级（5位）", "not_leaf")
            return code
        return convert
    return factory


conv_dep_eco = _conv_eco("dep_economic", "3", "部门预算支出经济分类")
conv_gov_eco = _conv_eco("gov_economic", "5", "政府预算支出经济分类")


def conv_dict(field: Field) -> Callable:
    def convert(value, ctx):
        table: dict[str, str] = getattr(ctx.dicts, field.dictionary)
        text = unicodedata.normalize("NFKC", clean_text(value)).strip().lstrip("'")
        if text in table:
            return text
        by_name = {name: code for code, name in table.items()}
        if text in by_name:
            return by_name[text]
        match = re.match(r"^\[?([0-9A-Za-z]+)\]?\s*[-－—_:：.、\s]?\s*(.+)$", text)
        if match and match.group(1) in table:
            code, name = match.group(1), match.group(2)
            if name.strip() != table[code]:
                raise CellError(f"“{text}”的编码 {code} 对应“{table[code]}”，与所写名称“{name}”不一致", "mismatch")
            return code
        choices = "、".join(f"{c} {n}" for c, n in table.items())
        raise CellError(f"“{text}”不在{field.header}字典中（可选：{choices}）", "not_in_dictionary")
    return convert


def conv_bool(field: Field) -> Callable:
    def convert(value, ctx):
        if isinstance(value, bool):
            return value
        text = clean_text(value).lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        raise CellError(f"“{clean_text(value)}”应填“是”或“否”", "bad_bool")
    return convert


def conv_year(field: Field) -> Callable:
    def convert(value, ctx):
        text = clean_code(value).removesuffix("年")
        if not (text.isdigit() and len(text) == 4):
            raise CellError(f"“{cell_text(value)}”不是四位年度", "bad_year")
        year = int(text)
        if year not in available_years():
            shipped = "、".join(str(y) for y in available_years())
            raise CellError(f"没有{year}年度的科目表（已有：{shipped}）", "unknown_year")
        return year
    return convert


def conv_amount(field: Field, *, allow_zero: bool = False) -> Callable:
    def convert(value, ctx):
        if isinstance(value, bool | dt.date | dt.datetime | dt.time | dt.timedelta):
            raise CellError(f"“{cell_text(value)}”不是金额", "bad_amount")
        if isinstance(value, float):
            value = excel_decimal(value)
        try:
            if ctx.unit == "万元":
                fen = wan_to_fen(value if not isinstance(value, str) else value.replace(",", "").replace("，", ""))
            else:
                fen = parse_amount(value)
        except AmountError as exc:
            if exc.code == "negative":
                raise CellError(f"金额“{cell_text(value)}”为负数：导入只接受大于零的金额", exc.code) from None
            unit_hint = "（本表金额单位为万元）" if ctx.unit == "万元" and exc.code == "too_many_decimals" else ""
            raise CellError(exc.message + unit_hint, exc.code) from None
        except (InvalidOperation, TypeError, ValueError):
            raise CellError(f"“{cell_text(value)}”不是金额", "bad_amount") from None
        if fen <= 0 and not (allow_zero and fen == 0):
            raise CellError("金额必须大于零", "not_positive")
        return fen
    return convert


def conv_amount_part(field: Field) -> Callable:
    """One column of a source split (公共预算拨款, 事业收入, 上年结转…): zero or more."""
    return conv_amount(field, allow_zero=True)


def conv_uscc(field: Field) -> Callable:
    def convert(value, ctx):
        text = clean_code(value).upper()
        check = ids.check_uscc(text)
        if not check.ok:
            raise CellError(check.message or "统一社会信用代码不正确", "uscc_" + (check.code or "invalid"))
        return text
    return convert


def conv_account(field: Field) -> Callable:
    def convert(value, ctx):
        if isinstance(value, float) and abs(value) >= 1e15:
            raise CellError(
                "账号被 Excel 存成了数字，超过15位的部分已经丢失（显示为科学计数或末位变0）。"
                "请把本列设为“文本”格式后重新输入账号", "account_as_number")
        text = ids.normalize_bank_account(clean_code(value))
        if not ids.is_valid_bank_account(text):
            lo, hi = ids.BANK_ACCOUNT_LENGTH
            if not text.isdigit():
                raise CellError(f"账号“{clean_text(value)}”含有非数字字符", "bad_account")
            raise CellError(f"账号“{clean_text(value)}”有{len(text)}位，银行账号应为{lo}–{hi}位数字", "bad_account")
        return text
    return convert


def conv_resident_id(field: Field) -> Callable:
    def convert(value, ctx):
        if isinstance(value, float):
            raise CellError("身份证号被 Excel 存成了数字，末3位已丢失。请把本列设为“文本”格式后重新输入", "id_as_number")
        text = clean_code(value).upper()
        check = ids.check_resident_id(text)
        if not check.ok:
            raise CellError(check.message, "bad_id")
        return text
    return convert


def conv_bank_code(field: Field) -> Callable:
    def convert(value, ctx):
        text = clean_code(value)
        if not (text.isdigit() and len(text) == 12):
            raise CellError(f"联行号应为12位数字，“{text}”不是", "bad_bank_code")
        return text
    return convert


def conv_payee_type(field: Field) -> Callable:
    def convert(value, ctx):
        text = clean_text(value)
        if text in ("单位", "企业", "机关", "事业单位", "对公", "公司"):
            return "单位"
        if text in ("个人", "自然人", "对私"):
            return "个人"
        raise CellError(f"收款人类型“{text}”应为“单位”或“个人”", "bad_payee_type")
    return convert


CONVERTERS: dict[str, Callable[[Field], Callable]] = {
    schema.TEXT: conv_text, schema.CODE: conv_code, schema.FUNC: conv_func,
    schema.DEP_ECO: conv_dep_eco, schema.GOV_ECO: conv_gov_eco, schema.DICT: conv_dict,
    schema.BOOL: conv_bool, schema.YEAR: conv_year, schema.AMOUNT: conv_amount,
    schema.AMOUNT_PART: conv_amount_part,
    schema.USCC: conv_uscc, schema.ACCOUNT: conv_account, schema.RESIDENT_ID: conv_resident_id,
    schema.BANK_CODE: conv_bank_code, schema.PAYEE_TYPE: conv_payee_type,
}
#: Types whose conversion depends only on the cell value (and the year): cached per column.
CACHED_TYPES = {schema.FUNC, schema.DEP_ECO, schema.GOV_ECO, schema.DICT, schema.BOOL, schema.YEAR,
                schema.PAYEE_TYPE}


# ---- duplicate keys ------------------------------------------------------------------------

def record_key(kind: str, data: dict) -> str:
    """The identity of a record, used for duplicates inside a file and against existing data."""
    if kind == "indicators":
        if data.get("bgt_code"):
            return "bgt:" + data["bgt_code"]
        return "|".join(str(data.get(k) or "") for k in (
            "fiscal_year", "doc_no", "agency_code", "func_code", "dep_eco_code", "project_code", "fund_type"))
    if kind == "payees":
        return "acct:" + data["payee_account"]
    if data.get("app_no"):
        return "app:" + data["app_no"]
    return "|".join(str(data.get(k) or "") for k in ("bgt_code", "payee_account", "amount", "use_des"))


KEY_FIELDS = {
    "indicators": ("bgt_code", "doc_no"),
    "payees": ("payee_account",),
    "applications": ("app_no", "payee_account"),
}


# ---- the row validator ---------------------------------------------------------------------

class RowValidator:
    """Validates the data rows of one sheet (layout) for one kind."""

    def __init__(self, kind: str, layout: SheetLayout, col_offset: int, ctx: Context) -> None:
        self.kind = kind
        self.layout = layout
        self.ctx = ctx
        self.parts: list[int] | None = None  # positions of 类/款/项 columns, when the code is split
        cols = layout.columns
        if "func_code" not in cols and all(k in cols for k in schema.FUNC_PARTS):
            self.parts = [cols[k].index - col_offset for k in schema.FUNC_PARTS]
            last = cols[schema.FUNC_PARTS[-1]]
            cols = dict(cols)
            cols["func_code"] = Column("func_code", "/".join(layout.columns[k].header for k in schema.FUNC_PARTS),
                                       last.index, None)
        self.columns = cols
        self.fields = [f for f in fields_for(kind) if f.key in cols and f.type != schema.CODE_PART]
        self.plan = []
        for f in self.fields:
            col = cols[f.key]
            conv = CONVERTERS[f.type](f)
            pos = -1 if (f.key == "func_code" and self.parts) else col.index - col_offset
            self.plan.append((f, pos, col, conv, {} if f.type in CACHED_TYPES else None))
        self.year_per_row = "fiscal_year" in layout.columns

    def _joined_code(self, values: list) -> str:
        """类 '205' + 款 '02' (or '20502') + 项 '02' (or '2050202') -> '2050202'."""
        n = len(values)
        code = ""
        for pos in self.parts or []:
            value = values[pos] if pos < n else ""
            if value is None or value == "":
                break
            try:
                part, _name = _split(value)
            except CellError:
                return clean_text(value) if not code else code + clean_text(value)
            if code and not part.startswith(code):
                part = code + part.zfill(2)
            code = part
        return code

    def missing_required(self) -> list[RowError]:
        errors = []
        present = ", ".join(c.header for c in self.layout.columns.values())
        for f in fields_for(self.kind):
            if f.required and f.key not in self.columns:
                errors.append(RowError(
                    self.layout.header_row, f.header, None,
                    f"缺少必填列“{f.header}”（也可写作：{'、'.join(schema.synonyms()[f.key][1:4])}）。"
                    f"已识别的列：{present}",
                    field=f.key, code="missing_column"))
        return errors

    def validate(self, row: int, values: list) -> tuple[dict, list[RowError]]:
        data: dict = {}
        errors: list[RowError] = []
        ctx = self.ctx
        n = len(values)
        year_ctx = ctx
        for f, pos, col, conv, cache in self.plan:
            value = (values[pos] if pos < n else "") if pos >= 0 else self._joined_code(values)
            if value is None or value == "" or (isinstance(value, str) and not value.strip()):
                if f.required:
                    errors.append(RowError(row, col.header, None, f"“{col.header}”是必填项，不能为空",
                                           f.key, col.index, "required"))
                continue
            try:
                if cache is not None:
                    ck = (value, year_ctx.year)
                    hit = cache.get(ck)
                    if hit is None:
                        try:
                            hit = (True, conv(value, year_ctx))
                        except CellError as exc:
                            hit = (False, exc)
                        cache[ck] = hit
                    if not hit[0]:
                        raise hit[1]
                    data[f.key] = hit[1]
                else:
                    data[f.key] = conv(value, year_ctx)
                if f.key == "fiscal_year" and data[f.key] != ctx.year:
                    year_ctx = ctx.for_year(data[f.key])
            except CellError as exc:
                errors.append(RowError(row, col.header, cell_text(value), exc.reason, f.key, col.index, exc.code))
            except CodeTableError as exc:
                errors.append(RowError(row, col.header, cell_text(value), exc.message, f.key, col.index, "no_tables"))
            except Exception:  # a value no converter foresaw: one cell's error, never the whole import
                log.exception("unexpected value in row %s column %s: %r", row, col.header, value)
                errors.append(RowError(row, col.header, cell_text(value), f"“{col.header}”的内容无法识别",
                                       f.key, col.index, "unreadable_value"))
        if not errors:
            errors.extend(self._cross_checks(row, data, year_ctx))
        if self.kind == "indicators":
            data.setdefault("fiscal_year", year_ctx.year)
            data["amount_unit"] = ctx.unit
        return data, errors

    def _err(self, row: int, key: str, reason: str, code: str, data: dict) -> RowError:
        col = self.columns.get(key)
        value = data.get(key)
        return RowError(row, col.header if col else schema.synonyms()[key][0],
                        None if value is None else str(value), reason, key,
                        col.index if col else None, code)

    def _cross_checks(self, row: int, data: dict, ctx: Context) -> list[RowError]:
        errors = []
        parts = {k: data.pop(k) for k in schema.SOURCE_PARTS if k in data}
        if parts:
            data["source_split"] = parts
            total = sum(parts.values())
            amount = data.get("amount")
            if amount is not None and total != amount:
                from fiscal.money import format_amount

                names = "、".join(self.columns[k].header for k in parts)
                errors.append(self._err(
                    row, "amount",
                    f"预算金额 {format_amount(amount)} 元与资金来源合计 {format_amount(total)} 元不相等"
                    f"（相差 {format_amount(amount - total)} 元；资金来源列：{names}）",
                    "split_mismatch", {"amount": format_amount(amount)}))
        dep, gov = data.get("dep_eco_code"), data.get("gov_eco_code")
        if dep and gov:
            tables = ctx.tables()
            allowed = {g for g in (tables.gov_for_dep(dep, "行政"), tables.gov_for_dep(dep, "事业")) if g}
            if allowed and not any(gov == a or gov.startswith(a) for a in allowed):
                errors.append(self._err(
                    row, "gov_eco_code",
                    f"政府经济分类 {gov} 与部门经济分类 {dep} 不对应（行政单位应为 "
                    f"{tables.gov_for_dep(dep, '行政') or '—'}，事业单位应为 {tables.gov_for_dep(dep, '事业') or '—'}）",
                    "eco_mismatch", data))
        if self.kind == "payees":
            ptype = data.get("payee_type")
            if ptype is None and data.get("id_no") and data.get("uscc"):
                return [self._err(row, "id_no", "同时填写了统一社会信用代码和身份证号：单位收款人只填信用代码，"
                                  "个人收款人只填身份证号（或在“收款人类型”中注明）", "ambiguous_payee", data)]
            ptype = ptype or ("个人" if data.get("id_no") else "单位")
            data["payee_type"] = ptype
            if ptype == "个人" and data.get("uscc"):
                errors.append(self._err(row, "uscc", "个人收款人不应填写统一社会信用代码", "uscc_for_person", data))
            if ptype == "单位" and data.get("id_no"):
                errors.append(self._err(row, "id_no", "单位收款人不应填写身份证号", "id_for_unit", data))
        if self.kind == "applications":
            threshold = getattr(getattr(ctx.dicts, "thresholds", None), "personal_payee_basis_fen", None)
            if data.get("id_no") and threshold and data.get("amount", 0) > threshold:
                # informational rule from domain §2.3: needs 付款依据; not an import error
                data["needs_payment_basis"] = True
        return errors

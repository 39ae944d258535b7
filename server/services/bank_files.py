"""代理银行支付文件 / 回单文件: the configurable file format (``resources/rules/bank_file_format.json``,
documented in ``docs/bank-file-format.md``), rendering of voucher records and parsing of the
bank's write-back file. Pure: no database, no network — the services in
:mod:`server.services.payment_files` do the bookkeeping.

Every problem in a write-back file is collected, not just the first, as a :class:`LineError`
naming the line (CSV: physical line; XML: the line where the record starts), the field, the value
and the reason in Chinese.
"""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any
from xml.parsers import expat
from xml.sax.saxutils import escape, quoteattr

from fiscal.money import AmountError, parse_amount
from fiscal.resources import resource_path

FORMATS = ("xml", "csv")
EXPORT_KEYS = ("voucher_no", "voucher_date", "region_code", "fiscal_year", "app_no", "unit_code",
               "unit_name", "indicator_id", "func_code", "dep_eco_code", "gov_eco_code",
               "payee_name", "payee_account", "payee_bank", "amount", "settlement_mode", "use_des")
WRITEBACK_KEYS = ("voucher_no", "amount", "date", "bank_serial", "actual_payee", "status")
WRITEBACK_REQUIRED = ("voucher_no", "amount", "date", "bank_serial", "status")
MAX_WRITEBACK_BYTES = 20 * 1024 * 1024
MAX_WRITEBACK_LINES = 50_000


class FormatConfigError(ValueError):
    """The format file itself is wrong (an administrator's mistake), message in Chinese."""


class UnknownBank(ValueError):
    pass


@dataclass(frozen=True)
class Column:
    key: str
    name: str
    label: str


@dataclass(frozen=True)
class Profile:
    id: str
    name: str
    encoding: str
    amount_unit: str  # yuan | fen
    date_format: str
    csv_delimiter: str
    csv_header: str  # label | name | none
    xml_root: str
    xml_record: str
    wb_root: str
    wb_record: str
    export_fields: tuple[Column, ...]
    writeback_fields: tuple[Column, ...]
    status_values: dict[str, str] = field(default_factory=dict)  # file value -> success|bounced

    def format_amount(self, fen: int) -> str:
        if self.amount_unit == "fen":
            return str(fen)
        return f"{fen // 100}.{fen % 100:02d}"

    def format_date(self, d: date | datetime) -> str:
        return d.strftime(self.date_format)


@dataclass
class WritebackLine:
    line: int
    voucher_no: str
    amount: int
    paid_on: date
    bank_serial: str
    actual_payee: str | None
    success: bool

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "voucher_no": self.voucher_no, "amount_fen": self.amount,
                "paid_on": self.paid_on.isoformat(), "bank_serial": self.bank_serial,
                "actual_payee": self.actual_payee, "success": self.success}


@dataclass
class LineError:
    line: int
    field: str  # the column's label (Chinese) or "文件"
    value: str | None
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"line": self.line, "field": self.field, "value": self.value, "reason": self.reason}

    def message(self) -> str:
        v = "" if self.value is None else f"“{self.value}”"
        return f"第 {self.line} 行 {self.field}{v}：{self.reason.rstrip('。')}"


# ---------------------------------------------------------------------------------------------
# configuration
# ---------------------------------------------------------------------------------------------

def config_path() -> Path:
    return resource_path("rules", "bank_file_format.json")


@cache
def _load(path: str) -> dict[str, Any]:
    with open(path, encoding="utf-8") as f:
        data = json.load(f)
    if data.get("format") != "jincai.bank-file/1":
        raise FormatConfigError(f"{path} 不是银行文件格式配置（format 应为 jincai.bank-file/1）。")
    return data


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    return _load(str(path or config_path()))


def _merged(profiles: dict[str, Any], pid: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if pid not in profiles:
        raise FormatConfigError(f"银行文件格式配置中没有格式“{pid}”。")
    if pid in seen:
        raise FormatConfigError(f"银行文件格式“{pid}”的 extends 形成了循环。")
    raw = profiles[pid]
    base = _merged(profiles, raw["extends"], (*seen, pid)) if raw.get("extends") else {}
    out = dict(base)
    for k, v in raw.items():
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            out[k] = {**base[k], **v}  # nested blocks (csv, xml) merge key by key
        else:
            out[k] = v
    return out


def _columns(raw: list[dict], allowed: tuple[str, ...], what: str, pid: str) -> tuple[Column, ...]:
    cols = []
    for c in raw:
        if c.get("key") not in allowed:
            raise FormatConfigError(f"格式“{pid}”的{what}字段 {c.get('key')!r} 无效，可选：{'、'.join(allowed)}。")
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.-]*", c.get("name", "")):
            raise FormatConfigError(f"格式“{pid}”的字段名 {c.get('name')!r} 不能作为 XML 元素名。")
        cols.append(Column(c["key"], c["name"], c.get("label") or c["name"]))
    return tuple(cols)


def profile(profile_id: str | None = None, *, config: dict[str, Any] | None = None) -> Profile:
    cfg = config or load_config()
    pid = profile_id or cfg.get("default_profile", "default")
    d = _merged(cfg["profiles"], pid)
    encoding = d.get("encoding", "UTF-8")
    try:
        "".encode(encoding)
    except LookupError:
        raise FormatConfigError(f"格式“{pid}”的编码 {encoding} 无效。") from None
    if d.get("amount_unit") not in ("yuan", "fen"):
        raise FormatConfigError(f"格式“{pid}”的 amount_unit 应为 yuan 或 fen。")
    wb = _columns(d.get("writeback_fields", []), WRITEBACK_KEYS, "回单", pid)
    missing = [k for k in WRITEBACK_REQUIRED if k not in {c.key for c in wb}]
    if missing:
        raise FormatConfigError(f"格式“{pid}”的回单字段缺少：{'、'.join(missing)}。")
    status_values: dict[str, str] = {}
    for status, values in (d.get("status_values") or {}).items():
        if status not in ("success", "bounced"):
            raise FormatConfigError(f"格式“{pid}”的 status_values 只能有 success / bounced。")
        for v in values:
            status_values[str(v).strip()] = status
    csv_cfg, xml_cfg = d.get("csv", {}), d.get("xml", {})
    return Profile(
        id=pid, name=d.get("name", pid), encoding=encoding, amount_unit=d["amount_unit"],
        date_format=d.get("date_format", "%Y-%m-%d"),
        csv_delimiter=csv_cfg.get("delimiter", ","), csv_header=csv_cfg.get("header", "label"),
        xml_root=xml_cfg.get("root", "PayVoucherFile"), xml_record=xml_cfg.get("record", "PayVoucher"),
        wb_root=xml_cfg.get("writeback_root", "PayReturnFile"),
        wb_record=xml_cfg.get("writeback_record", "PayReturn"),
        export_fields=_columns(d.get("export_fields", []), EXPORT_KEYS, "导出", pid),
        writeback_fields=wb, status_values=status_values)


def resolve(bank: str | None = None, region: str | None = None, *,
            config: dict[str, Any] | None = None) -> Profile:
    """Most specific first: region + bank, region default (``"*"``), bank, the default profile."""
    cfg = config or load_config()
    banks = cfg.get("banks", {})
    if bank and bank not in banks:
        known = "、".join(f"{k}（{v.get('name', k)}）" for k, v in banks.items()) or "无"
        raise UnknownBank(f"未配置代理银行 {bank} 的文件格式；已配置：{known}。")
    per_region = cfg.get("regions", {}).get(region or "", {})
    if bank and bank in per_region:
        return profile(per_region[bank], config=cfg)
    if bank:
        return profile(banks[bank].get("profile"), config=cfg)
    if "*" in per_region:
        return profile(per_region["*"], config=cfg)
    return profile(None, config=cfg)


# ---------------------------------------------------------------------------------------------
# export
# ---------------------------------------------------------------------------------------------

class EncodeError(ValueError):
    def __init__(self, voucher_no: str, label: str, char: str, encoding: str):
        if encoding == "XML":
            msg = f"支付凭证 {voucher_no} 的{label}含有 XML 不允许的控制字符 {char}，请更正后再导出。"
        else:
            msg = (f"支付凭证 {voucher_no} 的{label}含有 {encoding} 编码无法表示的字符“{char}”，"
                   "请更正后再导出，或改用 UTF-8 格式。")
        super().__init__(msg)
        self.voucher_no, self.label, self.char = voucher_no, label, char


def _cell(p: Profile, col: Column, rec: dict[str, Any]) -> str:
    v = rec.get(col.key)
    if v is None:
        return ""
    if col.key == "amount":
        return p.format_amount(v)
    if isinstance(v, date | datetime):
        return p.format_date(v)
    return str(v)


_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _check_encodable(p: Profile, rows: list[list[str]], records: list[dict[str, Any]],
                     fmt: str) -> None:
    for rec, row in zip(records, rows, strict=True):
        for col, text in zip(p.export_fields, row, strict=True):
            try:
                text.encode(p.encoding)
            except UnicodeEncodeError as exc:
                raise EncodeError(rec.get("voucher_no", "?"), col.label, text[exc.start],
                                  p.encoding) from None
            bad = _XML_ILLEGAL.search(text) if fmt == "xml" else None
            if bad:  # control characters cannot appear in XML 1.0 at all, not even escaped
                raise EncodeError(rec.get("voucher_no", "?"), col.label,
                                  f"U+{ord(bad.group()):04X}", "XML")


def render(p: Profile, fmt: str, records: list[dict[str, Any]], *, batch: dict[str, Any]) -> bytes:
    """The bank file for ``records`` (dicts keyed by :data:`EXPORT_KEYS`, ``amount`` in fen).
    ``batch`` carries batch_no, created_at (datetime), count and total (fen) for the XML header."""
    rows = [[_cell(p, c, r) for c in p.export_fields] for r in records]
    _check_encodable(p, rows, records, fmt)
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=p.csv_delimiter, lineterminator="\r\n")
        if p.csv_header != "none":
            w.writerow([c.label if p.csv_header == "label" else c.name for c in p.export_fields])
        w.writerows(rows)
        return buf.getvalue().encode(p.encoding)
    if fmt != "xml":
        raise ValueError(fmt)
    out = [f'<?xml version="1.0" encoding="{p.encoding}"?>',
           (f"<{p.xml_root} BatchNo={quoteattr(batch['batch_no'])}"
            f" CreateTime={quoteattr(batch['created_at'].strftime('%Y-%m-%dT%H:%M:%S%z'))}"
            f" Count={quoteattr(str(batch['count']))}"
            f" TotalAmt={quoteattr(p.format_amount(batch['total']))}"
            f" AmountUnit={quoteattr(p.amount_unit)}>")]
    for row in rows:
        out.append(f"  <{p.xml_record}>")
        out.extend(f"    <{c.name}>{escape(v)}</{c.name}>" for c, v in zip(p.export_fields, row, strict=True))
        out.append(f"  </{p.xml_record}>")
    out.append(f"</{p.xml_root}>")
    return ("\n".join(out) + "\n").encode(p.encoding)


# ---------------------------------------------------------------------------------------------
# parsing (the bank's write-back, and our own export for round-trip checks)
# ---------------------------------------------------------------------------------------------

def _decode(p: Profile, data: bytes, errors: list[LineError]) -> str | None:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        return data.decode(p.encoding)
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        errors.append(LineError(line, "文件", None,
                                f"不是 {p.encoding} 编码（第 {exc.start + 1} 字节无法解码），"
                                f"请确认所选银行/格式与文件一致。"))
        return None


_XML_DECL = re.compile(r"^\s*<\?xml[^>]*\?>")


def _xml_records(p: Profile, text: str, root: str, record: str,
                 errors: list[LineError]) -> list[tuple[int, dict[str, str]]]:
    """Flat records ``<root><record><FIELD>text</FIELD>…</record>…</root>`` with the line each
    record starts on. DTDs are refused (no entity expansion from a file we did not write)."""
    text = _XML_DECL.sub("", text, count=1)  # already decoded with the profile's encoding
    parser = expat.ParserCreate()
    recs: list[tuple[int, dict[str, str]]] = []
    stack: list[str] = []
    cur: dict[str, str] | None = None
    buf: list[str] = []

    class _Refused(Exception):
        pass

    def doctype(*_a):
        raise _Refused("文件含有 DTD/实体声明，出于安全原因不予处理。")

    def start(name, _attrs):
        nonlocal cur, buf
        depth = len(stack)
        if depth == 0 and name != root:
            raise _Refused(f"根元素应为 <{root}>，实际为 <{name}>。")
        if depth == 1:
            if name != record:
                raise _Refused(f"第 {parser.CurrentLineNumber} 行：<{root}> 下应为 <{record}> 记录，实际为 <{name}>。")
            cur = {}
            recs.append((parser.CurrentLineNumber, cur))
        if depth == 2:
            buf = []
        if depth >= 3:
            raise _Refused(f"第 {parser.CurrentLineNumber} 行：<{name}> 嵌套过深，字段应为纯文本。")
        stack.append(name)

    def end(name):
        stack.pop()
        if len(stack) == 2 and cur is not None:
            cur[name] = "".join(buf)

    def chars(data):
        if len(stack) == 3:
            buf.append(data)

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = chars
    try:
        parser.Parse(text.encode("utf-8"), True)
    except _Refused as exc:
        errors.append(LineError(parser.CurrentLineNumber, "文件", None, str(exc)))
        return []
    except expat.ExpatError as exc:
        errors.append(LineError(exc.lineno, "文件", None,
                                f"XML 格式错误（{expat.ErrorString(exc.code)}，第 {exc.offset + 1} 列）。"))
        return []
    return recs


def _csv_records(p: Profile, text: str, columns: tuple[Column, ...],
                 errors: list[LineError]) -> list[tuple[int, dict[str, str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=p.csv_delimiter)
    recs: list[tuple[int, dict[str, str]]] = []
    index: dict[str, int]
    try:
        if p.csv_header == "none":
            index = {c.name: i for i, c in enumerate(columns)}
        else:
            header = next(reader, None)
            if header is None:
                errors.append(LineError(1, "文件", None, "文件为空。"))
                return []
            names = [h.strip() for h in header]
            index = {}
            for c in columns:
                for i, h in enumerate(names):
                    if h in (c.name, c.label) or h.upper() == c.name.upper():
                        index[c.name] = i
                        break
            missing = [c for c in columns if c.name not in index and c.key in WRITEBACK_REQUIRED]
            if missing:
                errors.append(LineError(1, "表头", p.csv_delimiter.join(names),
                                        "缺少列：" + "、".join(f"{c.label}（{c.name}）" for c in missing)
                                        + f"；请确认分隔符“{p.csv_delimiter}”与格式“{p.name}”一致。"))
                return []
        for row in reader:
            if not any(cell.strip() for cell in row):
                continue
            recs.append((reader.line_num, {name: row[i] if i < len(row) else ""
                                           for name, i in index.items()}))
    except csv.Error as exc:
        errors.append(LineError(reader.line_num, "文件", None, f"CSV 格式错误：{exc}。"))
        return []
    return recs


def read_records(p: Profile, fmt: str, data: bytes, *, kind: str = "writeback"
                 ) -> tuple[list[tuple[int, dict[str, str]]], list[LineError]]:
    """Raw records keyed by column name. ``kind`` = writeback (the bank's file) or export."""
    errors: list[LineError] = []
    if fmt not in FORMATS:
        return [], [LineError(0, "文件", fmt, "文件格式应为 xml 或 csv。")]
    text = _decode(p, data, errors)
    if text is None:
        return [], errors
    cols = p.writeback_fields if kind == "writeback" else p.export_fields
    if fmt == "xml":
        root, record = (p.wb_root, p.wb_record) if kind == "writeback" else (p.xml_root, p.xml_record)
        return _xml_records(p, text, root, record, errors), errors
    return _csv_records(p, text, cols, errors), errors


def parse_writeback(p: Profile, fmt: str, data: bytes) -> tuple[list[WritebackLine], list[LineError]]:
    if len(data) > MAX_WRITEBACK_BYTES:
        return [], [LineError(0, "文件", None, f"文件超过 {MAX_WRITEBACK_BYTES // 1024 // 1024} MB，请分批导入。")]
    recs, errors = read_records(p, fmt, data)
    if not errors and not recs:
        errors.append(LineError(1, "文件", None, "文件中没有回单记录。"))
    if len(recs) > MAX_WRITEBACK_LINES:
        errors.append(LineError(0, "文件", None, f"回单超过 {MAX_WRITEBACK_LINES} 条，请分批导入。"))
        return [], errors
    cols = {c.key: c for c in p.writeback_fields}
    lines: list[WritebackLine] = []
    seen: dict[str, int] = {}
    for line_no, rec in recs:
        bad = len(errors)

        def get(key: str, rec: dict[str, str] = rec) -> str:
            return (rec.get(cols[key].name) or "").strip() if key in cols else ""

        def err(key: str, value: str | None, reason: str, line_no: int = line_no) -> None:
            errors.append(LineError(line_no, cols[key].label, value, reason))

        for key in WRITEBACK_REQUIRED:
            if not get(key):
                err(key, None, "不能为空。")
        vno, serial, raw_amt, raw_date, raw_status = (get(k) for k in (
            "voucher_no", "bank_serial", "amount", "date", "status"))
        if vno and len(vno) > 40:
            err("voucher_no", vno, "超过 40 个字符。")
        if serial and len(serial) > 64:
            err("bank_serial", serial, "超过 64 个字符。")
        amount = 0
        if raw_amt:
            if p.amount_unit == "fen":
                if re.fullmatch(r"\d{1,15}", raw_amt):
                    amount = int(raw_amt)
                else:
                    err("amount", raw_amt, "应为以分为单位的正整数（本格式金额单位为分）。")
            else:
                try:
                    amount = parse_amount(raw_amt)
                except AmountError as exc:
                    err("amount", raw_amt, exc.message.rstrip("。") + "（本格式金额单位为元，最多两位小数）。")
            if amount <= 0 and len(errors) == bad:
                err("amount", raw_amt, "应大于 0。")
        paid_on = None
        if raw_date:
            try:
                paid_on = datetime.strptime(raw_date, p.date_format).date()
            except ValueError:
                example = date(2026, 1, 31).strftime(p.date_format)
                err("date", raw_date, f"日期格式不对，应为 {example} 这样的格式。")
        status = p.status_values.get(raw_status) if raw_status else None
        if raw_status and status is None:
            allowed = "、".join(p.status_values) or "无"
            err("status", raw_status, f"无法识别的支付状态，可选：{allowed}。")
        payee = get("actual_payee") or None
        if payee and len(payee) > 120:
            err("actual_payee", payee, "超过 120 个字符。")
        if serial:
            if serial in seen:
                err("bank_serial", serial, f"与第 {seen[serial]} 行的银行流水号重复。")
            else:
                seen[serial] = line_no
        if len(errors) == bad:
            lines.append(WritebackLine(line_no, vno, amount, paid_on, serial, payee,
                                       status == "success"))
    return lines, errors


def render_writeback(p: Profile, fmt: str, lines: list[dict[str, Any]]) -> bytes:
    """A 回单 file in the profile's format (what a bank would send; used by tests and demos).
    ``lines``: voucher_no, amount (fen), date, bank_serial, actual_payee, success."""
    success = next((v for v, s in p.status_values.items() if s == "success"), "成功")
    bounced = next((v for v, s in p.status_values.items() if s == "bounced"), "退票")

    def cell(col: Column, ln: dict[str, Any]) -> str:
        v = ln.get(col.key)
        if col.key == "status":
            return success if ln.get("success", True) else bounced
        if col.key == "amount" and isinstance(v, int):
            return p.format_amount(v)
        if isinstance(v, date | datetime):
            return p.format_date(v)
        return "" if v is None else str(v)

    rows = [[cell(c, ln) for c in p.writeback_fields] for ln in lines]
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, delimiter=p.csv_delimiter, lineterminator="\r\n")
        if p.csv_header != "none":
            w.writerow([c.label if p.csv_header == "label" else c.name for c in p.writeback_fields])
        w.writerows(rows)
        return buf.getvalue().encode(p.encoding)
    out = [f'<?xml version="1.0" encoding="{p.encoding}"?>', f"<{p.wb_root}>"]
    for row in rows:
        out.append(f"  <{p.wb_record}>")
        out.extend(f"    <{c.name}>{escape(v)}</{c.name}>" for c, v in zip(p.writeback_fields, row, strict=True))
        out.append(f"  </{p.wb_record}>")
    out.append(f"</{p.wb_root}>")
    return ("\n".join(out) + "\n").encode(p.encoding)

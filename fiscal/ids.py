"""Identifiers as the national standards define them.

- 统一社会信用代码 (GB 32100-2015) with the optional 组织机构代码 check (GB 11714), domain.md §4.5;
- 居民身份证号码 (GB 11643);
- bank account numbers (format only: corporate accounts carry no public check digit);
- invoice codes and numbers (10/12-digit codes, 8-digit numbers, 20-digit 数电 numbers,
  财政电子票据 8+10 digits) and the comma-separated invoice QR payload, domain.md §4.1–4.3.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date

from fiscal.money import AmountError, parse_amount

__all__ = [
    "DigitalInvoiceNumberInfo",
    "IdCheck",
    "IdError",
    "InvoiceCodeInfo",
    "InvoiceQr",
    "check_uscc",
    "invoice_key",
    "is_valid_bank_account",
    "is_valid_fiscal_bill",
    "is_valid_invoice_number",
    "is_valid_resident_id",
    "is_valid_uscc",
    "normalize_bank_account",
    "parse_digital_invoice_number",
    "parse_invoice_code",
    "parse_invoice_qr",
    "resident_id_check_char",
    "uscc_category",
    "uscc_check_char",
]


class IdError(ValueError):
    """An identifier that does not follow its standard. ``message`` is Chinese."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class IdCheck:
    ok: bool
    code: str | None = None  # 'format' | 'checksum' | 'org_code_checksum'
    message: str | None = None


def _clean(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or "")).upper()


# --------------------------------------------------------------------------------------------
# 统一社会信用代码
# --------------------------------------------------------------------------------------------

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]
_USCC_RE = re.compile(r"^[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}$")
_ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

#: 登记管理部门 + 机构类别 (positions 1–2) of the categories a treasury payment meets.
USCC_CATEGORIES = {
    "11": "机关", "12": "事业单位", "13": "中央编办直接管理机构编制的群众团体", "19": "其他（编办）",
    "21": "外国常驻新闻机构", "29": "其他（外交）", "31": "司法鉴定机构", "32": "律师执业机构",
    "33": "公证处", "34": "基层法律服务所", "35": "司法所", "39": "其他（司法）",
    "41": "外国在华文化中心", "49": "其他（文化）", "51": "社会团体", "52": "民办非企业单位",
    "53": "基金会", "59": "其他（民政）", "61": "外国旅游部门常驻代表机构", "69": "其他（旅游）",
    "71": "宗教活动场所", "72": "宗教院校", "79": "其他（宗教）", "81": "基层工会", "89": "其他（工会）",
    "91": "企业", "92": "个体工商户", "93": "农民专业合作社",
    "A1": "军队事业单位", "A9": "其他（军队）", "N1": "基层群众性自治组织（村委会、居委会）",
    "N2": "基层群众性自治组织（其他）", "N3": "农村集体经济组织", "Y1": "其他",
}


def uscc_check_char(first17: str) -> str:
    """The GB 32100 check character for the first 17 characters."""
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def _org_code_check_char(first8: str) -> str:
    total = sum(int(c, 36) * w for c, w in zip(first8, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


def check_uscc(code: str, *, org_code: bool = False) -> IdCheck:
    """Check a 统一社会信用代码; tells a format error from a checksum error.

    A checksum failure may be overridden by a supervisor with a written reason (domain.md §4.5);
    a format error may not.
    """
    text = _clean(code)
    if len(text) != 18:
        return IdCheck(False, "format", f"统一社会信用代码应为18位，“{code}”是{len(text)}位")
    if not _USCC_RE.match(text):
        bad = next((c for c in text if c not in USCC_CHARSET), None)
        if bad:
            return IdCheck(
                False, "format", f"统一社会信用代码“{code}”含有不允许的字符“{bad}”（不使用 I、O、S、V、Z）"
            )
        return IdCheck(False, "format", f"统一社会信用代码“{code}”第3–8位应为行政区划数字")
    expected = uscc_check_char(text[:17])
    if text[17] != expected:
        return IdCheck(
            False, "checksum",
            f"统一社会信用代码“{code}”校验位错误：第18位应为“{expected}”，实为“{text[17]}”",
        )
    if org_code:
        org_expected = _org_code_check_char(text[8:16])
        if text[16] != org_expected:
            return IdCheck(
                False, "org_code_checksum",
                f"统一社会信用代码“{code}”中的组织机构代码校验位错误：第17位应为“{org_expected}”",
            )
    return IdCheck(True)


def is_valid_uscc(code: str, *, org_code: bool = False) -> bool:
    """True when ``code`` is a well-formed 统一社会信用代码 with a correct check character.

    ``org_code=True`` also checks positions 9–17 as a GB 11714 组织机构代码.
    """
    return check_uscc(code, org_code=org_code).ok


def uscc_category(code: str) -> str | None:
    """登记管理部门+机构类别 of a code (``'机关'``, ``'事业单位'``, ``'企业'`` …) or None."""
    return USCC_CATEGORIES.get(_clean(code)[:2])


# --------------------------------------------------------------------------------------------
# 居民身份证号码
# --------------------------------------------------------------------------------------------

_ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_ID_CHECK = "10X98765432"


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def normalize_resident_id(code: str) -> str:
    """A 身份证号 as stored: full-width folded, spaces removed, check character upper-case."""
    return _clean(code)


def is_valid_resident_id(code: str, *, today: date | None = None) -> bool:
    """GB 11643 18-digit 居民身份证号码: area, a real birth date not in the future, check digit."""
    text = _clean(code)
    if not re.fullmatch(r"[1-9]\d{16}[\dX]", text):
        return False
    try:
        born = date(int(text[6:10]), int(text[10:12]), int(text[12:14]))
    except ValueError:
        return False
    if born.year < 1850 or born > (today or date.today()):
        return False
    return text[17] == resident_id_check_char(text[:17])


def check_resident_id(code: str, *, today: date | None = None) -> IdCheck:
    """:func:`is_valid_resident_id` with the reason, in Chinese: the length (``format``) or
    the birth date / check digit (``checksum``); messages name the number as cleaned."""
    text = _clean(code)
    if len(text) != 18:
        return IdCheck(False, "format", f"身份证号应为18位，“{text}”是{len(text)}位")
    if not is_valid_resident_id(text, today=today):
        return IdCheck(False, "checksum", f"身份证号“{text}”不正确（出生日期或校验位错误）")
    return IdCheck(True)


# --------------------------------------------------------------------------------------------
# Bank accounts
# --------------------------------------------------------------------------------------------

#: Length range of a bank account number after removing spaces and hyphens [GK, configurable].
BANK_ACCOUNT_LENGTH = (8, 32)


def normalize_bank_account(text: str) -> str:
    """Strip spaces, hyphens and full-width forms: ``'6222 0212-3456'`` -> ``'622202123456'``."""
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", text or ""))


def is_valid_bank_account(text: str, *, length: tuple[int, int] = BANK_ACCOUNT_LENGTH) -> bool:
    """Digits only, within ``length``. No check digit: corporate accounts have no public one."""
    account = normalize_bank_account(text)
    return account.isascii() and account.isdigit() and length[0] <= len(account) <= length[1]


# --------------------------------------------------------------------------------------------
# Invoices
# --------------------------------------------------------------------------------------------

_KIND_10 = {"1": "增值税专用发票", "5": "增值税专用发票", "3": "增值税普通发票", "6": "增值税普通发票",
            "2": "货物运输业增值税专用发票", "7": "货物运输业增值税专用发票"}
_KIND_12 = {"11": "增值税电子普通发票", "12": "增值税电子普通发票（通行费）", "13": "增值税电子专用发票",
            "04": "增值税普通发票（二联折叠票）", "05": "增值税普通发票（五联折叠票）",
            "06": "增值税普通发票（卷票57mm）", "07": "增值税普通发票（卷票76mm）"}


@dataclass(frozen=True)
class InvoiceCodeInfo:
    code: str
    kind: str  # the kind digit(s) as printed
    kind_name: str
    region: str  # 4-digit region (10-digit codes) or 4-digit province (12-digit codes)
    year: int  # 20YY


def _two_digit_year(yy: str) -> int:
    return 2000 + int(yy)


def parse_invoice_code(code: str) -> InvoiceCodeInfo:
    """Decode a 10- or 12-digit 发票代码; raises :class:`IdError` when it is not one."""
    text = _clean(code)
    if not text.isdigit():
        raise IdError("format", f"发票代码“{code}”应全为数字")
    if len(text) == 10:
        kind = text[7]
        if kind not in _KIND_10:
            raise IdError("kind", f"发票代码“{code}”第8位“{kind}”不是已知的发票种类")
        return InvoiceCodeInfo(text, kind, _KIND_10[kind], text[0:4], _two_digit_year(text[4:6]))
    if len(text) == 12:
        if text[0] != "0":
            raise IdError("format", f"12位发票代码“{code}”应以0开头")
        kind = text[10:12]
        if kind not in _KIND_12:
            raise IdError("kind", f"发票代码“{code}”第11–12位“{kind}”不是已知的发票种类")
        return InvoiceCodeInfo(text, kind, _KIND_12[kind], text[1:5], _two_digit_year(text[5:7]))
    raise IdError("format", f"发票代码应为10位或12位数字，“{code}”是{len(text)}位")


def is_valid_invoice_number(number: str) -> bool:
    """The 8-digit 发票号码 of legacy VAT invoices."""
    return bool(re.fullmatch(r"\d{8}", _clean(number)))


@dataclass(frozen=True)
class DigitalInvoiceNumberInfo:
    number: str
    year: int
    province: str
    channel: str
    sequence: str


def parse_digital_invoice_number(number: str) -> DigitalInvoiceNumberInfo:
    """The 20-digit 数电票 number: year (2), province (2), issuing channel (1), sequence (15)."""
    text = _clean(number)
    if not re.fullmatch(r"\d{20}", text):
        raise IdError("format", f"数电发票号码应为20位数字，“{number}”不是")
    return DigitalInvoiceNumberInfo(text, _two_digit_year(text[:2]), text[2:4], text[4], text[5:])


def is_valid_fiscal_bill(code: str, number: str) -> bool:
    """财政电子票据: 8-digit 票据代码 (区划 2, category 2, kind 2, year 2) + 10-digit 票据号码."""
    return bool(re.fullmatch(r"\d{8}", _clean(code)) and re.fullmatch(r"\d{10}", _clean(number)))


QR_KINDS = {
    "01": "增值税专用发票", "02": "货物运输业增值税专用发票", "03": "机动车销售统一发票",
    "04": "增值税普通发票", "10": "增值税电子普通发票", "11": "增值税普通发票（卷式）",
    "14": "增值税电子普通发票（通行费）", "08": "增值税电子专用发票",
    "31": "电子发票（增值税专用发票）", "32": "电子发票（普通发票）",
}
#: Kinds issued under 全面数字化的电子发票: no 发票代码, 20-digit numbers.
DIGITAL_QR_KINDS = frozenset({"31", "32"})


@dataclass(frozen=True)
class InvoiceQr:
    kind_code: str
    kind_name: str | None
    code: str | None
    number: str
    amount_fen: int
    issue_date: date
    check_code: str | None
    tail: str | None

    @property
    def is_digital(self) -> bool:
        return self.code is None and len(self.number) == 20

    @property
    def key(self) -> str:
        return invoice_key(self.code, self.number)


def parse_invoice_qr(payload: str) -> InvoiceQr:
    """Parse ``01,<kind>,<code>,<number>,<amount>,<YYYYMMDD>,<check code>,<tail>``.

    Legacy: ``01,10,011001605111,80100798,64.9,20161018,85342965681116380258,BE2D``;
    数电: ``01,32,,24312000000136634917,0.01,20240514,,1DD6``. Raises :class:`IdError`.
    """
    text = (payload or "").strip().rstrip(",")
    fields = [f.strip() for f in text.split(",")]
    if len(fields) < 6:
        raise IdError("qr_format", f"发票二维码内容字段不足（{len(fields)}个）：{payload!r}")
    version, kind, code, number, amount_text, date_text = fields[:6]
    check_code = fields[6] if len(fields) > 6 and fields[6] else None
    tail = fields[7] if len(fields) > 7 and fields[7] else None
    if version != "01":
        raise IdError("qr_version", f"不支持的发票二维码版本“{version}”")
    if not re.fullmatch(r"\d{2}", kind):
        raise IdError("qr_kind", f"发票二维码中的发票种类“{kind}”无效")
    if code:
        if not re.fullmatch(r"\d{10}|\d{12}", code):
            raise IdError("qr_code", f"发票二维码中的发票代码“{code}”应为10或12位数字")
        if not is_valid_invoice_number(number):
            raise IdError("qr_number", f"发票二维码中的发票号码“{number}”应为8位数字")
    else:
        if not re.fullmatch(r"\d{20}", number):
            raise IdError("qr_number", f"数电发票二维码中的发票号码“{number}”应为20位数字")
    try:
        amount_fen = parse_amount(amount_text)
    except AmountError as exc:
        raise IdError("qr_amount", f"发票二维码中的金额无效：{exc.message}") from None
    if not re.fullmatch(r"\d{8}", date_text):
        raise IdError("qr_date", f"发票二维码中的开票日期“{date_text}”应为 YYYYMMDD")
    try:
        issue_date = date(int(date_text[:4]), int(date_text[4:6]), int(date_text[6:]))
    except ValueError:
        raise IdError("qr_date", f"发票二维码中的开票日期“{date_text}”不是有效日期") from None
    if check_code is not None and not re.fullmatch(r"\d{20}", check_code):
        raise IdError("qr_check_code", f"发票二维码中的校验码“{check_code}”应为20位数字")
    return InvoiceQr(kind, QR_KINDS.get(kind), code or None, number, amount_fen, issue_date,
                     check_code, tail)


def invoice_key(code: str | None, number: str) -> str:
    """Key against double reimbursement: the 20-digit 数电 number alone, else ``code:number``."""
    number_text = _clean(number)
    code_text = _clean(code or "")
    if len(number_text) == 20 and not code_text:
        return number_text
    if not code_text:
        raise IdError("format", f"发票号码“{number}”缺少发票代码")
    return f"{code_text}:{number_text}"

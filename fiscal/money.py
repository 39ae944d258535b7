"""Money: integer fen (分) everywhere inside; text, Decimal and 万元 only at the boundaries.

- ``parse_amount`` reads what users, OCR and spreadsheets produce and never rounds;
- ``wan_to_fen`` converts 万元 columns exactly (up to 6 decimals);
- ``to_daxie`` / ``parse_daxie`` implement 大写金额 per 《正确填写票据和结算凭证的基本规定》
  (domain.md §4.6). ``parse_daxie`` compares numbers, not strings: every legal variant
  (optional 零, 整/正, 圆/元, traditional forms, 人民币/⊗ prefixes) parses to the same fen.
"""
from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

__all__ = [
    "MAX_FEN",
    "AmountError",
    "format_amount",
    "parse_amount",
    "parse_daxie",
    "to_daxie",
    "wan_to_fen",
    "yuan_to_fen",
]

#: Largest amount the product handles: 9999亿9999万9999元9角9分 (the range of 大写 with 亿).
MAX_FEN = 10**14 - 1


class AmountError(ValueError):
    """An amount that cannot be read exactly. ``message`` is Chinese and says what and why."""

    def __init__(self, code: str, message: str, text: object = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.text = text


# --------------------------------------------------------------------------------------------
# Numeric amounts
# --------------------------------------------------------------------------------------------

_CURRENCY_PREFIXES = ("人民币", "RMB", "CNY", "¥")  # after NFKC, ￥ becomes ¥
_NUMBER_RE = re.compile(r"^(?P<sign>[+-]?)(?P<int>\d{1,3}(?:,\d{3})+|\d+)?(?:\.(?P<frac>\d*))?$")


def _normalise_number_text(text: str) -> str:
    cleaned = unicodedata.normalize("NFKC", text)
    cleaned = cleaned.replace("\u3000", " ").strip()
    cleaned = re.sub(r"\s+", "", cleaned)
    # A minus sign written as a dash, and the ideographic full stop OCR sometimes produces
    cleaned = cleaned.replace("−", "-").replace("。", ".")
    sign = ""
    if cleaned and cleaned[0] in "+-":
        sign, cleaned = cleaned[0], cleaned[1:]
    for prefix in _CURRENCY_PREFIXES:
        if cleaned.upper().startswith(prefix):
            cleaned = cleaned[len(prefix):]
            break
    cleaned = cleaned.removesuffix("元")
    return sign + cleaned


def _decimal_to_fen(value: Decimal, *, original: object, places: int, scale: int) -> int:
    """Exact conversion of ``value`` (with at most ``places`` decimals) times ``scale`` to fen."""
    if not value.is_finite():
        raise AmountError("not_a_number", f"“{original}”不是有效的金额", original)
    exponent = value.normalize().as_tuple().exponent
    decimals = -exponent if isinstance(exponent, int) and exponent < 0 else 0
    if decimals > places:
        raise AmountError(
            "too_many_decimals",
            f"金额“{original}”有{decimals}位小数：最多允许{places}位（精确到分），不做四舍五入",
            original,
        )
    fen = value * scale
    if fen != fen.to_integral_value():  # cannot happen when places/scale agree; kept as a guard
        raise AmountError("not_whole_fen", f"金额“{original}”不是整分", original)
    return int(fen)


def _check_range(fen: int, original: object, allow_negative: bool) -> int:
    if fen < 0 and not allow_negative:
        raise AmountError("negative", f"金额“{original}”为负数：此处只接受正数或零", original)
    if abs(fen) > MAX_FEN:
        raise AmountError("too_large", f"金额“{original}”超出可处理范围（最大 9999亿元）", original)
    return fen


def _to_decimal(value: object) -> Decimal:
    if isinstance(value, bool):
        raise AmountError("not_a_number", f"“{value}”不是金额", value)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # Spreadsheet cells arrive as binary floats; their shortest repr is what the user typed.
        return Decimal(repr(value))
    raise TypeError(f"unsupported amount type {type(value).__name__}")


def parse_amount(text: str | float | Decimal, *, allow_negative: bool = False) -> int:
    """Read an amount in 元 and return integer fen.

    Accepts ``1,234.56``, ``¥1,234.56``, ``￥1234.5``, ``人民币100元``, full-width digits and
    surrounding spaces; numbers from spreadsheets (``int``, ``float``, ``Decimal``). More than two
    non-zero decimals is an error, never a silent rounding. Raises :class:`AmountError`.
    """
    if text is None:
        raise AmountError("empty", "金额为空", text)
    if not isinstance(text, str):
        return _check_range(
            _decimal_to_fen(_to_decimal(text), original=text, places=2, scale=100),
            text,
            allow_negative,
        )
    cleaned = _normalise_number_text(text)
    if cleaned in ("", "+", "-"):
        raise AmountError("empty", "金额为空", text)
    match = _NUMBER_RE.match(cleaned)
    if not match or (match.group("int") is None and not match.group("frac")):
        if "," in cleaned:
            reason = "千分位逗号位置不对（应每三位一组，如 1,234.56）"
        elif cleaned.count(".") > 1:
            reason = "有多个小数点"
        else:
            bad = next((c for c in cleaned.lstrip("+-") if not (c.isdigit() or c in ",.")), None)
            reason = f"含有不能识别的字符“{bad}”" if bad else "格式不对"
        raise AmountError("malformed", f"金额“{text}”无法识别：{reason}", text)
    digits = (match.group("int") or "0").replace(",", "")
    frac = match.group("frac") or ""
    value = Decimal(f"{match.group('sign')}{digits}.{frac or '0'}")
    fen = _decimal_to_fen(value, original=text, places=2, scale=100)
    return _check_range(fen, text, allow_negative)


def wan_to_fen(value: str | float | Decimal, *, allow_negative: bool = False) -> int:
    """Convert an amount in 万元 (up to 6 decimals, i.e. exact to the fen) to integer fen."""
    if isinstance(value, str):
        cleaned = _normalise_number_text(value)
        cleaned = cleaned.removesuffix("万")
        cleaned = cleaned.replace(",", "")
        try:
            number = Decimal(cleaned)
        except InvalidOperation:
            raise AmountError("malformed", f"万元金额“{value}”无法识别", value) from None
    else:
        number = _to_decimal(value)
    fen = _decimal_to_fen(number, original=value, places=6, scale=1_000_000)
    return _check_range(fen, value, allow_negative)


def yuan_to_fen(value: Decimal | int) -> int:
    """Exact Decimal/int 元 to fen; an amount that is not a whole number of fen is an error."""
    return _check_range(
        _decimal_to_fen(_to_decimal(value), original=value, places=2, scale=100), value, True
    )


def format_amount(fen: int) -> str:
    """``123456`` -> ``'1,234.56'``; negative amounts keep their sign."""
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("format_amount takes integer fen")
    sign = "-" if fen < 0 else ""
    yuan, cents = divmod(abs(fen), 100)
    return f"{sign}{yuan:,}.{cents:02d}"


# --------------------------------------------------------------------------------------------
# 大写金额
# --------------------------------------------------------------------------------------------

_DIGITS = "零壹贰叁肆伍陆柒捌玖"
_SMALL_UNITS = ("", "拾", "佰", "仟")
_SECTION_UNITS = ("", "万", "亿")


def to_daxie(fen: int) -> str:
    """Canonical 大写 of an amount in fen.

    Follows the first form given by 《正确填写票据和结算凭证的基本规定》: 壹拾 (never a bare 拾),
    one 零 for a run of zeros inside the number, 零 after 元 when 元位 is 0 and 角 is not,
    零 before 分 when 角 is 0, 整 after 元 and no 整 after 分. ``0`` is ``零元整``.
    """
    if not isinstance(fen, int) or isinstance(fen, bool):
        raise TypeError("to_daxie takes integer fen")
    if fen < 0:
        raise AmountError("negative", "大写金额不能为负数", fen)
    if fen > MAX_FEN:
        raise AmountError("too_large", "金额超出大写可表示范围（最大 9999亿元）", fen)
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    if fen == 0:
        return "零元整"
    parts: list[str] = []
    if yuan:
        parts.append(_integer_daxie(yuan) + "元")
    if jiao:
        if yuan and yuan % 10 == 0:
            parts.append("零")
        parts.append(_DIGITS[jiao] + "角")
    if fen_digit:
        if yuan and not jiao:
            parts.append("零")
        parts.append(_DIGITS[fen_digit] + "分")
    else:
        if not jiao:
            parts.append("整")
    return "".join(parts)


def _integer_daxie(number: int) -> str:
    """大写 of a positive integer < 10**12, without the 元."""
    sections = []
    while number:
        number, section = divmod(number, 10_000)
        sections.append(section)
    out: list[str] = []
    need_zero = False  # a run of zeros is pending between the last written digit and the next
    for index in range(len(sections) - 1, -1, -1):
        section = sections[index]
        if section == 0:
            need_zero = bool(out)
            continue
        digits = [section // 1000 % 10, section // 100 % 10, section // 10 % 10, section % 10]
        # Zeros at the top of a section (e.g. 壹万零伍) need a 零; zeros only at the bottom of the
        # previous section followed by a non-zero 千位 do not (壹拾万柒仟).
        if out and digits[0] == 0:
            need_zero = True
        for position, digit in enumerate(digits):
            unit = _SMALL_UNITS[3 - position]
            if digit == 0:
                if out:
                    need_zero = True
                continue
            if need_zero and out:
                out.append("零")
            need_zero = False
            out.append(_DIGITS[digit] + unit)
        out.append(_SECTION_UNITS[index])
        # Zeros at the bottom of this section need a 零 only if the next section starts with 0,
        # which the check at the top of that section handles.
        need_zero = False
    return "".join(out)


# Parsing ----------------------------------------------------------------------------------------

_TRADITIONAL = str.maketrans(
    {
        "貳": "贰", "貮": "贰", "參": "叁", "叄": "叁", "陸": "陆", "億": "亿", "萬": "万",
        "圓": "元", "圆": "元", "正": "整",
    }
)
_DIGIT_VALUE = {c: i for i, c in enumerate(_DIGITS) if i}
_UNIT_POWER = {"拾": 1, "佰": 2, "仟": 3}
_ILLEGAL = {
    "一": "壹", "二": "贰", "三": "叁", "四": "肆", "五": "伍", "六": "陆", "七": "柒", "八": "捌",
    "九": "玖", "十": "拾", "百": "佰", "千": "仟", "两": "贰", "〇": "零", "念": "贰拾", "毛": "角",
    "另": "零",
}
_PREFIXES = ("人民币", "⊗", "ⓧ", "⨂", "Ⓧ", "(大写)", "（大写）", "大写")


def _daxie_error(code: str, text: str, reason: str) -> AmountError:
    return AmountError(code, f"大写金额“{text}”无效：{reason}", text)


def parse_daxie(text: str, *, strict: bool = True) -> int:
    """Parse a 大写 amount into integer fen; raises :class:`AmountError` on illegal text.

    ``strict`` (the default) enforces the 零 and 整 rules: a 零 the rules require must be there, a
    superfluous 零 is an error, 整 must follow 元 and may not follow 分. With ``strict=False``
    those three are tolerated but the text must still be unambiguous.
    """
    if not isinstance(text, str):
        raise TypeError("parse_daxie takes text")
    original = text
    cleaned = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).translate(_TRADITIONAL)
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if cleaned.startswith(prefix):
                cleaned, changed = cleaned[len(prefix):], True
    if not cleaned:
        raise _daxie_error("empty", original, "内容为空")
    for position, char in enumerate(cleaned, start=1):
        if char in _ILLEGAL:
            raise _daxie_error(
                "illegal_character", original,
                f"第{position}个字“{char}”不能用于大写金额，应写“{_ILLEGAL[char]}”",
            )
        if char.isdigit() or char.isascii():
            raise _daxie_error(
                "illegal_character", original, f"第{position}个字“{char}”：大写金额中不能出现数字或字母"
            )
        if char not in _DIGIT_VALUE and char not in "零拾佰仟万亿元角分整":
            raise _daxie_error("illegal_character", original, f"第{position}个字“{char}”无法识别")

    has_zheng = cleaned.endswith("整")
    body = cleaned[:-1] if has_zheng else cleaned
    if "整" in body:
        raise _daxie_error("misplaced_zheng", original, "“整”只能写在末尾")
    if body.count("元") > 1:
        raise _daxie_error("malformed", original, "“元”出现了不止一次")
    if "元" in body:
        integer_text, fraction_text = body.split("元")
        if not integer_text:
            raise _daxie_error("malformed", original, "“元”前面没有数额")
    else:
        integer_text, fraction_text = "", body
        if not fraction_text:
            raise _daxie_error("malformed", original, "没有数额")

    yuan, digit_positions, _zero_before = _parse_integer_daxie(integer_text, original, strict)
    jiao, fen_digit = _parse_fraction_daxie(
        fraction_text, original, strict=strict, yuan=yuan, has_yuan="元" in body,
        yuan_ones_zero=bool(digit_positions) and digit_positions[-1] > 0,
    )
    if strict:
        if fen_digit and has_zheng:
            raise _daxie_error("misplaced_zheng", original, "到“分”为止的金额后面不应写“整”")
        if not jiao and not fen_digit and not has_zheng:
            raise _daxie_error("missing_zheng", original, "到“元”为止的金额后面应写“整”（或“正”）")
    fen = yuan * 100 + jiao * 10 + fen_digit
    if fen > MAX_FEN:
        raise _daxie_error("too_large", original, "超出可处理范围")
    return fen


def _parse_integer_daxie(text: str, original: str, strict: bool) -> tuple[int, list[int], set[int]]:
    """Return (yuan, positions of non-zero digits in order, indices of digits preceded by 零)."""
    if text == "零":
        return 0, [], set()
    if text.startswith("零"):
        raise _daxie_error("misplaced_zero", original, "金额不能以“零”开头")
    sections: list[tuple[list[tuple[int, int]], int]] = []  # (digits as (value, power), section power)
    current: list[tuple[int, int]] = []
    zero_markers: list[int] = []  # index (in the flat digit list) of the digit a 零 precedes
    flat_count = 0
    pending_digit: int | None = None
    pending_zero = False
    seen_sections: list[int] = []

    def close_digit(power: int) -> None:
        nonlocal pending_digit, flat_count, pending_zero
        value = 1 if pending_digit is None else pending_digit
        if current and power >= current[-1][1]:
            raise _daxie_error("malformed", original, "数位顺序不对（如“佰”不能出现在“拾”之后）")
        current.append((value, power))
        if pending_zero:
            zero_markers.append(flat_count)
        flat_count += 1
        pending_digit = None
        pending_zero = False

    for index, char in enumerate(text):
        if char == "零":
            if pending_digit is not None:
                close_digit(0)
            following = text[index + 1] if index + 1 < len(text) else ""
            if following == "零":
                if strict:
                    raise _daxie_error("superfluous_zero", original, "连续写了两个“零”")
            elif following not in _DIGIT_VALUE:
                raise _daxie_error("misplaced_zero", original, "“零”后面应是数字")
            pending_zero = True
        elif char in _DIGIT_VALUE:
            if pending_digit is not None:
                raise _daxie_error("malformed", original, "两个数字之间缺少数位（拾/佰/仟）")
            pending_digit = _DIGIT_VALUE[char]
        elif char in _UNIT_POWER:
            # A bare 拾 (拾元整) means 壹拾 and is only read at the very start.
            if pending_digit is None and not (char == "拾" and index == 0):
                raise _daxie_error("malformed", original, f"“{char}”前面缺少数字")
            close_digit(_UNIT_POWER[char])
        elif char in "万亿":
            if pending_digit is not None:
                close_digit(0)
            if not current:
                raise _daxie_error("malformed", original, f"“{char}”前面缺少数额")
            power = 4 if char == "万" else 8
            if seen_sections and power >= seen_sections[-1]:
                raise _daxie_error("malformed", original, f"“{char}”的位置不对")
            sections.append((current, power))
            seen_sections.append(power)
            current = []
        else:  # 元/角/分 never reach here
            raise _daxie_error("malformed", original, f"“{char}”位置不对")
    if pending_digit is not None:
        close_digit(0)
    sections.append((current, 0))

    positions: list[int] = []
    yuan = 0
    for digits, section_power in sections:
        for value, power in digits:
            positions.append(section_power + power)
            yuan += value * 10 ** (section_power + power)
    zero_before = set(zero_markers)
    if strict:
        for k in range(1, len(positions)):
            higher, lower = positions[k - 1], positions[k]
            gap = higher - lower - 1
            optional = lower + 1 in (4, 8)  # a run of zeros ending at 万位/亿位, 千位 non-zero
            if gap == 0 and k in zero_before:
                raise _daxie_error("superfluous_zero", original, "相邻数位之间不应写“零”")
            if gap > 0 and not optional and k not in zero_before:
                raise _daxie_error(
                    "missing_zero", original, "数字中间有“0”时应写“零”（如 壹仟零伍元）"
                )
    return yuan, positions, zero_before


def _parse_fraction_daxie(
    text: str, original: str, *, strict: bool, yuan: int, has_yuan: bool, yuan_ones_zero: bool
) -> tuple[int, int]:
    match = re.fullmatch(r"(零)?(?:(?P<jiao>[壹贰叁肆伍陆柒捌玖])角)?(零)?(?:(?P<fen>[壹贰叁肆伍陆柒捌玖])分)?", text)
    if not match:
        raise _daxie_error("malformed", original, "角、分部分写法不对（如“零角”“伍分角”均无效）")
    zero_before_jiao, zero_before_fen = match.group(1), match.group(3)
    jiao = _DIGIT_VALUE[match.group("jiao")] if match.group("jiao") else 0
    fen_digit = _DIGIT_VALUE[match.group("fen")] if match.group("fen") else 0
    if (zero_before_jiao or zero_before_fen) and not (jiao or fen_digit):
        raise _daxie_error("misplaced_zero", original, "“零”后面应是数字")
    if zero_before_jiao and zero_before_fen:
        raise _daxie_error("superfluous_zero", original, "角分部分写了两个“零”")
    if zero_before_fen and jiao and strict:
        # 伍角零贰分: nothing is missing between 角 and 分
        raise _daxie_error("superfluous_zero", original, "“角”和“分”之间不应写“零”")
    if strict and yuan:
        zero_written = bool(zero_before_jiao or zero_before_fen)
        if jiao:
            # 元位为0、角位不为0：零可写可不写；元位不为0：不应写零
            if zero_before_jiao and not yuan_ones_zero:
                raise _daxie_error("superfluous_zero", original, "“元”后面不应写“零”")
        elif fen_digit and not zero_written:
            raise _daxie_error(
                "missing_zero", original, "角位是0而分位不是0时，“元”后面应写“零”（如 叁佰贰拾伍元零肆分）"
            )
    if not has_yuan and not (jiao or fen_digit):
        raise _daxie_error("malformed", original, "没有数额")
    return jiao, fen_digit

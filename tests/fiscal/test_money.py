from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fiscal.money import (
    MAX_FEN,
    AmountError,
    format_amount,
    parse_amount,
    parse_daxie,
    to_daxie,
    wan_to_fen,
    yuan_to_fen,
)

# --- parse_amount -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("1,234.56", 123456),
        ("¥1,234.56", 123456),
        ("￥1234.5", 123450),
        ("  1234.56 ", 123456),
        ("１，２３４．５６", 123456),  # full-width digits, comma and point
        ("人民币100元", 10000),
        ("0", 0),
        ("0.01", 1),
        (".5", 50),
        ("12.", 1200),
        ("1,234,567.89", 123456789),
        ("1.230", 123),  # trailing zeros are exact: no rounding involved
        (Decimal("12.34"), 1234),
        (1234, 123400),
        (1234.56, 123456),  # a spreadsheet float reads as the number the user typed
    ],
)
def test_parse_amount_accepts_what_users_ocr_and_spreadsheets_produce(text, fen):
    assert parse_amount(text) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("1.234", "too_many_decimals"),
        ("0.001", "too_many_decimals"),
        (1.005, "too_many_decimals"),
        ("-5", "negative"),
        ("12,34", "malformed"),
        ("1,2345.00", "malformed"),
        ("abc", "malformed"),
        ("1.2.3", "malformed"),
        ("", "empty"),
        ("   ", "empty"),
        ("¥", "empty"),
        ("1e5", "malformed"),
        ("10000000000000", "too_large"),
        (float("nan"), "not_a_number"),
    ],
)
def test_parse_amount_rejects_with_a_reason(text, code):
    with pytest.raises(AmountError) as info:
        parse_amount(text)
    assert info.value.code == code
    assert info.value.message  # a Chinese sentence for the user


def test_parse_amount_error_names_the_decimals():
    with pytest.raises(AmountError, match="3位小数"):
        parse_amount("1.234")


def test_negative_amounts_only_when_allowed():
    assert parse_amount("-1,234.50", allow_negative=True) == -123450


@given(st.integers(min_value=0, max_value=MAX_FEN))
def test_format_then_parse_round_trips(fen):
    assert parse_amount(format_amount(fen)) == fen
    assert parse_amount("¥" + format_amount(fen).replace(",", "")) == fen


def test_format_amount():
    assert format_amount(123456) == "1,234.56"
    assert format_amount(5) == "0.05"
    assert format_amount(-100) == "-1.00"
    with pytest.raises(TypeError):
        format_amount(1.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "fen"),
    [("1", 1_000_000), ("1.234567", 1_234_567), ("0.000001", 1), (Decimal("12.5"), 12_500_000),
     (12.5, 12_500_000), ("3,500.5", 3_500_500_000), ("２.５万", 2_500_000)],
)
def test_wan_to_fen_is_exact(value, fen):
    assert wan_to_fen(value) == fen


def test_wan_to_fen_refuses_seven_decimals():
    with pytest.raises(AmountError) as info:
        wan_to_fen("1.2345678")
    assert info.value.code == "too_many_decimals"


def test_yuan_to_fen():
    assert yuan_to_fen(Decimal("1.23")) == 123
    with pytest.raises(AmountError):
        yuan_to_fen(Decimal("1.234"))


# --- 大写: official examples (domain.md §4.6) ----------------------------------------------------

OFFICIAL = [
    (140950, "壹仟肆佰零玖元伍角"),
    (600714, "陆仟零柒元壹角肆分"),
    (168032, "壹仟陆佰捌拾元零叁角贰分"),
    (10700053, "壹拾万柒仟元零伍角叁分"),
    (1640902, "壹万陆仟肆佰零玖元零贰分"),
    (32504, "叁佰贰拾伍元零肆分"),
    (10001000001, "壹亿零壹万元零壹分"),
    (5, "伍分"),
    (1000, "壹拾元整"),
]


@pytest.mark.parametrize(("fen", "text"), OFFICIAL)
def test_to_daxie_official_examples(fen, text):
    assert to_daxie(fen) == text
    assert parse_daxie(text) == fen


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("壹仟陆佰捌拾元叁角贰分", 168032),  # 零 optional when 元位 is 0
        ("壹拾万零柒仟元伍角叁分", 10700053),  # the other official form
        ("人民币壹拾万柒仟元零伍角叁分", 10700053),
        ("⊗壹佰圆整", 10000),
        ("貳拾圓正", 2000),
        ("陸萬元整", 6000000),
        ("壹億元整", 10000000000),
        ("拾元整", 1000),  # a bare 拾 at the start is read as 壹拾
        ("人民币 壹 仟 元 整", 100000),
        ("零元整", 0),
        ("伍角", 50),
        ("伍角整", 50),
        ("壹元伍角", 150),
        ("壹亿零柒仟元整", 10000700000),
        ("壹拾亿壹仟万元整", 101000000000),
    ],
)
def test_parse_daxie_accepts_legal_variants(text, fen):
    assert parse_daxie(text) == fen


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("一百元整", "illegal_character"),
        ("壹百元整", "illegal_character"),
        ("拾伍毛", "illegal_character"),
        ("壹佰另伍元整", "illegal_character"),
        ("念元整", "illegal_character"),
        ("100元整", "illegal_character"),
        ("壹佰元整abc", "illegal_character"),
        ("壹佰美元", "illegal_character"),
        ("壹拾元", "missing_zheng"),
        ("伍分整", "misplaced_zheng"),
        ("壹整元", "misplaced_zheng"),
        ("壹元伍分", "missing_zero"),
        ("壹仟伍元整", "missing_zero"),
        ("壹万伍元整", "missing_zero"),
        ("壹拾零伍元整", "superfluous_zero"),
        ("壹元零伍角", "superfluous_zero"),
        ("壹佰零零伍元整", "superfluous_zero"),
        ("壹佰零元整", "misplaced_zero"),
        ("零伍元整", "misplaced_zero"),
        ("壹贰元整", "malformed"),
        ("壹拾佰元整", "malformed"),
        ("壹万壹亿元整", "malformed"),
        ("零角伍分", "malformed"),
        ("元整", "malformed"),
        ("", "empty"),
        ("人民币", "empty"),
    ],
)
def test_parse_daxie_rejects_illegal_text(text, code):
    with pytest.raises(AmountError) as info:
        parse_daxie(text)
    assert info.value.code == code, info.value.message


def test_lenient_mode_tolerates_only_the_zero_and_zheng_rules():
    assert parse_daxie("壹拾元", strict=False) == 1000
    assert parse_daxie("壹元伍分", strict=False) == 105
    assert parse_daxie("伍分整", strict=False) == 5
    with pytest.raises(AmountError):
        parse_daxie("一百元", strict=False)


def test_to_daxie_rejects_out_of_range():
    with pytest.raises(AmountError):
        to_daxie(-1)
    with pytest.raises(AmountError):
        to_daxie(MAX_FEN + 1)
    assert to_daxie(MAX_FEN) == "玖仟玖佰玖拾玖亿玖仟玖佰玖拾玖万玖仟玖佰玖拾玖元玖角玖分"


@given(st.integers(min_value=0, max_value=MAX_FEN))
def test_daxie_round_trip(fen):
    assert parse_daxie(to_daxie(fen)) == fen


@given(st.integers(min_value=0, max_value=10**12))
def test_daxie_round_trip_small_and_sparse(n):
    # numbers with many zeros exercise the 零 rules harder than uniform ones
    fen = int(str(n).replace("1", "0").replace("2", "0") or "0")
    assert parse_daxie(to_daxie(fen)) == fen


# --- An independent renderer of every legal variant -----------------------------------------------

DIGITS = "零壹贰叁肆伍陆柒捌玖"
POS_UNIT = {0: "", 1: "拾", 2: "佰", 3: "仟"}


def render_variant(fen: int, draw) -> str:
    """Render ``fen`` choosing randomly among the legal options the rules leave open."""
    yuan, cents = divmod(fen, 100)
    jiao, fen_digit = divmod(cents, 10)
    out = []
    if yuan:
        digits = [int(d) for d in str(yuan)]
        n = len(digits)
        nonzero = [n - 1 - i for i, d in enumerate(digits) if d]  # positions, descending
        prev = None
        for pos in nonzero:
            if prev is not None:
                # close the 亿/万 section the previous digit sat in, if this digit is below it
                for boundary, unit in ((8, "亿"), (4, "万")):
                    if boundary <= prev < boundary + 4 and pos < boundary:
                        out.append(unit)
                if prev - pos - 1 > 0:
                    optional = pos + 1 in (4, 8)  # zeros ending at 万位/亿位, 千位 non-zero
                    if not optional or draw(st.booleans()):
                        out.append("零")
            out.append(DIGITS[digits[n - 1 - pos]] + POS_UNIT[pos % 4])
            prev = pos
        for boundary, unit in ((8, "亿"), (4, "万")):
            if boundary <= prev < boundary + 4:
                out.append(unit)
        out.append(draw(st.sampled_from(["元", "圆"])))
    if jiao:
        if yuan and yuan % 10 == 0 and draw(st.booleans()):
            out.append("零")
        out.append(DIGITS[jiao] + "角")
    if fen_digit:
        if yuan and not jiao:
            out.append("零")
        out.append(DIGITS[fen_digit] + "分")
    elif not jiao:
        out.append(draw(st.sampled_from(["整", "正"])) if yuan else "零元整")
    elif draw(st.booleans()):
        out.append("整")
    text = "".join(out)
    if draw(st.booleans()):
        text = text.translate(str.maketrans({"贰": "貳", "陆": "陸", "万": "萬", "亿": "億"}))
    prefix = draw(st.sampled_from(["", "人民币", "⊗", "人民币 "]))
    return prefix + text


@given(st.integers(min_value=0, max_value=MAX_FEN), st.data())
def test_every_legal_variant_parses_to_the_same_amount(fen, data):
    text = render_variant(fen, data.draw)
    assert parse_daxie(text) == fen, text

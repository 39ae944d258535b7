from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fiscal.ids import (
    USCC_CHARSET,
    IdError,
    check_resident_id,
    check_uscc,
    invoice_key,
    is_valid_bank_account,
    is_valid_fiscal_bill,
    is_valid_invoice_number,
    is_valid_resident_id,
    is_valid_uscc,
    normalize_bank_account,
    parse_digital_invoice_number,
    parse_invoice_code,
    parse_invoice_qr,
    resident_id_check_char,
    uscc_category,
    uscc_check_char,
)

# Public samples from domain.md §4.5 (both checks pass)
SAMPLES = ["91350200776049653A", "123502001549897397"]


@pytest.mark.parametrize("code", SAMPLES)
def test_public_uscc_samples_pass_both_checks(code):
    assert is_valid_uscc(code)
    assert is_valid_uscc(code, org_code=True)
    assert is_valid_uscc(code.lower())  # case and spaces are normalised
    assert is_valid_uscc(" " + code[:9] + " " + code[9:])


def test_uscc_weights_are_powers_of_three():
    # W[i] = 3^i mod 31, written out in GB 32100
    from fiscal.ids import _USCC_WEIGHTS

    assert _USCC_WEIGHTS == [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def test_uscc_categories():
    assert uscc_category("91350200776049653A") == "企业"
    assert uscc_category("123502001549897397") == "事业单位"
    assert uscc_category("11100000000013127X") == "机关"


@pytest.mark.parametrize(
    ("code", "kind"),
    [
        ("91350200776049653B", "checksum"),
        ("9135020077604965", "format"),
        ("91350200776O49653A", "format"),  # O is not in the charset
        ("913502007760496S3A", "format"),
        ("91ABCDEF776049653A", "format"),  # region must be digits
        ("", "format"),
    ],
)
def test_uscc_errors_say_which(code, kind):
    result = check_uscc(code)
    assert not result.ok
    assert result.code == kind
    assert result.message


def test_uscc_org_code_check_is_optional():
    # a code whose main check character is right but whose 组织机构代码 check is not
    body = "91350200776049650"  # position 17 changed from 3 to 0
    code = body + uscc_check_char(body)
    assert is_valid_uscc(code)
    assert not is_valid_uscc(code, org_code=True)
    assert check_uscc(code, org_code=True).code == "org_code_checksum"


@given(st.text(alphabet=USCC_CHARSET, min_size=2, max_size=2), st.text(alphabet="0123456789", min_size=6, max_size=6),
       st.text(alphabet=USCC_CHARSET, min_size=9, max_size=9))
def test_any_single_character_change_is_caught(prefix, region, body):
    first17 = prefix + region + body
    code = first17 + uscc_check_char(first17)
    assert is_valid_uscc(code)
    for position in range(18):
        for replacement in "0A":
            if code[position] == replacement or (2 <= position < 8 and not replacement.isdigit()):
                continue
            changed = code[:position] + replacement + code[position + 1:]
            assert not is_valid_uscc(changed)


def test_resident_id():
    assert is_valid_resident_id("11010519491231002X")  # the GB 11643 example
    assert not is_valid_resident_id("110105194912310021")  # wrong check digit
    assert not is_valid_resident_id("110105194902300027")  # 30 February
    assert not is_valid_resident_id("11010519491231002")  # 17 digits
    future = "1101052099010100" + "1"
    future += resident_id_check_char(future)
    assert not is_valid_resident_id(future, today=date(2026, 11, 21))


def test_bank_accounts():
    assert normalize_bank_account(" 6222 0212-3456 7890 ") == "62220212345678 90".replace(" ", "")
    assert is_valid_bank_account("1202 0200 0900 0012 345")
    assert not is_valid_bank_account("12345")
    assert not is_valid_bank_account("1202A20009000012345")
    assert not is_valid_bank_account("")


def test_invoice_codes_decode_their_kind():
    info = parse_invoice_code("011001605111")
    assert (info.kind, info.kind_name, info.region, info.year) == ("11", "增值税电子普通发票", "1100", 2016)
    info = parse_invoice_code("3100153130")
    assert (info.kind, info.region, info.year) == ("1", "3100", 2015)
    assert parse_invoice_code("3300194320").kind_name == "增值税普通发票"
    assert parse_invoice_code("033001900413").kind_name.startswith("增值税电子专用")
    for bad in ["01100160511", "111001605111", "3100159930", "01100160519x", "011001605199"]:
        with pytest.raises(IdError):
            parse_invoice_code(bad)


def test_invoice_numbers():
    assert is_valid_invoice_number("80100798")
    assert not is_valid_invoice_number("8010079")
    info = parse_digital_invoice_number("24312000000136634917")
    assert (info.year, info.province, info.channel) == (2024, "31", "2")
    with pytest.raises(IdError):
        parse_digital_invoice_number("2431200000013663491")
    assert is_valid_fiscal_bill("33010125", "0000012345")
    assert not is_valid_fiscal_bill("3301012", "0000012345")


def test_invoice_qr_legacy_and_digital():
    qr = parse_invoice_qr("01,10,011001605111,80100798,64.9,20161018,85342965681116380258,BE2D")
    assert (qr.kind_code, qr.code, qr.number, qr.amount_fen) == ("10", "011001605111", "80100798", 6490)
    assert qr.issue_date == date(2016, 10, 18)
    assert qr.check_code == "85342965681116380258"
    assert qr.key == "011001605111:80100798"
    qr = parse_invoice_qr("01,32,,24312000000136634917,0.01,20240514,,1DD6")
    assert qr.code is None and qr.is_digital and qr.amount_fen == 1 and qr.check_code is None
    assert qr.kind_name == "电子发票（普通发票）"
    assert qr.key == "24312000000136634917"


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ("01,10,011001605111,80100798,64.9", "qr_format"),
        ("02,10,011001605111,80100798,64.9,20161018,,", "qr_version"),
        ("01,10,0110016051,801007,64.9,20161018,,", "qr_number"),
        ("01,32,,2431200000013663491,0.01,20240514,,1DD6", "qr_number"),
        ("01,10,011001605111,80100798,64.999,20161018,,", "qr_amount"),
        ("01,10,011001605111,80100798,64.9,20161318,,", "qr_date"),
        ("01,10,011001605111,80100798,64.9,2016101,,", "qr_date"),
        ("01,10,01100160511,80100798,64.9,20161018,,", "qr_code"),
        ("01,10,011001605111,80100798,64.9,20161018,1234,AB", "qr_check_code"),
        ("", "qr_format"),
    ],
)
def test_invoice_qr_rejects_malformed(payload, code):
    with pytest.raises(IdError) as info:
        parse_invoice_qr(payload)
    assert info.value.code == code


def test_invoice_key():
    assert invoice_key(None, "24312000000136634917") == "24312000000136634917"
    assert invoice_key("011001605111", "80100798") == "011001605111:80100798"
    with pytest.raises(IdError):
        invoice_key(None, "80100798")


def test_application_draft_payee_id_number() -> None:
    """The wire schema's 证件号码: absent or blank = none (older clients), full-width and
    lower-case folded, a bad number or one for a non-personal payee refused at the field."""
    import pydantic

    from fiscal.ids import resident_id_check_char
    from fiscal.schemas.applications import ApplicationDraft

    first17 = next(f for f in (f"3307021985010100{i}" for i in range(10))
                   if resident_id_check_char(f) == "X")
    base = {"indicator_id": "I1", "amount_fen": 100, "payee_name": "钱多多",
            "payee_account": "6228480000000077001", "use_des": "劳务费", "payee_is_personal": True}
    assert ApplicationDraft.model_validate(base).payee_id_number is None
    assert ApplicationDraft.model_validate({**base, "payee_id_number": " "}).payee_id_number is None
    wide = "".join(chr(ord(c) + 0xFEE0) for c in first17) + "ｘ"  # full-width digits and x
    assert ApplicationDraft.model_validate({**base, "payee_id_number": wide}).payee_id_number \
        == first17 + "X"
    for bad, words in ((first17 + "1", "校验位"), (first17, "18 位"),
                       ("ABCDEFGHIJKLMNOPQR", "校验位")):
        with pytest.raises(pydantic.ValidationError, match=words) as err:
            ApplicationDraft.model_validate({**base, "payee_id_number": bad})
        assert err.value.errors()[0]["loc"] == ("payee_id_number",)
    with pytest.raises(pydantic.ValidationError, match="不是个人") as err:
        ApplicationDraft.model_validate({**base, "payee_is_personal": False,
                                         "payee_id_number": first17 + "X"})
    assert err.value.errors()[0]["loc"] == ("payee_id_number",)


def test_check_resident_id_says_why():
    assert check_resident_id("11010519491231002x").ok  # lower-case x folded
    short = check_resident_id("1101051949123100")
    assert (short.ok, short.code) == (False, "format") and "是16位" in short.message
    bad = check_resident_id("110105194912310021")
    assert (bad.ok, bad.code) == (False, "checksum") and "校验位" in bad.message
    future = check_resident_id("110105" + "2999" + "0101" + "0010", today=date(2026, 1, 1))
    assert (future.ok, future.code) == (False, "checksum")  # born in the future

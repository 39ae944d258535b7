from fiscal.dictionaries import dictionaries


def test_defaults():
    d = dictionaries()
    assert d.fund_types["1"] == "一般公共预算资金"
    assert d.fund_types["6"] == "单位资金"
    assert d.thresholds.personal_payee_basis_fen == 5_000_000  # ¥50,000
    assert d.thresholds.cash_settlement_start_fen == 100_000  # ¥1,000
    assert d.official_card.no_card_acceptance_below_fen == 20_000  # ¥200


def test_official_card_directory_has_the_sixteen_expense_types():
    card = dictionaries().official_card
    # 16 types; 水电费 is two economic codes (30205 水费, 30206 电费)
    assert len(card.economic_codes) == 17
    for code in ["30201", "30211", "30215", "30216", "30217", "30231", "30239"]:
        assert card.covers(code)
    assert not card.covers("30226")  # 劳务费 is not in the directory
    assert not card.covers(None)
    assert "出租车费" in card.cash_only_keywords


def test_region_override_merges_key_by_key():
    d = dictionaries("330700")
    assert d.raw["region_name"] == "金华市"
    assert d.fund_types == dictionaries().fund_types  # untouched keys come from the defaults
    assert dictionaries("999999") == dictionaries("999999")  # unknown region: defaults, cached


def test_personal_economic_codes():
    d = dictionaries()
    assert d.is_personal_economic_code("30226")
    assert d.is_personal_economic_code("30101")
    assert not d.is_personal_economic_code("30201")

import pytest

from fiscal.codes import CodeTableError, available_years, code_tables, split_code_text


def test_years_are_shipped():
    assert {2025, 2026} <= set(available_years())
    with pytest.raises(CodeTableError, match="1999"):
        code_tables(1999)


@pytest.mark.parametrize("year", [2025, 2026])
def test_domain_reference_codes_are_present(year):
    tables = code_tables(year)
    f = tables.functional
    for code, name in [("201", "一般公共服务支出"), ("2050202", "小学教育"), ("2050203", "初中教育"),
                       ("2080505", "机关事业单位基本养老保险缴费支出"), ("2210201", "住房公积金"),
                       ("2296002", "用于社会福利的彩票公益金支出"), ("2140106", "公路养护")]:
        assert f.name(code) == name, code
    assert tables.dep_economic.name("30226") == "劳务费"
    assert tables.dep_economic.name("31013") == "公务用车购置"
    assert tables.gov_economic.name("50101") == "工资奖金津补贴"


def test_hierarchy():
    f = code_tables(2026).functional
    item = f.get("2050202")
    assert (item.level, item.parent) == (3, "20502")
    assert [a.code for a in f.ancestors("2050202")] == ["205", "20502"]
    assert "2050202" in [c.code for c in f.children("20502")]
    assert f.path_label("2050202") == "205 教育支出 / 20502 普通教育 / 2050202 小学教育"
    assert f.level_name("20502") == "款"
    assert f.is_leaf("2050202") and not f.is_leaf("205")
    # every item's parent exists (the loader refuses orphans; check the data too)
    for code_item in f.items():
        assert code_item.parent is None or f.exists(code_item.parent)


def test_search_by_prefix_and_name():
    f = code_tables(2026).functional
    assert all(i.code.startswith("20502") for i in f.search("20502"))
    hits = f.search("小学教育")
    assert hits[0].code == "2050202"
    assert f.search("") == []


def test_scope():
    f = code_tables(2026).functional
    assert f.is_within("2050202", "20502")
    assert not f.is_within("2050302", "20502")
    assert f.is_within("30201", None)  # an open scope admits every code


@pytest.mark.parametrize(
    ("dep", "unit_type", "gov"),
    [("30101", "行政", "50101"), ("30102", "事业", "50501"), ("30108", "行政", "50102"),
     ("30113", "行政", "50103"), ("30201", "行政", "50201"), ("30215", "行政", "50202"),
     ("30216", "行政", "50203"), ("30218", "行政", "50204"), ("30201", "事业", "50502")],
)
def test_department_to_government_mapping(dep, unit_type, gov):
    assert code_tables(2026).gov_for_dep(dep, unit_type) == gov


def test_mapping_targets_exist():
    tables = code_tables(2026)
    for (unit_type, dep), gov in tables.mapping().items():
        assert tables.dep_economic.exists(dep), dep
        assert tables.gov_economic.exists(gov), gov
        assert unit_type in ("行政", "事业", "参公")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2050202 小学教育", ("2050202", "小学教育")),
        ("2050202-小学教育", ("2050202", "小学教育")),
        ("2050202—小学教育", ("2050202", "小学教育")),
        ("'2050202", ("2050202", None)),
        ("２０５０２０２　小学教育", ("2050202", "小学教育")),
        ("  2050202  ", ("2050202", None)),
        ("[2050202]小学教育", ("2050202", "小学教育")),
        ("2050202小学教育", ("2050202", "小学教育")),
    ],
)
def test_split_code_text(text, expected):
    assert split_code_text(text) == expected


def test_split_code_text_refuses_names_alone():
    with pytest.raises(ValueError):
        split_code_text("小学教育")


def test_name_search_ignores_bracket_width():
    f = code_tables(2026).functional
    assert "20103" in [i.code for i in f.search("政府办公厅(室)")]
    assert "20103" in [i.code for i in f.search("政府办公厅（室）")]

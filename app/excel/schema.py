"""What each import kind expects: its fields, their types and the header synonyms.

The field list (type, required, width, header note) lives here; the header texts a user may
write for each field live in ``resources/excel/header_synonyms.json`` (documented in
``resources/excel/README.md``) so that a finance bureau's own wording can be added without code.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
SYNONYMS_FILE = RESOURCES / "excel" / "header_synonyms.json"

KINDS = ("indicators", "payees", "applications")
KIND_NAMES = {"indicators": "预算指标", "payees": "收款人", "applications": "批量支付申请"}

# Value types understood by app.excel.values
TEXT = "text"
CODE = "code"  # an identifier made of letters/digits (unit code, project code, document number...)
FUNC = "func_code"
DEP_ECO = "dep_eco_code"
GOV_ECO = "gov_eco_code"
AMOUNT = "amount"
BOOL = "bool"
YEAR = "year"
USCC = "uscc"
ACCOUNT = "account"
RESIDENT_ID = "resident_id"
BANK_CODE = "bank_code"
PAYEE_TYPE = "payee_type"
CODE_PART = "code_part"
AMOUNT_PART = "amount_part"  # one column of a source split whose sum must equal the amount  # one of the 类 / 款 / 项 columns that together make a functional code
DICT = "dict"  # value from fiscal.dictionaries; Field.dictionary names the table


@dataclass(frozen=True, slots=True)
class Field:
    key: str
    type: str
    required: bool = False
    note: str = ""  # the header comment in templates (Chinese)
    width: int = 14
    max_len: int | None = None
    dictionary: str | None = None  # attribute of fiscal.dictionaries.Dictionaries
    in_template: bool = True  # False: accepted on import but not written into templates

    @property
    def header(self) -> str:
        """Canonical header (first synonym) as written into templates."""
        return synonyms()[self.key][0]


_IND = (
    Field("bgt_code", CODE, False, "指标的唯一编码。填写后用于判断重复；不填时按“文号+单位+科目+项目+资金性质”判断。", 20, 38),
    Field("doc_no", TEXT, True, "本级指标文号，如“X财预〔2026〕12号”。", 22, 100),
    Field("doc_title", TEXT, False, "指标文标题（发文标题）。", 28, 200),
    Field("fiscal_year", YEAR, False, "预算年度，四位数字；不填时按导入时选择的年度。", 10),
    Field("agency_code", CODE, True, "预算单位代码（部门+单位层级编码）。", 14, 21),
    Field("agency_name", TEXT, False, "预算单位名称，仅供核对。", 24, 200),
    Field("dept_code", CODE, False, "主管部门代码，用于核对：须与服务器登记的单位所属部门一致；可不填。", 12, 21),
    Field("dept_name", TEXT, False, "主管部门名称。", 20, 200),
    Field("project_code", CODE, False, "项目库中的项目代码；基本支出可不填。", 22, 21),
    Field("project_name", TEXT, False, "项目名称。", 28, 200),
    Field("func_code", FUNC, True, "支出功能分类科目，须细化到“项”级（7位），可写“2050202”或“2050202 小学教育”。", 28),
    Field("func_lei", CODE_PART, False, "功能分类“类”（3位）。", 8, in_template=False),
    Field("func_kuan", CODE_PART, False, "功能分类“款”（2位或5位）。", 8, in_template=False),
    Field("func_xiang", CODE_PART, False, "功能分类“项”（2位或7位）。", 8, in_template=False),
    Field("dep_eco_code", DEP_ECO, False, "部门预算支出经济分类（5位，如 30201）；可不细化，支付时再填。", 24),
    Field("gov_eco_code", GOV_ECO, False, "政府预算支出经济分类（5位，如 50201）；须与部门经济分类对应。", 24),
    Field("fund_type", DICT, True, "资金性质，从下拉列表选择。", 22, dictionary="fund_types"),
    Field("bgt_source", DICT, False, "指标来源，从下拉列表选择。", 18, dictionary="bgt_sources"),
    Field("bgt_type", DICT, False, "指标类型（基本支出/项目支出等）。", 16, dictionary="bgt_types"),
    Field("is_gov_pur", BOOL, False, "是否政府采购：是/否。", 12),
    Field("executable", BOOL, False, "是否可执行（可执行标志）：是/否；不填为“是”。不可执行的指标不能用于支付。", 12),
    Field("amount", AMOUNT, True, "指标金额，正数。表头写“金额(元)”时最多2位小数；写“金额(万元)”时最多6位小数（精确到分）。", 18),
    Field("summary", TEXT, False, "指标说明，不超过300字（记入指标台账的下达/调整说明）。", 30, 300),
    # source split of 项目支出表-style sheets (domain §7): when present, Σ must equal the amount
    Field("src_public", AMOUNT_PART, False, "一般公共预算拨款", 14, in_template=False),
    Field("src_fund", AMOUNT_PART, False, "政府性基金预算拨款", 14, in_template=False),
    Field("src_soe", AMOUNT_PART, False, "国有资本经营预算拨款", 14, in_template=False),
    Field("src_special_account", AMOUNT_PART, False, "财政专户管理资金", 14, in_template=False),
    Field("src_special_project", AMOUNT_PART, False, "专项资金项目", 14, in_template=False),
    Field("src_business", AMOUNT_PART, False, "事业收入", 14, in_template=False),
    Field("src_operating", AMOUNT_PART, False, "事业单位经营收入", 14, in_template=False),
    Field("src_subsidiary", AMOUNT_PART, False, "附属单位上缴收入", 14, in_template=False),
    Field("src_superior", AMOUNT_PART, False, "上级补助收入", 14, in_template=False),
    Field("src_other", AMOUNT_PART, False, "其他收入", 14, in_template=False),
    Field("src_carryover", AMOUNT_PART, False, "上年结转", 14, in_template=False),
    Field("src_account_balance", AMOUNT_PART, False, "实户资金余额", 14, in_template=False),
)

_PAYEE = (
    Field("payee_name", TEXT, True, "收款人全称，须与银行开户名完全一致。", 30, 200),
    Field("payee_type", PAYEE_TYPE, False, "单位 或 个人；不填时按是否填写身份证号判断。", 12),
    Field("payee_account", ACCOUNT, True, "收款账号，8–32位数字。请把本列设为“文本”格式，否则 Excel 会把超过15位的账号改成科学计数并丢失末位。", 26),
    Field("payee_bank", TEXT, True, "开户银行全称，如“中国工商银行杭州分行营业部”。", 30, 200),
    Field("bank_code", BANK_CODE, False, "开户行联行号（12位数字）。", 16),
    Field("uscc", USCC, False, "单位收款人的统一社会信用代码（18位）。", 22),
    Field("id_no", RESIDENT_ID, False, "个人收款人的居民身份证号码（18位）。", 22),
    Field("phone", TEXT, False, "联系电话。", 16, 40),
    Field("remark", TEXT, False, "备注。", 24, 300),
)

_APP = (
    Field("app_no", CODE, False, "单位内部的申请编号；填写后用于判断重复。", 18, 40),
    Field("bgt_code", CODE, True, "使用的指标编码（每笔支付必须对应一条指标）。", 20, 38),
    Field("agency_code", CODE, False, "预算单位代码。", 14, 21),
    Field("payee_name", TEXT, True, "收款人全称，不超过120字。", 26, 120),
    Field("payee_account", ACCOUNT, True, "收款人账号（文本格式）。", 24),
    Field("payee_bank", TEXT, True, "收款人开户银行，不超过120字。", 26, 120),
    Field("id_no", RESIDENT_ID, False, "收款人为个人时的身份证号（劳务费等）。", 22),
    Field("amount", AMOUNT, True, "支付金额（元），正数，最多2位小数。", 16),
    Field("func_code", FUNC, False, "支出功能分类科目；不填时沿用指标的科目。", 26),
    Field("dep_eco_code", DEP_ECO, True, "部门预算支出经济分类（5位），如 30226 劳务费。", 24),
    Field("gov_eco_code", GOV_ECO, False, "政府预算支出经济分类（5位）。", 22),
    Field("settlement_mode", DICT, True, "结算方式，从下拉列表选择。", 16, dictionary="settlement_modes"),
    Field("pay_type", DICT, False, "支付方式。", 14, dictionary="pay_types"),
    Field("use_des", TEXT, True, "用途（将打印在支付凭证和银行回单上），不超过300字。", 36, 300),
    Field("contract_no", CODE, False, "政府采购合同编号。", 20, 60),
    Field("card_not_accepted", BOOL, False, "对方不受理公务卡时填“是”（公务卡强制结算目录内的支出可据此不用公务卡结算，须说明）；不填为“否”。", 16),
)

FIELDS: dict[str, tuple[Field, ...]] = {"indicators": _IND, "payees": _PAYEE, "applications": _APP}


#: Columns of a source split (资金来源) on indicator sheets.
SOURCE_PARTS = ("src_public", "src_fund", "src_soe", "src_special_account", "src_special_project",
                "src_business", "src_operating", "src_subsidiary", "src_superior", "src_other",
                "src_carryover", "src_account_balance")

#: Functional code written as separate 类 / 款 / 项 columns (budget tables often do this).
FUNC_PARTS = ("func_lei", "func_kuan", "func_xiang")


def fields_for(kind: str) -> tuple[Field, ...]:
    try:
        return FIELDS[kind]
    except KeyError:
        raise ValueError(f"unknown import kind {kind!r}; expected one of {', '.join(KINDS)}") from None


@lru_cache(maxsize=1)
def synonyms() -> dict[str, list[str]]:
    with open(SYNONYMS_FILE, encoding="utf-8") as fh:
        data = json.load(fh)
    return {key: list(values) for key, values in data["fields"].items()}


# ---- header normalisation -----------------------------------------------------------------

_UNIT_RE = re.compile(
    r"(?:[(\[【<]\s*(?:单位)?[:：]?\s*(万元|元)\s*[)\]】>]|[/／]\s*(万元|元)|单位[:：]?(万元|元))$"
)
_WS_RE = re.compile(r"\s+")


def normalize_header(text: object) -> tuple[str, str | None]:
    """``'预算金额\\n（万元）'`` -> ``('预算金额', '万元')``; ``'*单位代码'`` -> ``('单位代码', None)``."""
    if text is None:
        return "", None
    value = unicodedata.normalize("NFKC", str(text))
    value = _WS_RE.sub("", value).strip("*＊")
    unit = None
    match = _UNIT_RE.search(value)
    if match:
        unit = next(g for g in match.groups() if g)
        value = value[: match.start()]
    elif value.endswith("万元") and len(value) > 2:  # "金额万元"
        unit, value = "万元", value[:-2]
    return value.strip("*").lower(), unit


@lru_cache(maxsize=8)
def header_index(kind: str) -> dict[str, str]:
    """normalised header text -> field key, for the fields of ``kind``."""
    table = synonyms()
    index: dict[str, str] = {}
    for field in fields_for(kind):
        for text in table.get(field.key, []):
            norm, _unit = normalize_header(text)
            index.setdefault(norm, field.key)
    return index

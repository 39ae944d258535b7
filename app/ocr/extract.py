"""Classify a voucher and extract its fields from positioned text lines.

The same extractor serves OCR lines (source ``ocr``) and PDF text-layer lines (source ``text``).
It is layout-aware rather than template-bound: a value is looked for after its label inside the
same line, then in the lines to the right on the same row, then just below the label. Where two
blocks share labels (购买方 / 销售方, 付款人 / 收款人) the block is decided by position — top vs.
bottom on paper VAT invoices, left vs. right on 数电票 and bank receipts.

Only *reading* normalisation happens here (NFKC, Latin look-alikes in digit-only fields such as
``O``→``0``); nothing is repaired to make a check pass.
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from app.ocr.model import FieldValue, OcrLine

# ------------------------------------------------------------------------------- classification
_KIND_PATTERNS = [
    ("digital_special", re.compile(r"电子发票[(（]?增值税专用发票")),
    ("digital_normal", re.compile(r"电子发票[(（]?普通发票")),
    ("vat_special", re.compile(r"增值税专用发票|专用发票")),
    ("vat_normal", re.compile(r"增值税(电子)?普通发票|普通发票")),
    ("fiscal_receipt", re.compile(r"票据代码|非税收入|财政.{0,6}票据|医疗收费票据|票据号码")),
    ("bank_receipt", re.compile(r"回单|银行.{0,4}凭证|交易流水号")),
]

QR_KIND = {"01": "vat_special", "08": "vat_special", "02": "vat_special",
           "04": "vat_normal", "10": "vat_normal", "11": "vat_normal", "14": "vat_normal",
           "31": "digital_special", "32": "digital_normal"}

#: Fields expected on each kind (the review screen lists missing ones as empty).
EXPECTED_FIELDS: dict[str, tuple[str, ...]] = {
    "vat_normal": ("invoice_code", "invoice_number", "issue_date", "check_code", "buyer_name",
                   "buyer_tax_id", "seller_name", "seller_tax_id", "amount_fen", "tax_fen",
                   "total_fen", "total_daxie"),
    "vat_special": ("invoice_code", "invoice_number", "issue_date", "buyer_name", "buyer_tax_id",
                    "seller_name", "seller_tax_id", "amount_fen", "tax_fen", "total_fen",
                    "total_daxie"),
    "digital_normal": ("invoice_number", "issue_date", "buyer_name", "buyer_tax_id",
                       "seller_name", "seller_tax_id", "amount_fen", "tax_fen", "total_fen",
                       "total_daxie"),
    "digital_special": ("invoice_number", "issue_date", "buyer_name", "buyer_tax_id",
                        "seller_name", "seller_tax_id", "amount_fen", "tax_fen", "total_fen",
                        "total_daxie"),
    "fiscal_receipt": ("invoice_code", "invoice_number", "issue_date", "check_code",
                       "payer_name", "payee_name", "total_fen", "total_daxie"),
    "bank_receipt": ("issue_date", "payer_name", "payer_account", "payee_name", "payee_account",
                     "total_fen", "total_daxie", "serial_no", "purpose"),
    "unknown": (),
}


def classify(text: str, qr_kind_code: str | None = None, fiscal_qr: bool = False) -> str:
    if qr_kind_code in QR_KIND:
        return QR_KIND[qr_kind_code]
    if fiscal_qr:
        return "fiscal_receipt"
    compact = re.sub(r"\s+", "", text)
    for kind, pattern in _KIND_PATTERNS:
        if pattern.search(compact):
            return kind
    return "unknown"


# ----------------------------------------------------------------------------------- patterns
_DIGIT_LOOKALIKE = str.maketrans({"O": "0", "o": "0", "D": "0", "Q": "0", "I": "1", "l": "1",
                                  "|": "1", "i": "1", "!": "1", "Z": "2", "S": "5", "B": "8",
                                  "g": "9", "q": "9"})
# letters that never occur in a USCC (GB 32100: no I, O, S, V, Z)
_USCC_LOOKALIKE = str.maketrans({"O": "0", "I": "1", "Z": "2", "S": "5", "o": "0", "l": "1"})

AMOUNT_RE = re.compile(r"[¥Y￥]?\s*(-?\d{1,3}(?:,\d{3})+\.\d{2}|-?\d+\.\d{2})(?!\d)")
DAXIE_CHARS = "零壹贰叁肆伍陆柒捌玖拾佰仟万亿元圆角分整正"
DAXIE_RE = re.compile(rf"[{DAXIE_CHARS}]{{2,}}")
DATE_RE = re.compile(r"(20\d{2}|19\d{2})\s*[年\-/.]\s*(\d{1,2})\s*[月\-/.]\s*(\d{1,2})\s*日?")
DATE_COMPACT_RE = re.compile(r"(?<!\d)(20\d{2})(\d{2})(\d{2})(?!\d)")
TAX_ID_RE = re.compile(r"[0-9A-Z]{15,20}")


#: geometric shapes and check boxes the recogniser emits for blots and rules
_BOXES = "\u25a0-\u25ff\u2610-\u2612\u2713-\u2718"


def digits_only(text: str) -> str:
    return re.sub(r"\s+", "", text.translate(_DIGIT_LOOKALIKE))


def parse_date(text: str) -> str | None:
    m = DATE_RE.search(text) or DATE_COMPACT_RE.search(text.replace(" ", ""))
    if not m:
        return None
    try:
        return date(int(m[1]), int(m[2]), int(m[3])).isoformat()
    except ValueError:
        # keep what was read: the date check marks it as invalid
        return f"{int(m[1]):04d}-{int(m[2]):02d}-{int(m[3]):02d}"


def amount_to_fen(text: str) -> int | None:
    from fiscal.money import AmountError, parse_amount

    m = AMOUNT_RE.search(text.replace(" ", ""))
    if not m:
        return None
    try:
        return parse_amount(m.group(1))
    except AmountError:
        return None


#: variant and traditional forms of the 大写 numerals that recognisers return (参 for 叁 is the
#: common one; 貳/陸/萬/億/圓 are the traditional forms): the same numeral, read differently
_DAXIE_VARIANTS = str.maketrans({"参": "叁", "貳": "贰", "陸": "陆", "萬": "万", "億": "亿",
                                 "圓": "元"})


def clean_daxie(text: str) -> str | None:
    text = text.translate(_DAXIE_VARIANTS)
    text = text.replace("圆", "元").replace("⊗", "").replace("ⓧ", "")
    text = re.sub(r"^[^零壹贰叁肆伍陆柒捌玖拾佰仟万亿]*", "", text)
    m = DAXIE_RE.search(text)
    return m.group(0) if m else None


def clean_name(text: str) -> str | None:
    # punctuation read in front of a name (a label's colon, a table rule read as "_" or "|",
    # a check-box-like blot)
    text = re.sub(rf"^[\s:：.,，、_\-~|·{_BOXES}]+", "", text)
    if re.fullmatch(r"[名称][:：]?", text.strip()):
        return None  # the other half of a letter-spaced "名    称:" label, not a name
    text = re.sub(r"[\s]+", "", text)
    text = text.strip(":：;；,，.。|")
    # strip any trailing label that the OCR glued on (e.g. 纳税人识别号)
    text = re.split(r"纳税人|识别号|统一社会|地址|开户行|账号|密码", text)[0]
    return text if len(text) >= 2 else None


def strip_accents(text: str) -> str:
    """É → E, Ö → O: OCR models sometimes put a mark on a Latin letter (seal ink, noise)."""
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c))


def clean_tax_id(text: str) -> str | None:
    t = re.sub(r"[\s\-]", "", strip_accents(text).upper()).translate(_USCC_LOOKALIKE)
    m = TAX_ID_RE.search(t)
    return m.group(0) if m else None


# ------------------------------------------------------------------------------------- layout
@dataclass
class Hit:
    value: object
    confidence: float
    line: OcrLine


class Layout:
    def __init__(self, lines: Iterable[OcrLine]):
        self.lines = sorted((ln for ln in lines if ln.text.strip()),
                            key=lambda ln: (ln.box[1], ln.box[0]))
        hs = sorted(ln.height for ln in self.lines) or [30]
        self.line_height = hs[len(hs) // 2]
        self.width = max((ln.box[2] for ln in self.lines), default=1)
        self.height = max((ln.box[3] for ln in self.lines), default=1)
        self._join_spaced_labels()

    def _join_spaced_labels(self) -> None:
        """Labels printed with wide letter-spacing ("名    称:", "合   计") come out as a lone
        character followed by the rest: join them so that label patterns match."""
        changed = True
        while changed:
            changed = False
            for a in self.lines:
                if len(a.text) != 1 or not ("\u4e00" <= a.text <= "\u9fff"):
                    continue
                # the detector may give the two halves overlapping boxes ("名" ending at
                # x=194, "称:" starting at x=175): a small overlap still means "next to"
                nxt = [b for b in self.lines if b is not a and self.same_row(a, b)
                       and b.cx > a.box[2]
                       and -0.6 * self.line_height <= b.box[0] - a.box[2] <= 5 * self.line_height
                       and len(b.text) <= 4]
                if not nxt:
                    continue
                b = min(nxt, key=lambda ln: ln.box[0])
                b_text = re.sub(rf"^[{_BOXES}]+", "", b.text)  # "☑称:": a blot before the half
                if not b_text or not ("\u4e00" <= b_text[0] <= "\u9fff"):
                    continue
                merged = OcrLine(a.text + b_text, min(a.confidence, b.confidence),
                                 (a.box[0], min(a.box[1], b.box[1]), b.box[2],
                                  max(a.box[3], b.box[3])))
                self.lines = [ln for ln in self.lines if ln is not a and ln is not b] + [merged]
                self.lines.sort(key=lambda ln: (ln.box[1], ln.box[0]))
                changed = True
                break

    @property
    def text(self) -> str:
        return "\n".join(ln.text for ln in self.lines)

    def same_row(self, a: OcrLine, b: OcrLine) -> bool:
        h = max(min(a.height, b.height), self.line_height * 0.6)
        return abs(a.cy - b.cy) < 0.55 * h

    def right_of(self, line: OcrLine, max_gap: float | None = None) -> list[OcrLine]:
        gap = max_gap if max_gap is not None else self.width * 0.45
        out = [ln for ln in self.lines if ln is not line and self.same_row(line, ln)
               and ln.box[0] >= line.box[2] - 1.0 * self.line_height and ln.cx > line.box[2]
               and ln.box[0] - line.box[2] <= gap]
        return sorted(out, key=lambda ln: ln.box[0])

    def below(self, line: OcrLine) -> list[OcrLine]:
        out = [ln for ln in self.lines if ln is not line and
               0 < ln.cy - line.cy < 2.2 * self.line_height and
               ln.box[0] < line.box[2] + 4 * self.line_height and ln.box[2] > line.box[0]]
        return sorted(out, key=lambda ln: (ln.box[1], ln.box[0]))

    def labels(self, pattern: re.Pattern) -> list[tuple[OcrLine, re.Match]]:
        out = []
        for ln in self.lines:
            m = pattern.search(ln.text)
            if m:
                out.append((ln, m))
        return out

    def value_for(self, label: re.Pattern, parse, *, max_gap: float | None = None,
                  look_below: bool = False, exclude: re.Pattern | None = None) -> list[Hit]:
        """For each occurrence of ``label``: the first parseable value after it."""
        hits = []
        for ln, m in self.labels(label):
            if exclude is not None and exclude.search(ln.text):
                continue
            rest = ln.text[m.end():]
            value = parse(rest) if rest.strip() else None
            if value is not None:
                hits.append(Hit(value, ln.confidence, ln))
                continue
            candidates = self.right_of(ln, max_gap)
            # try one neighbour, then two joined (values split by the detector)
            found = None
            # a neighbour whose box overlaps the label's already holds the characters that
            # the label's box caught at its end ("账号:1" + "1649…"): do not glue them twice
            overlap = bool(candidates) and rest.strip() and \
                candidates[0].box[0] < ln.box[2] - 0.3 * self.line_height
            if overlap:
                single = parse(candidates[0].text)
                if single is not None:
                    hits.append(Hit(single, candidates[0].confidence, candidates[0]))
                    continue
            for i in range(min(len(candidates), 3)):
                joined = rest + "".join(c.text for c in candidates[: i + 1])
                value = parse(joined)
                if value is not None:
                    conf = min([ln.confidence] + [c.confidence for c in candidates[: i + 1]])
                    found = Hit(value, conf, candidates[0])
                    break
                single = parse(candidates[i].text)
                if single is not None:
                    found = Hit(single, candidates[i].confidence, candidates[i])
                    break
            if found is None and look_below:
                for c in self.below(ln)[:2]:
                    value = parse(c.text)
                    if value is not None:
                        found = Hit(value, c.confidence, c)
                        break
            if found is not None:
                hits.append(found)
        return hits


# ------------------------------------------------------------------------------- field rules
def _fixed_digits(n: tuple[int, ...]):
    def parse(text: str):
        t = digits_only(text.lstrip(":：. "))
        m = re.match(r"\d+", t)
        if m and len(m.group(0)) in n:
            return m.group(0)
        m = re.search(rf"\d{{{min(n)},}}", t)
        if m and len(m.group(0)) in n:
            return m.group(0)
        return None
    return parse


def _alnum(min_len: int, max_len: int):
    def parse(text: str):
        t = re.sub(r"[\s:：]", "", strip_accents(text))
        m = re.match(rf"[0-9A-Za-z]{{{min_len},{max_len}}}", t)
        return m.group(0) if m else None
    return parse


def _account(text: str):
    t = re.sub(r"[\s\-]", "", text.lstrip(":：")).translate(_DIGIT_LOOKALIKE)
    m = re.match(r"\d{8,32}", t)
    return m.group(0) if m else None


def _rest_text(text: str):
    # a check box or bullet read in front of the value (☑, □, ·) is not part of it
    t = re.sub(rf"^[\s:：\u2022\u00b7{_BOXES}]+", "", text).strip()
    t = re.split(r"\s{2,}|交易流水号|摘要|业务类型", t)[0].strip()
    return t or None


def _first_daxie(text: str):
    return clean_daxie(text)


def _first_amount(text: str):
    return amount_to_fen(text)


RE_CODE = re.compile(r"发票代码|票据代码")
RE_NUMBER = re.compile(r"发票号码|票据号码")
RE_DATE = re.compile(r"开票日期|交易日期|日期")
RE_CHECK = re.compile(r"校\s*验\s*码")
# "名    称:" is printed letter-spaced: the detector may see only one half of it ("名" with the
# "称:" box missed), so a lone 名 or 称 at the start of a row is the label too
RE_NAME = re.compile(r"名.{0,2}?称|户\s*名|全\s*称|^[名称]\s*[:：]?$")
RE_TAX_ID = re.compile(r"纳.{0,2}人.{0,3}号|统一社会信用代码")
RE_DAXIE = re.compile(r"[(（]\s*大\s*写\s*[)）]|大写")
# "(小写)" with the 写 lost in a blurred photo still reads "(小)"
RE_XIAOXIE = re.compile(r"[(（]\s*小\s*[写\w]?\s*[)）]|小写")  # "(小5)": 写 misread
RE_TOTAL_ROW = re.compile(r"^[合含]\s*计$|^[合含]\s*计\s|[合含]\s*计\s*[¥YV]")
RE_ACCOUNT = re.compile(r"账\s*号")
RE_SERIAL = re.compile(r"流水号|交易序号|回单编号")
RE_PURPOSE = re.compile(r"用\s*途")
RE_PAYER = re.compile(r"交\s*款\s*人(?!统一)")
RE_PAYEE_UNIT = re.compile(r"收款单位")
RE_TOTAL_TITLE = re.compile(r"价税合计|金额合计")
RE_NOT_PARTY = re.compile(r"项目名称|货物|服务名称|规格")


def _pick_by_block(hits: list[Hit], layout: Layout, horizontal: bool) -> tuple[Hit | None, Hit | None]:
    """(first block, second block): left/right when ``horizontal`` else top/bottom."""
    if not hits:
        return None, None
    key = (lambda h: h.line.cx) if horizontal else (lambda h: h.line.cy)
    hits = sorted(hits, key=key)
    if len(hits) == 1:
        h = hits[0]
        mid = layout.width / 2 if horizontal else layout.height / 2
        return (h, None) if key(h) < mid else (None, h)
    return hits[0], hits[-1]


def _put(fields: dict[str, FieldValue], name: str, hit: Hit | None, source: str) -> None:
    if hit is not None and hit.value is not None and name not in fields:
        fields[name] = FieldValue(hit.value, round(float(hit.confidence), 3), source)


def extract_fields(lines: list[OcrLine], kind: str, source: str = "ocr") -> dict[str, FieldValue]:
    layout = Layout(lines)
    f: dict[str, FieldValue] = {}
    fiscal = kind == "fiscal_receipt"
    digital = kind in ("digital_normal", "digital_special")
    bank = kind == "bank_receipt"

    if fiscal:
        _put(f, "invoice_code", _first(layout.value_for(RE_CODE, _fixed_digits((8,)))), source)
        _put(f, "invoice_number", _first(layout.value_for(RE_NUMBER, _fixed_digits((10,)))), source)
        _put(f, "check_code", _first(layout.value_for(RE_CHECK, _alnum(6, 6))), source)
    elif not bank:
        if not digital:
            _put(f, "invoice_code", _first(layout.value_for(RE_CODE, _fixed_digits((10, 12)))), source)
        _put(f, "invoice_number",
             _first(layout.value_for(RE_NUMBER, _fixed_digits((20,) if digital else (8,)))), source)
        if kind == "vat_normal":
            _put(f, "check_code", _first(layout.value_for(RE_CHECK, _fixed_digits((20,)))), source)
    _put(f, "issue_date", _first(layout.value_for(RE_DATE, parse_date)), source)

    if bank:
        names = layout.value_for(RE_NAME, clean_name)
        payer, payee = _pick_by_block(names, layout, horizontal=True)
        _put(f, "payer_name", payer, source)
        _put(f, "payee_name", payee, source)
        accts = layout.value_for(RE_ACCOUNT, _account)
        payer, payee = _pick_by_block(accts, layout, horizontal=True)
        _put(f, "payer_account", payer, source)
        _put(f, "payee_account", payee, source)
        _put(f, "serial_no", _first(layout.value_for(RE_SERIAL, _alnum(8, 32),
                                                     exclude=re.compile("回单编号"))), source)
        _put(f, "purpose", _first(layout.value_for(RE_PURPOSE, _rest_text)), source)
    elif fiscal:
        _put(f, "payer_name", _first(layout.value_for(RE_PAYER, clean_name)), source)
        _put(f, "buyer_tax_id", _first(layout.value_for(RE_TAX_ID, clean_tax_id)), source)
        _put(f, "payee_name", _first(layout.value_for(RE_PAYEE_UNIT, _payee_unit)), source)
    else:
        names = layout.value_for(RE_NAME, clean_name, exclude=RE_NOT_PARTY)
        buyer, seller = _pick_by_block(names, layout, horizontal=digital)
        _put(f, "buyer_name", buyer, source)
        _put(f, "seller_name", seller, source)
        ids = layout.value_for(RE_TAX_ID, clean_tax_id, look_below=True)
        buyer, seller = _pick_by_block(ids, layout, horizontal=digital)
        _put(f, "buyer_tax_id", buyer, source)
        _put(f, "seller_tax_id", seller, source)
        net, tax = _total_row(layout)
        _put(f, "amount_fen", net, source)
        _put(f, "tax_fen", tax, source)

    _put(f, "total_daxie", _first(layout.value_for(RE_DAXIE, _first_daxie)), source)
    if "total_daxie" not in f:  # the "(大写)" label misread: the 大写 after the row's title
        _put(f, "total_daxie", _first(layout.value_for(RE_TOTAL_TITLE, _first_daxie)), source)
    _put(f, "total_fen", _first(layout.value_for(RE_XIAOXIE, _first_amount)), source)
    if "total_fen" not in f and not bank:
        _put(f, "total_fen", _total_on_daxie_row(layout), source)
    return f


def _payee_unit(text: str):
    t = re.sub(r"^[\s(（]*章[)）]*", "", text)
    return clean_name(t)


def _first(hits: list[Hit]) -> Hit | None:
    return hits[0] if hits else None


def _total_row(layout: Layout) -> tuple[Hit | None, Hit | None]:
    """The 合计 row of the item table: ¥net … ¥tax (sorted left to right)."""
    rows = [ln for ln in layout.lines if RE_TOTAL_ROW.search(ln.text.strip())
            and "价税" not in ln.text and "大写" not in ln.text]
    if not rows:
        # "合" and "计" detected as two boxes
        for ln in layout.lines:
            if ln.text.strip() == "合":
                rows.append(ln)
    for row in rows:
        amounts = []
        own = AMOUNT_RE.findall(row.text.replace(" ", ""))
        for a in own:
            amounts.append((row.box[2], amount_to_fen(a), row.confidence, row))
        for ln in layout.right_of(row, max_gap=layout.width):
            for a in AMOUNT_RE.findall(ln.text.replace(" ", "")):
                amounts.append((ln.cx, amount_to_fen(a), ln.confidence, ln))
        amounts = [a for a in amounts if a[1] is not None]
        if len(amounts) >= 2:
            amounts.sort(key=lambda a: a[0])
            return Hit(amounts[0][1], amounts[0][2], amounts[0][3]), \
                Hit(amounts[-1][1], amounts[-1][2], amounts[-1][3])
        if len(amounts) == 1:
            return Hit(amounts[0][1], amounts[0][2], amounts[0][3]), None
    # the label was not read (spaced "合   计" defeats some engines): the one row of the
    # item table that carries two ¥ amounts and no 大写/小写 label is the 合计 row
    money_lines = [ln for ln in layout.lines if re.search(r"[¥YV]\s*\d", ln.text)
                   and not RE_XIAOXIE.search(ln.text) and not RE_DAXIE.search(ln.text)]
    for ln in money_lines:
        same = [m for m in money_lines if layout.same_row(ln, m)]
        row_has_label = any((RE_XIAOXIE.search(o.text) or RE_DAXIE.search(o.text))
                            for o in layout.lines if layout.same_row(ln, o))
        if len(same) == 2 and not row_has_label:
            same.sort(key=lambda m: m.cx)
            net, tax = amount_to_fen(same[0].text), amount_to_fen(same[1].text)
            if net is not None and tax is not None:
                return Hit(net, same[0].confidence, same[0]), Hit(tax, same[1].confidence, same[1])
    return None, None


def _total_on_daxie_row(layout: Layout) -> Hit | None:
    """Fallback for the total: the ¥ amount printed on the 价税合计/金额合计 row (when the
    "(小写)" label itself was not read)."""
    for ln in layout.lines:
        if not re.search(r"价税合计|金额合计|合计.{0,2}大写", ln.text):
            continue
        row = [ln] + layout.right_of(ln, max_gap=layout.width)
        amounts = [(o, m) for o in row for m in AMOUNT_RE.finditer(o.text.replace(" ", ""))
                   if re.search(r"[¥YV]", o.text)]  # ¥ is often read as Y or V
        if amounts:
            o, m = max(amounts, key=lambda a: a[0].cx)
            fen = amount_to_fen(m.group(0))
            if fen is not None:
                return Hit(fen, o.confidence, o)
    return None


def fields_from_xml(values: dict[str, str]) -> dict[str, FieldValue]:
    from fiscal.money import AmountError, parse_amount

    out: dict[str, FieldValue] = {}
    for name, raw in values.items():
        if name.startswith("_"):
            continue
        raw = unicodedata.normalize("NFKC", raw).strip()
        value: object = raw
        if name.endswith("_fen"):
            try:
                value = parse_amount(raw)
            except AmountError:
                value = raw
        elif name == "issue_date":
            value = parse_date(raw) or raw
        elif name == "total_daxie":
            value = clean_daxie(raw) or raw
        out[name] = FieldValue(value, 0.99, "text")
    return out

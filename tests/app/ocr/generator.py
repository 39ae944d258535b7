"""Synthetic voucher generator with ground truth, for the OCR tests and the benchmark.

Renders every voucher kind the OCR pipeline knows — 增值税普通/专用发票 (paper), 数电票 (普通/专用),
财政电子票据 and 银行回单 — with internally consistent data:

* USCCs that pass ``fiscal.ids.is_valid_uscc`` (found by trying the check characters against
  the validator, so the generator never re-implements the algorithm);
* amounts in integer fen with amount + tax == total and 大写 from ``fiscal.money.to_daxie``;
* real QR codes written by zxing-cpp in the formats read by ``fiscal.ids.parse_invoice_qr``;
* red seal stamps over text;

and degrades each clean render into capture conditions: ``clean``, ``rot90`` / ``rot180`` /
``rot270`` (+ a few degrees of skew), ``lowres`` (≈100 dpi JPEG), ``camera_mild`` and
``camera_heavy`` (desk background, perspective, uneven light, blur, noise, JPEG).

Run ``python -m tests.app.ocr.generator OUT_DIR`` to write a sample set with a ``manifest.json``.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import random
import string
import sys
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import zxingcpp
from PIL import Image, ImageDraw, ImageFont

from fiscal import ids as fids
from fiscal import money

KINDS = ("vat_normal", "vat_special", "digital_normal", "digital_special", "fiscal_receipt",
         "bank_receipt")
CONDITIONS = ("clean", "rot90", "rot180", "rot270", "lowres", "camera_mild", "camera_heavy")

# Ground-truth fields per kind (the fields the pipeline is expected to extract).
FIELDS_BY_KIND: dict[str, tuple[str, ...]] = {
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
    "fiscal_receipt": ("invoice_code", "invoice_number", "issue_date", "check_code", "payer_name",
                       "buyer_tax_id", "payee_name", "total_fen", "total_daxie"),
    "bank_receipt": ("issue_date", "payer_name", "payer_account", "payee_name", "payee_account",
                     "total_fen", "total_daxie", "serial_no", "purpose"),
}

FONT_DIRS = ("/usr/share/fonts/opentype/noto", "/usr/share/fonts/truetype/wqy",
             "/usr/share/fonts/truetype/noto", "C:/Windows/Fonts")

# Colours: real VAT invoices print the form (labels, frame) in brown and the data in black.
FORM = (139, 69, 19)
INK = (20, 20, 20)
BLUE_FORM = (30, 60, 140)
SEAL_RED = (215, 30, 35)

BUYERS = ["广州市天河区第一小学", "深圳市福田区财政局", "佛山市南海区人民医院", "东莞市教育局",
          "珠海市香洲区卫生健康局", "韶关市武江区农业农村局", "中山市图书馆", "江门市疾病预防控制中心",
          "湛江市水利局", "惠州市公路事务中心", "汕头市金平区人民政府办公室", "肇庆市文化馆"]
SELLERS = ["广州华信办公用品有限公司", "深圳市中科软件技术有限公司", "佛山市美家家具制造有限公司",
           "广东南粤印务有限公司", "东莞市顺达物流有限公司", "珠海格润电器销售有限公司",
           "广州市白云区明珠酒店有限公司", "惠州市绿源环保科技有限公司", "广东鸿运会议服务有限公司",
           "中山市利民医疗器械有限公司"]
GOODS = [("*纸制品*A4复印纸", "70g", "箱", 1300), ("*办公用品*中性笔", "0.5mm", "盒", 3500),
         ("*计算机配套产品*激光打印机", "M1136", "台", 128000), ("*家具*办公椅", "BG-02", "把", 45000),
         ("*信息技术服务*软件维护服务", "", "项", 880000), ("*会议服务*会议费", "", "次", 1200000),
         ("*住宿服务*住宿费", "", "天", 38000), ("*印刷品*资料印刷", "A4", "册", 1550),
         ("*医疗器械*医用口罩", "50只", "盒", 2600), ("*物流辅助服务*运输服务", "", "次", 60000)]
FISCAL_ITEMS = [("103040101", "行政事业性收费", "次"), ("103070001", "教育收费", "人"),
                ("103049904", "不动产登记费", "件"), ("103050101", "罚没收入", "件")]
PURPOSES = ["办公用品采购款", "差旅费报销", "会议费", "培训费", "物业管理费", "设备维修费",
            "印刷费", "专用材料费"]
BANKS = ["中国工商银行广州天河支行", "中国建设银行深圳福田支行", "中国农业银行佛山南海支行",
         "中国银行东莞分行营业部", "交通银行珠海分行", "招商银行广州分行营业部"]
PROVINCES = [("广东", "4400"), ("广州", "4401"), ("深圳", "4403")]
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


@cache
def font_path(serif: bool = False, bold: bool = False) -> tuple[str, int]:
    names = []
    if serif:
        names.append(("NotoSerifCJK-Bold.ttc" if bold else "NotoSerifCJK-Regular.ttc", 2))
    names.append(("NotoSansCJK-Bold.ttc" if bold else "NotoSansCJK-Regular.ttc", 2))
    names += [("NotoSansCJK-Regular.ttc", 2), ("wqy-zenhei.ttc", 0), ("msyh.ttc", 0),
              ("simsun.ttc", 0)]
    for directory in FONT_DIRS:
        for name, index in names:
            path = Path(directory) / name
            if path.exists():
                return str(path), index
    raise RuntimeError("没有找到中文字体 (install fonts-noto-cjk)")


@cache
def _font(size: int, serif: bool = False, bold: bool = False) -> ImageFont.FreeTypeFont:
    path, index = font_path(serif, bold)
    return ImageFont.truetype(path, size, index=index)


# ---------------------------------------------------------------------------------- identifiers
def make_uscc(rng: random.Random) -> str:
    """A USCC that passes fiscal.ids (incl. the embedded organisation-code check)."""
    while True:
        head = rng.choice(["91", "92", "11", "12", "52", "93"])
        area = rng.choice(["440101", "440104", "440304", "440605", "441900", "440402"])
        body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY"[:10 + rng.randint(0, 2)])
                       for _ in range(8))
        for c17 in "0123456789X":
            for c18 in USCC_ALPHABET:
                code = head + area + body + c17 + c18
                if fids.is_valid_uscc(code, org_code=True):
                    return code
        # extremely unlikely; draw again


def make_invoice_code(rng: random.Random, kind: str, year: int) -> str:
    """An invoice code that fiscal.ids.parse_invoice_code accepts (10 digits 专票, 12 digits 普票)."""
    yy = f"{year % 100:02d}"
    for _ in range(2000):
        region = rng.choice(PROVINCES)[1]
        if kind == "vat_special":
            # 10 digits: region (4) + year (2) + batch (1) + kind (1: 1/5 = 专票) + copies (1) + ...
            cand = f"{region}{yy}{rng.randint(1, 9)}{rng.choice('15')}{rng.choice('36')}" \
                   f"{rng.randint(0, 9)}"
        else:
            # 12 digits: 0 + region (4) + year (2) + batch (3) + kind (2: 04/05 paper, 11 e-invoice)
            cand = f"0{region}{yy}{rng.randint(0, 999):03d}{rng.choice(['04', '05', '11'])}"
        try:
            info = fids.parse_invoice_code(cand)
        except Exception:  # noqa: BLE001, S112 - try another candidate
            continue
        if info is not None:
            return cand
    raise RuntimeError("could not make an invoice code that fiscal.ids accepts")


def make_digital_number(rng: random.Random, year: int) -> str:
    for _ in range(2000):
        cand = f"{year % 100:02d}44{rng.randint(0, 9)}{rng.randint(0, 9):01d}" + "".join(
            rng.choice(string.digits) for _ in range(14))
        cand = cand[:20]
        try:
            fids.parse_digital_invoice_number(cand)
        except Exception:  # noqa: BLE001, S112
            continue
        return cand
    raise RuntimeError("could not make a 20-digit invoice number that fiscal.ids accepts")


def make_bank_account(rng: random.Random) -> str:
    for _ in range(5000):
        length = rng.choice([16, 17, 19, 19, 20])
        cand = str(rng.randint(1, 9)) + "".join(rng.choice(string.digits)
                                                for _ in range(length - 1))
        if fids.is_valid_bank_account(cand):
            return cand
    raise RuntimeError("could not make a bank account that fiscal.ids accepts")


def make_fiscal_bill(rng: random.Random) -> tuple[str, str]:
    for _ in range(5000):
        code = "44" + "".join(rng.choice(string.digits) for _ in range(6))
        number = "".join(rng.choice(string.digits) for _ in range(10))
        if fids.is_valid_fiscal_bill(code, number):
            return code, number
    raise RuntimeError("could not make a fiscal bill that fiscal.ids accepts")


def yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def qr_image(payload: str, module_px: int) -> Image.Image:
    code = zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode, ec_level="M")
    arr = np.asarray(code.to_image(scale=module_px, add_quiet_zones=True))
    return Image.fromarray(arr).convert("RGB")


# ------------------------------------------------------------------------------------ drawing
#: set by :func:`render` with ``draw_text=False``: text is recorded, not drawn (PDF export)
_DRAW_TEXT = True
_LAST_CANVAS: list = []


class Canvas:
    def __init__(self, width: int, height: int, rng: random.Random, serif: bool):
        self.img = Image.new("RGB", (width, height), (253, 252, 248))
        self.draw = ImageDraw.Draw(self.img)
        self.rng = rng
        self.serif = serif
        self.texts: list[tuple] = []
        _LAST_CANVAS[:] = [self]

    def text(self, xy, text, size=30, fill=INK, bold=False, anchor="la"):
        self.texts.append((xy, text, size, fill, bold, anchor))
        if _DRAW_TEXT:
            self.draw.text(xy, text, font=_font(size, self.serif, bold), fill=fill, anchor=anchor)

    def box(self, xy, color=FORM, width=3):
        self.draw.rectangle(xy, outline=color, width=width)

    def line(self, xy, color=FORM, width=2):
        self.draw.line(xy, fill=color, width=width)

    def paste_qr(self, payload: str, x: int, y: int, module_px: int = 5):
        self.img.paste(qr_image(payload, module_px), (x, y))

    def seal(self, cx: int, cy: int, name: str, bottom: str, oval: bool = True, r: int = 130):
        """A translucent red seal: ring, star, name along the arc, bottom label."""
        layer = Image.new("RGBA", self.img.size, (0, 0, 0, 0))
        d = ImageDraw.Draw(layer)
        rx, ry = (int(r * 1.35), r) if oval else (r, r)
        colour = SEAL_RED + (170,)
        d.ellipse((cx - rx, cy - ry, cx + rx, cy + ry), outline=colour, width=7)
        d.ellipse((cx - rx + 12, cy - ry + 12, cx + rx - 12, cy + ry - 12), outline=colour, width=2)
        star = []
        for i in range(10):
            ang = -math.pi / 2 + i * math.pi / 5
            rr = 34 if i % 2 == 0 else 14
            star.append((cx + rr * math.cos(ang), cy - 20 + rr * math.sin(ang)))
        d.polygon(star, fill=colour)
        font = _font(30, False, True)
        n = len(name)
        for i, ch in enumerate(name):
            ang = math.pi + (i + 0.5) * math.pi / n
            x = cx + (rx - 38) * math.cos(ang)
            y = cy + (ry - 38) * math.sin(ang)
            glyph = Image.new("RGBA", (44, 44), (0, 0, 0, 0))
            ImageDraw.Draw(glyph).text((22, 22), ch, font=font, fill=colour, anchor="mm")
            glyph = glyph.rotate(-math.degrees(ang) - 90, resample=Image.BICUBIC)
            layer.alpha_composite(glyph, (int(x - 22), int(y - 22)))
        d.text((cx, cy + ry * 0.45), bottom, font=_font(28, False, True), fill=colour,
               anchor="mm")
        base = self.img.convert("RGBA")
        base.alpha_composite(layer)
        self.img = base.convert("RGB")
        self.draw = ImageDraw.Draw(self.img)


@dataclass
class Voucher:
    kind: str
    truth: dict[str, Any]
    image: np.ndarray  # RGB uint8, clean render
    qr_payload: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def _date(rng: random.Random) -> dt.date:
    return dt.date(2021, 1, 1) + dt.timedelta(days=rng.randint(0, 1700))


def _items(rng: random.Random, rate_pct: int) -> tuple[list[dict], int, int]:
    rows = []
    for _ in range(rng.randint(1, 3)):
        name, spec, unit, price = rng.choice(GOODS)
        qty = rng.randint(1, 30)
        price = int(price * rng.uniform(0.6, 1.6))
        net = qty * price
        rows.append({"name": name, "spec": spec, "unit": unit, "qty": qty, "price": price,
                     "net": net, "tax": (net * rate_pct + 50) // 100})
    return rows, sum(r["net"] for r in rows), sum(r["tax"] for r in rows)


def _items_table(c: Canvas, x0, y0, x1, y1, rows, rate_pct, color, net, tax, label_size=26):
    c.box((x0, y0, x1, y1), color)
    cols = [x0, x0 + 470, x0 + 640, x0 + 740, x0 + 860, x0 + 1090, x0 + 1360, x0 + 1470, x1]
    heads = ["项目名称", "规格型号", "单位", "数量", "单价", "金额", "税率", "税额"]
    for i, h in enumerate(heads):
        c.text(((cols[i] + cols[i + 1]) // 2, y0 + 30), h, label_size, color, anchor="mm")
    for cx in cols[1:-1]:
        c.line((cx, y0, cx, y1 - 70), color)
    c.line((x0, y1 - 70, x1, y1 - 70), color)
    for j, r in enumerate(rows):
        y = y0 + 80 + j * 46
        c.text((cols[0] + 10, y), r["name"], 25, INK, anchor="lm")
        c.text((cols[1] + 10, y), r["spec"], 25, INK, anchor="lm")
        c.text(((cols[2] + cols[3]) // 2, y), r["unit"], 25, INK, anchor="mm")
        c.text((cols[4] - 10, y), str(r["qty"]), 25, INK, anchor="rm")
        c.text((cols[5] - 10, y), yuan(r["price"]), 25, INK, anchor="rm")
        c.text((cols[6] - 10, y), yuan(r["net"]), 25, INK, anchor="rm")
        c.text(((cols[6] + cols[7]) // 2, y), f"{rate_pct}%", 25, INK, anchor="mm")
        c.text((cols[8] - 10, y), yuan(r["tax"]), 25, INK, anchor="rm")
    yt = y1 - 35
    c.text(((cols[0] + cols[1]) // 2, yt), "合      计", label_size, color, anchor="mm")
    c.text((cols[6] - 10, yt), f"¥{yuan(net)}", 27, INK, anchor="rm")
    c.text((cols[8] - 10, yt), f"¥{yuan(tax)}", 27, INK, anchor="rm")


def render_vat(kind: str, rng: random.Random) -> Voucher:
    special = kind == "vat_special"
    date = _date(rng)
    code = make_invoice_code(rng, kind, date.year)
    number = f"{rng.randint(0, 99999999):08d}"
    check = "".join(rng.choice(string.digits) for _ in range(20)) if not special else None
    buyer, seller = rng.choice(BUYERS), rng.choice(SELLERS)
    buyer_id, seller_id = make_uscc(rng), make_uscc(rng)
    rate = rng.choice([1, 3, 6, 9, 13])
    rows, net, tax = _items(rng, rate)
    total = net + tax
    kind_code = "01" if special else ("10" if code.endswith("11") else "04")
    payload = f"01,{kind_code},{code},{number},{yuan(net)},{date:%Y%m%d}," \
              f"{check or ''},{rng.randint(0, 0xFFFF):04X}"
    c = Canvas(2000, 1300, rng, serif=rng.random() < 0.3)
    prov = rng.choice(PROVINCES)[0]
    title = f"{prov}增值税{'专用' if special else '普通'}发票"
    c.text((1000, 75), title, 54, FORM, bold=True, anchor="mm")
    c.line((700, 120, 1300, 120), FORM, 3)
    c.line((700, 128, 1300, 128), FORM, 3)
    c.text((1000, 160), "发 票 联" if not special else "抵 扣 联", 30, FORM, anchor="mm")
    c.paste_qr(payload, 70, 30, module_px=5)
    lx = 1420
    c.text((lx, 55), "发票代码:", 28, FORM)
    c.text((lx + 150, 55), code, 30, INK)
    c.text((lx, 100), "发票号码:", 28, FORM)
    c.text((lx + 150, 100), number, 30, INK)
    c.text((lx, 145), "开票日期:", 28, FORM)
    c.text((lx + 150, 145), f"{date.year}年{date.month:02d}月{date.day:02d}日", 30, INK)
    if check:
        c.text((lx - 20, 190), "校 验 码:", 26, FORM)
        c.text((lx + 110, 190), " ".join(check[i:i + 5] for i in range(0, 20, 5)), 26, INK)
    # buyer block
    x0, x1 = 60, 1940
    y = 250
    c.box((x0, y, x1, y + 210))
    c.line((x0 + 70, y, x0 + 70, y + 210))
    c.text((x0 + 35, y + 105), "购\n买\n方", 28, FORM, anchor="mm")
    c.line((1250, y, 1250, y + 210))
    c.text((1275, y + 20), "密\n码\n区", 28, FORM)
    for k in range(4):
        c.text((1340, y + 15 + k * 46),
               "".join(rng.choice("0123456789<>+-*/") for _ in range(28)), 26, INK)
    c.text((x0 + 90, y + 15), "名        称:", 27, FORM)
    c.text((x0 + 290, y + 15), buyer, 30, INK)
    c.text((x0 + 90, y + 62), "纳税人识别号:", 27, FORM)
    c.text((x0 + 290, y + 62), buyer_id, 30, INK)
    c.text((x0 + 90, y + 109), "地 址、电 话:", 27, FORM)
    c.text((x0 + 290, y + 109), f"广州市天河路{rng.randint(1, 999)}号 020-{rng.randint(10000000, 99999999)}", 26, INK)
    c.text((x0 + 90, y + 156), "开户行及账号:", 27, FORM)
    c.text((x0 + 290, y + 156), f"{rng.choice(BANKS)} {make_bank_account(rng)}", 26, INK)
    # items
    _items_table(c, x0, y + 210, x1, y + 560, rows, rate, FORM, net, tax)
    # totals
    yt = y + 560
    c.box((x0, yt, x1, yt + 70))
    c.text((x0 + 20, yt + 35), "价税合计（大写）", 28, FORM, anchor="lm")
    daxie = money.to_daxie(total)
    c.text((x0 + 300, yt + 35), f"⊗{daxie}", 30, INK, anchor="lm")
    c.text((1400, yt + 35), "（小写）", 28, FORM, anchor="lm")
    c.text((1520, yt + 35), f"¥{yuan(total)}", 30, INK, anchor="lm")
    # seller block
    ys = yt + 70
    c.box((x0, ys, x1, ys + 210))
    c.line((x0 + 70, ys, x0 + 70, ys + 210))
    c.text((x0 + 35, ys + 105), "销\n售\n方", 28, FORM, anchor="mm")
    c.line((1250, ys, 1250, ys + 210))
    c.text((1275, ys + 20), "备\n\n注", 28, FORM)
    c.text((x0 + 90, ys + 15), "名        称:", 27, FORM)
    c.text((x0 + 290, ys + 15), seller, 30, INK)
    c.text((x0 + 90, ys + 62), "纳税人识别号:", 27, FORM)
    c.text((x0 + 290, ys + 62), seller_id, 30, INK)
    c.text((x0 + 90, ys + 109), "地 址、电 话:", 27, FORM)
    c.text((x0 + 290, ys + 109), f"佛山市南海大道{rng.randint(1, 999)}号 0757-{rng.randint(10000000, 99999999)}", 26, INK)
    c.text((x0 + 90, ys + 156), "开户行及账号:", 27, FORM)
    c.text((x0 + 290, ys + 156), f"{rng.choice(BANKS)} {make_bank_account(rng)}", 26, INK)
    c.text((x0 + 30, 1255), "收款人: 李娜", 26, FORM)
    c.text((560, 1255), "复核: 王强", 26, FORM)
    c.text((1000, 1255), "开票人: 陈静", 26, FORM)
    c.text((1460, 1255), "销售方: (章)", 26, FORM)
    # seal over the seller's remarks and the footer
    c.seal(rng.randint(760, 1120), ys + rng.randint(80, 140), seller, "发票专用章", oval=True, r=105)
    truth = {"invoice_code": code, "invoice_number": number,
             "issue_date": date.isoformat(), "buyer_name": buyer, "buyer_tax_id": buyer_id,
             "seller_name": seller, "seller_tax_id": seller_id, "amount_fen": net, "tax_fen": tax,
             "total_fen": total, "total_daxie": daxie}
    if check:
        truth["check_code"] = check
    return Voucher(kind, truth, np.asarray(c.img), payload)


def render_digital(kind: str, rng: random.Random) -> Voucher:
    special = kind == "digital_special"
    date = _date(rng)
    date = max(date, dt.date(2023, 1, 1))
    number = make_digital_number(rng, date.year)
    buyer, seller = rng.choice(BUYERS), rng.choice(SELLERS)
    buyer_id, seller_id = make_uscc(rng), make_uscc(rng)
    rate = rng.choice([1, 3, 6, 13])
    rows, net, tax = _items(rng, rate)
    total = net + tax
    # The QR of a 数电票 carries the amount; whether it is net or gross varies by issuer, the
    # generator writes the total (价税合计) so the pipeline's handling of both is exercised.
    payload = f"01,{'31' if special else '32'},,{number},{yuan(total)},{date:%Y%m%d},," \
              f"{rng.randint(0, 0xFFFF):04X}"
    c = Canvas(2000, 1250, rng, serif=False)
    title = "电子发票（增值税专用发票）" if special else "电子发票（普通发票）"
    c.text((1000, 80), title, 50, SEAL_RED if rng.random() < 0.5 else BLUE_FORM, bold=True,
           anchor="mm")
    c.line((620, 125, 1380, 125), SEAL_RED, 3)
    c.paste_qr(payload, 70, 30, module_px=5)
    lx = 1390
    c.text((lx, 60), "发票号码:", 28, BLUE_FORM)
    c.text((lx + 140, 60), number, 30, INK)
    c.text((lx, 110), "开票日期:", 28, BLUE_FORM)
    c.text((lx + 140, 110), f"{date.year}年{date.month:02d}月{date.day:02d}日", 30, INK)
    x0, x1, y = 60, 1940, 240
    c.box((x0, y, x1, y + 200), BLUE_FORM)
    c.line((1000, y, 1000, y + 200), BLUE_FORM)
    c.line((x0 + 60, y, x0 + 60, y + 200), BLUE_FORM)
    c.line((1060, y, 1060, y + 200), BLUE_FORM)
    c.text((x0 + 30, y + 100), "购\n买\n方\n信\n息", 24, BLUE_FORM, anchor="mm")
    c.text((1030, y + 100), "销\n售\n方\n信\n息", 24, BLUE_FORM, anchor="mm")
    c.text((x0 + 80, y + 45), "名称:", 27, BLUE_FORM)
    c.text((x0 + 160, y + 45), buyer, 29, INK)
    c.text((x0 + 80, y + 120), "统一社会信用代码/纳税人识别号:", 25, BLUE_FORM)
    c.text((x0 + 470, y + 120), buyer_id, 28, INK)
    c.text((1080, y + 45), "名称:", 27, BLUE_FORM)
    c.text((1160, y + 45), seller, 29, INK)
    c.text((1080, y + 120), "统一社会信用代码/纳税人识别号:", 25, BLUE_FORM)
    c.text((1470, y + 120), seller_id, 28, INK)
    _items_table(c, x0, y + 200, x1, y + 560, rows, rate, BLUE_FORM, net, tax)
    yt = y + 560
    c.box((x0, yt, x1, yt + 70), BLUE_FORM)
    c.text((x0 + 20, yt + 35), "价税合计（大写）", 28, BLUE_FORM, anchor="lm")
    daxie = money.to_daxie(total)
    c.text((x0 + 300, yt + 35), f"⊗{daxie}", 30, INK, anchor="lm")
    c.text((1400, yt + 35), "（小写）", 28, BLUE_FORM, anchor="lm")
    c.text((1520, yt + 35), f"¥{yuan(total)}", 30, INK, anchor="lm")
    c.box((x0, yt + 70, x1, yt + 220), BLUE_FORM)
    c.text((x0 + 20, yt + 100), "备注", 27, BLUE_FORM)
    c.text((x0 + 30, 1190), "开票人: 陈静", 27, BLUE_FORM)
    if rng.random() < 0.5:
        c.seal(1650, 150, seller, "发票专用章", oval=True, r=95)
    truth = {"invoice_number": number, "issue_date": date.isoformat(), "buyer_name": buyer,
             "buyer_tax_id": buyer_id, "seller_name": seller, "seller_tax_id": seller_id,
             "amount_fen": net, "tax_fen": tax, "total_fen": total, "total_daxie": daxie}
    return Voucher(kind, truth, np.asarray(c.img), payload)


def render_fiscal(rng: random.Random) -> Voucher:
    date = _date(rng)
    code, number = make_fiscal_bill(rng)
    check = "".join(rng.choice("0123456789abcdef") for _ in range(6))
    payer = rng.choice(BUYERS + ["张伟", "李娜", "王芳"])
    payer_id = make_uscc(rng)
    payee = rng.choice(["广州市不动产登记中心", "深圳市教育局", "佛山市人民医院", "东莞市交通运输局",
                        "广东省财政厅非税收入征收中心"])
    items = []
    for _ in range(rng.randint(1, 3)):
        icode, iname, unit = rng.choice(FISCAL_ITEMS)
        qty = rng.randint(1, 5)
        std = rng.randint(50, 200000) * 10
        items.append((icode, iname, unit, qty, std, qty * std))
    total = sum(i[5] for i in items)
    payload = (f"https://pjcy.mof.gov.cn/check?billcode={code}&billno={number}"
               f"&random={check}&total={yuan(total)}&date={date:%Y%m%d}")
    c = Canvas(2000, 1250, rng, serif=rng.random() < 0.4)
    c.text((1000, 80), "广东省非税收入统一票据（电子）", 50, SEAL_RED, bold=True, anchor="mm")
    c.paste_qr(payload, 70, 30, module_px=4)
    c.text((420, 180), "票据代码:", 28, INK)
    c.text((560, 180), code, 30, INK)
    c.text((880, 180), "交款人统一社会信用代码:", 28, INK)
    c.text((1200, 180), payer_id, 30, INK)
    c.text((1450, 40), "票据号码:", 28, INK)
    c.text((1590, 40), number, 30, INK)
    c.text((1450, 90), "校验码:", 28, INK)
    c.text((1590, 90), check, 30, INK)
    c.text((1450, 140), "开票日期:", 28, INK)
    c.text((1590, 140), date.isoformat(), 30, INK)
    c.text((70, 250), "交款人:", 28, INK)
    c.text((190, 250), payer, 30, INK)
    x0, x1, y0, y1 = 60, 1940, 310, 860
    c.box((x0, y0, x1, y1), SEAL_RED)
    cols = [x0, x0 + 330, x0 + 850, x0 + 1020, x0 + 1190, x0 + 1500, x1]
    for i, h in enumerate(["项目编码", "项目名称", "单位", "数量", "标准", "金额（元）"]):
        c.text(((cols[i] + cols[i + 1]) // 2, y0 + 35), h, 27, INK, anchor="mm")
    for cx in cols[1:-1]:
        c.line((cx, y0, cx, y1), SEAL_RED)
    c.line((x0, y0 + 70, x1, y0 + 70), SEAL_RED)
    for j, (icode, iname, unit, qty, std, amt) in enumerate(items):
        yy = y0 + 110 + j * 50
        c.text((cols[0] + 15, yy), icode, 26, INK, anchor="lm")
        c.text((cols[1] + 15, yy), iname, 26, INK, anchor="lm")
        c.text(((cols[2] + cols[3]) // 2, yy), unit, 26, INK, anchor="mm")
        c.text((cols[4] - 15, yy), str(qty), 26, INK, anchor="rm")
        c.text((cols[5] - 15, yy), yuan(std), 26, INK, anchor="rm")
        c.text((cols[6] - 15, yy), yuan(amt), 26, INK, anchor="rm")
    c.box((x0, y1, x1, y1 + 70), SEAL_RED)
    daxie = money.to_daxie(total)
    c.text((x0 + 20, y1 + 35), "金额合计（大写）", 28, INK, anchor="lm")
    c.text((x0 + 300, y1 + 35), daxie, 30, INK, anchor="lm")
    c.text((1300, y1 + 35), "（小写）", 28, INK, anchor="lm")
    c.text((1420, y1 + 35), f"¥{yuan(total)}", 30, INK, anchor="lm")
    c.box((x0, y1 + 70, x1, y1 + 200), SEAL_RED)
    c.text((x0 + 20, y1 + 90), "其他信息", 27, INK)
    c.text((70, 1150), "收款单位（章）:", 28, INK)
    c.text((290, 1150), payee, 30, INK)
    c.text((1100, 1150), "复核人: 刘洋", 28, INK)
    c.text((1500, 1150), "收款人: 赵敏", 28, INK)
    c.seal(560, 1110, payee, "财政票据监制章", oval=False, r=110)
    truth = {"invoice_code": code, "invoice_number": number, "issue_date": date.isoformat(),
             "check_code": check, "payer_name": payer, "buyer_tax_id": payer_id,
             "payee_name": payee, "total_fen": total, "total_daxie": daxie}
    return Voucher("fiscal_receipt", truth, np.asarray(c.img), payload)


def render_bank(rng: random.Random) -> Voucher:
    date = _date(rng)
    payer = rng.choice(BUYERS)
    payee = rng.choice(SELLERS)
    payer_acct, payee_acct = make_bank_account(rng), make_bank_account(rng)
    total = rng.randint(100, 50_000_000)
    serial = "".join(rng.choice(string.digits) for _ in range(rng.choice([16, 20])))
    purpose = rng.choice(PURPOSES)
    bank = rng.choice(["中国工商银行", "中国建设银行", "中国农业银行", "中国银行"])
    c = Canvas(2000, 1100, rng, serif=False)
    c.text((1000, 70), f"{bank}电子回单", 48, INK, bold=True, anchor="mm")
    c.text((70, 150), "回单编号:", 28, INK)
    c.text((210, 150), f"{rng.randint(10**9, 10**10 - 1)}", 28, INK)
    c.text((1300, 150), "交易日期:", 28, INK)
    c.text((1440, 150), f"{date.year}年{date.month:02d}月{date.day:02d}日", 28, INK)
    x0, x1, y = 60, 1940, 210
    c.box((x0, y, x1, y + 240), INK, 2)
    c.line((1000, y, 1000, y + 240), INK, 2)
    c.line((x0 + 60, y, x0 + 60, y + 240), INK, 2)
    c.line((1060, y, 1060, y + 240), INK, 2)
    c.text((x0 + 30, y + 120), "付\n款\n人", 28, INK, anchor="mm")
    c.text((1030, y + 120), "收\n款\n人", 28, INK, anchor="mm")
    for (lx, name, acct, bk) in ((x0 + 80, payer, payer_acct, rng.choice(BANKS)),
                                  (1080, payee, payee_acct, rng.choice(BANKS))):
        c.text((lx, y + 30), "户名:", 27, INK)
        c.text((lx + 100, y + 30), name, 29, INK)
        c.text((lx, y + 100), "账号:", 27, INK)
        c.text((lx + 100, y + 100), acct, 29, INK)
        c.text((lx, y + 170), "开户行:", 27, INK)
        c.text((lx + 120, y + 170), bk, 27, INK)
    y2 = y + 240
    c.box((x0, y2, x1, y2 + 70), INK, 2)
    c.text((x0 + 20, y2 + 35), "金额（大写）:", 28, INK, anchor="lm")
    daxie = money.to_daxie(total)
    c.text((x0 + 230, y2 + 35), f"人民币{daxie}", 30, INK, anchor="lm")
    c.text((1300, y2 + 35), "（小写）:", 28, INK, anchor="lm")
    c.text((1440, y2 + 35), f"¥{money.format_amount(total)}", 30, INK, anchor="lm")
    y3 = y2 + 70
    c.box((x0, y3, x1, y3 + 300), INK, 2)
    c.text((x0 + 20, y3 + 25), "用途:", 28, INK)
    c.text((x0 + 130, y3 + 25), purpose, 29, INK)
    c.text((x0 + 20, y3 + 90), "交易流水号:", 28, INK)
    c.text((x0 + 200, y3 + 90), serial, 29, INK)
    c.text((x0 + 20, y3 + 155), "摘要:", 28, INK)
    c.text((x0 + 130, y3 + 155), "网银转账", 29, INK)
    c.text((x0 + 20, y3 + 220), "业务类型: 跨行汇款    币种: 人民币", 27, INK)
    c.text((70, 1040), f"打印时间: {date.isoformat()}  柜员号: {rng.randint(100000, 999999)}",
           24, INK)
    c.seal(1650, y3 + 150, bank, "电子回单专用章", oval=False, r=120)
    truth = {"issue_date": date.isoformat(), "payer_name": payer, "payer_account": payer_acct,
             "payee_name": payee, "payee_account": payee_acct, "total_fen": total,
             "total_daxie": daxie, "serial_no": serial, "purpose": purpose}
    return Voucher("bank_receipt", truth, np.asarray(c.img), None)


def render(kind: str, seed: int, *, draw_text: bool = True) -> Voucher:
    global _DRAW_TEXT
    rng = random.Random(f"{kind}:{seed}")
    _DRAW_TEXT = draw_text
    try:
        if kind in ("vat_normal", "vat_special"):
            v = render_vat(kind, rng)
        elif kind in ("digital_normal", "digital_special"):
            v = render_digital(kind, rng)
        elif kind == "fiscal_receipt":
            v = render_fiscal(rng)
        elif kind == "bank_receipt":
            v = render_bank(rng)
        else:
            raise ValueError(kind)
    finally:
        _DRAW_TEXT = True
    v.extra["texts"] = _LAST_CANVAS[0].texts
    return v


# ------------------------------------------------------------------ documents that need no OCR
def write_text_pdf(kind: str, seed: int, path: Path, pages: int = 1) -> list[Voucher]:
    """A PDF e-invoice with a real text layer (vector text over the form), one voucher per page.
    Uses Qt's PDF writer (tests only; needs a Q(Gui)Application, created offscreen if absent)."""
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QMarginsF, QRectF, QSizeF, Qt
    from PySide6.QtGui import QFont, QImage, QPageLayout, QPageSize, QPainter, QPdfWriter
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])  # noqa: F841 - keeps Qt alive
    vouchers = [render(kind, seed + i, draw_text=False) for i in range(pages)]
    h, w = vouchers[0].image.shape[:2]
    dpi = 200
    writer = QPdfWriter(str(path))
    writer.setResolution(dpi)
    writer.setPageLayout(QPageLayout(QPageSize(QSizeF(w / dpi * 25.4, h / dpi * 25.4),
                                               QPageSize.Unit.Millimeter),
                                     QPageLayout.Orientation.Portrait, QMarginsF(0, 0, 0, 0)))
    painter = QPainter(writer)
    family = "DejaVu Sans"  # Latin from DejaVu, CJK falls back to Noto (clean ToUnicode maps)
    for i, v in enumerate(vouchers):
        if i:
            writer.newPage()
        rgb = np.ascontiguousarray(v.image)
        qimg = QImage(rgb.data, rgb.shape[1], rgb.shape[0], rgb.strides[0],
                      QImage.Format.Format_RGB888)
        painter.drawImage(QRectF(0, 0, w, h), qimg)
        for (x, y), text, size, fill, bold, anchor in v.extra["texts"]:
            font = QFont(family)
            font.setPixelSize(int(size))
            font.setBold(bold)
            painter.setFont(font)
            from PySide6.QtGui import QColor

            painter.setPen(QColor(*fill))
            lines = text.split("\n")
            for j, line in enumerate(lines):
                yy = y + j * size * 1.2 - (len(lines) - 1) * size * 0.6 * (anchor[1] == "m")
                if anchor[1] == "m":
                    rect = QRectF(x - 2000, yy - size, 4000, 2 * size)
                    valign = Qt.AlignmentFlag.AlignVCenter
                else:
                    rect = QRectF(x - 2000, yy, 4000, 2 * size)
                    valign = Qt.AlignmentFlag.AlignTop
                halign = {"l": Qt.AlignmentFlag.AlignLeft, "m": Qt.AlignmentFlag.AlignHCenter,
                          "r": Qt.AlignmentFlag.AlignRight}[anchor[0]]
                if anchor[0] == "l":
                    rect = QRectF(x, rect.y(), 4000, rect.height())
                elif anchor[0] == "r":
                    rect = QRectF(x - 4000, rect.y(), 4000, rect.height())
                painter.drawText(rect, int(halign | valign), line)
    painter.end()
    return vouchers


def write_invoice_xml(kind: str, seed: int, path: Path) -> Voucher:
    """A 数电票 XML (EInvoice layout) for ``digital_normal`` / ``digital_special``."""
    v = render(kind, seed)
    t = v.truth
    label = "增值税专用发票" if kind == "digital_special" else "普通发票"
    xml = f"""<?xml version="1.0" encoding="UTF-8"?>
<EInvoice>
  <Header>
    <EIid>{t['invoice_number']}</EIid>
    <EInvoiceTag>SWEI4400</EInvoiceTag>
    <Version>0.1</Version>
    <InherentLabel><GeneralOrSpecialVAT><LabelCode>{'01' if kind == 'digital_special' else '02'}</LabelCode><LabelName>{label}</LabelName></GeneralOrSpecialVAT></InherentLabel>
  </Header>
  <EInvoiceData>
    <SellerInformation><SellerIdNum>{t['seller_tax_id']}</SellerIdNum><SellerName>{t['seller_name']}</SellerName></SellerInformation>
    <BuyerInformation><BuyerIdNum>{t['buyer_tax_id']}</BuyerIdNum><BuyerName>{t['buyer_name']}</BuyerName></BuyerInformation>
    <BasicInformation>
      <TotalAmWithoutTax>{yuan(t['amount_fen'])}</TotalAmWithoutTax>
      <TotalTaxAm>{yuan(t['tax_fen'])}</TotalTaxAm>
      <TotalTax-includedAmount>{yuan(t['total_fen'])}</TotalTax-includedAmount>
      <TotalTax-includedAmountInChinese>{t['total_daxie']}</TotalTax-includedAmountInChinese>
      <RequestTime>{t['issue_date']} 10:21:33</RequestTime>
    </BasicInformation>
  </EInvoiceData>
  <TaxSupervisionInfo><InvoiceNumber>{t['invoice_number']}</InvoiceNumber><IssueTime>{t['issue_date']} 10:21:33</IssueTime></TaxSupervisionInfo>
</EInvoice>
"""
    Path(path).write_text(xml, encoding="utf-8")
    return v


def write_ofd(kind: str, seed: int, path: Path, *, tags: bool = True) -> Voucher:
    """An OFD e-invoice (GB/T 33190 zip of XML) with the voucher's text as TextObjects placed
    where the render draws them; ``tags`` adds the e-invoice semantic tags (CustomTags) for the
    number, date and amounts, as the national platform's OFDs carry them."""
    import zipfile
    from xml.sax.saxutils import escape

    v = render(kind, seed, draw_text=False)
    h, w = v.image.shape[:2]
    mm = 25.4 / 240  # the renders are about 240 dpi
    objects, ids_by_text = [], {}
    for i, ((x, y), text, size, _fill, bold, anchor) in enumerate(v.extra["texts"], start=100):
        font = _font(int(size), False, bold)
        for j, line in enumerate(text.split("\n")):
            width = font.getlength(line)
            x0 = {"l": x, "m": x - width / 2, "r": x - width}[anchor[0]]
            y0 = y + j * size * 1.2 - (size / 2 if anchor[1] == "m" else 0)
            oid = f"{i}{j}"
            ids_by_text.setdefault(line, oid)
            objects.append(
                f'<ofd:TextObject ID="{oid}" Boundary="{x0 * mm:.2f} {y0 * mm:.2f} '
                f'{width * mm:.2f} {size * 1.1 * mm:.2f}" Font="1" Size="{size * mm:.2f}">'
                f'<ofd:TextCode X="0" Y="{size * mm:.2f}">{escape(line)}</ofd:TextCode>'
                f'</ofd:TextObject>')
    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    box = f"0 0 {w * mm:.2f} {h * mm:.2f}"
    files = {
        "OFD.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:OFD {ns} DocType="OFD" Version="1.1">'
                   '<ofd:DocBody><ofd:DocInfo><ofd:DocID>generated</ofd:DocID></ofd:DocInfo>'
                   '<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>',
        "Doc_0/Document.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Document {ns}>'
                              f'<ofd:CommonData><ofd:PageArea><ofd:PhysicalBox>{box}</ofd:PhysicalBox>'
                              '</ofd:PageArea></ofd:CommonData><ofd:Pages>'
                              '<ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages>'
                              + ('<ofd:CustomTags>Tags/CustomTags.xml</ofd:CustomTags>' if tags else "")
                              + '</ofd:Document>',
        "Doc_0/Pages/Page_0/Content.xml": f'<?xml version="1.0" encoding="UTF-8"?><ofd:Page {ns}>'
                                          '<ofd:Content><ofd:Layer ID="2">' + "".join(objects)
                                          + '</ofd:Layer></ofd:Content></ofd:Page>',
    }
    if tags:
        t = v.truth
        # the tag points at the text object that prints the bare value (as on real invoices)
        wanted = {"InvoiceNo": t.get("invoice_number"),
                  "TaxInclusiveTotalAmount": f"¥{yuan(t['total_fen'])}"}
        refs = "".join(f'<{tag}><ofd:ObjectRef PageRef="1">{ids_by_text[text]}</ofd:ObjectRef></{tag}>'
                       for tag, text in wanted.items() if text in ids_by_text)
        files["Doc_0/Tags/CustomTags.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><ofd:CustomTags {ns}><ofd:CustomTag '
            'TypeID="invoice"><ofd:FileLoc>CustomTag.xml</ofd:FileLoc></ofd:CustomTag></ofd:CustomTags>')
        files["Doc_0/Tags/CustomTag.xml"] = (
            f'<?xml version="1.0" encoding="UTF-8"?><eInvoice {ns}>{refs}</eInvoice>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in files.items():
            z.writestr(name, text)
    return v


# ------------------------------------------------------------------------------- degradations
def _desk(h: int, w: int, rng: np.random.Generator) -> np.ndarray:
    base = np.array(rng.choice([[70, 50, 40], [60, 60, 65], [95, 70, 45], [40, 40, 45]]),
                    dtype=np.float32)
    grain = cv2.resize(rng.normal(0, 1, (max(2, h // 40), max(2, w // 8))).astype(np.float32),
                       (w, h), interpolation=cv2.INTER_CUBIC)
    desk = base[None, None, :] * (1 + 0.12 * grain[..., None])
    desk += rng.normal(0, 4, (h, w, 1)).astype(np.float32)
    return np.clip(desk, 0, 255)


def _lighting(img: np.ndarray, strength: float, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
    cx, cy = rng.uniform(0, w), rng.uniform(0, h)
    d = np.sqrt((xx - cx) ** 2 + (yy - cy) ** 2) / math.hypot(w, h)
    ang = rng.uniform(0, 2 * math.pi)
    grad = (xx * math.cos(ang) + yy * math.sin(ang)) / max(w, h)
    light = 1.0 - strength * (0.7 * d + 0.5 * (grad - grad.min()))
    return img.astype(np.float32) * light[..., None]


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    _, buf = cv2.imencode(".jpg", img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1].copy()


def camera_shot(img: np.ndarray, rng: np.random.Generator, heavy: bool) -> np.ndarray:
    """A document-camera photo of ``img`` (RGB): on a darker desk, tilted, unevenly lit."""
    h, w = img.shape[:2]
    scale = rng.uniform(0.75, 0.9) if heavy else rng.uniform(0.85, 0.95)
    out_w, out_h = int(w * 1.15), int(h * 1.25)
    pw, ph = w * scale, h * scale
    ox, oy = (out_w - pw) / 2, (out_h - ph) / 2
    jit = (0.06 if heavy else 0.025) * pw
    dst = np.float32([[ox, oy], [ox + pw, oy], [ox + pw, oy + ph], [ox, oy + ph]])
    dst += rng.uniform(-jit, jit, dst.shape).astype(np.float32)
    rot = math.radians(rng.uniform(-6, 6) if heavy else rng.uniform(-2.5, 2.5))
    centre = dst.mean(axis=0)
    rmat = np.float32([[math.cos(rot), -math.sin(rot)], [math.sin(rot), math.cos(rot)]])
    dst = (dst - centre) @ rmat.T + centre
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    m = cv2.getPerspectiveTransform(src, dst)
    page = cv2.warpPerspective(img.astype(np.float32), m, (out_w, out_h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(np.ones((h, w), np.float32), m, (out_w, out_h))
    desk = _desk(out_h, out_w, rng)
    shot = page * mask[..., None] + desk * (1 - mask[..., None])
    shot = _lighting(shot, 0.55 if heavy else 0.25, rng)
    sigma = rng.uniform(1.0, 1.8) if heavy else rng.uniform(0.4, 0.9)
    shot = cv2.GaussianBlur(shot, (0, 0), sigma)
    shot += rng.normal(0, 9 if heavy else 4, shot.shape).astype(np.float32)
    shot = np.clip(shot, 0, 255).astype(np.uint8)
    # a typical 5 MP document camera frame, JPEG-compressed
    target = 2592 if not heavy else 2200
    f = target / out_w
    shot = cv2.resize(shot, (int(out_w * f), int(out_h * f)), interpolation=cv2.INTER_AREA)
    return _jpeg(shot, int(rng.integers(55, 70) if heavy else rng.integers(75, 90)))


def rotate(img: np.ndarray, quarter_turns: int, skew_deg: float) -> np.ndarray:
    """Rotate clockwise by ``90*quarter_turns`` degrees plus a small skew, white fill."""
    out = np.rot90(img, -quarter_turns).copy()
    if skew_deg:
        h, w = out.shape[:2]
        m = cv2.getRotationMatrix2D((w / 2, h / 2), skew_deg, 1.0)
        cos, sin = abs(m[0, 0]), abs(m[0, 1])
        nw, nh = int(h * sin + w * cos), int(h * cos + w * sin)
        m[0, 2] += nw / 2 - w / 2
        m[1, 2] += nh / 2 - h / 2
        out = cv2.warpAffine(out, m, (nw, nh), borderValue=(255, 255, 255))
    return out


def degrade(img: np.ndarray, condition: str, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    if condition == "clean":
        return img
    if condition in ("rot90", "rot180", "rot270"):
        turns = {"rot90": 1, "rot180": 2, "rot270": 3}[condition]
        return rotate(img, turns, float(rng.uniform(-3, 3)))
    if condition == "lowres":
        h, w = img.shape[:2]
        f = rng.uniform(0.42, 0.5)  # ≈ 100 dpi for an A5 page
        small = cv2.resize(img, (int(w * f), int(h * f)), interpolation=cv2.INTER_AREA)
        return _jpeg(small, 80)
    if condition == "camera_mild":
        return camera_shot(img, rng, heavy=False)
    if condition == "camera_heavy":
        return camera_shot(img, rng, heavy=True)
    raise ValueError(condition)


@dataclass
class Sample:
    kind: str
    condition: str
    seed: int
    path: Path
    truth: dict[str, Any]
    qr_payload: str | None


def save_image(img: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() in (".jpg", ".jpeg"):
        cv2.imwrite(str(path), img[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, 92])
    else:
        cv2.imwrite(str(path), img[..., ::-1])


def make_sample(kind: str, condition: str, seed: int, out_dir: Path) -> Sample:
    v = render(kind, seed)
    img = degrade(v.image, condition, seed * 7919 + CONDITIONS.index(condition))
    ext = ".png" if condition == "clean" else ".jpg"
    path = Path(out_dir) / f"{kind}-{condition}-{seed}{ext}"
    save_image(img, path)
    return Sample(kind, condition, seed, path, v.truth, v.qr_payload)


def generate_set(out_dir: Path, kinds=KINDS, conditions=CONDITIONS, per_cell: int = 1,
                 first_seed: int = 1) -> list[Sample]:
    out_dir = Path(out_dir)
    samples = [make_sample(k, c, first_seed + i, out_dir)
               for k in kinds for c in conditions for i in range(per_cell)]
    manifest = [{"kind": s.kind, "condition": s.condition, "seed": s.seed, "file": s.path.name,
                 "truth": s.truth, "qr_payload": s.qr_payload} for s in samples]
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1),
                                           encoding="utf-8")
    return samples


if __name__ == "__main__":  # pragma: no cover
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "ocr_samples")
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    for s in generate_set(out, per_cell=n):
        print(s.path)

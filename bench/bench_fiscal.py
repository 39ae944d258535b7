"""Throughput of the fiscal parsers, against a bare ``Decimal(text)`` parse measured in the same run."""
from __future__ import annotations

import random
import time
from decimal import Decimal

from fiscal.ids import is_valid_uscc, parse_invoice_qr
from fiscal.money import format_amount, parse_amount, parse_daxie, to_daxie

N = 50_000


def _rate(func, items) -> float:
    started = time.perf_counter()
    for item in items:
        func(item)
    return len(items) / (time.perf_counter() - started)


def run() -> list[dict]:
    rng = random.Random(20261121)
    fens = [rng.choice([rng.randrange(0, 10**6), rng.randrange(0, 10**10), rng.randrange(0, 10**14)])
            for _ in range(N)]
    plain = [f"{f // 100}.{f % 100:02d}" for f in fens]
    user_forms = [rng.choice(["¥", "￥", "", " "]) + format_amount(f) for f in fens]
    daxie = [to_daxie(f) for f in fens]
    usccs = ["91350200776049653A", "123502001549897397"] * (N // 2)
    qrs = ["01,10,011001605111,80100798,64.9,20161018,85342965681116380258,BE2D"] * N

    baseline = _rate(Decimal, plain)
    rows = [{"benchmark": "Decimal(text) (baseline)", "value": baseline, "unit": "amounts/s"}]
    for label, func, items in [
        ("parse_amount, plain", parse_amount, plain),
        ("parse_amount, ¥ and separators", parse_amount, user_forms),
        ("to_daxie", to_daxie, fens),
        ("parse_daxie", parse_daxie, daxie),
        ("is_valid_uscc", is_valid_uscc, usccs),
        ("parse_invoice_qr", parse_invoice_qr, qrs),
    ]:
        rate = _rate(func, items)
        rows.append({"benchmark": label, "value": rate, "unit": "per s", "baseline": baseline,
                     "ratio": baseline / rate, "note": "ratio = time relative to Decimal(text)"})
    return rows

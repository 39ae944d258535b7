"""Self-test on the bundled sample voucher (resources/samples/voucher-vat-normal.jpg): does OCR
work on this machine, and how long does a page take? For 设置 → 诊断 and support."""
from __future__ import annotations

import time
from dataclasses import dataclass, field

from app.ocr.engines import DEFAULT_ENGINE
from app.ocr.errors import OcrError
from fiscal.resources import load_json, resource_path

SAMPLE = "voucher-vat-normal"


@dataclass
class SelfTestReport:
    engine: str
    ok: bool
    seconds: float
    fields_right: int = 0
    fields_total: int = 0
    wrong: list[str] = field(default_factory=list)
    error: str | None = None

    @property
    def summary(self) -> str:
        if self.error:
            return f"识别自检失败（{self.engine}）：{self.error}"
        return (f"识别自检{'通过' if self.ok else '未通过'}（{self.engine}）：样张 {self.fields_right}/"
                f"{self.fields_total} 项正确，用时 {self.seconds:.1f} 秒。")


def run_selftest(engine: str = DEFAULT_ENGINE, *, timeout: float | None = None) -> SelfTestReport:
    from app.ocr.pipeline import OcrOptions, recognize_file

    meta = load_json("samples", f"{SAMPLE}.json")
    started = time.perf_counter()
    try:
        options = OcrOptions(engine=engine, keep_images=False)
        if timeout is not None:
            options.timeout = timeout
        (result,) = recognize_file(resource_path("samples", meta["file"]), options)
    except OcrError as exc:
        return SelfTestReport(engine, False, time.perf_counter() - started, error=exc.message)
    truth = meta["truth"]
    wrong = [k for k, v in truth.items() if k not in result.fields or result.fields[k].value != v]
    right = len(truth) - len(wrong)
    # the QR fields must be right and at most two OCR fields may miss on a camera-like sample
    ok = result.kind == meta["kind"] and len(wrong) <= 2 and not {
        "invoice_code", "invoice_number", "issue_date"} & set(wrong)
    return SelfTestReport(engine, ok, time.perf_counter() - started, right, len(truth), wrong)

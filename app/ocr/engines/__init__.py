"""OCR engines behind one interface (:class:`OcrEngine`).

``rapidocr`` — PP-OCR models from the rapidocr wheel on onnxruntime (offline);
``tesseract`` — Tesseract 5 ``chi_sim+eng`` through pytesseract.
:data:`DEFAULT_ENGINE` is the one bench/bench_ocr.py measures as most accurate at an acceptable
speed; the user can choose another in 设置.
"""
from __future__ import annotations

from typing import Any

from app.ocr.engines.base import OcrEngine
from app.ocr.engines.rapid import RapidOcrEngine
from app.ocr.engines.tesseract import TesseractEngine
from app.ocr.errors import EngineUnavailable

ENGINES: dict[str, type[OcrEngine]] = {
    RapidOcrEngine.name: RapidOcrEngine,
    TesseractEngine.name: TesseractEngine,
}

#: chosen by bench/bench_ocr.py (field accuracy on clean and camera-like samples)
DEFAULT_ENGINE = "rapidocr"


def engine_names() -> list[str]:
    return list(ENGINES)


def engine_status() -> list[dict[str, Any]]:
    """For 设置: name, label, usable, reason."""
    out = []
    for name, cls in ENGINES.items():
        ok, reason = cls.available()
        out.append({"name": name, "label": cls.label, "available": ok, "reason": reason,
                    "default": name == DEFAULT_ENGINE})
    return out


def create_engine(name: str, **options: Any) -> OcrEngine:
    cls = ENGINES.get(name)
    if cls is None:
        raise EngineUnavailable(name, f"未知的识别引擎，可选：{', '.join(ENGINES)}")
    ok, reason = cls.available()
    if not ok:
        raise EngineUnavailable(name, reason)
    return cls(**options)


__all__ = [
    "DEFAULT_ENGINE",
    "ENGINES",
    "OcrEngine",
    "create_engine",
    "engine_names",
    "engine_status",
]

"""The one interface every OCR engine implements.

An engine turns a preprocessed page into :class:`OcrLine` s. Engines are plain objects that run
in the calling process; :mod:`app.ocr.engines.worker` runs them in a child process so that every
call has a hard timeout and can be cancelled (a C++ inference or a Tesseract child cannot be
interrupted from a Python thread).
"""
from __future__ import annotations

import re
import unicodedata
from abc import ABC, abstractmethod

import numpy as np

from app.ocr.model import OcrLine, Processed

_CJK = r"\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
_SPACE_BETWEEN_CJK = re.compile(rf"(?<=[{_CJK}])\s+(?=[{_CJK}])")


def normalise_text(text: str) -> str:
    """NFKC (full-width ￥ → ¥, full-width digits and colons → ASCII) and no spaces between CJK
    characters (Tesseract puts one between every Chinese character)."""
    text = unicodedata.normalize("NFKC", text)
    text = _SPACE_BETWEEN_CJK.sub("", text)
    return re.sub(r"[ \t]+", " ", text).strip()


class OcrEngine(ABC):
    #: registry name (``--engine NAME``)
    name: str = ""
    #: label shown in 设置
    label: str = ""

    @classmethod
    def available(cls) -> tuple[bool, str]:
        """(usable here, reason in Chinese when not)."""
        return True, ""

    #: which preprocessed image the engine reads: "color" (flattened colour) or "binary"
    input_kind: str = "color"

    def input_image(self, page: Processed) -> np.ndarray:
        return page.binary if self.input_kind == "binary" else page.color

    @abstractmethod
    def recognize(self, image: np.ndarray, *, timeout: float) -> list[OcrLine]:
        """Lines of text in ``image``. Must respect ``timeout`` on a best-effort basis; the
        worker process enforces it hard."""

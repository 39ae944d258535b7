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


#: CJK Radicals Supplement code points that PDF fonts (and some OCR models) emit instead of the
#: ideograph; NFKC leaves them alone. Seen in real e-invoice PDFs: 角 → ⻆, 民 → ⺠.
_RADICALS = str.maketrans({"⻆": "角", "⺠": "民", "⻓": "长", "⻔": "门", "⻅": "见", "⻋": "车",
                           "⻢": "马", "⻛": "风", "⻜": "飞", "⻚": "页", "⻘": "青", "⻝": "食",
                           "⻄": "西", "⻰": "龙", "⻉": "贝", "⻤": "鬼", "⺟": "母",
                           "⻨": "麦", "⻩": "黄", "⻬": "齐", "⻮": "齿", "⻳": "龟", "⺁": "厂",
                           "⺇": "几", "⺈": "⺈", "⺊": "卜", "⺌": "小", "⺧": "牛", "⺮": "竹",
                           "⺶": "羊", "⺷": "羊"})


def normalise_text(text: str) -> str:
    """NFKC (full-width ￥ → ¥, full-width digits and colons → ASCII), radical look-alikes to
    ideographs, and no spaces between CJK characters (Tesseract puts one between each)."""
    text = unicodedata.normalize("NFKC", text).translate(_RADICALS)
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

    #: which preprocessed image the engine reads: "gray" (flattened, seals removed),
    #: "binary" (black on white) or "color" (flattened colour)
    input_kind: str = "gray"

    @classmethod
    def input_image(cls, page: Processed) -> np.ndarray:
        image = getattr(page, cls.input_kind, None)
        return page.color if image is None else image

    @abstractmethod
    def recognize(self, image: np.ndarray, *, timeout: float) -> list[OcrLine]:
        """Lines of text in ``image``. Must respect ``timeout`` on a best-effort basis; the
        worker process enforces it hard."""

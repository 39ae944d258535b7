"""Tesseract 5 through pytesseract (``chi_sim+eng``).

The page-segmentation mode is :data:`PSM`; it was chosen by measurement (see
``bench/bench_ocr.py``, rows ``tesseract psm N``): psm 6 ("one uniform block") reads the field
rows of a voucher in order but glues label and value columns; psm 11/12 ("sparse text") keeps
them apart and finds the isolated numbers of the amount boxes. ``OMP_THREAD_LIMIT=1`` is set for
the child process (≈4× faster on small machines, and no runaway thread pools).
"""
from __future__ import annotations

import itertools
import os
import shutil

import numpy as np

from app.ocr.engines.base import OcrEngine, normalise_text
from app.ocr.model import OcrLine

LANG = "chi_sim+eng"
#: chosen by measurement (bench/bench_ocr.py: psm sweep on the sample set)
PSM = int(os.environ.get("JINCAI_TESSERACT_PSM", "11"))


class TesseractEngine(OcrEngine):
    name = "tesseract"
    label = "Tesseract（chi_sim+eng）"
    input_kind = "binary"

    def __init__(self, psm: int = PSM, lang: str = LANG):
        self.psm = psm
        self.lang = lang
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            import pytesseract
        except ImportError:
            return False, "没有安装 pytesseract"
        cmd = pytesseract.pytesseract.tesseract_cmd
        if not (os.path.isabs(cmd) and os.path.exists(cmd)) and shutil.which(cmd) is None:
            return False, "没有找到 tesseract 程序（Debian: apt-get install tesseract-ocr tesseract-ocr-chi-sim）"
        try:
            langs = set(pytesseract.get_languages(config=""))
        except Exception as exc:  # noqa: BLE001
            return False, f"无法运行 tesseract：{exc}"
        missing = [lang for lang in LANG.split("+") if lang not in langs]
        if missing:
            return False, f"缺少 Tesseract 语言包：{', '.join(missing)}（tesseract-ocr-chi-sim）"
        return True, ""

    def recognize(self, image: np.ndarray, *, timeout: float) -> list[OcrLine]:
        import pytesseract

        data = pytesseract.image_to_data(
            image, lang=self.lang, config=f"--psm {self.psm} --oem 1",
            output_type=pytesseract.Output.DICT, timeout=max(1, int(timeout)))
        groups: dict[tuple, list[int]] = {}
        for i, word in enumerate(data["text"]):
            if not word or not word.strip():
                continue
            key = (data["block_num"][i], data["par_num"][i], data["line_num"][i])
            groups.setdefault(key, []).append(i)
        lines = []
        for idx in groups.values():
            idx.sort(key=lambda i: data["left"][i])
            # split a Tesseract "line" where the gap between words is large: label | value columns
            run: list[int] = [idx[0]]
            runs = [run]
            for prev, cur in itertools.pairwise(idx):
                gap = data["left"][cur] - (data["left"][prev] + data["width"][prev])
                if gap > 2.5 * max(data["height"][prev], data["height"][cur]):
                    run = [cur]
                    runs.append(run)
                else:
                    run.append(cur)
            for run in runs:
                text = normalise_text(" ".join(data["text"][i] for i in run))
                if not text:
                    continue
                confs = [float(data["conf"][i]) for i in run if float(data["conf"][i]) >= 0]
                x0 = min(data["left"][i] for i in run)
                y0 = min(data["top"][i] for i in run)
                x1 = max(data["left"][i] + data["width"][i] for i in run)
                y1 = max(data["top"][i] + data["height"][i] for i in run)
                conf = (sum(confs) / len(confs) / 100.0) if confs else 0.0
                lines.append(OcrLine(text, conf, (x0, y0, x1, y1)))
        return lines

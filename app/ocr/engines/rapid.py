"""RapidOCR: PP-OCR detection + recognition models that ship inside the ``rapidocr`` wheel,
run offline on onnxruntime. No model is ever downloaded: the model paths point into the
installed package, and a missing file is reported instead of fetched."""
from __future__ import annotations

from pathlib import Path

import numpy as np

from app.ocr.engines.base import OcrEngine, normalise_text
from app.ocr.model import OcrLine


def _model_dir() -> Path | None:
    try:
        import rapidocr
    except ImportError:
        return None
    return Path(rapidocr.__file__).resolve().parent / "models"


#: longest side of the image the text detector sees. Measured on the 21 camera/low-res samples
#: of seed 1: 960 → 99.5 % fields, 2.2 CPU-s/page; 1600 → 99.5 %, 4.5 CPU-s. Then, with one
#: thread, on 42 held-out pages (seed 601, every kind and condition, alternating page by page):
#: 960 → 98.8 %, 1.57 s median / 1.85 s max; 736 → 98.8 %, 1.25 s / 1.58 s (and 100 % for both on
#: 24 pages of seed 301). Text on these pages is 30-50 px high at the 2000 px working width,
#: ~12-18 px at 736: still comfortably above what the detector needs.
DET_SIDE = 736

#: onnxruntime threads per call. One, measured on this 2-core machine while other work shares it
#: (load average 6-7): recognition took 10.7 s for 4 pages with 1 thread against 22.2 s with 2 —
#: spinning worker threads fight every other process for the two cores. Idle, one thread still
#: reads a page in about 2 s; the 2-thread gain there is small and lost as soon as anything runs.
THREADS = 1

#: the width every recognition batch is padded to at least (PaddleOCR's default is 320 px, for
#: a 48 px line height). Most boxes on a voucher are short labels and numbers, so padding them
#: to 320 px is wasted work: 96 px cut recognition time by a third on the same 4 pages with
#: the same text (only spaces and full-/half-width brackets differed, which NFKC evens out).
REC_MIN_WIDTH = 96
REC_BATCH = 8


class RapidOcrEngine(OcrEngine):
    name = "rapidocr"
    label = "RapidOCR（PP-OCR，离线）"

    def __init__(self, threads: int = THREADS, det_side: int = DET_SIDE,
                 rec_min_width: int = REC_MIN_WIDTH, rec_batch: int = REC_BATCH):
        self.threads = threads
        self.det_side = det_side
        self.rec_min_width = rec_min_width
        self.rec_batch = rec_batch
        self._ocr = None

    @classmethod
    def available(cls) -> tuple[bool, str]:
        try:
            import onnxruntime  # noqa: F401
            import rapidocr  # noqa: F401
        except ImportError as exc:
            return False, f"没有安装 {exc.name}"
        d = _model_dir()
        if d is None or not any(d.glob("*det*.onnx")) or not any(d.glob("*rec*.onnx")):
            return False, f"RapidOCR 安装包中没有模型文件（{d}）"
        return True, ""

    def _engine(self):
        if self._ocr is None:
            from rapidocr import RapidOCR

            d = _model_dir()
            det = min(d.glob("*det*.onnx"))
            rec = min(d.glob("*rec*.onnx"))
            cls = sorted(d.glob("*cls*.onnx"))
            params = {
                "Global.log_level": "error",
                "Global.use_cls": False,  # pages are turned upright by preprocessing
                # detect on a smaller copy; recognition still reads full-resolution crops
                "Det.limit_type": "max",
                "Det.limit_side_len": self.det_side,
                "Det.model_path": str(det),
                "Rec.model_path": str(rec),
                "Rec.rec_img_shape": [3, 48, self.rec_min_width],
                "Rec.rec_batch_num": self.rec_batch,
                "EngineConfig.onnxruntime.intra_op_num_threads": self.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            }
            if cls:
                params["Cls.model_path"] = str(cls[0])
            self._ocr = RapidOCR(params=params)
        return self._ocr

    def recognize(self, image: np.ndarray, *, timeout: float) -> list[OcrLine]:
        if image.ndim == 2:
            import cv2

            image = cv2.cvtColor(image, cv2.COLOR_GRAY2BGR)
        out = self._engine()(image)
        if out is None or out.txts is None or out.boxes is None:
            return []
        lines = []
        for box, text, score in zip(out.boxes, out.txts, out.scores):
            pts = np.asarray(box, dtype=float).reshape(-1, 2)
            x0, y0 = pts.min(axis=0)
            x1, y1 = pts.max(axis=0)
            text = normalise_text(text)
            if text:
                lines.append(OcrLine(text, float(score), (int(x0), int(y0), int(x1), int(y1))))
        return lines

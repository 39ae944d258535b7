"""Errors the user sees: what is wrong, with which file, and what to do (Chinese first)."""
from __future__ import annotations


class OcrError(Exception):
    """A voucher could not be read. ``code`` is stable for programs, ``message`` is for people."""

    def __init__(self, code: str, message: str, *, file: str | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.file = file

    def __str__(self) -> str:  # pragma: no cover - trivial
        return f"{self.file}：{self.message}" if self.file else self.message


class OcrCancelled(OcrError):
    def __init__(self, message: str = "识别已取消。"):
        super().__init__("cancelled", message)


class OcrTimeout(OcrError):
    def __init__(self, engine: str, seconds: float):
        super().__init__(
            "timeout",
            f"识别引擎“{engine}”在 {seconds:.0f} 秒内没有完成，已停止。"
            "请重新拍摄更清晰的照片，或在设置中换用其他识别引擎。",
        )


class EngineUnavailable(OcrError):
    def __init__(self, engine: str, reason: str):
        super().__init__("engine_unavailable", f"识别引擎“{engine}”不可用：{reason}")

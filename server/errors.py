"""One error shape for every refusal: ``{"code", "message", "details"}`` (message in Chinese)."""
from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, details: Any = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers

    def body(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "details": self.details}


def not_found(what: str, ident: Any) -> ApiError:
    return ApiError(404, "not_found", f"{what} {ident} 不存在或无权访问。", {"id": str(ident)})


def forbidden(message: str, code: str = "forbidden") -> ApiError:
    return ApiError(403, code, message)


def conflict(code: str, message: str, details: Any = None) -> ApiError:
    return ApiError(409, code, message, details)


def unprocessable(code: str, message: str, details: Any = None) -> ApiError:
    return ApiError(422, code, message, details)

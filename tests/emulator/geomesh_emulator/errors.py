"""Alibaba-shaped API errors."""

from __future__ import annotations


class ApiError(Exception):
    """An error returned to the client as an Alibaba Cloud OpenAPI error document.

    RPC products render ``{"RequestId","Code","Message","HostId","Recommend"}``;
    ROA products (cs) render ``{"requestId","code","message"}``.
    """

    def __init__(self, code: str, message: str, status: int = 400, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.status = status
        self.headers = dict(headers or {})


def not_found(code: str, message: str) -> ApiError:
    return ApiError(code, message, status=404)


def missing(name: str) -> ApiError:
    # Real POP gateway wording for a missing required parameter.
    return ApiError(
        "MissingParameter",
        f'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
    )


def invalid(name: str, value: object = None, code: str | None = None) -> ApiError:
    return ApiError(code or "InvalidParameter", f'The specified parameter "{name}" is not valid: {value!r}.')

"""Error answers as RFC 9457 problem documents, and the middleware that makes them.

Every failure a client can cause gets a precise 4xx with a machine-readable
``code`` and, for invalid input, the field at fault; nothing a client sends can
produce a 500. Domain errors map to statuses here and nowhere else. Each refusal
is logged at INFO with the request id, so an admin can find what a member saw;
input no honest client sends (a body that cannot be decoded, JSON nested beyond
reason) gets one WARNING line more (``hostile``), without a traceback.
"""

from __future__ import annotations

import logging
import math
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from http import HTTPStatus
from typing import Any, TypeVar

from aiohttp import web

from node.errors import (
    AuthenticationFailed,
    Conflict,
    DomainError,
    Gone,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TooManyAttempts,
)

log = logging.getLogger("kinfolk.web")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    InvalidInput: 422,
    AuthenticationFailed: 401,
    PermissionDenied: 403,
    Gone: 410,
    NotFound: 404,
    Conflict: 409,
    TooManyAttempts: 429,
}
REQUEST_ID = web.RequestKey("request_id", str)


class Problem(Exception):
    """An HTTP-level refusal (bad JSON, wrong media type, too large) raised by web code."""

    def __init__(
        self,
        status: int,
        code: str,
        detail: str,
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.code = code
        self.detail = detail
        self.errors = errors or []
        self.headers = headers or {}


P = TypeVar("P", bound=Problem)


def problem_response(problem: Problem, request_id: str) -> web.Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _reason(problem.status),
        "status": problem.status,
        "detail": problem.detail,
        "code": problem.code,
        "request_id": request_id,
    }
    if problem.errors:
        body["errors"] = problem.errors
    response = web.json_response(
        body, status=problem.status, content_type="application/problem+json"
    )
    response.headers.update(problem.headers)
    return response


def retry_after_seconds(wait: timedelta) -> int:
    """A ``Retry-After`` value: whole seconds, rounded up, at least one."""
    return max(1, math.ceil(wait.total_seconds()))


def hostile(request: web.Request, problem: P) -> P:
    """Log a refusal of input no honest client sends (a body that cannot be decoded,
    JSON nested beyond reason) at WARNING, in one line, and return it to raise."""
    log.warning(
        "refused %s %s: %s",
        request.method,
        request.path,
        problem.detail,
        extra={
            "request_id": request.get(REQUEST_ID, ""),
            "problem": problem.code,
            "peer": request.remote,
        },
    )
    return problem


def _reason(status: int) -> str:
    return HTTPStatus(status).phrase


def problem_from_domain(error: DomainError) -> Problem:
    status = next(s for kind, s in STATUS_BY_ERROR.items() if isinstance(error, kind))
    errors = [{"field": error.field, "message": error.message}] if error.field else None
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    if isinstance(error, TooManyAttempts):
        headers = {"Retry-After": str(retry_after_seconds(error.retry_after))}
    return Problem(status, error.code, error.message, errors, headers)


def _problem_from_http(exc: web.HTTPException) -> Problem:
    codes = {
        404: ("not_found", "there is nothing at this address"),
        405: ("method_not_allowed", "this address does not accept that method"),
        413: ("too_large", "the request body is larger than this node accepts"),
    }
    code, detail = codes.get(exc.status, ("http_error", exc.reason))
    headers = {"Allow": exc.headers["Allow"]} if "Allow" in exc.headers else None
    return Problem(exc.status, code, detail, headers=headers)


@web.middleware
async def problems_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every refusal into a problem document and log one line per request."""
    request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    started = time.perf_counter()
    problem: Problem | None = None
    try:
        response = await handler(request)
    except Problem as exc:
        problem = exc
    except DomainError as exc:
        problem = problem_from_domain(exc)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        problem = _problem_from_http(exc)
    except Exception:
        log.exception("unhandled error", extra={"request_id": request_id, "path": request.path})
        problem = Problem(500, "internal_error", "something went wrong on our side")
    if problem is not None:
        response = problem_response(problem, request_id)
    response.headers["X-Request-Id"] = request_id
    log.log(
        logging.INFO if response.status < 500 else logging.ERROR,
        "%s %s -> %s",
        request.method,
        request.path,
        response.status,
        extra={
            "request_id": request_id,
            "method": request.method,
            "path": request.path,
            "status": response.status,
            "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            **({"problem": problem.code, "detail": problem.detail} if problem else {}),
        },
    )
    return response

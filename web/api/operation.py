"""The shape shared by every API endpoint, and the wrapper that runs it.

An ``Operation`` is data: method, path, the pydantic models of its query, body
and answer, and whether it needs a signed-in member. The same list registers the
routes and writes the OpenAPI document, so the two cannot drift apart. The
wrapper does, for every endpoint alike: content-type and size checks, JSON
parsing, validation (strict: ``"5"`` is not a number), authentication, one
database transaction, and serialisation of the answer.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any, Generic, TypeVar

from aiohttp import web
from pydantic import BaseModel, ConfigDict, ValidationError, field_validator
from sqlalchemy.ext.asyncio import AsyncSession

from federation.protocol import wire_json
from node import accounts
from node.errors import AuthenticationFailed
from node.passwords import Passwords
from node.site import Site
from node.views import Viewer
from web.bodies import read_body
from web.config import Settings
from web.keys import CLOCK, PASSWORDS, SESSIONS, SETTINGS, SITE
from web.problems import Problem, hostile

B = TypeVar("B", bound=BaseModel)
Q = TypeVar("Q", bound=BaseModel)


class Auth(Enum):
    NONE = "none"  # the endpoint ignores who is asking
    OPTIONAL = "optional"  # answers differ for members (e.g. private groups they belong to)
    REQUIRED = "required"


def _refuse_nul(value: Any) -> Any:
    # PostgreSQL cannot store U+0000 in text, and no name or message needs it.
    if isinstance(value, str) and "\x00" in value:
        raise ValueError("text may not contain NUL characters")
    return value


class Body(BaseModel):
    """Base of request bodies: exact types, no unknown fields, validated as JSON
    (so enums take their string values, while ``"5"`` is still not a number)."""

    model_config = ConfigDict(strict=True, extra="forbid")

    _no_nul = field_validator("*")(_refuse_nul)


class Query(BaseModel):
    """Base of query strings: values arrive as text, so numbers are parsed from it."""

    model_config = ConfigDict(extra="ignore")

    _no_nul = field_validator("*")(_refuse_nul)


class NoBody(Body):
    pass


class NoQuery(Query):
    pass


@dataclass
class Call(Generic[B, Q]):
    """Everything a handler needs for one request."""

    request: web.Request
    session: AsyncSession
    viewer: Viewer | None
    body: B
    query: Q
    settings: Settings
    site: Site
    passwords: Passwords
    now: datetime
    # What the operation's ``prepare`` step found before the transaction began.
    prepared: Any = None

    def path(self, name: str) -> str:
        return self.request.match_info[name]

    @property
    def member(self) -> Viewer:
        """The signed-in member (only on ``Auth.REQUIRED`` operations)."""
        assert self.viewer is not None, "operation must declare Auth.REQUIRED"
        return self.viewer


Handler = Callable[[Call[Any, Any]], Awaitable[BaseModel | None]]
# Work done outside the database transaction (network look-ups), given the request,
# the signed-in member and the parsed body; its result becomes ``Call.prepared``.
Prepare = Callable[[web.Request, Viewer | None, Any], Awaitable[Any]]


@dataclass(frozen=True)
class Operation:
    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    auth: Auth = Auth.NONE
    body: type[Body] = NoBody
    query: type[Query] = NoQuery
    response: type[BaseModel] | None = None
    status: int = 200
    prepare: Prepare | None = None
    # Domain errors this operation can answer with, for the document.
    errors: tuple[int, ...] = ()
    # An answer that is not JSON (a file): ``respond`` turns the handler's result into it
    # once the transaction is over, and the document names ``media_type``.
    respond: Callable[[web.Request, Any], web.StreamResponse] | None = None
    media_type: str = "application/json"

    @property
    def operation_id(self) -> str:
        return self.handler.__name__


def _validation_problem(error: ValidationError, where: str) -> Problem:
    errors = [
        {
            "field": ".".join(str(part) for part in item["loc"]) or where,
            "message": item["msg"],
        }
        for item in error.errors(include_url=False)
    ]
    return Problem(422, "invalid", f"the {where} does not match what this endpoint takes", errors)


async def _read_body(request: web.Request, model: type[Body], limit: int) -> Body:
    if model is NoBody:
        return NoBody()
    if request.content_type != "application/json":
        raise Problem(
            415,
            "unsupported_media_type",
            f"send the body as application/json, not {request.content_type or 'nothing'}",
        )
    raw = await read_body(request, limit)
    try:
        wire_json.loads(raw)
    except wire_json.TooDeep as exc:
        raise hostile(request, Problem(400, "too_deep", f"the body is refused: {exc}")) from None
    except ValueError:
        pass  # not JSON: pydantic says where, below
    try:
        return model.model_validate_json(raw)
    except ValidationError as exc:
        invalid = [e for e in exc.errors(include_url=False) if e["type"] == "json_invalid"]
        if invalid:
            detail = f"the body is not valid JSON: {invalid[0]['msg']}"
            raise Problem(400, "malformed_json", detail) from None
        raise _validation_problem(exc, "body") from None


def _read_query(request: web.Request, model: type[Query]) -> Query:
    try:
        return model.model_validate(dict(request.query))
    except ValidationError as exc:
        raise _validation_problem(exc, "query") from None


# RFC 6750's b64token; header bytes that are not UTF-8 arrive as surrogates.
_TOKEN = re.compile(r"[A-Za-z0-9\-._~+/]+=*")


def bearer_token(request: web.Request) -> str | None:
    """The token in ``Authorization: Bearer …``, if the request carries one."""
    header = request.headers.get("Authorization")
    if header is None:
        return None
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not _TOKEN.fullmatch(token):
        raise AuthenticationFailed("send your token as 'Authorization: Bearer <token>'")
    return token


def wrap(operation: Operation) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
    """The aiohttp handler for ``operation``."""

    async def handle(request: web.Request) -> web.StreamResponse:
        app = request.app
        settings = app[SETTINGS]
        if any("\x00" in value for value in request.match_info.values()):
            raise Problem(404, "not_found", "there is nothing at this address")
        query = _read_query(request, operation.query)
        body = await _read_body(request, operation.body, settings.max_request_bytes)
        now = app[CLOCK]()
        viewer = None
        if operation.auth is not Auth.NONE:
            token = bearer_token(request)
            if token is not None:
                async with app[SESSIONS].begin() as session:
                    viewer = await accounts.viewer_for_token(session, token, now=now)
            elif operation.auth is Auth.REQUIRED:
                raise AuthenticationFailed(
                    "log in first: this needs 'Authorization: Bearer <token>'"
                )
        prepared = None
        if operation.prepare is not None:
            # Outside the transaction: a slow remote server must not hold a database lock.
            prepared = await operation.prepare(request, viewer, body)
        async with app[SESSIONS].begin() as session:
            call: Call[Any, Any] = Call(
                request=request,
                session=session,
                viewer=viewer,
                body=body,
                query=query,
                settings=settings,
                site=app[SITE],
                passwords=app[PASSWORDS],
                now=now,
                prepared=prepared,
            )
            result = await operation.handler(call)
        if operation.respond is not None:
            return operation.respond(request, result)
        if result is None:
            return web.Response(status=204)
        return web.Response(
            status=operation.status,
            body=result.model_dump_json(),
            content_type="application/json",
        )

    handle.__name__ = operation.operation_id
    return handle

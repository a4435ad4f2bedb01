"""Reading a submitted form: size, type, the CSRF token, and only the named fields."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import parse_qsl

from aiohttp import web

from web.bodies import BodyRefused, read_body
from web.pages.session import CSRF_FIELD, check_csrf

# Far above any form of ours (a post body is the largest), far below the node's
# outer request limit.
FORM_MAX_BYTES = 256 * 1024
FORM_TYPE = "application/x-www-form-urlencoded"
# Our forms have a handful of fields; a flood of them is not a form of ours.
FORM_MAX_FIELDS = 100


class FormRefused(Exception):
    """A form that cannot be read at all; ``status`` says why (413, 415, 400)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_form(request: web.Request, fields: Iterable[str]) -> dict[str, str]:
    """The named fields of a form posted from one of our pages ("" when absent).

    Refuses a form of another type before reading it, and one too large (whole, as
    it arrives) or unreadable as sent; then a form without our CSRF token; then text
    fields holding NUL characters."""
    if request.content_type != FORM_TYPE:
        raise FormRefused(415, f"expected a form, got {request.content_type or 'no type'}")
    try:
        body = await read_body(request, FORM_MAX_BYTES, what="a form")
    except BodyRefused as refused:
        raise FormRefused(refused.status, refused.detail) from None
    try:
        pairs = parse_qsl(
            body.decode("utf-8"), keep_blank_values=True, max_num_fields=FORM_MAX_FIELDS
        )
    except (UnicodeDecodeError, ValueError) as error:
        raise FormRefused(400, f"the form could not be read: {error}") from error
    data = dict(pairs)  # a repeated field keeps its last value
    check_csrf(request, data.get(CSRF_FIELD))
    values = {name: data.get(name, "") for name in fields}
    if any("\x00" in value for value in values.values()):
        raise FormRefused(400, "text may not contain NUL characters")
    return values

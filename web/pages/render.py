"""Rendering pages: one Jinja2 environment per language, and the frame every page
shares (language, who is signed in, the form token).

Templates are autoescaped; text that is already safe HTML (sanitised post bodies)
is marked so where it is produced, never in templates. Each language gets its own
environment with its catalogue installed, so concurrent requests in different
languages cannot see each other's translations.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from babel.dates import format_date, format_datetime, format_time
from babel.numbers import format_decimal
from babel.support import NullTranslations
from jinja2 import Environment, PackageLoader, select_autoescape

from node.unread import waiting_for
from node.views import Viewer
from web.keys import CLOCK, SETTINGS
from web.pages import checkin_labels, topic_labels
from web.pages.i18n import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    choose_locale,
    load_translations,
)
from web.pages.session import CSRF_COOKIE, csrf_token, form_seed, set_cookie


@dataclass(frozen=True)
class Catalogue:
    """One language: its template environment, and its translations for handlers."""

    environment: Environment
    translations: NullTranslations


PAGES: web.AppKey[dict[str, Catalogue]] = web.AppKey("pages")


@dataclass(frozen=True)
class Frame:
    """What the layout needs to know about this request."""

    locale: str
    viewer: Viewer | None
    # The signed-in member's handle, for the header.
    handle: str | None
    # Whether the header links to the moderation queue: node staff and group moderators.
    moderates: bool = False
    # The member's unread messages from their communities (node.reports.care_messages).
    care_unread: int = 0
    # New messages in the member's conversations, and requests to talk waiting for them.
    conversations_unread: int = 0
    # New notifications (none during the member's quiet hours).
    notifications_unread: int = 0
    # The member's country for crisis resources (web.pages.crisis; empty: not said).
    crisis_country: str = ""


def build_catalogues() -> dict[str, Catalogue]:
    catalogues: dict[str, Catalogue] = {}
    for code, translations in load_translations().items():
        environment = Environment(
            loader=PackageLoader("web", "templates"),
            autoescape=select_autoescape(default=True),
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        environment.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]
        environment.filters["datetime"] = _datetime_filter(code)
        environment.filters["number"] = lambda value, code=code: format_decimal(value, locale=code)
        # A meeting's local wall time, as its own zone reads it (no conversion).
        environment.filters["day"] = lambda value, code=code: format_date(
            value, "full", locale=code
        )
        environment.filters["clock"] = lambda value, code=code: format_time(
            value, "short", locale=code
        )
        environment.globals["topic_labels"] = topic_labels.LABELS  # translated where shown
        environment.globals["check_in_labels"] = checkin_labels.LABELS  # likewise
        catalogues[code] = Catalogue(environment, translations)
    return catalogues


def _datetime_filter(code: str) -> Any:
    def localised(value: datetime, form: str = "medium") -> str:
        return format_datetime(value, format=form, locale=code)

    return localised


def gettext_for(request: web.Request, locale: str) -> Callable[[str], str]:
    """For text made in handlers (form errors), in the page's language."""
    return request.app[PAGES][locale].translations.gettext


def redirect(location: str) -> web.Response:
    """See other: where a form sends the browser once it has done its work."""
    return web.Response(status=303, headers={"Location": location})


async def frame(request: web.Request, session: Any, viewer: Viewer | None) -> Frame:
    """The layout's view of this request; for a signed-in member, one statement
    (``node.unread``)."""
    waiting = None
    if viewer is not None:
        waiting = await waiting_for(session, viewer, now=request.app[CLOCK]())
    locale = choose_locale(
        setting=None if waiting is None else waiting.locale,
        cookie=request.cookies.get(LANGUAGE_COOKIE),
        accept_language=request.headers.get("Accept-Language"),
    )
    if waiting is None:
        return Frame(locale=locale, viewer=viewer, handle=None)
    return Frame(
        locale=locale,
        viewer=viewer,
        handle=waiting.handle,
        moderates=waiting.moderates,
        care_unread=waiting.care_unread,
        conversations_unread=waiting.conversations_unread,
        notifications_unread=waiting.notifications_unread,
        crisis_country=waiting.crisis_country,
    )


def render(
    request: web.Request,
    page: Frame,
    template: str,
    context: Mapping[str, Any] | None = None,
    *,
    status: int = 200,
) -> web.Response:
    """A whole page, in the visitor's language, with a fresh form token."""
    seed, new_seed = form_seed(request)
    environment = request.app[PAGES][page.locale].environment
    text = environment.get_template(template).render(
        {
            "locale": page.locale,
            "languages": LANGUAGES,
            "handle": page.handle,
            # The viewer's role on this node, for the staff links in the header.
            "role": None if page.viewer is None else page.viewer.role.value,
            "moderates": page.moderates,
            "care_unread": page.care_unread,
            "conversations_unread": page.conversations_unread,
            "notifications_unread": page.notifications_unread,
            "node_name": request.app[SETTINGS].node_name,
            "csrf_token": csrf_token(request, seed),
            "path": request.path_qs,
            **(context or {}),
        }
    )
    response = web.Response(text=text, content_type="text/html", status=status)
    response.headers["Content-Language"] = page.locale
    response.headers["Vary"] = "Accept-Language, Cookie"
    if new_seed:
        set_cookie(request, response, CSRF_COOKIE, seed)
    return response

"""Editing crisis resources on the pages: the node's (``/admin/crisis``, its admins) and
a group's (``/groups/{name}/crisis``, its moderators), one form of rows each.

A row whose name and contact are both empty is left out (that is how one is
deleted); the last row adds one. Texts in other languages are written a line each,
``de | name | hours | note``. Saving calls the same services as the API and the CLI
(``node.crisis.editing``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node import permissions
from node.actors import actor_ref
from node.crisis import drafts, editing
from node.crisis.resources import (
    HOURS_MAX,
    NAME_MAX,
    NOTE_MAX,
    RESOURCES_MAX,
    VALUE_MAX,
    ResourceEntry,
    Translation,
)
from node.errors import InvalidInput, PermissionDenied
from node.groups import loading
from node.kinds import ContactKind
from web.keys import CLOCK, SITE
from web.pages.forms import read_form
from web.pages.groups import group_path
from web.pages.moderation import back_to, done_message
from web.pages.render import Frame, frame, gettext_for, render
from web.pages.session import signed_in
from web.pages.transaction import transaction

FIELDS = ("name", "kind", "value", "country", "languages", "hours", "note", "translations")
_ERROR_FIELD = re.compile(r"^resources\[(\d+)\]\.(\w+)")


def rows_of(entries: list[ResourceEntry]) -> list[dict[str, str]]:
    """The form's rows: each resource, then an empty one to add another."""
    rows = [
        {
            "name": e.name,
            "kind": e.kind.value,
            "value": e.value,
            "country": e.country,
            "languages": " ".join(e.languages),
            "hours": e.hours,
            "note": e.note,
            "translations": "\n".join(
                f"{t.language} | {t.name} | {t.hours} | {t.note}" for t in e.translations
            ),
        }
        for e in entries
    ]
    if len(rows) < RESOURCES_MAX:
        rows.append({name: "" for name in FIELDS})
    return rows


def _translations(text: str) -> tuple[Translation, ...]:
    found = []
    for line in text.splitlines():
        if not line.strip():
            continue
        parts = [part.strip() for part in line.split("|")] + ["", "", ""]
        found.append(Translation(parts[0], parts[1], parts[2], parts[3]))
    return tuple(found)


def entries_of(rows: list[dict[str, str]]) -> tuple[list[ResourceEntry], list[int]]:
    """The rows as resources (empty rows left out), and each one's row number."""
    entries, numbers = [], []
    for number, row in enumerate(rows):
        if not row["name"].strip() and not row["value"].strip():
            continue
        kind = row["kind"] if row["kind"] in {k.value for k in ContactKind} else "phone"
        entries.append(
            ResourceEntry(
                name=row["name"],
                kind=ContactKind(kind),
                value=row["value"],
                country=row["country"],
                languages=tuple(row["languages"].replace(",", " ").split()),
                hours=row["hours"],
                note=row["note"],
                translations=_translations(row["translations"]),
            )
        )
        numbers.append(number)
    return entries, numbers


def _error(error: InvalidInput, numbers: list[int], _: Callable[[str], str]) -> dict[str, str]:
    match = _ERROR_FIELD.match(error.field or "")
    if match is None or int(match.group(1)) >= len(numbers):
        return {"form": _("Please keep to at most %(max)s resources.") % {"max": RESOURCES_MAX}}
    row, part = numbers[int(match.group(1))], match.group(2)
    messages = {
        "name": _("Give it a name, of at most %(max)s characters.") % {"max": NAME_MAX},
        "value": _(
            "Write a phone number (for call or text) or a web address starting with "
            "https:// (for chat or web)."
        ),
        "country": _("Write a two-letter country code, such as GB or DE, or leave it empty."),
        "languages": _("Write language codes separated by spaces, such as en de."),
        "hours": _("Use at most %(max)s characters.") % {"max": HOURS_MAX},
        "note": _("Use at most %(max)s characters.") % {"max": NOTE_MAX},
        "translations": _(
            "Write one language a line: code | name | hours | note, each language once."
        ),
    }
    return {f"{part}_{row}": messages.get(part, messages["translations"])}


def _context(
    rows: list[dict[str, str]], action: str, title: str, errors: dict[str, str]
) -> dict[str, Any]:
    return {
        "rows": rows,
        "action": action,
        "heading": title,
        "errors": errors,
        "kinds": [k.value for k in ContactKind],
        "name_max": NAME_MAX,
        "value_max": VALUE_MAX,
        "hours_max": HOURS_MAX,
        "note_max": NOTE_MAX,
    }


async def _submitted(request: web.Request) -> list[dict[str, str]]:
    names = [f"{field}_{i}" for i in range(RESOURCES_MAX + 1) for field in FIELDS]
    form = await read_form(request, names)
    rows = [{field: form[f"{field}_{i}"] for field in FIELDS} for i in range(RESOURCES_MAX + 1)]
    return [row for row in rows if any(row[f].strip() for f in FIELDS if f != "kind")]


async def _show(
    request: web.Request,
    page: Frame,
    rows: list[dict[str, str]],
    action: str,
    title: str,
    errors: dict[str, str] | None = None,
    status: int = 200,
    *,
    phrases: list[dict[str, str]] | None = None,
) -> web.Response:
    context = _context(rows, action, title, errors or {})
    context["phrase_rows"] = phrases
    context["done"] = done_message(request, gettext_for(request, page.locale))
    return render(request, page, "crisis_editor.html", context, status=status)


async def _phrase_rows(session: AsyncSession) -> list[dict[str, str]]:
    lists = await drafts.phrase_lists(session)
    rows = [{"language": tag, "phrases": "\n".join(lists[tag])} for tag in sorted(lists)]
    return [*rows, {"language": "", "phrases": ""}]


async def node_form(request: web.Request) -> web.Response:
    """GET /admin/crisis: the node's resources, and the phrases that offer them."""
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        permissions.require_node_admin(viewer)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        rows = rows_of(await editing.node_resources(session))
        title = _("The node's crisis resources")
        return await _show(
            request, page, rows, "/admin/crisis", title, phrases=await _phrase_rows(session)
        )


async def save_phrases(request: web.Request) -> web.Response:
    """POST /admin/crisis/phrases: one language's list (a new language: the last row)."""
    form = await read_form(request, ("language", "phrases", "reset"))
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        permissions.require_node_admin(viewer)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        phrases = None if form["reset"] else form["phrases"].splitlines()
        try:
            async with session.begin_nested():
                await drafts.set_phrases(
                    session, viewer, form["language"], phrases, now=request.app[CLOCK]()
                )
        except InvalidInput as error:
            message = (
                _("Write a language code such as en, de or fr.")
                if error.field == "language"
                else _("Use at most %(count)s phrases of at most %(max)s characters each.")
                % {"count": drafts.PHRASES_MAX, "max": drafts.PHRASE_MAX}
            )
            known = await drafts.phrase_lists(session)
            tag = form["language"].strip().lower()
            key = f"phrases-{tag}" if tag in known else "phrases-new"
            key = "phrases-new-language" if error.field == "language" else key
            rows = rows_of(await editing.node_resources(session))
            title = _("The node's crisis resources")
            return await _show(
                request,
                page,
                rows,
                "/admin/crisis",
                title,
                {key: message},
                422,
                phrases=await _phrase_rows(session),
            )
    return back_to("/admin/crisis", "phrases_saved", "/admin/crisis")


async def save_node(request: web.Request) -> web.Response:
    """POST /admin/crisis: the whole list at once."""
    rows = await _submitted(request)
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        permissions.require_node_admin(viewer)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        entries, numbers = entries_of(rows)
        try:
            async with session.begin_nested():
                await editing.set_node_resources(session, viewer, entries)
        except InvalidInput as error:
            shown = [*rows, {name: "" for name in FIELDS}][: RESOURCES_MAX + 1]
            title = _("The node's crisis resources")
            errors = _error(error, numbers, _)
            return await _show(
                request,
                page,
                shown,
                "/admin/crisis",
                title,
                errors,
                422,
                phrases=await _phrase_rows(session),
            )
    return back_to("/admin/crisis", "crisis_saved", "/admin/crisis")


async def _moderated_group(
    request: web.Request, session: AsyncSession, page: Frame
) -> tuple[str, str]:
    """The group's page path and name, if the viewer moderates it and it is hosted here."""
    assert page.viewer is not None
    record = await loading.load_group(
        session, request.app[SITE], page.viewer, request.match_info["name"]
    )
    permissions.require_group_moderator(record.membership)
    if not record.actor.local:
        raise PermissionDenied("a group on another node keeps its crisis resources there")
    ref = actor_ref(record.actor)
    return group_path(ref, request.app[SITE].domain), ref.display_name or ref.handle


async def group_form(request: web.Request) -> web.Response:
    """GET /groups/{name}/crisis"""
    name = request.match_info["name"]
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        path, shown_name = await _moderated_group(request, session, page)
        entries = await editing.group_resources(session, request.app[SITE], viewer, name)
        title = _("Crisis resources of %(group)s") % {"group": shown_name}
        return await _show(request, page, rows_of(entries), f"{path}/crisis", title)


async def save_group(request: web.Request) -> web.Response:
    """POST /groups/{name}/crisis: the whole list; the group's actor travels again."""
    name = request.match_info["name"]
    rows = await _submitted(request)
    async with transaction(request) as session:
        viewer = await signed_in(request, session)
        page = await frame(request, session, viewer)
        _ = gettext_for(request, page.locale)
        path, shown_name = await _moderated_group(request, session, page)
        entries, numbers = entries_of(rows)
        try:
            async with session.begin_nested():
                await editing.set_group_resources(
                    session, request.app[SITE], viewer, name, entries, now=request.app[CLOCK]()
                )
        except InvalidInput as error:
            shown = [*rows, {field: "" for field in FIELDS}][: RESOURCES_MAX + 1]
            title = _("Crisis resources of %(group)s") % {"group": shown_name}
            errors = _error(error, numbers, _)
            return await _show(request, page, shown, f"{path}/crisis", title, errors, 422)
    return back_to(f"{path}/crisis", "crisis_saved", f"{path}/crisis")

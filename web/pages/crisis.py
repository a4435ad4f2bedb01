"""Crisis resources on the pages: what this visitor is shown, and where.

Every page where someone may be struggling shows them (the start page, sign-up, a
group's page, its compose form, every thread with its reply forms): the group's
first, then the node's, chosen by ``node.crisis.choosing.resources_for`` from what
the visitor told us (their page language, their browser's ``Accept-Language``, and
a member's country setting), never from their address.
"""

from __future__ import annotations

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from node.crisis.choosing import CrisisResource, group_id_of, resources_for
from web.pages.i18n import accepted_languages, accepted_region
from web.pages.render import Frame


def visitor_languages(request: web.Request, page: Frame) -> list[str]:
    """The page's language first, then the browser's, most wanted first."""
    accepted = accepted_languages(request.headers.get("Accept-Language", ""))
    return list(dict.fromkeys([page.locale, *accepted]))


async def crisis_resources(
    request: web.Request, session: AsyncSession, page: Frame, group_uri: str | None = None
) -> tuple[CrisisResource, ...]:
    """What this visitor is shown: the group's resources (if any) first, then the node's."""
    group_id = None if group_uri is None else await group_id_of(session, group_uri)
    return await resources_for(
        session,
        group_id=group_id,
        languages=visitor_languages(request, page),
        country=page.crisis_country,  # read with the header (node.unread)
        hinted_country=accepted_region(request.headers.get("Accept-Language", "")),
    )

"""Anonymous posts: banning a writer unseen (moderators), finding out who (admins, logged).

Posting anonymously itself is ``anonymous: true`` on the post and reply operations
(``web.api.posts_api``); a group allows it in its settings (``web.api.moderation_api``).
"""

from __future__ import annotations

from typing import Any

from node.posts import anonymous_moderation
from web.api.moderation_api import ReasonBody, ReasonQuery
from web.api.operation import Auth, Call, Operation
from web.api.schemas import ActorOut, actor_out


async def ban_writer(call: Call[ReasonBody, Any]) -> None:
    await anonymous_moderation.ban_writer(
        call.session, call.member, call.path("id"), reason=call.body.reason, now=call.now
    )


async def lift_writer_ban(call: Call[Any, ReasonQuery]) -> None:
    await anonymous_moderation.lift_writer_ban(
        call.session, call.member, call.path("id"), reason=call.query.reason, now=call.now
    )


async def reveal_author(call: Call[Any, Any]) -> ActorOut:
    author = await anonymous_moderation.reveal_author(
        call.session, call.member, call.path("id"), now=call.now
    )
    return actor_out(author)


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "POST",
        "/api/v1/posts/{id}/ban-writer",
        ban_writer,
        "Moderators: ban the writer of an anonymous post from posting in its group, "
        "without being told who it is (logged against the post, naming nobody)",
        "moderation",
        auth=Auth.REQUIRED,
        body=ReasonBody,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "DELETE",
        "/api/v1/posts/{id}/ban-writer",
        lift_writer_ban,
        "Moderators: lift a ban made through an anonymous post, still without being told "
        "who its writer is",
        "moderation",
        auth=Auth.REQUIRED,
        query=ReasonQuery,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "GET",
        "/api/v1/admin/posts/{id}/author",
        reveal_author,
        "Admins: who wrote an anonymous post. Each look is written to the node's log "
        "(naming the post and the admin, not the author)",
        "admin",
        auth=Auth.REQUIRED,
        response=ActorOut,
        errors=(401, 403, 404),
    ),
)

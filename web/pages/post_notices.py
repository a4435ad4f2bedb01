"""What the thread page says once an action on one of its posts is done.

The actions (``web.pages.post_actions``, and the moderation queue's removal) send the
browser back to the thread with a code in ``?done=``; the page shows the fixed message
for that code, read out to screen readers, never text taken from the address.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from web.pages.moderation import done_messages

Gettext = Callable[[str], str]
# The moderation queue's own codes that its forms on the thread page send back.
FROM_MODERATION = ("removed", "already", "too_long", "writer_banned")


def thread_messages(_: Gettext) -> dict[str, str]:
    """Each code the thread page understands, and what it says."""
    moderation = done_messages(_)
    return {
        **{code: moderation[code] for code in FROM_MODERATION},
        "edited": _("Your changes were saved."),
        "deleted": _("Your post was deleted."),
        "support_on": _("You sent your support."),
        "support_off": _("You took your support back."),
        "restored": _("The post was restored."),
        "locked": _("The thread was locked: it takes no new replies."),
        "unlocked": _("The thread was unlocked: members can reply again."),
        # From the mute and block buttons beside a post (web.pages.boundaries).
        "muted": _(
            "Muted. Their posts are no longer shown to you; they are not told. You can undo "
            "this in your boundaries."
        ),
        "blocked": _(
            "Blocked. Their posts are no longer shown to you, and they cannot reply to you. "
            "You can undo this in your boundaries."
        ),
    }


def thread_notice(request: web.Request, _: Gettext) -> str | None:
    """The message for this request's ``?done=`` code, if it is one of ours."""
    return thread_messages(_).get(request.query.get("done", ""))

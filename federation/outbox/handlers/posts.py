"""Posts: created, edited and deleted by their authors, shared by a group elsewhere,
or turned down by a group here.

A post travels through its group (``federation.outbox.sending``); those who follow
its author (on Mastodon, say) get our member's public posts too, but only once the
group has shared it: until then a post in a group elsewhere is for nobody else. A
post held for approval has no event until it is approved, so it reaches no other
node before. An anonymous post (``node.posts.anonymity``) is the group's own: its
``Create``, ``Update`` and ``Delete`` are the group's, announced by it, and never go to
its author's followers (``speaker_of``, ``reaches_followers``). Our member's anonymous
post in a Kinfolk group elsewhere goes as this node's (``handlers.anonymous_posts``); one
such post from another node, in a group hosted here, the group shares as its own, under
an activity id of ours.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.handlers.anonymous_posts import send_on_behalf
from federation.outbox.recipients import follower_inboxes, inbox_of
from federation.outbox.sending import new_activity_id, send, share_in_group
from federation.protocol import activities
from federation.protocol.objects import as_from_post
from node.events import EventKind, PendingEvent
from node.federated.actors import KnownActor
from node.federated.outgoing_posts import PostInGroup, post_in_group, shared_view
from node.site import Site

_KINDS = {
    EventKind.POST_CREATED: "Create",
    EventKind.POST_EDITED: "Update",
    EventKind.POST_DELETED: "Delete",
}


async def _post_of(session: AsyncSession, event: PendingEvent) -> PostInGroup | None:
    assert event.subject_id is not None
    return await post_in_group(session, event.subject_id)


async def send_post(session: AsyncSession, site: Site, event: PendingEvent, now: datetime) -> None:
    """An author's ``Create``, ``Update`` or ``Delete``; a remote member's post in our group
    travels as its own activity, as it reached us, for the group to share."""
    post = await _post_of(session, event)
    if post is None:
        return
    kind = _KINDS[event.kind]
    if post.anonymous and post.local and not post.group.actor.local:
        await send_on_behalf(session, site, post, kind, now)
        return
    if kind == "Delete":
        document = activities.tombstone(post.uri)
    else:
        document = as_from_post(await shared_view(session, post))
    if post.local or post.anonymous:  # an anonymous post is the group's own act
        uri = new_activity_id(site, now)
    else:
        uri = event.data.get("activity") or f"{post.uri}#{kind.lower()}"
    speaker = speaker_of(post)
    activity = activities.post_activity(
        uri, kind, speaker.uri, document, group=post.group.actor.uri, public=post.group.public
    )
    followers = [] if post.pending else await _followers_of(session, post)
    await share_in_group(session, site, now, speaker, post, activity, also=followers)


def speaker_of(post: PostInGroup) -> KnownActor:
    """Whose act a post's ``Create``/``Update``/``Delete`` is: its author's, or for an
    anonymous post its group's (the author's actor never appears beside it)."""
    return post.group.actor if post.anonymous else post.author


async def send_shared(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A group elsewhere shared our member's post: now its author's followers get it, as it
    is now (edits made while it waited included)."""
    post = await _post_of(session, event)
    if post is None or post.gone:
        return
    document = as_from_post(await shared_view(session, post))
    activity = activities.post_activity(
        new_activity_id(site, now),
        "Create",
        post.author.uri,
        document,
        group=post.group.actor.uri,
        public=post.group.public,
    )
    followers = await _followers_of(session, post)
    if followers:
        await send(
            session,
            actor=post.author,
            activity=activity,
            inboxes=followers,
            object_uri=post.uri,
            now=now,
        )


async def send_declined(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A group hosted here turned down a post from a member of another node before sharing
    it: the group's ``Reject`` of the post, to its author only (no reason: that stays with
    the group's moderators, as for members of this node)."""
    post = await _post_of(session, event)
    if post is None:
        return
    inbox = await inbox_of(session, post.author.id)
    if inbox is None:
        return
    group = post.group.actor
    reject = activities.post_rejection(
        new_activity_id(site, now), group.uri, post.uri, post.author.uri
    )
    await send(session, actor=group, activity=reject, inboxes=[inbox], object_uri=post.uri, now=now)


def reaches_followers(post: PostInGroup) -> bool:
    """Whether those who follow its author see a post: our members' public posts, but not
    their anonymous ones (that alone would say who wrote them)."""
    return post.local and post.group.public and not post.anonymous


async def _followers_of(session: AsyncSession, post: PostInGroup) -> list[str]:
    """Those who follow the author (on Mastodon, say) see their public posts too."""
    if not reaches_followers(post):
        return []
    return await follower_inboxes(session, post.author.id)

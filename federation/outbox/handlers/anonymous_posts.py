"""Anonymous posts across nodes: our member's, sent to a Kinfolk group elsewhere on
their behalf, and a ban of a writer from another node, sent to that node.

Our member's anonymous post in a group elsewhere (which says it takes them) goes as
this node's: its ``Create``, ``Update`` and ``Delete`` are the instance actor's, signed
with its key, and carry the writer's token for that group
(``federation.protocol.anonymous_posts``), never the member's actor. It goes to the
group's inbox only: never to the member's followers. The token is remembered on the
post, so that a ban naming it reaches the right member here.

A group hosted here whose moderators ban the writer of such a post sends its ``Block``
of the token to the instance actor of the node that sent it.
"""

from __future__ import annotations

from datetime import datetime

from cryptography.hazmat.primitives import serialization
from sqlalchemy.ext.asyncio import AsyncSession

from federation.outbox.recipients import inbox_of
from federation.outbox.sending import new_activity_id, send
from federation.protocol import activities, anonymous_posts
from federation.protocol.objects import as_from_post
from federation.protocol.vocab import ANONYMOUS_CONTEXT
from federation.signing.instance import instance_actor
from federation.signing.keystore import local_keys
from node.events import PendingEvent
from node.federated import anonymous_writers
from node.federated.actors import KnownActor, known
from node.federated.outgoing_posts import PostInGroup, shared_view
from node.site import Site


async def token_for(session: AsyncSession, site: Site, post: PostInGroup, now: datetime) -> str:
    """The token of ``post``'s writer in its group, under this node's secret (its
    instance actor's private key, which never leaves this node)."""
    instance = await instance_actor(session, site, now=now)
    keys = await local_keys(session, instance, now=now)
    secret = keys.ed25519.private_bytes(
        serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
    )
    return anonymous_posts.writer_token(secret, post.author.id, post.group.actor.uri)


async def send_on_behalf(
    session: AsyncSession, site: Site, post: PostInGroup, kind: str, now: datetime
) -> None:
    """Our member's anonymous ``Create``, ``Update`` or ``Delete`` in a group elsewhere, as
    this node's."""
    inbox = await inbox_of(session, post.group.actor.id)
    if inbox is None:
        return
    token = await token_for(session, site, post, now)
    await anonymous_writers.remember_token(session, post.id, token)
    if kind == "Delete":
        document = activities.tombstone(post.uri)
    else:
        view = as_from_post(await shared_view(session, post))
        document = anonymous_posts.with_token(view, token)
    sender = sender_of(post, known(await instance_actor(session, site, now=now)))
    activity = activities.post_activity(
        new_activity_id(site, now),
        kind,
        sender.uri,
        document,
        group=post.group.actor.uri,
        public=post.group.public,
    )
    await send(
        session,
        actor=sender,
        activity=activity,
        inboxes=[inbox],
        object_uri=post.uri,
        now=now,
        context=ANONYMOUS_CONTEXT,
    )


def sender_of(post: PostInGroup, instance: KnownActor) -> KnownActor:
    """Who sends and signs our member's anonymous post to a group elsewhere: this node's
    instance actor, never the member (one function, so the anonymity crawl can switch
    this defence off)."""
    return instance


async def send_writer_ban(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """A group hosted here banned the writer of an anonymous post from another node: its
    ``Block`` of the token, to that node's instance actor."""
    await _send_ban(session, site, event, now, lifted=False)


async def send_writer_unban(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime
) -> None:
    """... or lifted that ban: its ``Undo`` of a ``Block`` of the token."""
    await _send_ban(session, site, event, now, lifted=True)


async def _send_ban(
    session: AsyncSession, site: Site, event: PendingEvent, now: datetime, *, lifted: bool
) -> None:
    assert event.subject_id is not None
    ban = await anonymous_writers.writer_ban_of(session, event.subject_id)
    if ban is None:
        return
    inbox = await inbox_of(session, ban.node_actor.id)
    if inbox is None:
        return
    group, node = ban.group.actor.uri, ban.node_actor.uri
    activity = anonymous_posts.writer_ban(new_activity_id(site, now), group, ban.token, node)
    if lifted:
        activity = anonymous_posts.undo(new_activity_id(site, now), group, activity, node)
    await send(
        session,
        actor=ban.group.actor,
        activity=activity,
        inboxes=[inbox],
        object_uri=None,
        now=now,
        context=ANONYMOUS_CONTEXT,
    )

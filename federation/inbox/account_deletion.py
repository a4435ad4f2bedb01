"""An account elsewhere deletes itself: when that is believed, and what is let go.

What proves it. The ``Delete`` is the account's own: its object is its actor (by URI,
as Lemmy and Mastodon send it, or embedded, as Mastodon's ``Person`` and others'
``Tombstone``), and the inbox verified it with the key we hold for that actor.
Mastodon's actor document already answers 410 when its Delete arrives, so nothing is
fetched: the signature made with the key we had is the proof. A self-Delete whose key
we never held, or whose held key failed while its document is gone, is taken unverified
by the inbox; the worker believes it only once the account's origin answers 404 or 410
(or a ``Tombstone``) for it (``gone_at_origin``). Mastodon tells every server it knows
of every deletion, so the Delete of an account we never knew is dropped quietly. A group
may pass one on (Mbin's magazines announce their users' deletions): believed when the
group is on the account's own server, else once its origin confirms it. A Delete of an
account by anyone else is refused (``handlers.posts.on_delete``).

What follows, in order:

1. One transaction (``forget``): the account is marked deleted
   (``remote_actors.deleted_at``), its keys go, ``node.remote_accounts.cut_ties`` ends
   its memberships, join requests, follows and support without a word to anyone, its
   open conversations with our members end, its places at our meetings go to the next
   in line (``node.meetings.attending.forget_participations``), and what is queued for its own inbox
   fails — never its server's shared inbox, which the server's other accounts use.
2. Its posts and replies, wherever we hold them, are wiped a batch per transaction
   (``wipe_content``): a group hosted here announces each deletion to its members'
   nodes, as when an author deletes a post, so they wipe their copies too. If the
   worker dies half-way, the inbox item's lease runs out and it is taken up again:
   every step is idempotent, and content is only ever wiped for an account already
   marked deleted.

Afterwards the inbox answers 410 to anything more from the account, the worker refuses
what still reaches it (announced by a group, or let in by another process that held its
key in memory for up to a minute), a lookup or refetch does not bring it back
(``Federation.store``), and nothing new is queued for its own inbox
(``federation.outbox.dispatch``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.outbox.enqueue import GONE_ERROR, drop_deliveries_to
from federation.protocol.vocab import id_of
from federation.remote.actors import account_deleted
from federation.remote.http import FetchError
from federation.tables import ActorKey, RemoteActor
from node.federated import incoming_posts, ties
from node.federated.actors import KnownActor, actor_named
from node.meetings.attending import forget_participations
from node.remote_accounts import LetGo

WIPE_BATCH = 200  # posts wiped per transaction


def is_account_delete(activity: dict[str, Any]) -> bool:
    """A ``Delete`` whose object is its own actor (by URI or embedded)."""
    actor = id_of(activity.get("actor"))
    return (
        activity.get("type") == "Delete"
        and actor is not None
        and (id_of(activity.get("object")) == actor)
    )


async def gone_at_origin(fed: Federation, uri: str) -> bool:
    """Whether ``uri``'s own server says it is gone: 404 or 410, or a ``Tombstone``."""
    try:
        document = await fed.fetch(uri)
    except FetchError as exc:
        if exc.status in {404, 410}:
            return True
        raise
    return document.get("type") == "Tombstone"


@dataclass(frozen=True)
class Forgotten:
    """What ``forget`` let go of, for the log line."""

    let_go: LetGo
    deliveries_dropped: int


async def _inbox_of_others(session: AsyncSession, remote: RemoteActor) -> bool:
    """Whether the account's inbox serves other accounts too (a shared inbox by another
    name): then what is queued there is theirs as well, and stays."""
    if remote.inbox == remote.shared_inbox:
        return True
    inbox = remote.inbox
    others = exists().where(
        RemoteActor.actor_id != remote.actor_id,
        RemoteActor.deleted_at.is_(None),
        or_(RemoteActor.inbox == inbox, RemoteActor.shared_inbox == inbox),
    )
    return bool(await session.scalar(select(others)))


async def forget(fed: Federation, session: AsyncSession, actor: KnownActor) -> Forgotten:
    """Mark an account elsewhere as deleted and let go of it (step 1 of the module note).
    Idempotent; its posts are wiped afterwards by ``wipe_content``."""
    now = fed.clock()
    # Every remote actor is stored with its endpoints (``store_actor``), in one transaction.
    remote = await session.get_one(RemoteActor, actor.id)
    if remote.deleted_at is None:
        remote.deleted_at = now
    await session.execute(delete(ActorKey).where(ActorKey.actor_id == actor.id))
    let_go = await ties.cut_ties_of(session, actor)
    await ties.close_conversations_of(session, actor, now)
    await forget_participations(session, actor.id, now=now)  # their places go to the next
    dropped = 0
    if not await _inbox_of_others(session, remote):
        dropped = await drop_deliveries_to(session, remote.inbox, reason=GONE_ERROR, now=now)
    fed.forget_keys_of(actor.uri)
    return Forgotten(let_go, dropped)


async def wipe_content(fed: Federation, uri: str) -> int:
    """Wipe the posts and replies of ``uri``, if it is an account marked deleted, a batch
    per transaction (step 2 of the module note); how many."""
    total = 0
    while True:
        async with fed.sessions.begin() as session:
            actor = await actor_named(session, uri)
            if actor is None or actor.local or not await account_deleted(session, uri):
                return total
            wiped = await incoming_posts.wipe_posts_of(
                session, actor, limit=WIPE_BATCH, now=fed.clock()
            )
        total += wiped
        if wiped < WIPE_BATCH:
            return total

"""An account elsewhere deleting itself: its ``Delete`` of itself, handled.

When it is believed, and what is let go of, is ``federation.inbox.account_deletion``'s
design note: here the account is marked deleted and let go of in the item's
transaction, and its posts are wiped after it (``wipe_deleted_account``).
"""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from federation.context import Federation
from federation.inbox import account_deletion
from federation.inbox.prepared import Ignored
from federation.protocol.readings import ActivityReading
from node.federated.actors import actor_named

log = logging.getLogger("kinfolk.processing")


async def on_account_delete(
    fed: Federation, session: AsyncSession, activity: ActivityReading, *, vouched: bool
) -> None:
    """An account elsewhere deleted itself: marked deleted and let go of here; its posts are
    wiped after this transaction. ``vouched``: see ``Prepared``."""
    actor = await actor_named(session, activity.actor)
    if actor is None or not vouched:
        # Mastodon tells every server it knows of every deletion: most are of strangers.
        log.debug("dropped %s: no account we know", activity.id)
        return
    if actor.local:
        raise Ignored("an account of this node is deleted here, not from elsewhere")
    if actor.is_group:
        raise Ignored("a group's deletion of itself is not followed yet")
    gone = await account_deletion.forget(fed, session, actor)
    let_go = gone.let_go
    log.info(
        "%s deleted its account: let go of %d memberships, %d join requests, %d follows, "
        "%d supports and %d deliveries to its inbox",
        actor.uri,
        let_go.memberships,
        let_go.join_requests,
        let_go.follows,
        let_go.reactions,
        gone.deliveries_dropped,
    )


async def wipe_deleted_account(fed: Federation, uri: str) -> None:
    """After an account's Delete of itself: its posts, a batch per transaction."""
    wiped = await account_deletion.wipe_content(fed, uri)
    if wiped:
        log.info("wiped %d posts and replies of %s, which deleted its account", wiped, uri)

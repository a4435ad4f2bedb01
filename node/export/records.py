"""The member's own writing and ties, read a batch at a time (``BATCH`` rows per query),
so an account with a hundred thousand posts never has them all in memory.

Each reader yields plain JSON dicts, oldest first. What they hold, and what they leave
out on purpose:

- posts and replies written here (anonymous ones included and marked: they are the
  member's words, and the archive is theirs alone); not those the member deleted, whose
  text is gone;
- conversations: who with, when, their state; and, separately, the member's own
  messages. The other person's messages are their words, not the member's: left out;
- reports and care reports the member filed here: what they wrote, what it was about,
  its state; not what moderators wrote, nor anyone else's reports;
- memberships of groups here and elsewhere, and whom the member follows;
- the member's answers to meetings (going, maybe, waiting, ...): not who else comes.
- the member's check-ins, private and shared.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from node.checkins.scale import scale_words
from node.export.sections import Json, iso
from node.kinds import ModAction
from node.storage.models.actors import Actor, Follow
from node.storage.models.checkins import CheckIn
from node.storage.models.conversations import Conversation, ConversationMessage
from node.storage.models.groups import Group, GroupRule, Membership
from node.storage.models.meetings import Meeting, MeetingParticipation
from node.storage.models.moderation import ModerationEntry, NodeRule, Report
from node.storage.models.posts import Post

BATCH = 500


def _acct(handle: str | None, domain: str | None) -> str | None:
    return None if handle is None else f"{handle}@{domain}"


async def _by_id(
    session: AsyncSession, query: Select[*tuple[Any, ...]], key: Any
) -> AsyncIterator[Any]:
    """The rows of ``query`` in order of ``key`` (a unique integer column), a batch at a
    time. Columns, not ORM objects: nothing stays in the session's identity map."""
    after = 0
    while True:
        rows = (await session.execute(query.where(key > after).order_by(key).limit(BATCH))).all()
        for row in rows:
            yield row
        if len(rows) < BATCH:
            return
        after = rows[-1][0]


def _with_group(
    query: Select[*tuple[Any, ...]], group_id: Any, group_actor: Any, *, outer: bool = False
) -> Select[*tuple[Any, ...]]:
    """``query`` joined to the group ``group_id`` and that group's actor ``group_actor``
    (an alias of ``Actor``), whose handle and domain it adds: they name the group
    (``_acct``). ``outer`` where a row may have no group."""
    return (
        query.add_columns(group_actor.handle, group_actor.domain)
        .join(Group, Group.id == group_id, isouter=outer)
        .join(group_actor, group_actor.id == Group.actor_id, isouter=outer)
    )


async def posts(session: AsyncSession, actor_id: int) -> AsyncIterator[Json]:
    group_actor, thread, parent = aliased(Actor), aliased(Post), aliased(Post)
    # The reason a moderator gave for the removal, as the group's log shows it.
    removal_reason = (
        select(ModerationEntry.reason)
        .where(
            ModerationEntry.target_post_id == Post.id,
            ModerationEntry.action == ModAction.REMOVE_POST,
        )
        .order_by(ModerationEntry.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    query = (
        select(
            Post.id,
            Post.public_id,
            Post.uri,
            Post.in_reply_to_id,
            Post.title,
            Post.source,
            Post.content_html,
            Post.content_warning,
            Post.topics,
            Post.language,
            Post.anonymous,
            Post.published_at,
            Post.edited_at,
            Post.held_at,
            Post.pending_at,
            Post.removed_at,
            removal_reason.label("removal_reason"),
            thread.uri.label("thread_uri"),
            parent.uri.label("parent_uri"),
        )
        .outerjoin(thread, thread.id == Post.thread_id)
        .outerjoin(parent, parent.id == Post.in_reply_to_id)
        .where(Post.author_id == actor_id, Post.local.is_(True), Post.deleted_at.is_(None))
    )
    query = _with_group(query, Post.group_id, group_actor)
    async for row in _by_id(session, query, Post.id):
        yield {
            "id": row.public_id,
            "address": row.uri,
            "kind": "post" if row.in_reply_to_id is None else "reply",
            "group": _acct(row.handle, row.domain),
            "thread": row.thread_uri or row.uri,
            "in_reply_to": row.parent_uri,
            "title": row.title,
            # What the member typed (Markdown); the stored HTML only where that is all
            # there is.
            "text": row.source if row.source is not None else row.content_html,
            "text_format": "markdown" if row.source is not None else "html",
            "content_warning": row.content_warning,
            "topics": row.topics.split(),
            "language": row.language,
            "anonymous": row.anonymous,
            "published_at": iso(row.published_at),
            "edited_at": iso(row.edited_at),
            "waiting_for_approval": row.held_at is not None or row.pending_at is not None,
            "removed_by_moderator": None
            if row.removed_at is None
            else {"at": iso(row.removed_at), "reason": row.removal_reason or ""},
        }


def _partner_of(actor_id: int) -> Any:
    return case(
        (Conversation.asker_id == actor_id, Conversation.recipient_id),
        else_=Conversation.asker_id,
    )


async def conversations(session: AsyncSession, actor_id: int) -> AsyncIterator[Json]:
    partner = aliased(Actor)
    query = (
        select(
            Conversation.id,
            Conversation.public_id,
            Conversation.asker_id,
            Conversation.state,
            Conversation.created_at,
            Conversation.answered_at,
            Conversation.ended_at,
            Conversation.ended_by_id,
            partner.handle,
            partner.domain,
        )
        .join(partner, partner.id == _partner_of(actor_id))
        .where(or_(Conversation.asker_id == actor_id, Conversation.recipient_id == actor_id))
    )
    async for row in _by_id(session, query, Conversation.id):
        ended_by = None
        if row.ended_at is not None:
            ended_by = "you" if row.ended_by_id == actor_id else "them"
        with_whom = _acct(row.handle, row.domain)
        yield {
            "id": row.public_id,
            "with": with_whom,
            "you_asked": row.asker_id == actor_id,
            "state": row.state.value,
            "started_at": iso(row.created_at),
            "answered_at": iso(row.answered_at),
            "ended_at": iso(row.ended_at),
            "ended_by": ended_by,
            "not_included": f"Messages from {with_whom} are not included: "
            f"they are {with_whom}'s words.",
        }


async def messages(session: AsyncSession, actor_id: int) -> AsyncIterator[Json]:
    """The member's own messages, conversation by conversation (in the order of
    ``conversations``), oldest first within each."""
    partner = aliased(Actor)
    query = (
        select(
            ConversationMessage.id,
            ConversationMessage.public_id,
            ConversationMessage.text,
            ConversationMessage.created_at,
            Conversation.id.label("conversation_row"),
            Conversation.public_id.label("conversation"),
            partner.handle,
            partner.domain,
        )
        .join(Conversation, Conversation.id == ConversationMessage.conversation_id)
        .join(partner, partner.id == _partner_of(actor_id))
        .where(ConversationMessage.author_id == actor_id)
        .order_by(Conversation.id, ConversationMessage.id)
        .limit(BATCH)
    )
    after: tuple[int, int] = (0, 0)
    while True:
        rows = (
            await session.execute(
                query.where(
                    or_(
                        Conversation.id > after[0],
                        and_(Conversation.id == after[0], ConversationMessage.id > after[1]),
                    )
                )
            )
        ).all()
        for row in rows:
            yield {
                "id": row.public_id,
                "conversation": row.conversation,
                "to": _acct(row.handle, row.domain),
                "text": row.text,
                "sent_at": iso(row.created_at),
            }
        if len(rows) < BATCH:
            return
        after = (rows[-1].conversation_row, rows[-1].id)


async def reports(session: AsyncSession, actor_id: int) -> AsyncIterator[Json]:
    group_actor = aliased(Actor)
    query = (
        select(
            Report.id,
            Report.public_id,
            Report.kind,
            Report.target_uri,
            Report.reason,
            Report.forward,
            Report.state,
            Report.created_at,
            GroupRule.title.label("group_rule"),
            NodeRule.title.label("node_rule"),
        )
        .outerjoin(GroupRule, GroupRule.id == Report.group_rule_id)
        .outerjoin(NodeRule, NodeRule.id == Report.node_rule_id)
        .where(Report.reporter_id == actor_id, Report.local.is_(True))
    )
    query = _with_group(query, Report.group_id, group_actor, outer=True)
    async for row in _by_id(session, query, Report.id):
        yield {
            "id": row.public_id,
            "kind": row.kind.value,
            "about": row.target_uri,
            "group": _acct(row.handle, row.domain),
            "rule": row.group_rule or row.node_rule,
            "your_words": row.reason,
            "sent_on_to_its_node": row.forward,
            "state": row.state.value,
            "filed_at": iso(row.created_at),
        }


async def memberships(session: AsyncSession, actor_id: int) -> AsyncIterator[Json]:
    group_actor = aliased(Actor)
    query = select(
        Membership.id,
        Membership.state,
        Membership.role,
        Membership.created_at,
        group_actor.uri,
        group_actor.local,
    ).where(Membership.member_id == actor_id)
    query = _with_group(query, Membership.group_id, group_actor)
    async for row in _by_id(session, query, Membership.id):
        yield {
            "group": _acct(row.handle, row.domain),
            "address": row.uri,
            "here": row.local,
            "role": row.role.value,
            "state": row.state.value,
            "since": iso(row.created_at),
        }


async def follows(session: AsyncSession, actor_id: int) -> AsyncIterator[Json]:
    query = (
        select(Follow.id, Follow.state, Follow.created_at, Actor.handle, Actor.domain, Actor.uri)
        .join(Actor, Actor.id == Follow.followee_id)
        .where(Follow.follower_id == actor_id)
    )
    async for row in _by_id(session, query, Follow.id):
        yield {
            "following": _acct(row.handle, row.domain),
            "address": row.uri,
            "state": row.state.value,
            "since": iso(row.created_at),
        }


async def meetings(session: AsyncSession, actor_id: int) -> AsyncIterator[Json]:
    query = (
        select(
            MeetingParticipation.id,
            MeetingParticipation.state,
            MeetingParticipation.since,
            Meeting.public_id,
            Meeting.title,
        )
        .join(Meeting, Meeting.id == MeetingParticipation.meeting_id)
        .where(MeetingParticipation.actor_id == actor_id)
    )
    query = _with_group(query, Meeting.group_id, Actor)
    async for row in _by_id(session, query, MeetingParticipation.id):
        yield {
            "meeting": row.public_id,
            "title": row.title,
            "group": _acct(row.handle, row.domain),
            "answer": row.state.value,
            "since": iso(row.since),
        }


async def row_count(session: AsyncSession, actor_id: int) -> int:
    """About how many rows the archive reads: whether it is built at once or later."""
    counts = [
        select(func.count()).select_from(Post).where(Post.author_id == actor_id),
        select(func.count())
        .select_from(ConversationMessage)
        .where(ConversationMessage.author_id == actor_id),
        select(func.count()).select_from(Report).where(Report.reporter_id == actor_id),
    ]
    return sum([await session.scalar(query) or 0 for query in counts])


async def check_ins(session: AsyncSession, actor_id: int) -> AsyncIterator[Json]:
    """The member's private check-ins (``node.checkins``): theirs alone, so every one."""
    query = (
        select(CheckIn.id, CheckIn.scale, CheckIn.words, CheckIn.note, CheckIn.created_at, Post.uri)
        .outerjoin(Post, Post.id == CheckIn.shared_post_id)
        .where(CheckIn.owner_id == actor_id)
    )
    async for row in _by_id(session, query, CheckIn.id):
        yield {
            "scale": row.scale,
            "scale_words": scale_words(row.scale, "en"),
            "words": [word for word in row.words.split("\n") if word],
            "note": row.note,
            "created_at": iso(row.created_at),
            "shared_as": row.uri,
        }

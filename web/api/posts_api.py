"""Posts: threads in a group, replies, edits, deletion, support."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from node import pins
from node.crisis.drafts import draft_looks_like_crisis
from node.groups import limits
from node.posts import reading, support, writing
from node.topics import TOPICS_MAX
from node.views import PostView
from web.api.delivery_schemas import DeliveryOut, delivery_out
from web.api.groups_api import PageQuery
from web.api.operation import Auth, Body, Call, Operation, Query
from web.api.schemas import PinnedPosts, PostOut, PostPage, post_out, post_page
from web.pages.delivery_status import reach_shown


class RemovedQuery(Query):
    show_removed: bool = Field(
        False,
        description="Group moderators and node staff: show removed posts whole, "
        "marked removed (ignored for anyone else)",
    )


class RevealQuery(Query):
    reveal: bool = Field(
        False,
        description='Open posts your topic filters hide (they come whole, filtered "collapse")',
    )


class ReadQuery(RemovedQuery, RevealQuery):
    pass


class RemovedPageQuery(PageQuery, RemovedQuery, RevealQuery):
    pass


TOPICS_FIELD = Field(
    None,
    max_length=TOPICS_MAX,
    description="Support topics (GET /api/v1/topics); omit for the group's default, "
    "send [] for none",
)


ANONYMOUS = (
    'Post as "Anonymous member": others see the group, not you (only in a group on this '
    "node that allows it; 422 otherwise)"
)


class CreatePostBody(Body):
    body: str = Field(max_length=writing.BODY_MAX, description="Markdown")
    title: str | None = Field(None, max_length=writing.TITLE_MAX)
    content_warning: str | None = Field(
        None,
        max_length=limits.CONTENT_WARNING_MAX,
        description='Omit for the group\'s default; send "" for none',
    )
    language: str | None = Field(None, max_length=limits.LANGUAGE_MAX)
    topics: list[str] | None = TOPICS_FIELD
    anonymous: bool = Field(False, description=ANONYMOUS)


class ReplyBody(Body):
    body: str = Field(max_length=writing.BODY_MAX, description="Markdown")
    content_warning: str | None = Field(None, max_length=limits.CONTENT_WARNING_MAX)
    language: str | None = Field(None, max_length=limits.LANGUAGE_MAX)
    topics: list[str] | None = TOPICS_FIELD
    anonymous: bool = Field(False, description=ANONYMOUS)


class EditPostBody(Body):
    body: str | None = Field(None, max_length=writing.BODY_MAX)
    title: str | None = Field(None, max_length=writing.TITLE_MAX)
    content_warning: str | None = Field(None, max_length=limits.CONTENT_WARNING_MAX)
    topics: list[str] | None = Field(
        None, max_length=TOPICS_MAX, description="Support topics; omit to leave them"
    )


async def list_threads(call: Call[Any, RemovedPageQuery]) -> PostPage:
    page = await reading.list_threads(
        call.session,
        call.site,
        call.viewer,
        call.path("name"),
        cursor=call.query.cursor,
        limit=call.query.limit,
        show_removed=call.query.show_removed,
        reveal=call.query.reveal,
    )
    return post_page(page)


class NewPostOut(PostOut):
    crisis_prompt: bool = Field(
        False,
        description="The text sounded like a crisis (node.crisis.drafts): the post went "
        "through as written; a client may gently offer GET /api/v1/crisis-resources?group=… "
        "beside it. Only this yes or no is kept from the check: the text is never logged.",
    )


async def _new_post_out(call: Call[Any, Any], view: PostView, *texts: str | None) -> NewPostOut:
    prompt = await draft_looks_like_crisis(call.session, *(t for t in texts if t))
    return NewPostOut(**post_out(view).model_dump(), crisis_prompt=prompt)


async def create_post(call: Call[CreatePostBody, Any]) -> NewPostOut:
    body = call.body
    view = await writing.create_post(
        call.session,
        call.site,
        call.member,
        call.path("name"),
        body=body.body,
        title=body.title,
        content_warning=body.content_warning,
        language=body.language,
        anonymous=body.anonymous,
        now=call.now,
        topics=body.topics,
    )
    return await _new_post_out(call, view, body.title, body.body)


class OnePostOut(PostOut):
    delivery: DeliveryOut | None = Field(
        None,
        description="Did it arrive? Which other nodes it was sent to and what became of "
        "them, as its thread page tells: for its author, and for the moderators of its "
        "group if that group is hosted here (they also get each node); null for anyone "
        "else, for a post sent to no other node, and once it is older than its status is kept",
    )


async def get_post(call: Call[Any, ReadQuery]) -> OnePostOut:
    view, standing = await reading.read_post(
        call.session,
        call.viewer,
        call.path("id"),
        show_removed=call.query.show_removed,
        reveal=call.query.reveal,
    )
    found = await reach_shown(
        call.session,
        [view],
        mine=lambda _: standing.wrote,
        moderates=standing.moderates,
        now=call.now,
    )
    status = found.get(view.public_id)
    delivery = None if status is None else delivery_out(status, moderates=standing.moderates)
    return OnePostOut(**post_out(view).model_dump(), delivery=delivery)


async def list_replies(call: Call[Any, RemovedPageQuery]) -> PostPage:
    page = await reading.list_replies(
        call.session,
        call.viewer,
        call.path("id"),
        cursor=call.query.cursor,
        limit=call.query.limit,
        show_removed=call.query.show_removed,
        reveal=call.query.reveal,
    )
    return post_page(page)


async def reply_to_post(call: Call[ReplyBody, Any]) -> NewPostOut:
    body = call.body
    view = await writing.reply(
        call.session,
        call.site,
        call.member,
        call.path("id"),
        body=body.body,
        content_warning=body.content_warning,
        language=body.language,
        anonymous=body.anonymous,
        now=call.now,
        topics=body.topics,
    )
    return await _new_post_out(call, view, body.body)


async def edit_post(call: Call[EditPostBody, Any]) -> PostOut:
    body = call.body
    view = await writing.edit_post(
        call.session,
        call.member,
        call.path("id"),
        body=body.body,
        title=body.title,
        content_warning=body.content_warning,
        now=call.now,
        topics=body.topics,
    )
    return post_out(view)


async def delete_post(call: Call[Any, Any]) -> None:
    await writing.delete_post(call.session, call.member, call.path("id"), now=call.now)


async def send_support(call: Call[Any, Any]) -> PostOut:
    view = await support.set_support(
        call.session, call.member, call.path("id"), on=True, now=call.now
    )
    return post_out(view)


async def withdraw_support(call: Call[Any, Any]) -> PostOut:
    view = await support.set_support(
        call.session, call.member, call.path("id"), on=False, now=call.now
    )
    return post_out(view)


async def list_pinned(call: Call[Any, Any]) -> PinnedPosts:
    views = await pins.list_pinned(call.session, call.site, call.viewer, call.path("name"))
    return PinnedPosts(items=[post_out(view) for view in views])


async def pin(call: Call[Any, Any]) -> PostOut:
    view = await pins.set_pinned(
        call.session, call.member, call.path("id"), pinned=True, now=call.now
    )
    return post_out(view)


async def unpin(call: Call[Any, Any]) -> PostOut:
    view = await pins.set_pinned(
        call.session, call.member, call.path("id"), pinned=False, now=call.now
    )
    return post_out(view)


P = "/api/v1/posts/{id}"
OPERATIONS = (
    Operation(
        "GET",
        "/api/v1/groups/{name}/posts",
        list_threads,
        "Threads in a group, newest first",
        "posts",
        auth=Auth.OPTIONAL,
        query=RemovedPageQuery,
        response=PostPage,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "GET",
        "/api/v1/groups/{name}/pinned",
        list_pinned,
        "A group's announcements: threads its moderators pinned, latest first",
        "posts",
        auth=Auth.OPTIONAL,
        response=PinnedPosts,
        errors=(401, 403, 404),
    ),
    Operation(
        "POST",
        "/api/v1/groups/{name}/posts",
        create_post,
        "Start a thread",
        "posts",
        auth=Auth.REQUIRED,
        body=CreatePostBody,
        response=NewPostOut,
        status=201,
        errors=(401, 403, 404, 422),
    ),
    Operation(
        "GET",
        P,
        get_post,
        "A post",
        "posts",
        auth=Auth.OPTIONAL,
        query=ReadQuery,
        response=OnePostOut,
        errors=(401, 404, 422),
    ),
    Operation(
        "GET",
        P + "/replies",
        list_replies,
        "All replies in a thread, oldest first, each naming its parent",
        "posts",
        auth=Auth.OPTIONAL,
        query=RemovedPageQuery,
        response=PostPage,
        errors=(401, 404, 422),
    ),
    Operation(
        "POST",
        P + "/replies",
        reply_to_post,
        "Reply to a post or a reply (a locked thread takes replies from its group's "
        "moderators only)",
        "posts",
        auth=Auth.REQUIRED,
        body=ReplyBody,
        response=NewPostOut,
        status=201,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "PATCH",
        P,
        edit_post,
        "Edit your post",
        "posts",
        auth=Auth.REQUIRED,
        body=EditPostBody,
        response=PostOut,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "DELETE",
        P,
        delete_post,
        "Delete a post (author, group moderators, node staff)",
        "posts",
        auth=Auth.REQUIRED,
        errors=(401, 403, 404),
    ),
    Operation(
        "PUT",
        P + "/pin",
        pin,
        "Pin a thread to its group's top as an announcement (group moderators)",
        "posts",
        auth=Auth.REQUIRED,
        response=PostOut,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "DELETE",
        P + "/pin",
        unpin,
        "Unpin a thread (group moderators)",
        "posts",
        auth=Auth.REQUIRED,
        response=PostOut,
        errors=(401, 403, 404, 409, 422),
    ),
    Operation(
        "PUT",
        P + "/support",
        send_support,
        "Send support to a post",
        "posts",
        auth=Auth.REQUIRED,
        response=PostOut,
        errors=(401, 403, 404, 409),
    ),
    Operation(
        "DELETE",
        P + "/support",
        withdraw_support,
        "Take your support back",
        "posts",
        auth=Auth.REQUIRED,
        response=PostOut,
        errors=(401, 403, 404, 409),
    ),
)

"""Posts as ActivityStreams objects, in the shapes group-federating servers expect.

A thread start with a title is a ``Page`` (Lemmy, Mbin, PieFed show it as a
post); a reply or an untitled post is a ``Note`` (what Mastodon shows). Both
carry ``audience`` (FEP-1b12) naming their group and the content warning as
``summary`` + ``sensitive`` (Mastodon's CW, Lemmy's NSFW), and its support topics
as tags (``topic_tags``).
"""

from __future__ import annotations

from typing import Any

from federation.protocol import urls
from federation.protocol.activities import announce, group_addressing, post_activity, tombstone
from federation.protocol.topic_tags import summary_of, topic_tags
from federation.protocol.vocab import CONTEXT, with_context
from node.views import PostView


def as_from_post(post: PostView) -> dict[str, Any]:
    """The AS2 object of a post, as activities carry it (no ``@context``); a deleted post
    becomes a Tombstone. A private group's posts are addressed to the group and its
    followers only, never to as:Public."""
    if post.deleted:
        return tombstone(post.uri)
    group = post.group.uri
    document: dict[str, Any] = {
        "id": post.uri,
        "type": "Page" if post.title else "Note",
        "attributedTo": post.author.uri if post.author else group,
        "audience": group,
        **group_addressing(group, public=post.group_public),
        "content": post.content_html,
        "mediaType": "text/html",
        "published": post.published_at.isoformat().replace("+00:00", "Z"),
        "url": post.uri,
        "sensitive": bool(post.content_warning or post.topics),
        "contentMap": {post.language: post.content_html},
    }
    if post.title:
        document["name"] = post.title
    if warning := summary_of(post.content_warning, post.topics, post.language):
        document["summary"] = warning
    if post.topics:
        document["tag"] = topic_tags(post.topics, post.language)
    if post.anonymous and post.anonymous_label:
        document["anonymousLabel"] = post.anonymous_label
    if post.check_in_scale is not None:
        document["checkIn"] = post.check_in_scale
    if post.in_reply_to_uri:
        document["inReplyTo"] = post.in_reply_to_uri
    if post.edited_at:
        document["updated"] = post.edited_at.isoformat().replace("+00:00", "Z")
    return document


def object_from_post(post: PostView) -> dict[str, Any]:
    """A post as its own document (``/posts/{id}``): its object with our ``@context``."""
    return with_context(as_from_post(post), context=CONTEXT)


def announced_post(post: PostView) -> dict[str, Any]:
    """A post as its group's outbox lists it: the group's ``Announce`` of its author's
    ``Create``, the shape the group sends it in (and Lemmy's outbox shape). Ids are derived
    from the post's, so the same post is the same item on every reading."""
    document = as_from_post(post)
    group, public = post.group.uri, post.group_public
    create = post_activity(
        f"{post.uri}#create",
        "Create",
        document["attributedTo"],
        document,
        group=group,
        public=public,
    )
    return announce(f"{urls.outbox(group)}#{post.public_id}", group, create, public=public)

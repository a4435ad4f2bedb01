"""Turning what members write into HTML that is safe to store and show.

Markdown is rendered with raw HTML disabled (so ``<script>`` arrives as text),
and the result is sanitised again with an allow-list: defence in depth, and the
same sanitiser later cleans HTML that arrives from other servers.
"""

from __future__ import annotations

import nh3
from markdown_it import MarkdownIt

_markdown = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
_markdown.enable("strikethrough")

ALLOWED_TAGS = {
    "p",
    "br",
    "strong",
    "em",
    "del",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "span",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}, "span": {"class"}}
# What marks a link as a mention or a hashtag (Mastodon, Lemmy, Misskey), so it
# can be shown as one; every other class on a link is dropped.
LINK_CLASSES = {"a": {"mention", "hashtag", "u-url", "h-card"}}
URL_SCHEMES = {"http", "https", "mailto"}


def sanitize_html(html: str) -> str:
    """Keep formatting and links; drop scripts, styles, event handlers and odd schemes."""
    return nh3.clean(
        html,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        allowed_classes=LINK_CLASSES,
        url_schemes=URL_SCHEMES,
        link_rel="nofollow noopener noreferrer ugc",
    )


def render_markdown(source: str) -> str:
    """Markdown as written by a member, to sanitised HTML."""
    return sanitize_html(_markdown.render(source)).strip()

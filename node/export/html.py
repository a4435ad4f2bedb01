"""The archive's readable page (``index.html``): one self-contained file, to open in any
browser with no network: no script, nothing fetched, its small style inline, and every
piece of text escaped (a post that says ``<script>`` shows those characters).

The page is in English for now, as the JSON keys are.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

from node.export.sections import Json

STYLE = """
body{font:16px/1.5 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;
color:#1f2328;background:#fff}
h1,h2,h3{line-height:1.25}
article,section.item{border-top:1px solid #d0d7de;padding:.5rem 0}
.text{white-space:pre-wrap;overflow-wrap:anywhere}
.meta{color:#57606a;font-size:.9rem}
.note{background:#f6f8fa;border-left:4px solid #57606a;padding:.5rem 1rem}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}
dt{font-weight:600}dd{margin:0;overflow-wrap:anywhere}
"""

# Each list section of the archive: its heading and a sentence saying what it holds.
HEADINGS: dict[str, tuple[str, str]] = {
    "posts": ("Your posts and replies", "Everything you wrote in groups, anonymous posts too."),
    "conversations": (
        "Your conversations",
        "Who you talked with one-on-one, and when. Messages from the other person are not "
        "included: they are their words, not yours.",
    ),
    "messages": ("Your messages", "What you wrote in your conversations."),
    "reports": (
        "Reports you made",
        "What you wrote when you reported something, or were worried about someone.",
    ),
    "memberships": ("Your groups", "The groups you belong to, here and on other nodes."),
    "follows": ("People you follow", ""),
    "meetings": ("Your meetings", "The meetings you answered, and your answer."),
    "check_ins": (
        "Your check-ins",
        "How you were, in your own words: private unless you shared one with a group.",
    ),
}


def _value(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return escape(", ".join(str(v) for v in value))
    if isinstance(value, dict):
        return fields(value)
    return escape(str(value))


def fields(values: Json) -> str:
    """A small table of names and values, escaped."""
    rows = "".join(
        f"<dt>{escape(name.replace('_', ' '))}</dt><dd>{_value(value)}</dd>"
        for name, value in values.items()
    )
    return f"<dl>{rows}</dl>"


def start(head: Json) -> str:
    profile = head["profile"]
    settings = "".join(
        f"<h3>{escape(name.replace('_', ' ').capitalize())}</h3>{fields(values)}"
        for name, values in head["settings"].items()
    )
    notes = "".join(f"<li>{escape(note)}</li>" for note in head["not_included"])
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>Your Kinfolk archive · {escape(profile['handle'])}</title>\n"
        f"<style>{STYLE}</style>\n</head>\n<body>\n<main>\n"
        f"<h1>Your Kinfolk archive</h1>\n"
        f'<p class="meta">{escape(profile["handle"])} · made {escape(head["created_at"])} '
        f"· format {escape(head['format'])} version {head['version']}</p>\n"
        '<div class="note"><p>This archive is for you alone. It holds what is yours on '
        f"{escape(head['node'])}; it leaves out:</p><ul>{notes}</ul></div>\n"
        f"<h2>Your profile</h2>\n{fields(profile)}\n<h2>Your settings</h2>\n{settings}\n"
    )


def section_start(name: str) -> str:
    title, intro = HEADINGS[name]
    intro_html = f"<p>{escape(intro)}</p>" if intro else ""
    return f'<section aria-labelledby="{name}">\n<h2 id="{name}">{escape(title)}</h2>{intro_html}\n'


def section_end(count: int) -> str:
    return ("<p>None.</p>\n" if count == 0 else "") + "</section>\n"


def _post(item: Json) -> str:
    title = f"<h3>{escape(item['title'])}</h3>" if item["title"] else ""
    marks = [item["kind"], f"in {item['group']}", item["published_at"]]
    if item["anonymous"]:
        marks.insert(0, "posted anonymously")
    if item["edited_at"]:
        marks.append(f"edited {item['edited_at']}")
    warning = (
        f"<p><strong>Content warning:</strong> {escape(item['content_warning'])}</p>"
        if item["content_warning"]
        else ""
    )
    removed = ""
    if item["removed_by_moderator"]:
        reason = item["removed_by_moderator"]["reason"]
        removed = "<p><strong>Removed by a moderator.</strong>" + (
            f" Reason given: {escape(reason)}</p>" if reason else "</p>"
        )
    return (
        f'<article>{title}<p class="meta">{escape(" · ".join(marks))}</p>{warning}{removed}'
        f'<div class="text">{escape(item["text"])}</div>'
        f'<p class="meta">{escape(item["address"])}</p></article>\n'
    )


def _message(item: Json) -> str:
    return (
        f'<article><p class="meta">To {escape(item["to"])} · {escape(item["sent_at"])}</p>'
        f'<div class="text">{escape(item["text"])}</div></article>\n'
    )


def _plain(item: Json) -> str:
    return f'<section class="item">{fields(item)}</section>\n'


ITEMS: dict[str, Callable[[Json], str]] = {"posts": _post, "messages": _message}


def item(name: str, values: Json) -> str:
    return ITEMS.get(name, _plain)(values)


END = "</main>\n</body>\n</html>\n"

"""The smallest safe HTML page, for actor and object URLs opened in a browser.

The full server-rendered interface comes with its own templates; until a page
exists for a URL, a browser gets this instead of a JSON document.
"""

from __future__ import annotations

import html

from aiohttp import web


def simple_page(title: str, body_html: str, *, status: int = 200) -> web.Response:
    """``body_html`` must already be safe (escaped or sanitised) HTML."""
    page = (
        "<!doctype html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title></head>"
        f"<body><main><h1>{html.escape(title)}</h1>{body_html}</main></body></html>\n"
    )
    return web.Response(text=page, content_type="text/html", status=status)

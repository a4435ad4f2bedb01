"""Crawling a rig's nodes for words that must not be there.

A feature that decides who sees something is proven by a crawl of every node
involved (the group's, the author's, and a third), as each kind of visitor: every
page, JSON API answer, ActivityPub document and collection, WebFinger and NodeInfo
answer that a node gives the visitor, following every link it gives to itself, and
every GET endpoint of its OpenAPI document with the groups, posts and members the
crawl has met. A visitor is anonymous, a member of the crawled node (signed in, on
pages and in the API), or another node (signing its ActivityPub fetches, as a
server would). ``leaks`` says where any of the given secrets turned up.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import aiohttp

from federation.remote.http import FetchError
from tests.api_client import Member
from tests.rig.rig import RigNode
from web.keys import FEDERATION
from web.pages.session import SESSION_COOKIE

HTML = "text/html,application/xhtml+xml"
AS2 = "application/activity+json"
JSON = "application/json"
# Links a crawl does not follow: static files, and GETs that only set a preference.
_SKIPPED = ("/static/", "/language/")
_LINK = re.compile(r'(?:href|action)="([^"#]*)')
_SEGMENT = re.compile(r"/(groups|posts|members)/([^/?#\"]+)")
_PARAMETERS = {"name": "groups", "id": "posts", "acct": "members"}


@dataclass(frozen=True)
class Visitor:
    """Who crawls: nobody, a member of the crawled node, or another node (signing)."""

    label: str
    member: Member | None = None
    node: RigNode | None = None


ANONYMOUS = Visitor("an anonymous visitor")


def member_of(member: Member) -> Visitor:
    return Visitor(f"member {member.username}", member=member)


def node_signing(node: RigNode) -> Visitor:
    return Visitor(f"node {node.name}, signing", node=node)


@dataclass
class Crawl:
    """What one visitor was answered by one node: ``answers`` maps "accept url" to text."""

    node: RigNode
    visitor: Visitor
    answers: dict[str, str] = field(default_factory=dict)
    seen: dict[str, set[str]] = field(
        default_factory=lambda: {kind: set() for kind in _PARAMETERS.values()}
    )

    def leaks(self, secrets: Iterable[str]) -> list[str]:
        """Where any of ``secrets`` appears, as "secret in accept url (visitor)"."""
        return [
            f"{secret!r} in {where} ({self.visitor.label} on {self.node.name})"
            for where, text in self.answers.items()
            for secret in secrets
            if secret in text
        ]


def _strings(document: Any) -> Iterator[str]:
    if isinstance(document, str):
        yield document
    elif isinstance(document, dict):
        for value in document.values():
            yield from _strings(value)
    elif isinstance(document, list):
        for value in document:
            yield from _strings(value)


def _dicts(document: Any) -> Iterator[dict[str, Any]]:
    if isinstance(document, dict):
        yield document
        for value in document.values():
            yield from _dicts(value)
    elif isinstance(document, list):
        for value in document:
            yield from _dicts(value)


class _Crawler:
    def __init__(self, node: RigNode, visitor: Visitor, limit: int) -> None:
        self.base = node.settings.base_url
        self.crawl = Crawl(node, visitor)
        self.queue: list[str] = []
        self.queued: set[str] = set()
        self.limit = limit

    def add(self, url: str) -> None:
        if url.startswith("/") and not url.startswith("//"):
            url = self.base + url
        if not url.startswith(self.base + "/") or any(s in url for s in _SKIPPED):
            return
        if url not in self.queued and len(self.queued) < self.limit:
            self.queued.add(url)
            self.queue.append(url)

    def learn(self, text: str, document: Any) -> None:
        """Links to follow, and the groups, posts and members named, in an answer."""
        for link in _LINK.findall(text):
            self.add(link.replace("&amp;", "&"))
        for value in _strings(document):
            self.add(value)
        for kind, value in _SEGMENT.findall(text):
            self.crawl.seen[kind].add(value)
        for item in _dicts(document):
            if "content_html" in item and isinstance(item.get("id"), str):
                self.crawl.seen["posts"].add(item["id"])
            acct = item.get("acct")
            if isinstance(acct, str) and isinstance(item.get("uri"), str):
                kind = "groups" if "/groups/" in item["uri"] else "members"
                self.crawl.seen[kind].add(self._local_name(acct))

    def _local_name(self, acct: str) -> str:
        name, _, domain = acct.partition("@")
        return name if domain == urlsplit(self.base).netloc else acct

    def api_paths(self, openapi: dict[str, Any]) -> list[str]:
        """Every GET of the API, once for each group, post or member met so far."""
        paths = []
        for template, operations in openapi.get("paths", {}).items():
            if "get" not in operations:
                continue
            names = re.findall(r"{(\w+)}", template)
            if not names:
                paths.append(template)
                continue
            if len(names) > 1 or names[0] not in _PARAMETERS:
                continue
            for value in sorted(self.crawl.seen[_PARAMETERS[names[0]]]):
                paths.append(template.replace("{" + names[0] + "}", quote(value, safe="@:")))
        return paths


async def _get(http: aiohttp.ClientSession, url: str, accept: str, member: Member | None) -> str:
    headers = {"Accept": accept}
    if member is not None:
        headers["Authorization"] = f"Bearer {member.token}"
        headers["Cookie"] = f"{SESSION_COOKIE}={member.token}"
    async with http.get(url, headers=headers, allow_redirects=False) as response:
        location = response.headers.get("Location")
        return (location + "\n" if location else "") + await response.text()


async def crawl(
    node: RigNode,
    visitor: Visitor,
    *,
    seeds: Iterable[str] = (),
    handles: Iterable[str] = (),
    limit: int = 600,
) -> Crawl:
    """Everything ``node`` answers ``visitor``, from its start pages, NodeInfo, WebFinger
    for ``handles`` and the ``seeds`` (URLs the test knows, say of a post), following
    links; then every GET of its API for what was met; then links from those answers."""
    crawler = _Crawler(node, visitor, limit)
    for start in (
        "/",
        "/groups",
        "/find-group",
        "/actor",
        "/.well-known/nodeinfo",
        "/nodeinfo/2.1",
        "/.well-known/host-meta",
        "/api/v1/node/rules",
    ):
        crawler.add(start)
    for handle in handles:
        crawler.add(f"/.well-known/webfinger?resource={quote('acct:' + handle)}")
    for seed in seeds:
        crawler.add(seed)
    async with aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar()) as http:
        await _drain(crawler, http)
        openapi = json.loads(await _get(http, crawler.base + "/api/openapi.json", JSON, None))
        for path in crawler.api_paths(openapi):
            crawler.add(path)
        await _drain(crawler, http)
    return crawler.crawl


def _accepts(url: str, base: str, visitor: Visitor) -> tuple[str, ...]:
    """What a visitor asks for at ``url``: the API speaks JSON; discovery documents are
    read unsigned by servers too; everything else is a page or an ActivityPub document
    (and the start page has a JSON summary for scripts)."""
    path = url[len(base) :]
    if path.startswith(("/.well-known/", "/nodeinfo/")):
        return (JSON,)
    if visitor.node is not None:
        return (AS2,)
    if path.startswith("/api/"):
        return (JSON,)
    return (HTML, AS2, JSON) if path == "/" else (HTML, AS2)


async def _drain(crawler: _Crawler, http: aiohttp.ClientSession) -> None:
    visitor = crawler.crawl.visitor
    while crawler.queue:
        url = crawler.queue.pop(0)
        for accept in _accepts(url, crawler.base, visitor):
            if visitor.node is not None and accept == AS2:
                # Another node asks as servers do: ActivityPub, signed by its instance actor.
                assert visitor.node.server is not None
                try:
                    document: Any = await visitor.node.server.app[FEDERATION].fetch(url)
                except FetchError:
                    continue
                text = json.dumps(document, ensure_ascii=False)
                accept += " (signed)"
            else:
                text = await _get(http, url, accept, visitor.member)
                try:
                    document = json.loads(text)
                except ValueError:
                    document = None
            crawler.crawl.answers[f"{accept} {url}"] = text
            crawler.learn(text, document)

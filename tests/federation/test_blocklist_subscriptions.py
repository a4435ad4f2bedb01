"""An admin subscribes to two shared blocklists served by a loopback server: the preview,
the apply with ceilings, the merge, provenance, a changed list, a failed fetch."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from aiohttp import web
from aiohttp.test_utils import TestServer
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from federation.actions import policy_change
from federation.blocklists import Fetcher, refresh, refresh_due
from federation.remote.http import Egress, client_session
from node.federation_policy import storage, subscriptions
from node.federation_policy.decision import Rule, Severity
from node.federation_policy.merging import ChangeKind

AiohttpServer = Callable[[web.Application], Awaitable[TestServer]]
OPEN = Egress(allow_private_addresses=True, allow_http=True)


MASTODON_CSV_1 = """#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
spam.example,suspend,false,false,Spam,false
loud.example,silence,true,false,Loud,false
gone.example,suspend,false,false,,false
local.example,suspend,false,false,,false
ha**.example,suspend,false,false,hidden,true
"""
# The list changes: spam.example dropped, loud.example raised, gone.example dropped.
MASTODON_CSV_2 = """#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate
loud.example,suspend,false,false,Loud and rude,false
local.example,suspend,false,false,,false
"""
FEDIBLOCKHOLE_JSON = [
    {"domain": "spam.example", "severity": "silence", "comment": "spam"},
    {"domain": "loud.example", "severity": "suspend", "public_comment": "abuse"},
    {"domain": "troll.example", "severity": "suspend", "reject_reports": True},
    {"domain": "", "digest": "a" * 64, "severity": "suspend"},
    {"domain": "tr**l.example", "digest": "b" * 64, "severity": "suspend"},
]


@dataclass
class Served:
    """What the loopback server serves, changed by the test."""

    csv: str = MASTODON_CSV_1
    fail: bool = False
    json_fetches: int = 0


STATE = web.AppKey("state", Served)


def _lists() -> web.Application:
    state = Served()

    async def mastodon_csv(request: web.Request) -> web.Response:
        if state.fail:
            return web.Response(status=503)
        return web.Response(text=state.csv, content_type="text/csv")

    async def fediblockhole_json(request: web.Request) -> web.Response:
        state.json_fetches += 1
        if request.headers.get("If-None-Match") == '"v1"':
            return web.Response(status=304)
        body = json.dumps(FEDIBLOCKHOLE_JSON)
        return web.Response(text=body, content_type="application/json", headers={"ETag": '"v1"'})

    app = web.Application()
    app[STATE] = state
    app.router.add_get("/mastodon.csv", mastodon_csv)
    app.router.add_get("/lists/fbh.json", fediblockhole_json)
    return app


def _severities(rules: list[Rule]) -> dict[str, tuple[Severity, bool]]:
    return {rule.domain: (rule.severity, rule.local) for rule in rules}


async def test_subscribed_lists_are_previewed_applied_merged_and_followed(
    sessions: async_sessionmaker[AsyncSession], aiohttp_server: AiohttpServer, now: datetime
) -> None:
    server = await aiohttp_server(_lists())
    state = server.app[STATE]
    base = str(server.make_url("")).rstrip("/")
    clock = [now]
    async with client_session(OPEN, user_agent="kinfolk-test") as http:
        fetcher = Fetcher(sessions, http, OPEN, lambda: clock[0])
        async with sessions.begin() as session:
            # The admin's own rule, which no list changes.
            await policy_change.set_rule(session, "local.example", "limit", now=now)
            csv = await subscriptions.subscribe(
                session, f"{base}/mastodon.csv", ceiling="suspend", name="Mastodon list", now=now
            )
            fbh = await subscriptions.subscribe(
                session, f"{base}/lists/fbh.json", ceiling="limit", auto_apply=True, now=now
            )

        # Fetched: the CSV waits for the admin (the safe default); the JSON applies itself.
        fetched = await refresh(fetcher, csv.id)
        assert not fetched.applied
        assert fetched.subscription.pending
        assert fetched.subscription.entries == 4  # the obfuscated ha**.example left out
        assert fetched.subscription.unapplicable == (
            "line 6: ha**.example: the name is obfuscated",
        )
        async with sessions.begin() as session:
            assert await storage.list_rules(session) == [Rule("local.example", Severity.LIMIT)]
            shown = await subscriptions.preview(session, "Mastodon list")
        added = {c.domain: c.after.severity for c in shown.plan.of(ChangeKind.ADDED) if c.after}
        assert added == {
            "gone.example": Severity.SUSPEND,
            "loud.example": Severity.LIMIT,
            "spam.example": Severity.SUSPEND,
        }
        assert shown.plan.kept_local == ("local.example",)

        fetched = await refresh(fetcher, fbh.id)
        assert fetched.applied
        assert not fetched.subscription.pending
        assert set(fetched.subscription.unapplicable) == {
            f"sha256:{'a' * 16}…: only a digest of the name is given",
            "tr**l.example: the name is obfuscated",
        }
        async with sessions.begin() as session:
            # Capped at "limit": the JSON's suspensions limit here.
            assert _severities(await storage.list_rules(session)) == {
                "local.example": (Severity.LIMIT, True),
                "loud.example": (Severity.LIMIT, False),
                "spam.example": (Severity.LIMIT, False),
                "troll.example": (Severity.LIMIT, False),
            }
            applied = await policy_change.apply_subscription(session, csv.id, now=now)
        assert not applied.value.subscription.pending
        async with sessions.begin() as session:
            rules = await storage.list_rules(session)
            sources = await subscriptions.sources_of(session, [r.domain for r in rules])
        # The most severe wins, each capped by its list's ceiling; the admin's rule stays.
        assert _severities(rules) == {
            "gone.example": (Severity.SUSPEND, False),
            "local.example": (Severity.LIMIT, True),
            "loud.example": (Severity.LIMIT, False),
            "spam.example": (Severity.SUSPEND, False),
            "troll.example": (Severity.LIMIT, False),
        }
        by_domain = {rule.domain: rule for rule in rules}
        assert by_domain["spam.example"].public_comment == "Spam"
        assert by_domain["loud.example"].reject_media  # any list's flag
        assert by_domain["troll.example"].reject_reports
        listed = f"{base}/lists/fbh.json"
        assert sources == {
            "gone.example": ["Mastodon list"],
            "local.example": ["Mastodon list"],
            "loud.example": ["Mastodon list", listed],
            "spam.example": ["Mastodon list", listed],
            "troll.example": [listed],
        }

        # Six hours on, the schedule fetches both: the CSV changed, the JSON did not (304).
        state.csv = MASTODON_CSV_2
        clock[0] = now + timedelta(hours=6)
        assert await refresh_due(fetcher, timedelta(hours=6)) == 2
        assert state.json_fetches == 2
        async with sessions.begin() as session:
            json_list = await subscriptions.subscription(session, fbh.id)
            assert json_list.entries == 3
            assert json_list.fetched_at == clock[0]
            shown = await subscriptions.preview(session, csv.id)
        kinds = {change.domain: change.kind for change in shown.plan.changes}
        assert kinds == {
            "gone.example": ChangeKind.REMOVED,  # from this list alone
            "loud.example": ChangeKind.RAISED,
            "spam.example": ChangeKind.LOWERED,  # the other list still limits it
        }
        async with sessions.begin() as session:
            await policy_change.apply_subscription(session, csv.id, now=clock[0])
            assert _severities(await storage.list_rules(session)) == {
                "local.example": (Severity.LIMIT, True),
                "loud.example": (Severity.SUSPEND, False),
                "spam.example": (Severity.LIMIT, False),
                "troll.example": (Severity.LIMIT, False),
            }

        # A failed fetch is shown and keeps what was fetched and applied.
        state.fail = True
        failed = await refresh(fetcher, csv.id)
        assert "503" in failed.error
        assert not failed.applied
        async with sessions.begin() as session:
            kept = await subscriptions.subscription(session, csv.id)
            assert kept.entries == 2
            assert kept.last_error == failed.error
            assert kept.fetched_at == clock[0]
            assert len(await storage.list_rules(session)) == 4
        # Through the egress guard: a private address is refused unless the node allows it.
        guarded = Egress(allow_private_addresses=False, allow_http=True)
        async with client_session(guarded, user_agent="kinfolk-test") as strict:
            refused = await refresh(Fetcher(sessions, strict, guarded, lambda: clock[0]), fbh.id)
        assert "non-public address" in refused.error

        # Leaving a list removes what came from it alone; what others give is merged again.
        async with sessions.begin() as session:
            await policy_change.unsubscribe(session, fbh.id, now=clock[0])
            assert _severities(await storage.list_rules(session)) == {
                "local.example": (Severity.LIMIT, True),
                "loud.example": (Severity.SUSPEND, False),
            }

"""What an admin's monitoring sees of a node: ``/metrics`` for Prometheus, and the health page.

One journey on two real nodes, since what is measured is real traffic: beta's
signed Follow accepted by alpha's inbox, an unsigned POST refused, then beta
goes down and alpha's delivery to it fails. ``/metrics`` is read by
prometheus-client's own parser; the counters are the process's (every rig node
runs in this one), so the test compares them before and after.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import select, update

from federation.tables import Destination
from node.kinds import NodeRole
from node.storage.models.actors import Account, Actor
from tests.rig.rig import Rig, RigNode, database_of
from tests.rig.test_compose_pages import Browser

TOKEN = "metrics-" + "t" * 32
Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(node: RigNode, **headers: str) -> tuple[int, str]:
    assert node.client is not None
    async with node.client.get("/metrics", headers=headers) as response:
        return response.status, await response.text()


async def samples(node: RigNode) -> Samples:
    status, text = await scrape(node)
    assert status == 200, text
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(found: Samples, name: str, **labels: str) -> float:
    return found.get((name, frozenset(labels.items())), 0.0)


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    return value(after, name, **labels) - value(before, name, **labels)


async def make_admin(node: RigNode, username: str) -> None:
    async with database_of(node) as session:
        actor_id = select(Actor.id).where(Actor.handle == username)
        await session.execute(
            update(Account).where(Account.actor_id.in_(actor_id)).values(role=NodeRole.ADMIN)
        )


def has_families(found: Samples, names: Mapping[str, str]) -> None:
    present = {name for name, _ in found}
    for name, why in names.items():
        assert name in present, f"{name} ({why}) is missing"


async def test_metrics_and_the_health_page_show_the_inbox_and_a_node_that_is_down(
    rig: Rig,
) -> None:
    a = await rig.add_node("alpha", metrics_token=TOKEN)
    b = await rig.add_node("beta")
    ana, ben, cai = await a.member("ana"), await b.member("ben"), await a.member("cai")
    await make_admin(a, "ana")
    await a.api.create_group(ana, "circle")
    before = await samples(a)

    # A signed Follow from beta is accepted; an unsigned POST is refused, and said why.
    await b.api.call("POST", f"/api/v1/members/ana@{a.domain}/follow", as_=ben)
    await rig.settle()
    assert a.client is not None
    unsigned = await a.client.post(
        "/inbox",
        data=b'{"id": "https://x.example/1", "type": "Follow", "actor": "https://x.example/u"}',
        headers={"Content-Type": "application/activity+json"},
    )
    assert unsigned.status == 401
    # Beta goes down: alpha's delivery of ana's post fails and waits to be tried again.
    await b.stop()
    await a.api.post(ana, "circle", "Posted while beta was away")
    await rig.settle()

    after = await samples(a)
    has_families(
        after,
        {
            "kinfolk_http_request_duration_seconds_count": "requests by route class",
            "kinfolk_inbox_queue_depth": "the inbox queue",
            "kinfolk_inbox_queue_oldest_age_seconds": "its oldest item",
            "kinfolk_delivery_queue_oldest_age_seconds": "the delivery queue's oldest item",
            "kinfolk_failing_hosts": "hosts by breaker state",
        },
    )
    assert moved(before, after, "kinfolk_inbox_accepted_total", duplicate="false") >= 1
    assert moved(before, after, "kinfolk_inbox_refused_total", reason="unsigned") == 1
    verified = {"standard": "rfc9421", "result": "verified"}
    cavage = {"standard": "cavage", "result": "verified"}
    assert (
        moved(before, after, "kinfolk_signature_verifications_total", **verified)
        + moved(before, after, "kinfolk_signature_verifications_total", **cavage)
    ) >= 1
    assert moved(before, after, "kinfolk_key_fetches_total", result="fetched") >= 1
    requests = "kinfolk_http_request_duration_seconds_count"
    assert moved(before, after, requests, route="inbox", status="2xx") >= 1
    assert moved(before, after, requests, route="inbox", status="4xx") >= 1
    assert moved(before, after, requests, route="api", status="2xx") >= 1
    assert moved(before, after, requests, route="metrics", status="2xx") == 1
    assert value(after, "kinfolk_delivery_queue_depth") >= 1
    assert value(after, "kinfolk_deliveries", outcome="retrying") >= 1
    assert value(after, "kinfolk_deliveries", outcome="delivered") >= 1
    assert value(after, "kinfolk_failing_hosts", state="failing") == 1
    assert value(after, "kinfolk_host_pending_deliveries", host=b.domain) >= 1
    failing_since = value(after, "kinfolk_host_failing_since_timestamp_seconds", host=b.domain)
    assert abs(failing_since - rig.clock().timestamp()) < 300

    # The guard: a visitor a trusted proxy forwards for is not this machine; the token opens.
    visitor = {"X-Forwarded-For": "203.0.113.9"}
    assert (await scrape(a, **visitor))[0] == 404
    assert (await scrape(a, **visitor, Authorization="Bearer wrong-" + "t" * 32))[0] == 404
    assert (await scrape(a, **visitor, Authorization=f"Bearer {TOKEN}"))[0] == 200

    # The admin's health page names beta, since when it fails, and links to its page.
    status, html = await Browser(a, ana).get("/admin/health")
    assert status == 200, html
    assert f'href="/admin/federation/hosts/{b.domain.replace(":", "%3A")}"' in html
    async with database_of(a) as session:
        since = await session.scalar(
            select(Destination.failing_since).where(Destination.host == b.domain)
        )
    assert since is not None
    row = html[html.index(f">{b.domain}</a>") :].split("</tr>", 1)[0]
    assert "Failing, still tried" in row
    assert f'<time datetime="{since.isoformat()}">' in row
    assert 'aria-current="page">Health<' in html
    status, _ = await Browser(a, cai).get("/admin/health")
    assert status == 403

"""The digest as it arrives, through a real SMTP server on loopback: a member who asked
for it gets the counts after their quiet hours, never what was written, and stops it
with the link in the mail, without signing in."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from node import accounts
from node.notifications.quiet import set_quiet_hours
from tests.api_client import Api
from tests.clocks import ManualClock
from tests.conftest import Client
from tests.mailbox import Mailbox
from tests.web.mail_helpers import deliver, last_link, verified_member
from tests.web.test_pages import page, submit
from web.keys import SESSIONS, SITE

MARKER = "quokkamarmalade"


@pytest.fixture
def client(mail_client: Client) -> Client:
    return mail_client


def digests(mailbox: Mailbox) -> list[str]:
    return [m.text for m in mailbox.to("ana@example.org") if "What is new" in m.subject]


async def test_a_digest_after_quiet_hours_with_counts_only_and_a_working_unsubscribe(
    client: Client, mailbox: Mailbox, clock: ManualClock
) -> None:
    api = Api(client)
    ana = await verified_member(api, client, mailbox, "ana")
    chosen = await api.call(
        "PUT", "/api/v1/account/email/digest", as_=ana, json={"digest": "daily"}
    )
    chosen.expect(200)
    # Quiet from 11:00 to 14:00 UTC; the test's clock starts at noon.
    async with client.app[SESSIONS].begin() as session:
        member = await accounts.member_by_username(session, client.app[SITE], "ana")
        assert member is not None
        await set_quiet_hours(
            session, member.account_id, time_zone="UTC", start=time(11, 0), end=time(14, 0)
        )
    bo = await api.register("bodhi")
    await api.create_group(ana, "quiet-corner", display_name="Quiet Corner")
    await api.join(bo, "quiet-corner")
    post = await api.post(ana, "quiet-corner", "Does anyone else wake at 4?", title="Nights")
    await api.reply(bo, post["id"], f"Every night. {MARKER}")

    await deliver(client)
    assert digests(mailbox) == []  # quiet hours: it waits
    clock.advance(timedelta(hours=2))
    await deliver(client)
    [digest] = digests(mailbox)
    assert "you have 1 new reply on Kinfolk." in digest
    for secret in (MARKER, "Every night", "bodhi", "quiet-corner", "Quiet Corner", "Nights"):
        assert secret not in digest

    unsubscribe = last_link(mailbox, "ana@example.org", "/email/unsubscribe/")
    status, html = await page(client, unsubscribe)  # opening it changes nothing yet
    assert status == 200
    mine = await api.call("GET", "/api/v1/account/email", as_=ana)
    assert mine.expect(200)["digest"] == "daily"
    status, html = await submit(client, unsubscribe, {})
    assert status == 200
    assert "you will get no more summaries by email" in html
    mine = await api.call("GET", "/api/v1/account/email", as_=ana)
    assert mine.expect(200)["digest"] == "off"

    await api.reply(bo, post["id"], "Still here.")
    clock.advance(timedelta(days=2))
    await deliver(client)
    assert len(digests(mailbox)) == 1

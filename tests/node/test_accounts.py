"""Accounts: registration, names shared with groups, signing in, and API tokens."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node import accounts
from node.errors import AuthenticationFailed, Conflict, InvalidInput, NotFound, PermissionDenied
from node.kinds import NodeRole
from node.passwords import Passwords
from node.site import Site
from node.storage.models.actors import Account, ApiToken
from node.views import Viewer
from tests.node.factories import PASSWORD, Node


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def register(node: Node, handle: str, password: str = PASSWORD) -> None:
    await node.run(
        lambda s: accounts.register(
            s, node.site, node.passwords, handle=handle, password=password, now=node.now
        )
    )


async def sign_in(node: Node, handle: str, password: str = PASSWORD) -> str:
    account = await node.run(
        lambda s: accounts.authenticate(
            s, node.site, node.passwords, handle=handle, password=password
        )
    )
    return account.actor.handle


async def suspend(node: Node, viewer: Viewer) -> None:
    async with node.sessions.begin() as session:
        await session.execute(
            update(Account).where(Account.id == viewer.account_id).values(suspended_at=node.now)
        )


async def test_registering_creates_a_local_member(node: Node) -> None:
    account = await node.run(
        lambda s: accounts.register(
            s,
            node.site,
            node.passwords,
            handle="Ana",
            password=PASSWORD,
            display_name="  Ana M.  ",
            bio="Here for the grief circle.",
            locale="de",
            now=node.now,
        )
    )

    assert account.actor.acct == "Ana@node.test"
    assert account.actor.uri == "http://node.test/members/Ana"
    assert account.actor.display_name == "Ana M."
    assert (account.bio, account.locale, account.role) == (
        "Here for the grief circle.",
        "de",
        NodeRole.MEMBER,
    )
    profile = await node.run(lambda s: accounts.get_profile(s, "ana", node.site.domain))
    assert profile.actor.handle == "Ana"
    assert profile.bio == "Here for the grief circle."


async def test_names_are_unique_whatever_the_case(node: Node) -> None:
    await register(node, "ana")
    with pytest.raises(Conflict) as caught:
        await register(node, "ANA")
    assert caught.value.field == "username"


async def test_a_member_cannot_take_a_groups_name(node: Node) -> None:
    owner = await node.member("ana")
    await node.group(owner, "grief-circle")
    with pytest.raises(Conflict) as caught:
        await register(node, "Grief-Circle")
    assert caught.value.field == "username"


async def test_a_group_cannot_take_a_members_name(node: Node) -> None:
    owner = await node.member("ana")
    await node.member("ben")
    with pytest.raises(Conflict) as caught:
        await node.group(owner, "Ben")
    assert caught.value.field == "name"


@pytest.mark.parametrize("handle", ["admin", "Moderators", "well-known", "kinfolk"])
async def test_reserved_names_are_refused(node: Node, handle: str) -> None:
    with pytest.raises(InvalidInput, match="reserved") as caught:
        await register(node, handle)
    assert caught.value.field == "username"


@pytest.mark.parametrize(
    "handle", ["", "a" * 31, "-ana", "ana-", "ana b", "ana@elsewhere", "anä", "ana/../x"]
)
async def test_malformed_names_are_refused(node: Node, handle: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        await register(node, handle)
    assert caught.value.field == "username"


async def test_names_may_use_digits_dashes_and_underscores(node: Node) -> None:
    for handle in ["a", "a" * 30, "sober_since_2019", "night-owl", "x_"]:
        await register(node, handle)


async def test_a_short_password_is_refused(node: Node) -> None:
    with pytest.raises(InvalidInput) as caught:
        await register(node, "ana", password="1234567")
    assert caught.value.field == "password"


async def test_a_member_signs_in_with_any_case_of_their_name(node: Node) -> None:
    await register(node, "Ana")
    assert await sign_in(node, "ana") == "Ana"


async def test_unknown_names_and_wrong_passwords_get_the_same_answer(node: Node) -> None:
    await register(node, "ana")
    with pytest.raises(AuthenticationFailed) as wrong_password:
        await sign_in(node, "ana", "not the password")
    with pytest.raises(AuthenticationFailed) as unknown_name:
        await sign_in(node, "nobody")
    assert wrong_password.value.message == unknown_name.value.message


async def test_groups_cannot_sign_in(node: Node) -> None:
    owner = await node.member("ana")
    await node.group(owner, "grief-circle")
    with pytest.raises(AuthenticationFailed):
        await sign_in(node, "grief-circle")


async def test_a_suspended_member_cannot_sign_in(node: Node) -> None:
    ana = await node.member("ana")
    await suspend(node, ana)
    with pytest.raises(PermissionDenied):
        await sign_in(node, "ana")
    # A wrong password still gets the generic answer: suspension is not revealed to guessers.
    with pytest.raises(AuthenticationFailed):
        await sign_in(node, "ana", "not the password")


async def issue(node: Node, viewer: Viewer) -> str:
    return await node.run(lambda s: accounts.issue_token(s, viewer.account_id, now=node.now))


async def resolve(node: Node, token: str, at: datetime) -> Viewer:
    return await node.run(lambda s: accounts.viewer_for_token(s, token, now=at))


async def test_a_token_stands_for_its_member_until_revoked(node: Node) -> None:
    ana = await node.member("ana")
    token = await issue(node, ana)

    assert await resolve(node, token, node.now) == ana
    await node.run(lambda s: accounts.revoke_token(s, token))
    with pytest.raises(AuthenticationFailed):
        await resolve(node, token, node.now)


async def test_an_unknown_token_is_refused(node: Node) -> None:
    await issue(node, await node.member("ana"))
    with pytest.raises(AuthenticationFailed):
        await resolve(node, "made-up-token", node.now)


async def test_an_unused_token_expires(node: Node) -> None:
    token = await issue(node, await node.member("ana"))
    assert await resolve(node, token, node.now + accounts.TOKEN_LIFETIME - timedelta(seconds=1))
    # That use slid the expiry forward; left alone for a whole lifetime, it lapses.
    later = node.now + 2 * accounts.TOKEN_LIFETIME - timedelta(seconds=1)
    with pytest.raises(AuthenticationFailed):
        await resolve(node, token, later)


async def test_a_token_in_regular_use_keeps_working(node: Node) -> None:
    ana = await node.member("ana")
    token = await issue(node, ana)
    for month in range(1, 13):
        assert await resolve(node, token, node.now + timedelta(days=30 * month)) == ana


async def test_a_suspended_members_tokens_stop_working(node: Node) -> None:
    ana = await node.member("ana")
    token = await issue(node, ana)
    await suspend(node, ana)
    with pytest.raises(PermissionDenied):
        await resolve(node, token, node.now)


async def test_only_a_hash_of_the_token_is_stored(node: Node) -> None:
    token = await issue(node, await node.member("ana"))
    async with node.sessions() as session:
        rows = (await session.execute(select(ApiToken))).scalars().all()
    [row] = rows
    stored = " ".join(str(getattr(row, column.key)) for column in ApiToken.__table__.columns)
    assert token not in stored
    assert len(row.token_hash) == 64


async def test_a_member_updates_their_profile(node: Node) -> None:
    ana = await node.member("ana")
    later = node.now + timedelta(days=1)
    updated = await node.run(
        lambda s: accounts.update_account(s, ana, display_name=" Ana ", locale="fr", now=later)
    )
    assert (updated.actor.display_name, updated.locale, updated.bio) == ("Ana", "fr", "")
    with pytest.raises(InvalidInput) as caught:
        await node.run(lambda s: accounts.update_account(s, ana, locale="xx", now=later))
    assert caught.value.field == "locale"


async def test_a_group_has_no_member_profile(node: Node) -> None:
    await node.group(await node.member("ana"), "grief-circle")
    with pytest.raises(NotFound):
        await node.run(lambda s: accounts.get_profile(s, "grief-circle", node.site.domain))


async def test_the_command_line_finds_a_member_by_username_as_handles_compare(
    node: Node,
) -> None:
    assert await node.run(accounts.first_admin) is None
    member = await node.member("Ana")
    first = await node.member("Bo", role=NodeRole.ADMIN)
    await node.member("Cy", role=NodeRole.ADMIN)

    async def lookup(username: str) -> Viewer | None:
        return await node.run(lambda s: accounts.member_by_username(s, node.site, username))

    assert [await lookup(name) for name in ("Ana", "ana", "ANA")] == [member] * 3
    assert await lookup("nobody") is None
    assert await node.run(accounts.first_admin) == first

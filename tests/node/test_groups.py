"""Groups: creation, the directory, private groups, and membership."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from node.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from node.groups import loading, membership
from node.groups.creation import RuleInput
from node.groups.directory import list_groups
from node.kinds import GroupRole, JoinPolicy, MembershipState, Visibility
from node.passwords import Passwords
from node.site import Site
from node.views import GroupView, MembershipView, Viewer
from tests.node.factories import Node

PRIVATE = {"visibility": Visibility.PRIVATE}
APPROVAL = {"join_policy": JoinPolicy.APPROVAL}


@pytest.fixture
def node(
    sessions: async_sessionmaker[AsyncSession], site: Site, passwords: Passwords, now: datetime
) -> Node:
    return Node(sessions, site, passwords, now)


async def directory(
    node: Node, viewer: Viewer | None, *, query: str | None = None, limit: int | None = None
) -> list[str]:
    """Every handle the directory shows, following the cursor to the end."""
    handles: list[str] = []
    cursor: str | None = None
    while True:
        async with node.sessions.begin() as session:
            page = await list_groups(session, viewer, query=query, cursor=cursor, limit=limit)
        handles += [g.actor.handle for g in page.items]
        if page.next_cursor is None:
            return handles
        cursor = page.next_cursor


async def members(
    node: Node, viewer: Viewer | None, group: str, state: MembershipState, limit: int = 20
) -> list[str]:
    handles: list[str] = []
    cursor: str | None = None
    while True:
        async with node.sessions.begin() as session:
            page = await membership.list_members(
                session, node.site, viewer, group, state=state, cursor=cursor, limit=limit
            )
        handles += [m.member.handle for m in page.items]
        if page.next_cursor is None:
            return handles
        cursor = page.next_cursor


async def get(node: Node, viewer: Viewer | None, group: str) -> GroupView:
    return await node.run(lambda s: loading.get_group(s, node.site, viewer, group))


async def decide(
    node: Node, moderator: Viewer, group: str, member: str, *, approve: bool
) -> MembershipView | None:
    return await node.run(
        lambda s: membership.decide_membership(
            s, node.site, moderator, group, member, approve=approve, now=node.now
        )
    )


async def leave(node: Node, viewer: Viewer, group: str) -> None:
    await node.run(lambda s: membership.leave_group(s, node.site, viewer, group, now=node.now))


async def test_a_new_group_keeps_its_rules_in_order_and_its_creator_owns_it(node: Node) -> None:
    ana = await node.member("ana")
    rules = [RuleInput("Be gentle", "Everyone grieves differently."), RuleInput(" Stays here ")]
    created = await node.group(
        ana,
        "grief-circle",
        display_name="Grief Circle",
        rules=rules,
        default_content_warning=" loss ",
        language="de",
    )

    assert created.actor.uri == "http://node.test/groups/grief-circle"
    assert [(r.position, r.title, r.description) for r in created.rules] == [
        (1, "Be gentle", "Everyone grieves differently."),
        (2, "Stays here", ""),
    ]
    assert created.default_content_warning == "loss"
    assert created.membership is not None
    assert (created.membership.role, created.membership.state) == (
        GroupRole.OWNER,
        MembershipState.APPROVED,
    )
    seen = await get(node, None, "Grief-Circle")
    assert [r.title for r in seen.rules] == ["Be gentle", "Stays here"]
    assert (seen.language, seen.membership) == ("de", None)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"handle": "admin"}, "name"),
        ({"handle": "no spaces"}, "name"),
        ({"language": "not a tag"}, "language"),
        ({"rules": [RuleInput("   ")]}, "rules[0].title"),
        ({"rules": [RuleInput(str(n)) for n in range(31)]}, "rules"),
    ],
)
async def test_bad_group_settings_are_refused(
    node: Node, options: dict[str, object], field: str
) -> None:
    ana = await node.member("ana")
    settings = dict(options)
    handle = str(settings.pop("handle", "circle"))
    with pytest.raises(InvalidInput) as caught:
        await node.group(ana, handle, **settings)
    assert caught.value.field == field


async def test_group_names_are_unique_whatever_the_case(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "circle")
    with pytest.raises(Conflict) as caught:
        await node.group(ana, "CIRCLE")
    assert caught.value.field == "name"


async def test_the_directory_pages_alphabetically_without_gaps_or_repeats(node: Node) -> None:
    ana = await node.member("ana")
    names = [f"circle-{n:02d}" for n in range(23)] + ["Bereaved", "zest"]
    for name in reversed(names):
        await node.group(ana, name)

    expected = sorted(names, key=str.casefold)
    assert await directory(node, None, limit=4) == expected
    assert await directory(node, ana, limit=1) == expected
    first = await node.run(lambda s: list_groups(s, None))
    assert len(first.items) == 20
    assert first.next_cursor is not None


async def test_the_directory_searches_names_and_display_names(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "grief-circle", display_name="Living with Loss")
    await node.group(ana, "carers", display_name="Caring for a parent")
    await node.group(ana, "sober-days")

    assert await directory(node, None, query="LOSS") == ["grief-circle"]
    assert await directory(node, None, query="car") == ["carers"]
    assert await directory(node, None, query="er") == ["carers", "sober-days"]
    assert await directory(node, None, query="nothing like it") == []


async def test_the_directory_search_ignores_case_beyond_ascii(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "ecole", display_name="École des parents")
    await node.group(ana, "trauer", display_name="Trauer an der Straße")
    await node.group(ana, "aeltere", display_name="ÄLTERE ANGEHÖRIGE")

    assert await directory(node, None, query="école") == ["ecole"]
    assert await directory(node, None, query="ÉCOLE DES") == ["ecole"]
    assert await directory(node, None, query="Straße") == ["trauer"]
    assert await directory(node, None, query="angehörige") == ["aeltere"]


async def test_the_directory_search_takes_wildcards_literally(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "grief-circle")
    await node.group(ana, "new_parents")

    assert await directory(node, None, query="%") == []
    assert await directory(node, None, query="w_p") == ["new_parents"]
    assert await directory(node, None, query="f_c") == []


async def test_private_groups_are_listed_only_for_their_members(node: Node) -> None:
    ana, ben, cleo = await node.member("ana"), await node.member("ben"), await node.member("cleo")
    await node.group(ana, "open-circle")
    await node.group(ana, "quiet-room", **PRIVATE, **APPROVAL)
    await node.join(ben, "quiet-room")  # a request only, still pending

    assert await directory(node, None) == ["open-circle"]
    assert await directory(node, cleo) == ["open-circle"]
    assert await directory(node, ben) == ["open-circle"]
    assert await directory(node, ana) == ["open-circle", "quiet-room"]
    assert await directory(node, ana, query="quiet") == ["quiet-room"]
    assert await directory(node, cleo, query="quiet") == []


async def test_a_private_group_does_not_exist_for_anonymous_visitors(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "quiet-room", **PRIVATE)

    with pytest.raises(NotFound) as hidden:
        await get(node, None, "quiet-room")
    with pytest.raises(NotFound) as absent:
        await get(node, None, "no-such-room")
    # Word for word the same answer, so the reply does not betray that it exists.
    assert hidden.value.message.replace("quiet-room", "?") == absent.value.message.replace(
        "no-such-room", "?"
    )
    # Members of the node see that it exists, so they can ask to join.
    assert (await get(node, ben, "quiet-room")).visibility is Visibility.PRIVATE


async def test_joining_an_open_group_is_immediate(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle")

    joined = await node.join(ben, "circle")
    assert (joined.state, joined.role) == (MembershipState.APPROVED, GroupRole.MEMBER)
    assert (await node.join(ben, "circle")).state is MembershipState.APPROVED  # idempotent
    assert await members(node, ben, "circle", MembershipState.APPROVED) == ["ana", "ben"]


async def test_a_moderator_approves_or_rejects_requests_to_join(node: Node) -> None:
    ana, ben, cleo = await node.member("ana"), await node.member("ben"), await node.member("cleo")
    await node.group(ana, "circle", **APPROVAL)

    assert (await node.join(ben, "circle")).state is MembershipState.PENDING
    assert (await node.join(cleo, "circle")).state is MembershipState.PENDING
    assert await members(node, ana, "circle", MembershipState.PENDING) == ["ben", "cleo"]

    approved = await decide(node, ana, "circle", "ben", approve=True)
    assert approved is not None
    assert approved.state is MembershipState.APPROVED
    assert await decide(node, ana, "circle", "cleo", approve=False) is None

    assert await members(node, ana, "circle", MembershipState.PENDING) == []
    assert await members(node, ana, "circle", MembershipState.APPROVED) == ["ana", "ben"]
    assert (await get(node, cleo, "circle")).membership is None  # cleo may ask again
    with pytest.raises(NotFound):
        await decide(node, ana, "circle", "ben", approve=True)  # nothing left to decide


async def test_only_moderators_decide_and_see_requests(node: Node) -> None:
    ana, ben, cleo = await node.member("ana"), await node.member("ben"), await node.member("cleo")
    await node.group(ana, "circle", **APPROVAL)
    await node.join(ben, "circle")
    await decide(node, ana, "circle", "ben", approve=True)
    await node.join(cleo, "circle")

    with pytest.raises(PermissionDenied):
        await decide(node, ben, "circle", "cleo", approve=True)
    with pytest.raises(PermissionDenied):
        await decide(node, cleo, "circle", "cleo", approve=True)
    for outsider in (ben, cleo, None):
        with pytest.raises(PermissionDenied):
            await members(node, outsider, "circle", MembershipState.PENDING)
    assert await members(node, ana, "circle", MembershipState.PENDING) == ["cleo"]


async def test_a_banned_member_cannot_join_again(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle")
    await node.join(ben, "circle")
    await node.set_state(ben, "circle", MembershipState.BANNED)

    with pytest.raises(PermissionDenied):
        await node.join(ben, "circle")
    with pytest.raises(PermissionDenied):
        await leave(node, ben, "circle")  # leaving does not lift the ban
    assert await members(node, ana, "circle", MembershipState.BANNED) == ["ben"]
    assert await members(node, ana, "circle", MembershipState.APPROVED) == ["ana"]


async def test_members_leave_but_the_last_owner_stays(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle")
    await node.join(ben, "circle")

    await leave(node, ben, "circle")
    assert await members(node, ana, "circle", MembershipState.APPROVED) == ["ana"]
    with pytest.raises(NotFound):
        await leave(node, ben, "circle")
    with pytest.raises(Conflict):
        await leave(node, ana, "circle")
    assert (await get(node, ana, "circle")).membership is not None


async def test_the_member_list_pages_oldest_first(node: Node) -> None:
    ana = await node.member("ana")
    await node.group(ana, "circle")
    joined = ["ana"]
    for n in range(7):
        viewer = await node.member(f"member-{6 - n}")
        await node.join(viewer, "circle")
        joined.append(f"member-{6 - n}")

    for limit in (1, 3, 8, 100):
        assert await members(node, ana, "circle", MembershipState.APPROVED, limit) == joined


async def test_who_belongs_to_a_public_group_is_for_its_members(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "circle")
    with pytest.raises(PermissionDenied):
        await members(node, None, "circle", MembershipState.APPROVED)
    with pytest.raises(PermissionDenied):
        await members(node, ben, "circle", MembershipState.APPROVED)
    await node.join(ben, "circle")
    assert await members(node, ben, "circle", MembershipState.APPROVED) == ["ana", "ben"]


async def test_a_private_groups_members_are_for_its_members(node: Node) -> None:
    ana, ben = await node.member("ana"), await node.member("ben")
    await node.group(ana, "quiet-room", **PRIVATE)

    with pytest.raises(NotFound):
        await members(node, None, "quiet-room", MembershipState.APPROVED)
    with pytest.raises(PermissionDenied):
        await members(node, ben, "quiet-room", MembershipState.APPROVED)
    assert await members(node, ana, "quiet-room", MembershipState.APPROVED) == ["ana"]

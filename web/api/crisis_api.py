"""Crisis resources: the node's list (its admins edit it), each group's (its moderators
do), and what this viewer is shown of both (``node.crisis.choosing.resources_for``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, Field

from node import accounts, permissions
from node.crisis import drafts, editing
from node.crisis.choosing import CrisisResource, group_id_of, member_country, resources_for
from node.crisis.resources import (
    HOURS_MAX,
    NAME_MAX,
    NOTE_MAX,
    RESOURCES_MAX,
    TRANSLATIONS_MAX,
    VALUE_MAX,
    ResourceEntry,
    Translation,
)
from node.groups.loading import load_group
from node.kinds import ContactKind
from web.api.operation import Auth, Body, Call, Operation, Query
from web.pages.i18n import accepted_languages, accepted_region


class TranslationBody(Body):
    language: str = Field(max_length=35, examples=["de"])
    name: str = Field("", max_length=NAME_MAX)
    hours: str = Field("", max_length=HOURS_MAX)
    note: str = Field("", max_length=NOTE_MAX)


class ResourceBody(Body):
    name: str = Field(max_length=NAME_MAX, examples=["Samaritans"])
    kind: ContactKind = Field(description="phone or text: a number; chat or web: an address")
    value: str = Field(max_length=VALUE_MAX, examples=["116 123"])
    country: str = Field("", max_length=2, description="ISO 3166 alpha-2; empty: anywhere")
    languages: list[str] = Field(default_factory=list, max_length=10, examples=[["en", "cy"]])
    hours: str = Field("", max_length=HOURS_MAX)
    note: str = Field("", max_length=NOTE_MAX)
    translations: list[TranslationBody] = Field(
        default_factory=list,
        max_length=TRANSLATIONS_MAX,
        description="Its texts in other languages (the visitor's is chosen, else the default)",
    )


class ResourceListBody(Body):
    resources: list[ResourceBody] = Field(
        max_length=RESOURCES_MAX, description="The whole list, in order: those left out go"
    )


class TranslationOut(BaseModel):
    language: str
    name: str
    hours: str
    note: str


class ResourceOut(BaseModel):
    name: str
    kind: ContactKind
    value: str
    href: str = Field(description="tel:, sms: or the address itself")
    country: str
    languages: list[str]
    hours: str
    note: str
    translations: list[TranslationOut]


class ResourceList(BaseModel):
    items: list[ResourceOut]


class ShownResource(BaseModel):
    name: str
    kind: ContactKind
    value: str
    href: str
    country: str
    languages: list[str]
    hours: str
    note: str
    from_group: bool = Field(description="The group's own (listed first), else the node's")


class ShownList(BaseModel):
    items: list[ShownResource]


class ShownQuery(Query):
    group: str | None = Field(
        None, max_length=300, description="A group's name (name@host elsewhere): its own first"
    )


def _out(entries: Sequence[ResourceEntry]) -> ResourceList:
    return ResourceList(
        items=[
            ResourceOut(
                name=e.name,
                kind=e.kind,
                value=e.value,
                href=e.href,
                country=e.country,
                languages=list(e.languages),
                hours=e.hours,
                note=e.note,
                translations=[
                    TranslationOut(language=t.language, name=t.name, hours=t.hours, note=t.note)
                    for t in e.translations
                ],
            )
            for e in entries
        ]
    )


def entries_of(body: ResourceListBody) -> list[ResourceEntry]:
    return [
        ResourceEntry(
            name=r.name,
            kind=r.kind,
            value=r.value,
            country=r.country,
            languages=tuple(r.languages),
            hours=r.hours,
            note=r.note,
            translations=tuple(
                Translation(t.language, t.name, t.hours, t.note) for t in r.translations
            ),
        )
        for r in body.resources
    ]


def shown_out(items: Sequence[CrisisResource]) -> ShownList:
    return ShownList(
        items=[
            ShownResource(
                name=r.name,
                kind=r.kind,
                value=r.value,
                href=r.href,
                country=r.country,
                languages=list(r.languages),
                hours=r.hours,
                note=r.note,
                from_group=r.from_group,
            )
            for r in items
        ]
    )


async def node_resources(call: Call[Any, Any]) -> ResourceList:
    return _out(await editing.node_resources(call.session))


async def set_node_resources(call: Call[ResourceListBody, Any]) -> ResourceList:
    saved = await editing.set_node_resources(call.session, call.member, entries_of(call.body))
    return _out(saved)


async def group_resources(call: Call[Any, Any]) -> ResourceList:
    return _out(
        await editing.group_resources(call.session, call.site, call.viewer, call.path("name"))
    )


async def set_group_resources(call: Call[ResourceListBody, Any]) -> ResourceList:
    saved = await editing.set_group_resources(
        call.session, call.site, call.member, call.path("name"), entries_of(call.body), now=call.now
    )
    return _out(saved)


async def shown_resources(call: Call[Any, ShownQuery]) -> ShownList:
    """What this viewer is shown: by ``Accept-Language`` and the member's own settings."""
    header = call.request.headers.get("Accept-Language", "")
    languages = accepted_languages(header)
    country = ""
    if call.viewer is not None:
        account = await accounts.get_account(call.session, call.viewer)
        languages = [account.locale, *languages]
        country = await member_country(call.session, call.viewer.account_id)
    group_id = None
    if call.query.group:
        record = await load_group(call.session, call.site, call.viewer, call.query.group)
        group_id = await group_id_of(call.session, record.actor.uri)
    shown = await resources_for(
        call.session,
        group_id=group_id,
        languages=languages,
        country=country,
        hinted_country=accepted_region(header),
    )
    return shown_out(shown)


class PhraseLists(BaseModel):
    lists: dict[str, list[str]] = Field(
        description="Per language code, the phrases that offer the crisis resources to the "
        "author of a draft holding one (the admins' list where they wrote one, else ours)"
    )


class PhrasesBody(Body):
    phrases: list[str] | None = Field(
        max_length=drafts.PHRASES_MAX,
        description="The whole list for this language; [] turns the check off for it; "
        "null goes back to the list Kinfolk ships",
    )


async def phrase_lists(call: Call[Any, Any]) -> PhraseLists:
    permissions.require_node_admin(call.member)
    lists = await drafts.phrase_lists(call.session)
    return PhraseLists(lists={tag: list(phrases) for tag, phrases in lists.items()})


async def set_phrases(call: Call[PhrasesBody, Any]) -> PhraseLists:
    await drafts.set_phrases(
        call.session, call.member, call.path("language"), call.body.phrases, now=call.now
    )
    return await phrase_lists(call)


OPERATIONS = (
    Operation(
        "GET",
        "/api/v1/crisis-resources",
        shown_resources,
        "Where to find help now, as this viewer is shown it: a group's own first, then the "
        "node's, for the languages of Accept-Language and the member's country setting",
        "crisis",
        auth=Auth.OPTIONAL,
        query=ShownQuery,
        response=ShownList,
        errors=(401, 404),
    ),
    Operation(
        "GET",
        "/api/v1/node/crisis-phrases",
        phrase_lists,
        "Admins: the phrase lists that offer crisis resources beside a draft",
        "crisis",
        auth=Auth.REQUIRED,
        response=PhraseLists,
        errors=(401, 403),
    ),
    Operation(
        "PUT",
        "/api/v1/node/crisis-phrases/{language}",
        set_phrases,
        "Admins: replace one language's phrase list (null: back to Kinfolk's own)",
        "crisis",
        auth=Auth.REQUIRED,
        body=PhrasesBody,
        response=PhraseLists,
        errors=(401, 403, 422),
    ),
    Operation(
        "GET",
        "/api/v1/node/crisis-resources",
        node_resources,
        "This node's crisis resources, in order, every language",
        "crisis",
        response=ResourceList,
    ),
    Operation(
        "PUT",
        "/api/v1/node/crisis-resources",
        set_node_resources,
        "Admins: replace this node's crisis resources with a new ordered list",
        "crisis",
        auth=Auth.REQUIRED,
        body=ResourceListBody,
        response=ResourceList,
        errors=(401, 403, 422),
    ),
    Operation(
        "GET",
        "/api/v1/groups/{name}/crisis-resources",
        group_resources,
        "A group's own crisis resources, in order, every language",
        "crisis",
        auth=Auth.OPTIONAL,
        response=ResourceList,
        errors=(401, 404),
    ),
    Operation(
        "PUT",
        "/api/v1/groups/{name}/crisis-resources",
        set_group_resources,
        "Group moderators: replace the group's crisis resources (sent to its members' "
        "nodes as an Update of the group)",
        "crisis",
        auth=Auth.REQUIRED,
        body=ResourceListBody,
        response=ResourceList,
        errors=(401, 403, 404, 422),
    ),
)

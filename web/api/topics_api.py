"""Support topics: the vocabulary, and your own choice per topic (show, collapse, hide)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from node.topics import DEFAULT_CHOICE, LABELS, Topic, TopicChoice, filters
from web.api.operation import Auth, Body, Call, Operation


class TopicOut(BaseModel):
    id: Topic = Field(description="Stable identifier, as posts, filters and other nodes name it")
    labels: dict[str, str] = Field(description="The topic's name in en, de and fr")


class TopicsOut(BaseModel):
    items: list[TopicOut]
    default_choice: TopicChoice = Field(
        DEFAULT_CHOICE, description="What anyone sees of a topic they have not chosen for"
    )


class FiltersOut(BaseModel):
    choices: dict[Topic, TopicChoice] = Field(description="Every topic, and your choice for it")


class FiltersBody(Body):
    choices: dict[str, str] = Field(
        max_length=len(Topic),
        description="Topic id → show, collapse or hide; topics left out stay as they are",
        examples=[{"suicide": "hide", "grief-and-loss": "show"}],
    )


async def list_topics(call: Call[Any, Any]) -> TopicsOut:
    return TopicsOut(
        items=[
            TopicOut(id=topic, labels={code: labels[topic] for code, labels in LABELS.items()})
            for topic in Topic
        ]
    )


async def get_filters(call: Call[Any, Any]) -> FiltersOut:
    return FiltersOut(choices=await filters.choices_of(call.session, call.member))


async def set_filters(call: Call[FiltersBody, Any]) -> FiltersOut:
    return FiltersOut(
        choices=await filters.set_choices(call.session, call.member, call.body.choices)
    )


F = "/api/v1/accounts/me/topic-filters"
OPERATIONS = (
    Operation(
        "GET",
        "/api/v1/topics",
        list_topics,
        "The support topics posts may carry",
        "topics",
        auth=Auth.NONE,
        response=TopicsOut,
    ),
    Operation(
        "GET",
        F,
        get_filters,
        "Your choice per support topic: show, collapse behind its warning, or hide",
        "topics",
        auth=Auth.REQUIRED,
        response=FiltersOut,
        errors=(401,),
    ),
    Operation(
        "PATCH",
        F,
        set_filters,
        "Change your choice for some support topics (the others stay)",
        "topics",
        auth=Auth.REQUIRED,
        body=FiltersBody,
        response=FiltersOut,
        errors=(401, 422),
    ),
)

"""The OpenAPI document describes exactly the API the node serves, and is well formed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from web.api.openapi import SchemaNameClash, build_document
from web.api.operation import Body, Call, Operation
from web.config import Settings

Client = TestClient[web.Request, web.Application]
METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@pytest.fixture
async def document(client: Client) -> dict[str, Any]:
    async with client.get("/api/openapi.json") as response:
        assert response.status == 200
        assert response.content_type == "application/json"
        body: dict[str, Any] = await response.json()
        return body


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert method in METHODS, f"{path}: {method} is not an HTTP method"
            yield method.upper(), path, operation


def served_routes(app: web.Application) -> set[tuple[str, str]]:
    routes = set()
    for route in app.router.routes():
        info = route.resource.get_info() if route.resource else {}
        path = info.get("path") or info.get("formatter")
        if isinstance(path, str) and path.startswith("/api/v1") and route.method != "HEAD":
            routes.add((route.method, path))
    return routes


def refs(value: Any) -> Iterator[str]:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "$ref":
                assert isinstance(item, str)
                yield item
            else:
                yield from refs(item)
    elif isinstance(value, list):
        for item in value:
            yield from refs(item)


def resolve(document: dict[str, Any], ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} points outside the document"
    target: Any = document
    for part in ref[2:].split("/"):
        key = part.replace("~1", "/").replace("~0", "~")
        assert isinstance(target, dict), f"{ref}: {key!r} is inside a non-object"
        assert key in target, f"{ref} does not resolve: no {key!r}"
        target = target[key]
    return target


async def test_is_openapi_3_1_and_names_this_node(
    document: dict[str, Any], settings: Settings
) -> None:
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"]
    assert document["info"]["version"]
    assert document["servers"] == [{"url": settings.base_url}]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
    }


async def test_documents_exactly_the_routes_served(
    document: dict[str, Any], client: Client
) -> None:
    documented = {(method, path) for method, path, _ in operations(document)}
    served = served_routes(client.app)
    assert served, "no routes under /api/v1 were found on the application"
    assert documented - served == set(), "documented but not served"
    assert served - documented == set(), "served but not documented"


async def test_every_operation_is_complete(document: dict[str, Any]) -> None:
    ids = []
    for method, path, operation in operations(document):
        where = f"{method} {path}"
        assert re.fullmatch(r"[a-z][a-z_]*", operation["operationId"]), where
        ids.append(operation["operationId"])
        assert operation["summary"].strip(), where
        assert operation["tags"], where
        responses = operation["responses"]
        successes = [status for status in responses if status.startswith("2")]
        assert len(successes) == 1, where
        for status, response in responses.items():
            assert re.fullmatch(r"[1-5][0-9][0-9]", status), where
            assert response["description"], f"{where} {status}"
            if status.startswith("4"):
                problem = response["content"]["application/problem+json"]["schema"]
                assert problem == {"$ref": "#/components/schemas/Problem"}, f"{where} {status}"
        if operation.get("security") == [{"bearer": []}]:
            assert "401" in responses, f"{where} needs a token but does not document 401"
        if "requestBody" in operation:
            assert method in {"POST", "PUT", "PATCH"}, where
            assert "422" in responses, where
    assert len(ids) == len(set(ids)), "operationIds must be unique"


async def test_path_parameters_match_the_templates(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        in_template = set(re.findall(r"{([^}]+)}", path))
        declared = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        assert declared == in_template, f"{method} {path}"
        for parameter in operation["parameters"]:
            assert parameter["in"] in {"path", "query"}, f"{method} {path}"
            assert "schema" in parameter, f"{method} {path} {parameter['name']}"
            if parameter["in"] == "path":
                assert parameter["required"] is True


async def test_every_ref_resolves(document: dict[str, Any]) -> None:
    found = list(refs(document))
    assert found
    for ref in found:
        assert isinstance(resolve(document, ref), dict), ref


async def test_request_bodies_refuse_unknown_fields(document: dict[str, Any]) -> None:
    """The document says what the server enforces: no fields beyond those listed."""
    for method, path, operation in operations(document):
        body = operation.get("requestBody")
        if body is None:
            continue
        schema = resolve(document, body["content"]["application/json"]["schema"]["$ref"])
        assert schema["type"] == "object", f"{method} {path}"
        assert schema["additionalProperties"] is False, f"{method} {path}"


async def test_the_document_is_the_same_on_every_request(
    document: dict[str, Any], client: Client
) -> None:
    async with client.get("/api/openapi.json") as response:
        assert await response.json() == document


async def test_each_rule_body_is_described_by_its_own_schema(document: dict[str, Any]) -> None:
    """A group's rules are titles; a federation rule is a domain's severity. Two models
    of one name once made the document give groups the federation rule's schema."""
    schemas = document["components"]["schemas"]
    items = schemas["CreateGroupBody"]["properties"]["rules"]["items"]
    group_rule = resolve(document, items["$ref"])
    assert set(group_rule["properties"]) == {"title", "description"}
    assert group_rule["required"] == ["title"]
    put_rule = document["paths"]["/api/v1/admin/federation/rules/{domain}"]["put"]
    body = put_rule["requestBody"]["content"]["application/json"]["schema"]
    assert "severity" in resolve(document, body["$ref"])["properties"]


class _Group:
    class Rule(Body):
        title: str


class _Federation:
    class Rule(Body):
        severity: str


async def _answer(call: Call[Any, Any]) -> None:
    return None


def test_two_different_models_of_one_name_are_refused() -> None:
    same_name = (
        Operation("POST", "/api/v1/a", _answer, "A", "t", body=_Group.Rule),
        Operation("PUT", "/api/v1/b", _answer, "B", "t", body=_Federation.Rule),
    )
    with pytest.raises(SchemaNameClash, match="'Rule'"):
        build_document(same_name, "http://node.test")
    # One model used twice is one schema, and fine.
    twice = (same_name[0], Operation("PUT", "/api/v1/b", _answer, "B", "t", body=_Group.Rule))
    assert "Rule" in build_document(twice, "http://node.test")["components"]["schemas"]

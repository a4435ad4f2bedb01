"""The OpenAPI 3.1 document, written from the operation list itself."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from http import HTTPStatus
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from web.api.operation import Auth, NoBody, NoQuery, Operation
from web.keys import SITE

_PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "An RFC 9457 problem document",
    "required": ["type", "title", "status", "detail", "code"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "code": {"type": "string", "description": "Stable machine-readable error name"},
        "request_id": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_PROBLEM_REF = {"$ref": "#/components/schemas/Problem"}
# Answers any endpoint can give, whatever it does.
_COMMON_ERRORS = (400, 413, 415)


class SchemaNameClash(Exception):
    """Two different models would be one schema in the document: rename one of them."""


def _add_component(components: dict[str, Any], name: str, schema: dict[str, Any]) -> None:
    """Components are named by model name alone, so two different models of one name
    would silently leave every reference pointing at whichever came last."""
    if components.setdefault(name, schema) != schema:
        raise SchemaNameClash(
            f"two different models are called {name!r}; give each its own name "
            "(the OpenAPI document names schemas by model name)"
        )


def _schema_ref(model: type[BaseModel], components: dict[str, Any]) -> dict[str, Any]:
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in schema.pop("$defs", {}).items():
        _add_component(components, name, definition)
    _add_component(components, model.__name__, schema)
    return {"$ref": f"#/components/schemas/{model.__name__}"}


def _parameters(operation: Operation, components: dict[str, Any]) -> list[dict[str, Any]]:
    parameters: list[dict[str, Any]] = []
    for part in operation.path.split("/"):
        if part.startswith("{"):
            parameters.append(
                {
                    "name": part.strip("{}"),
                    "in": "path",
                    "required": True,
                    "schema": {"type": "string"},
                }
            )
    if operation.query is not NoQuery:
        schema = operation.query.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, definition in schema.pop("$defs", {}).items():
            _add_component(components, name, definition)
        for name, prop in schema.get("properties", {}).items():
            parameters.append(
                {
                    "name": name,
                    "in": "query",
                    "required": name in schema.get("required", []),
                    "schema": prop,
                    "description": prop.get("description", ""),
                }
            )
    return parameters


def _operation(operation: Operation, components: dict[str, Any]) -> dict[str, Any]:
    responses: dict[str, Any] = {}
    if operation.response is None:
        responses["204"] = {"description": "Done"}
    elif operation.respond is not None:
        responses[str(operation.status)] = {
            "description": HTTPStatus(operation.status).phrase,
            "content": {operation.media_type: {"schema": {"type": "string", "format": "binary"}}},
        }
    else:
        responses[str(operation.status)] = {
            "description": HTTPStatus(operation.status).phrase,
            "content": {
                "application/json": {"schema": _schema_ref(operation.response, components)}
            },
        }
    for status in sorted(set(operation.errors) | set(_COMMON_ERRORS) | {422}):
        responses[str(status)] = {
            "description": HTTPStatus(status).phrase,
            "content": {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            },
        }
    document: dict[str, Any] = {
        "operationId": operation.operation_id,
        "summary": operation.summary,
        "tags": [operation.tag],
        "parameters": _parameters(operation, components),
        "responses": responses,
    }
    if operation.body is not NoBody:
        document["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _schema_ref(operation.body, components)}},
        }
    if operation.auth is Auth.REQUIRED:
        document["security"] = [{"bearer": []}]
    elif operation.auth is Auth.OPTIONAL:
        document["security"] = [{}, {"bearer": []}]
    return document


def build_document(operations: tuple[Operation, ...], server_url: str) -> dict[str, Any]:
    components: dict[str, Any] = {"Problem": _PROBLEM_SCHEMA}
    paths: dict[str, dict[str, Any]] = {}
    for operation in operations:
        paths.setdefault(operation.path, {})[operation.method.lower()] = _operation(
            operation, components
        )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Kinfolk API",
            "version": "1",
            "description": "The JSON API of a Kinfolk peer-support node. Errors are RFC 9457 "
            "problem documents with a stable `code`.",
        },
        "servers": [{"url": server_url}],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def document_handler(
    operations: tuple[Operation, ...],
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """A handler serving the document, built on first request (it names the node's URL)."""
    built: dict[str, Any] = {}

    async def openapi_document(request: web.Request) -> web.Response:
        if not built:
            built.update(build_document(operations, request.app[SITE].base_url))
        return web.json_response(built)

    return openapi_document

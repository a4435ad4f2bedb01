"""Every API operation, registered on the application in one place."""

from __future__ import annotations

from aiohttp import web

from web.api import (
    account_deletion_api,
    accounts_api,
    admin_api,
    anonymous_api,
    blocklists_api,
    boundaries_api,
    calendar_api,
    care_api,
    checkins_api,
    conversations_api,
    crisis_api,
    export_api,
    follows_api,
    groups_api,
    mail_api,
    meetings_api,
    moderation_api,
    notifications_api,
    posts_api,
    reports_api,
    rules_api,
    stepping_back_api,
    topics_api,
)
from web.api.openapi import document_handler
from web.api.operation import Operation, wrap

OPERATIONS: tuple[Operation, ...] = (
    accounts_api.OPERATIONS
    + follows_api.OPERATIONS
    + groups_api.OPERATIONS
    + posts_api.OPERATIONS
    + moderation_api.OPERATIONS
    + rules_api.OPERATIONS
    + crisis_api.OPERATIONS
    + reports_api.OPERATIONS
    + care_api.OPERATIONS
    + stepping_back_api.OPERATIONS
    + admin_api.OPERATIONS
    + blocklists_api.OPERATIONS
    + topics_api.OPERATIONS
    + anonymous_api.OPERATIONS
    + conversations_api.OPERATIONS
    + boundaries_api.OPERATIONS
    + account_deletion_api.OPERATIONS
    + export_api.OPERATIONS
    + notifications_api.OPERATIONS
    + mail_api.OPERATIONS
    + meetings_api.OPERATIONS
    + calendar_api.OPERATIONS
    + checkins_api.OPERATIONS
)


def add_api_routes(app: web.Application) -> None:
    for operation in OPERATIONS:
        app.router.add_route(operation.method, operation.path, wrap(operation))
    app.router.add_get("/api/openapi.json", document_handler(OPERATIONS))

"""Deleting your own account from the API: the same service as the settings page.

A ``POST`` to ``/api/v1/accounts/me/deletion`` rather than a ``DELETE`` of the account:
it carries the password, and a body on ``DELETE`` has no defined meaning (this API
takes bodies on ``POST``, ``PUT`` and ``PATCH`` only)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from node.account_deletion import deleting
from node.passwords import PASSWORD_MAX
from web.api.operation import Auth, Body, Call, Operation


class AccountDeletionBody(Body):
    password: str = Field(max_length=PASSWORD_MAX, description="Your password, to confirm")


class AccountDeletionOut(BaseModel):
    status: str = Field(examples=["deleted"])
    detail: str


async def delete_own_account(call: Call[AccountDeletionBody, Any]) -> AccountDeletionOut:
    await deleting.delete_own_account(
        call.session, call.passwords, call.member, call.body.password, now=call.now
    )
    return AccountDeletionOut(
        status="deleted",
        detail="Your account is deleted and your tokens no longer work. Your posts are "
        "being wiped here, and other servers are being asked to delete their copies.",
    )


OPERATIONS = (
    Operation(
        "POST",
        "/api/v1/accounts/me/deletion",
        delete_own_account,
        "Delete your account, for good (confirm with your password); its posts are wiped "
        "in the background and other servers are asked to delete their copies",
        "accounts",
        auth=Auth.REQUIRED,
        body=AccountDeletionBody,
        response=AccountDeletionOut,
        status=202,
        errors=(401, 409, 422),
    ),
)

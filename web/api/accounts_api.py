"""Accounts: register, log in and out, your own account, member profiles."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from node import accounts
from node.actors import split_acct
from node.errors import PermissionDenied, TooManyAttempts
from node.handles import HANDLE_MAX
from node.passwords import PASSWORD_MAX
from node.sign_in import Refused, Throttled, sign_in
from web.api.operation import Auth, Body, Call, Operation, bearer_token
from web.api.schemas import AccountOut, ProfileOut, TokenOut, account_out, profile_out
from web.keys import THROTTLE


class RegisterBody(Body):
    username: str = Field(max_length=HANDLE_MAX, examples=["ana"])
    password: str = Field(max_length=PASSWORD_MAX)
    display_name: str = Field("", max_length=accounts.DISPLAY_NAME_MAX)
    bio: str = Field("", max_length=accounts.BIO_MAX)
    locale: str = Field("en", examples=list(accounts.SUPPORTED_LOCALES))


class LoginBody(Body):
    username: str = Field(max_length=HANDLE_MAX)
    password: str = Field(max_length=PASSWORD_MAX)


class AccountUpdateBody(Body):
    display_name: str | None = Field(None, max_length=accounts.DISPLAY_NAME_MAX)
    bio: str | None = Field(None, max_length=accounts.BIO_MAX)
    locale: str | None = None
    crisis_country: str | None = Field(
        None,
        max_length=2,
        description="The country to show crisis resources for first (ISO 3166 alpha-2; "
        '"" to unset). Never guessed from the address.',
    )


async def register(call: Call[RegisterBody, Any]) -> TokenOut:
    if not call.settings.registrations_open:
        raise PermissionDenied("this node is not taking new members at the moment")
    body = call.body
    account = await accounts.register(
        call.session,
        call.site,
        call.passwords,
        handle=body.username,
        password=body.password,
        display_name=body.display_name,
        bio=body.bio,
        locale=body.locale,
        now=call.now,
    )
    token = await accounts.issue_token(call.session, account.id, now=call.now)
    return TokenOut(token=token, account=account_out(account))


async def log_in(call: Call[LoginBody, Any]) -> TokenOut:
    """The pages' sign-in, as JSON: the same service, so the same throttle counts both."""
    outcome = await sign_in(
        call.session,
        call.site,
        call.passwords,
        call.request.app[THROTTLE],
        handle=call.body.username,
        password=call.body.password,
        address=call.request.remote,
        now=call.now,
    )
    if isinstance(outcome, Throttled):
        raise TooManyAttempts(
            "too many failed attempts for this username or from this address: "
            "wait as long as Retry-After says",
            retry_after=outcome.wait,
        )
    if isinstance(outcome, Refused):
        await call.session.commit()  # the counted refusal stays, though the answer is an error
        raise outcome.error
    return TokenOut(token=outcome.token, account=account_out(outcome.account))


async def log_out(call: Call[Any, Any]) -> None:
    token = bearer_token(call.request)
    assert token is not None  # Auth.REQUIRED
    await accounts.revoke_token(call.session, token)


async def get_own_account(call: Call[Any, Any]) -> AccountOut:
    return account_out(await accounts.get_account(call.session, call.member))


async def update_own_account(call: Call[AccountUpdateBody, Any]) -> AccountOut:
    body = call.body
    view = await accounts.update_account(
        call.session,
        call.member,
        display_name=body.display_name,
        bio=body.bio,
        locale=body.locale,
        crisis_country=body.crisis_country,
        now=call.now,
    )
    return account_out(view)


async def get_member(call: Call[Any, Any]) -> ProfileOut:
    handle, domain = split_acct(call.path("acct"), call.site.domain)
    return profile_out(await accounts.get_profile(call.session, handle, domain))


OPERATIONS = (
    Operation(
        "POST",
        "/api/v1/accounts",
        register,
        "Create an account and log in",
        "accounts",
        body=RegisterBody,
        response=TokenOut,
        status=201,
        errors=(403, 409, 422),
    ),
    Operation(
        "POST",
        "/api/v1/auth/token",
        log_in,
        "Log in: exchange a password for a token",
        "accounts",
        body=LoginBody,
        response=TokenOut,
        errors=(401, 403, 422, 429),
    ),
    Operation(
        "DELETE",
        "/api/v1/auth/token",
        log_out,
        "Log out: revoke this token",
        "accounts",
        auth=Auth.REQUIRED,
        errors=(401,),
    ),
    Operation(
        "GET",
        "/api/v1/accounts/me",
        get_own_account,
        "Your account",
        "accounts",
        auth=Auth.REQUIRED,
        response=AccountOut,
        errors=(401,),
    ),
    Operation(
        "PATCH",
        "/api/v1/accounts/me",
        update_own_account,
        "Change your profile",
        "accounts",
        auth=Auth.REQUIRED,
        body=AccountUpdateBody,
        response=AccountOut,
        errors=(401, 422),
    ),
    Operation(
        "GET",
        "/api/v1/members/{acct}",
        get_member,
        "A member's public profile",
        "accounts",
        response=ProfileOut,
        errors=(404,),
    ),
)

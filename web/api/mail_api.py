"""A member's own email address and digest, and recovering a password by mail.

The address is answered only to its owner (``/api/v1/account/email``); no other
endpoint carries it. Asking for a reset link answers the same 202 whatever was asked,
so the endpoint tells nobody who is a member.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from node.errors import Conflict
from node.mail import addresses, password_reset
from node.mail.addresses import EmailView
from node.mail.kinds import DigestFrequency
from node.mail.links import TOKEN_MAX
from node.passwords import PASSWORD_MAX
from node.storage.models.mail import ADDRESS_MAX
from web.api.operation import Auth, Body, Call, Operation
from web.mail import mail_context

FORGOT_ANSWER = (
    "If an account with a verified email address matches, a link to choose a new password "
    "is on its way. It works once, within an hour."
)


class EmailOut(BaseModel):
    address: str | None = Field(description="Your address; null when you have none")
    verified: bool = Field(description="Only a verified address receives mail but its link")
    digest: DigestFrequency = Field(description="How often a digest of what is new comes")
    node_sends_mail: bool = Field(description="False when this node has no mail server")


class EmailBody(Body):
    address: str = Field(max_length=ADDRESS_MAX, examples=["ana@example.org"])


class TokenBody(Body):
    token: str = Field(max_length=TOKEN_MAX)


class DigestBody(Body):
    digest: DigestFrequency


class ForgotBody(Body):
    username_or_email: str = Field(max_length=ADDRESS_MAX, examples=["ana"])


class ForgotOut(BaseModel):
    detail: str


class ResetBody(Body):
    token: str = Field(max_length=TOKEN_MAX)
    password: str = Field(max_length=PASSWORD_MAX)


def _email_out(call: Call[Any, Any], view: EmailView | None) -> EmailOut:
    sends = call.settings.smtp_url is not None
    if view is None:
        return EmailOut(
            address=None, verified=False, digest=DigestFrequency.OFF, node_sends_mail=sends
        )
    return EmailOut(
        address=view.address, verified=view.verified, digest=view.digest, node_sends_mail=sends
    )


async def get_email(call: Call[Any, Any]) -> EmailOut:
    return _email_out(call, await addresses.get_email(call.session, call.member))


async def set_email(call: Call[EmailBody, Any]) -> EmailOut:
    if call.settings.smtp_url is None:
        raise Conflict("this node sends no email, so an address would receive nothing")
    view = await addresses.set_email(
        call.session, mail_context(call.settings), call.member, call.body.address, now=call.now
    )
    return _email_out(call, view)


async def remove_email(call: Call[Any, Any]) -> None:
    await addresses.remove_email(call.session, call.member, now=call.now)


async def verify_email(call: Call[TokenBody, Any]) -> EmailOut:
    view = await addresses.verify_email(call.session, call.body.token, now=call.now)
    return _email_out(call, view)


async def set_digest(call: Call[DigestBody, Any]) -> EmailOut:
    view = await addresses.set_digest(call.session, call.member, call.body.digest)
    return _email_out(call, view)


async def forgot_password(call: Call[ForgotBody, Any]) -> ForgotOut:
    if call.settings.smtp_url is not None:
        await password_reset.request_reset(
            call.session, mail_context(call.settings), call.body.username_or_email, now=call.now
        )
    return ForgotOut(detail=FORGOT_ANSWER)


async def reset_password(call: Call[ResetBody, Any]) -> None:
    await password_reset.reset_password(
        call.session, call.passwords, call.body.token, call.body.password, now=call.now
    )


OPERATIONS = (
    Operation(
        "GET",
        "/api/v1/account/email",
        get_email,
        "Your email address and digest (shown to you alone)",
        "email",
        auth=Auth.REQUIRED,
        response=EmailOut,
        errors=(401,),
    ),
    Operation(
        "PUT",
        "/api/v1/account/email",
        set_email,
        "Add or change your email address: a verification link goes to it",
        "email",
        auth=Auth.REQUIRED,
        body=EmailBody,
        response=EmailOut,
        errors=(401, 409, 422, 429),
    ),
    Operation(
        "DELETE",
        "/api/v1/account/email",
        remove_email,
        "Remove your email address (and the digest with it)",
        "email",
        auth=Auth.REQUIRED,
        errors=(401,),
    ),
    Operation(
        "POST",
        "/api/v1/account/email/verify",
        verify_email,
        "Verify an email address with the token from its link",
        "email",
        body=TokenBody,
        response=EmailOut,
        errors=(422,),
    ),
    Operation(
        "PUT",
        "/api/v1/account/email/digest",
        set_digest,
        "Choose the digest: off, daily or weekly (a verified address is needed)",
        "email",
        auth=Auth.REQUIRED,
        body=DigestBody,
        response=EmailOut,
        errors=(401, 422),
    ),
    Operation(
        "POST",
        "/api/v1/password/forgot",
        forgot_password,
        "Ask for a link to choose a new password (the same answer whatever is asked)",
        "email",
        body=ForgotBody,
        response=ForgotOut,
        status=202,
        errors=(422,),
    ),
    Operation(
        "POST",
        "/api/v1/password/reset",
        reset_password,
        "Choose a new password with the token from a reset link; every session ends",
        "email",
        body=ResetBody,
        errors=(422,),
    ),
)

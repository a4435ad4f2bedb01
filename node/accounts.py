"""Members who sign in here: registration, authentication, API tokens, profiles."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import replace
from datetime import datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from node.actors import actor_ref, create_local_actor, find_actor
from node.errors import AuthenticationFailed, Gone, InvalidInput, NotFound, PermissionDenied
from node.federation_policy.visibility import decision_for
from node.handles import check_length, handle_key, validate_handle
from node.kinds import ActorKind, NodeRole
from node.passwords import Passwords, validate_password
from node.site import Site
from node.storage.models.actors import Account, Actor, ApiToken
from node.suspensions import is_deleted, is_suspended
from node.views import AccountView, Profile, Viewer

DISPLAY_NAME_MAX = 100
BIO_MAX = 2000
SUPPORTED_LOCALES = ("en", "de", "fr")
TOKEN_LIFETIME = timedelta(days=90)
# A token's last use is written at most this often, not on every request.
TOKEN_TOUCH_INTERVAL = timedelta(hours=1)


def _account_view(account: Account, actor: Actor) -> AccountView:
    return AccountView(
        id=account.id,
        actor=actor_ref(actor),
        bio=actor.summary,
        role=account.role,
        locale=account.locale,
        created_at=account.created_at,
        crisis_country=account.crisis_country,
    )


def validate_locale(locale: str) -> str:
    if locale not in SUPPORTED_LOCALES:
        raise InvalidInput(f"choose one of {', '.join(SUPPORTED_LOCALES)}", field="locale")
    return locale


async def register(
    session: AsyncSession,
    site: Site,
    passwords: Passwords,
    *,
    handle: str,
    password: str,
    display_name: str = "",
    bio: str = "",
    locale: str = "en",
    role: NodeRole = NodeRole.MEMBER,
    now: datetime,
) -> AccountView:
    """Create a local member. The handle may not be taken by a member or a group."""
    validate_handle(handle, field="username")
    validate_password(password)
    check_length(display_name, DISPLAY_NAME_MAX, "display_name")
    check_length(bio, BIO_MAX, "bio")
    validate_locale(locale)
    actor = await create_local_actor(
        session,
        kind=ActorKind.PERSON,
        handle=handle,
        domain=site.domain,
        uri=site.member_uri(handle),
        display_name=display_name.strip(),
        summary=bio,
        now=now,
        field="username",
    )
    account = Account(
        actor_id=actor.id,
        password_hash=await passwords.hash(password),
        role=role,
        locale=locale,
        created_at=now,
    )
    session.add(account)
    await session.flush()
    return _account_view(account, actor)


async def _local_account(
    session: AsyncSession, site: Site, handle: str
) -> tuple[Account, Actor] | None:
    """The account of this node with this handle, compared as handles are (``handle_key``)."""
    row = (
        await session.execute(
            select(Account, Actor)
            .join(Actor, Account.actor_id == Actor.id)
            .where(Actor.domain == site.domain, Actor.handle_key == handle_key(handle))
        )
    ).first()
    return None if row is None else (row[0], row[1])


def _viewer(account: Account) -> Viewer:
    return Viewer(account_id=account.id, actor_id=account.actor_id, role=account.role)


async def member_by_username(session: AsyncSession, site: Site, username: str) -> Viewer | None:
    """The member of this node called ``username`` (as the command line names one), or None."""
    found = await _local_account(session, site, username)
    return None if found is None or found[0].deleted_at is not None else _viewer(found[0])


async def first_admin(session: AsyncSession) -> Viewer | None:
    """The node's oldest admin account, or None while there is none."""
    account = await session.scalar(
        select(Account)
        .where(Account.role == NodeRole.ADMIN, Account.deleted_at.is_(None))
        .order_by(Account.id)
        .limit(1)
    )
    return None if account is None else _viewer(account)


async def _account_by_handle(
    session: AsyncSession, site: Site, handle: str
) -> tuple[Account, Actor]:
    found = await _local_account(session, site, handle)
    if found is None:
        raise AuthenticationFailed("unknown username or wrong password")
    return found


async def authenticate(
    session: AsyncSession, site: Site, passwords: Passwords, *, handle: str, password: str
) -> AccountView:
    """Check a password. The same message for unknown names and wrong passwords, so
    the answer does not tell an attacker which members exist."""
    try:
        account, actor = await _account_by_handle(session, site, handle)
        if account.deleted_at is not None:  # its name stays taken; it is not an account
            raise AuthenticationFailed("unknown username or wrong password")
    except AuthenticationFailed:
        await passwords.hash(password)  # spend the same time as a real check
        raise
    if not await passwords.verify(account.password_hash, password):
        raise AuthenticationFailed("unknown username or wrong password")
    if account.suspended_at is not None:
        raise PermissionDenied("this account is suspended")
    if passwords.needs_rehash(account.password_hash):
        account.password_hash = await passwords.hash(password)
    return _account_view(account, actor)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue_token(session: AsyncSession, account_id: int, *, now: datetime) -> str:
    """A new bearer token for the account; only its hash is kept."""
    token = secrets.token_urlsafe(32)
    session.add(
        ApiToken(
            account_id=account_id,
            token_hash=_token_hash(token),
            created_at=now,
            last_used_at=now,
            expires_at=now + TOKEN_LIFETIME,
        )
    )
    await session.flush()
    return token


async def viewer_for_token(session: AsyncSession, token: str, *, now: datetime) -> Viewer:
    """The member a bearer token belongs to; tokens slide forward while in use."""
    row = (
        await session.execute(
            select(ApiToken, Account)
            .join(Account, ApiToken.account_id == Account.id)
            .where(ApiToken.token_hash == _token_hash(token))
        )
    ).first()
    if row is None or row[0].expires_at <= now:
        raise AuthenticationFailed("this token is unknown or has expired; log in again")
    api_token, account = row[0], row[1]
    if account.deleted_at is not None:  # its tokens went with it; this is belt and braces
        raise AuthenticationFailed("this token is unknown or has expired; log in again")
    if account.suspended_at is not None:
        raise PermissionDenied("this account is suspended")
    if now - api_token.last_used_at >= TOKEN_TOUCH_INTERVAL:
        api_token.last_used_at = now
        api_token.expires_at = now + TOKEN_LIFETIME
    return _viewer(account)


async def revoke_token(session: AsyncSession, token: str) -> None:
    await session.execute(delete(ApiToken).where(ApiToken.token_hash == _token_hash(token)))


async def get_account(session: AsyncSession, viewer: Viewer) -> AccountView:
    account = await session.get_one(Account, viewer.account_id)
    actor = await session.get_one(Actor, account.actor_id)
    return _account_view(account, actor)


async def get_profile(session: AsyncSession, handle: str, domain: str) -> Profile:
    """A member's profile; a suspended one's says so and shows nothing but the handle, and
    one on a domain the federation policy hides is not found; a deleted one is gone."""
    actor = await find_actor(session, handle, domain, ActorKind.PERSON)
    if not (await decision_for(session, actor)).federates:
        raise NotFound(f"no person called {handle!r} here")
    if await is_deleted(session, actor):
        raise Gone(f"@{actor.handle} deleted their account")
    if await is_suspended(session, actor):
        ref = replace(actor_ref(actor), display_name=actor.handle)
        return Profile(actor=ref, bio="", created_at=actor.created_at, suspended=True)
    return Profile(actor=actor_ref(actor), bio=actor.summary, created_at=actor.created_at)


async def update_account(
    session: AsyncSession,
    viewer: Viewer,
    *,
    display_name: str | None = None,
    bio: str | None = None,
    locale: str | None = None,
    crisis_country: str | None = None,
    now: datetime,
) -> AccountView:
    account = await session.get_one(Account, viewer.account_id)
    if crisis_country is not None:
        # Their own word only: crisis resources are never chosen from an address.
        country = crisis_country.strip().upper()
        if country and not (len(country) == 2 and country.isascii() and country.isalpha()):
            raise InvalidInput(
                "a two-letter country code (ISO 3166), or empty", field="crisis_country"
            )
        account.crisis_country = country
    actor = await session.get_one(Actor, account.actor_id)
    if display_name is not None:
        actor.display_name = check_length(display_name, DISPLAY_NAME_MAX, "display_name").strip()
    if bio is not None:
        actor.summary = check_length(bio, BIO_MAX, "bio")
    if locale is not None:
        account.locale = validate_locale(locale)
    actor.updated_at = now
    return _account_view(account, actor)


async def change_password(
    session: AsyncSession,
    passwords: Passwords,
    viewer: Viewer,
    *,
    current: str,
    new: str,
    keep_token: str | None = None,
) -> None:
    """A member replaces their password, proving they know the current one. Every other
    session (API tokens but ``keep_token``, the one in use) is signed out."""
    account = await session.get_one(Account, viewer.account_id)
    if not await passwords.verify(account.password_hash, current):
        raise AuthenticationFailed("the current password is wrong", field="current_password")
    try:
        validate_password(new)
    except InvalidInput as error:
        raise InvalidInput(error.message, field="new_password") from None
    account.password_hash = await passwords.hash(new)
    others = delete(ApiToken).where(ApiToken.account_id == account.id)
    if keep_token is not None:
        others = others.where(ApiToken.token_hash != _token_hash(keep_token))
    await session.execute(others)

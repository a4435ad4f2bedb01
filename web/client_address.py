"""The client's address behind a reverse proxy.

Behind nginx every request comes from the proxy, so without this the sign-in
throttle, which counts failures per client address, would count everyone's
failures together: five wrong passwords from one visitor would lock every
member out. A proxy in ``KINFOLK_TRUSTED_PROXIES`` (by default this machine)
is believed about who it forwards for; anyone else's ``X-Forwarded-For`` is
ignored, since a client could write anything there.

The header is read from the right, as nginx's ``real_ip_recursive`` does: each
trusted hop appends the address it received from, so the first untrusted
address from the right is the client, and anything left of it could be forged.
"""

from __future__ import annotations

import ipaddress

from aiohttp import web

from web.config import Network
from web.keys import SETTINGS
from web.problems import Handler

_IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _parse(raw: str) -> _IPAddress | None:
    try:
        return ipaddress.ip_address(raw.strip())
    except ValueError:
        return None


def _trusted(address: _IPAddress, proxies: tuple[Network, ...]) -> bool:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return any(address in network for network in proxies)


def address_within(address: str | None, networks: tuple[Network, ...]) -> bool:
    """Whether ``address`` (as ``request.remote`` gives it) lies in one of ``networks``."""
    parsed = _parse(address) if address else None
    return parsed is not None and _trusted(parsed, networks)


def client_address(
    peer: str | None, forwarded_for: str, proxies: tuple[Network, ...]
) -> str | None:
    """The address that sent the request: ``peer``, unless it is a trusted proxy
    vouching, in ``forwarded_for``, for another (each trusted hop in turn)."""
    current = _parse(peer) if peer else None
    if current is None:
        return peer
    hops = [hop for hop in forwarded_for.split(",") if hop.strip()]
    while hops and _trusted(current, proxies):
        previous = _parse(hops.pop())
        if previous is None:  # garbage from a hop we cannot vouch for: stop at the last good one
            break
        current = previous
    return str(current)


@web.middleware
async def client_address_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Give handlers the real client as ``request.remote`` when a trusted proxy says who it is."""
    forwarded_for = request.headers.get("X-Forwarded-For")
    if forwarded_for is None:
        return await handler(request)
    proxies = request.app[SETTINGS].trusted_proxies
    remote = client_address(request.remote, forwarded_for, proxies)
    if remote is None or remote == request.remote:
        return await handler(request)
    return await handler(request.clone(remote=remote))

"""RFC 9421 signature bases for the plain requests we sign, built as fixed text.

Design note: ``http_message_signatures`` builds every signature base through its
generic Structured Fields code, which parses the component identifiers and
checks each character of each serialised string in Python: about 0.3 ms a
request, four times an Ed25519 signature and most of the cost of signing a
delivery. What we sign is plain: ``@method``, ``@target-uri``, ``@authority``
and bare header fields of an ordinary ``http(s)`` URL, under ``created``,
``keyid`` and perhaps ``alg`` and ``expires``. For those the base is fixed text,
which ``plain_signature_base`` writes directly. For anything else (parameters on
a component, other derived components, unusual URLs or values) it returns
``None`` and the caller lets the library build the base. The tests hold both to
the same bytes over the RFC's vectors and a table of edge cases.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

_DERIVED = frozenset({"@method", "@target-uri", "@authority"})
_FIELD_NAME = re.compile(r"[a-z0-9!#$%&'*+.^_`|~-]+")  # an RFC 9110 token, lower case
_LABEL = re.compile(r"[a-z*][a-z0-9_.*-]*")  # a Structured Fields key
_PCHAR = r"(?:[A-Za-z0-9._~!$&'()*+,;=:@/-]|%[0-9A-Fa-f]{2})"
_URL = re.compile(
    rf"(?P<scheme>https?)://(?P<host>[a-z0-9.-]+)(?::(?P<port>[0-9]+))?"
    rf"(?P<path>/{_PCHAR}*)?(?P<query>\?(?:{_PCHAR}|\?)*)?"
)
_DEFAULT_PORTS = {"http": "80", "https": "443"}


@dataclass(frozen=True)
class PlainBase:
    """A signature base and its ``@signature-params`` member (for ``Signature-Input``)."""

    base: str
    signature_params: str


def plain_signature_base(
    method: str,
    url: str,
    headers: Mapping[str, str],
    covered: Sequence[str],
    *,
    label: str,
    key_id: str,
    created: int,
    alg: str | None = None,
    expires: int | None = None,
) -> PlainBase | None:
    """The base the library would build for a plain request, or ``None`` if it is not plain."""
    url_match = _URL.fullmatch(url)
    if (
        url_match is None
        or method not in {"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD"}
        or len(set(covered)) != len(covered)
        or not _LABEL.fullmatch(label)
        or not _printable_ascii(key_id)
        or (alg is not None and not _printable_ascii(alg))
    ):
        return None
    fields = _plain_fields(headers)
    if fields is None:
        return None
    derived = _derived(method, url_match)
    lines = []
    for name in covered:
        value = derived.get(name) if name in _DERIVED else _field(fields, name)
        if value is None:
            return None
        lines.append(f'"{name}": {value}')
    params = "(" + " ".join(f'"{name}"' for name in covered) + f");created={created}"
    params += f';keyid="{_escape(key_id)}"'
    params += "" if alg is None else f';alg="{_escape(alg)}"'
    params += "" if expires is None else f";expires={expires}"
    lines.append(f'"@signature-params": {params}')
    return PlainBase("\n".join(lines), params)


def _derived(method: str, url: re.Match[str]) -> dict[str, str]:
    scheme, host, port = url["scheme"], url["host"], url["port"]
    authority = host if port is None else f"{host}:{port}"
    target = f"{scheme}://{authority}{url['path'] or '/'}{url['query'] or ''}"
    if port is not None and port.lstrip("0") == _DEFAULT_PORTS[scheme]:
        port = None
    return {
        "@method": method,
        "@target-uri": target,
        "@authority": host if port is None else f"{host}:{port}",
    }


def _field(fields: Mapping[str, str], name: str) -> str | None:
    if not _FIELD_NAME.fullmatch(name) or name == "set-cookie":
        return None
    return fields.get(name)


def _plain_fields(headers: Mapping[str, str]) -> dict[str, str] | None:
    """Header values by lower-case name, trimmed; None if any needs the library's care."""
    fields: dict[str, str] = {}
    for name, value in headers.items():
        lowered = name.lower()
        trimmed = value.strip(" \t")
        if lowered in fields or not _printable_ascii(trimmed):
            return None  # repeated fields are combined, controls refused: the library's work
        fields[lowered] = trimmed
    return fields


def _printable_ascii(value: str) -> bool:
    # What a Structured Fields string may hold, and a field value needs no care for.
    return value.isascii() and value.isprintable()


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"')

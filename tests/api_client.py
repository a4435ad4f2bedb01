"""A thin client for the JSON API, so tests read like what a member does."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient


@dataclass
class Answer:
    status: int
    json: Any

    def expect(self, status: int) -> Any:
        assert self.status == status, f"expected {status}, got {self.status}: {self.json}"
        return self.json


@dataclass(frozen=True)
class Member:
    username: str
    token: str

    @property
    def auth(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


class Api:
    def __init__(self, client: TestClient[web.Request, web.Application]) -> None:
        self.client = client

    async def call(
        self,
        method: str,
        path: str,
        *,
        as_: Member | None = None,
        json: Any = None,
        params: dict[str, str] | None = None,
    ) -> Answer:
        headers = as_.auth if as_ else {}
        async with self.client.request(
            method, path, json=json, params=params, headers=headers
        ) as response:
            body = await response.json() if response.status != 204 else None
            return Answer(response.status, body)

    async def register(self, username: str, password: str = "correct horse battery") -> Member:
        answer = await self.call(
            "POST", "/api/v1/accounts", json={"username": username, "password": password}
        )
        return Member(username, answer.expect(201)["token"])

    async def create_group(self, owner: Member, name: str, **fields: Any) -> Any:
        answer = await self.call("POST", "/api/v1/groups", as_=owner, json={"name": name, **fields})
        return answer.expect(201)

    async def join(self, member: Member, group: str) -> Any:
        return (await self.call("POST", f"/api/v1/groups/{group}/join", as_=member)).expect(200)

    async def post(self, member: Member, group: str, body: str, **fields: Any) -> Any:
        answer = await self.call(
            "POST", f"/api/v1/groups/{group}/posts", as_=member, json={"body": body, **fields}
        )
        return answer.expect(201)

    async def reply(self, member: Member, post_id: str, body: str, **fields: Any) -> Any:
        answer = await self.call(
            "POST", f"/api/v1/posts/{post_id}/replies", as_=member, json={"body": body, **fields}
        )
        return answer.expect(201)

    async def membership(self, member: Member, group: str) -> str | None:
        """The member's state in a group (``approved``, ``pending``), or None if not in it."""
        answer = (await self.call("GET", f"/api/v1/groups/{group}", as_=member)).expect(200)
        return None if answer["membership"] is None else str(answer["membership"]["state"])

    async def items(self, member: Member | None, path: str) -> list[Any]:
        """The items of a listing (its first page), as ``member`` sees it."""
        return list((await self.call("GET", path, as_=member)).expect(200)["items"])

"""A node behind nginx with deploy/nginx/kinfolk-proxy.conf, as deploy/README.md sets it up.

The proxy must pass what signatures cover (the Host header, port included, and
the raw path), refuse oversized bodies itself, and tell the node who each
visitor is, believed only from a trusted proxy. nginx here is Debian's, run as
one process on a loopback port in front of a rig node.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from sqlalchemy import func, select

from node.sign_in import MAX_FAILURES
from node.storage.models.posts import Post
from tests.conftest import IN_CI
from tests.rig.rig import Rig, RigNode, _free_port, count
from tests.web.test_pages import csrf_of

SNIPPET = Path(__file__).resolve().parents[2] / "deploy" / "nginx" / "kinfolk-proxy.conf"
PROXY_HOST = "127.0.0.30"


def nginx_binary() -> str:
    found = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin")
    if found is None:
        if IN_CI:
            pytest.fail("nginx is needed to test deploy/nginx (make installs Debian's)")
        pytest.skip("nginx is not installed")
    return found


@asynccontextmanager
async def nginx_in_front_of(node: RigNode, port: int, tmp: Path) -> AsyncIterator[str]:
    """nginx on PROXY_HOST:port with the deploy snippet, its upstream pointed at ``node``."""
    snippet = SNIPPET.read_text(encoding="utf-8")
    upstream = f"proxy_pass http://{node.host}:{node.port};"
    snippet, replaced = re.subn(r"proxy_pass http://127\.0\.0\.1:8080;", upstream, snippet)
    assert replaced == 1, "the snippet no longer proxies to 127.0.0.1:8080"
    prefix = tmp / "nginx"
    prefix.mkdir()
    (prefix / "kinfolk-proxy.conf").write_text(snippet, encoding="utf-8")
    temp_paths = "\n".join(
        f"    {kind}_temp_path {prefix / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (prefix / "nginx.conf").write_text(
        f"daemon off;\nmaster_process off;\npid {prefix / 'nginx.pid'};\n"
        f"error_log {prefix / 'error.log'} info;\nevents {{ worker_connections 256; }}\n"
        f"http {{\n    access_log off;\n{temp_paths}\n"
        f"    server {{\n        listen {PROXY_HOST}:{port};\n"
        f"        include {prefix / 'kinfolk-proxy.conf'};\n    }}\n}}\n",
        encoding="utf-8",
    )
    process = await asyncio.create_subprocess_exec(
        nginx_binary(),
        "-p",
        str(prefix),
        "-c",
        str(prefix / "nginx.conf"),
        "-e",
        "stderr",
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        for _ in range(200):
            if process.returncode is not None:
                _, errors = await process.communicate()
                raise AssertionError(f"nginx did not start: {errors.decode()}")
            try:
                _, writer = await asyncio.open_connection(PROXY_HOST, port)
            except OSError:
                await asyncio.sleep(0.025)
                continue
            writer.close()
            break
        else:
            raise AssertionError("nginx did not listen within 5 s")
        yield f"http://{PROXY_HOST}:{port}"
    finally:
        if process.returncode is None:
            process.terminate()
        await process.communicate()


METRICS_TOKEN = "metrics-" + "t" * 32


async def node_behind_proxy(rig: Rig, **settings: Any) -> tuple[RigNode, int]:
    """A rig node whose public address is nginx's port on PROXY_HOST, and that port."""
    port = _free_port(PROXY_HOST)
    return await rig.add_node("alpha", base_url=f"http://{PROXY_HOST}:{port}", **settings), port


async def test_a_node_behind_nginx_federates_through_it(rig: Rig, tmp_path: Path) -> None:
    a, port = await node_behind_proxy(rig)
    b = await rig.add_node("beta")
    async with nginx_in_front_of(a, port, tmp_path):
        ana, ben = await a.member("ana"), await b.member("ben")
        # WebFinger, ana's actor and ben's signed Follow all reach alpha through nginx.
        acct = f"ana@{a.settings.domain}"
        followed = await b.api.call("POST", f"/api/v1/members/{acct}/follow", as_=ben)
        followed.expect(200)
        await rig.settle()
        following = (await b.api.call("GET", "/api/v1/accounts/me/following", as_=ben)).expect(200)
        assert [(f["followee"]["acct"], f["state"]) for f in following["items"]] == [
            (acct, "accepted")
        ]
        await a.api.create_group(ana, "circle")
        thread = await a.api.post(ana, "circle", "Hello through the proxy", title="Hi")
        await rig.settle()
        received = select(func.count()).select_from(Post).where(Post.uri == thread["uri"])
        assert await count(b, received) == 1


async def test_nginx_refuses_an_oversized_inbox_body_and_the_metrics_itself(
    rig: Rig, tmp_path: Path
) -> None:
    a, port = await node_behind_proxy(rig, metrics_token=METRICS_TOKEN)
    async with nginx_in_front_of(a, port, tmp_path) as proxy, aiohttp.ClientSession() as http:
        headers = {"Content-Type": "application/activity+json"}
        async with http.post(f"{proxy}/inbox", data=b"x" * (2 << 20), headers=headers) as answer:
            assert answer.status == 413
            assert "nginx" in answer.headers.get("Server", "")
        # The metrics are not served through the proxy, even to a token.
        bearer = {"Authorization": f"Bearer {METRICS_TOKEN}"}
        async with http.get(f"{proxy}/metrics", headers=bearer) as answer:
            assert answer.status == 404
            assert "nginx" in answer.headers.get("Server", "")


async def wrong_password(proxy: str, source: str, headers: dict[str, str] | None = None) -> int:
    """A sign-in with a wrong password from the loopback address ``source``."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0))
    jar = aiohttp.CookieJar(unsafe=True)  # the CSRF cookie, from an IP address
    async with aiohttp.ClientSession(connector=connector, cookie_jar=jar) as http:
        async with http.get(f"{proxy}/signin", headers={"Accept": "text/html"}) as page:
            token = csrf_of(await page.text())
        form = {"csrf_token": token, "username": f"someone{source}", "password": "x"}
        async with http.post(
            f"{proxy}/signin", data=form, headers=headers or {}, allow_redirects=False
        ) as answer:
            return answer.status


async def test_behind_nginx_each_visitor_is_throttled_alone(rig: Rig, tmp_path: Path) -> None:
    """nginx connects from 127.0.0.1, the one proxy trusted; the visitors come from .5 and .6."""
    a, port = await node_behind_proxy(rig, trusted_proxies=(ipaddress.ip_network("127.0.0.1/32"),))
    async with nginx_in_front_of(a, port, tmp_path) as proxy:
        for _ in range(MAX_FAILURES):
            assert await wrong_password(proxy, "127.0.0.5") == 401
        assert await wrong_password(proxy, "127.0.0.5") == 429
        # Claiming to be someone else does not help: nginx adds the real address last.
        assert await wrong_password(proxy, "127.0.0.5", {"X-Forwarded-For": "127.0.0.7"}) == 429
        assert await wrong_password(proxy, "127.0.0.6") == 401

"""The node's processes run on uvloop where it is installed, the same code either way."""

from __future__ import annotations

import asyncio
import builtins
from typing import Any

import pytest
import uvloop

from web import event_loop


async def _loop_type() -> type[asyncio.AbstractEventLoop]:
    return type(asyncio.get_running_loop())


def test_runs_on_uvloop_when_it_is_installed() -> None:
    assert issubclass(event_loop.run(_loop_type()), uvloop.Loop)


def test_runs_on_the_standard_loop_without_it(monkeypatch: pytest.MonkeyPatch) -> None:
    real_import = builtins.__import__

    def without_uvloop(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "uvloop":
            raise ImportError("not installed")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", without_uvloop)
    loop_type = event_loop.run(_loop_type())
    assert not issubclass(loop_type, uvloop.Loop)
    assert issubclass(loop_type, asyncio.AbstractEventLoop)

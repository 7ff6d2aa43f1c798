"""bot.gc_settle: once the server has started, what survives a collection is frozen (bench/PROFILE.md row 19)."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from bot import gc_settle
from tests.e2e.servers import ROOT, free_port


@pytest.fixture(autouse=True)
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()


def test_settle_freezes_what_is_alive_and_still_frees_by_reference_count():
    class Held:
        pass

    kept = [Held() for _ in range(1000)]
    assert gc.get_freeze_count() == 0
    frozen = gc_settle.settle()
    assert frozen == gc.get_freeze_count() >= 1000
    assert not any(o is kept[0] for o in gc.get_objects())  # moved out of the generations the collector walks
    kept.clear()  # frozen objects are still freed when nothing refers to them
    assert gc.get_freeze_count() < frozen


def test_settle_collects_garbage_first_so_no_dead_cycle_is_frozen():
    class Node:
        pass

    a, b = Node(), Node()
    a.other, b.other = b, a
    ident = id(a)
    del a, b  # an unreachable cycle, only the cyclic collector frees it
    gc_settle.settle()
    assert not any(id(o) == ident and isinstance(o, Node) for o in gc.get_objects())
    gc.unfreeze()
    assert not any(id(o) == ident and isinstance(o, Node) for o in gc.get_objects())


@pytest.mark.parametrize("value", ["0", "false", "OFF"])
def test_switched_off_with_rasa_speedups(monkeypatch, value):
    monkeypatch.setenv("RASA_SPEEDUPS", value)
    assert gc_settle.settle() == 0
    assert gc.get_freeze_count() == 0


START_AND_STOP = """
import asyncio, gc, sys
from sanic import Sanic
from bot.channels.rest import SafeRestInput

async def on_new_message(message):
    raise AssertionError

async def main():
    app = Sanic("gc_settle_check")
    app.blueprint(SafeRestInput().blueprint(on_new_message))
    server = await app.create_server(host="127.0.0.1", port=int(sys.argv[1]), return_asyncio_server=True)
    try:
        await server.startup()
        await server.before_start()
        before = gc.get_freeze_count()
        await server.after_start()
        print(before, gc.get_freeze_count())
    finally:
        server.close()
        await server.wait_closed()

asyncio.run(main())
"""


def test_the_rest_channel_settles_once_the_server_has_started():
    """A real Sanic server with the REST channel's blueprint: nothing is frozen before ``after_server_start`` (Rasa
    loads the model in ``before_server_start``), the start-up objects are after it. In a process of its own: a
    started Sanic 21.12 app rewrites the class's methods and would break the apps later tests start here."""
    out = subprocess.run(
        [sys.executable, "-c", START_AND_STOP, str(free_port())],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), "RASA_SPEEDUPS": "1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    before, after = map(int, out.stdout.split()[-2:])
    assert before == 0
    assert after > 10_000

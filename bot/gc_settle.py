"""Garbage collection in a Rasa process once its model is loaded (bench/PROFILE.md, row 19).

A loaded Rasa process holds about 650,000 objects that Python's cyclic garbage collector tracks (TensorFlow,
the trained model, Rasa's and Sanic's modules, the domain); nearly all of them live as long as the process.
Every full (generation 2) collection walks all of them: 250–400 ms with the event loop stopped, a pause that
every message in flight waits out. Under load one came every few hundred messages, and at concurrency 32 they
made much of the p95.

Once the server has started (the model is loaded before Sanic's ``after_server_start``), ``settle`` collects
once and then ``gc.freeze()``s what survived: those objects move to the collector's permanent generation and
are not walked again. Nothing else changes. Reference counting still frees a frozen object once nothing refers
to it, and objects made later (conversations, trackers, requests) are collected as before. The only cost is
that a frozen object caught in a reference cycle after start-up would stay in memory; the objects made at
start-up are the model and the server, which last as long as the process (bench/run_bench.py measures
resident memory over 10,000 conversations). One exception: with Rasa's HTTP API on (``RASA_ENABLE_API=1``, off by
default), a model replaced through ``PUT /model`` leaves those of its frozen objects that sit in reference cycles
in memory; restart the server after replacing a model (as ``make run`` does after training).

Registered by the REST channel's blueprint (``bot.channels.rest``), which every deployment of the assistant
serves. ``RASA_SPEEDUPS=0`` leaves collection as Python does it, like the patches of ``bot.speedups``.
"""

from __future__ import annotations

import gc
import logging
from typing import Any

from bot.speedups import switched_off

logger = logging.getLogger(__name__)


def settle() -> int:
    """Collect once, then freeze the survivors; returns how many objects are frozen now (0 when switched off)."""
    if switched_off():
        return 0
    gc.collect()
    gc.freeze()
    frozen = gc.get_freeze_count()
    logger.debug("gc: %d objects moved to the permanent generation", frozen)
    return frozen


async def settle_after_start(app: Any, loop: Any) -> None:
    """Sanic ``after_server_start`` listener: by then Rasa's ``before_server_start`` listener loaded the model."""
    settle()

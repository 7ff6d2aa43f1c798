"""Messages handled a few at a time, in the order they came (installed with ``bot.speedups``).

Rasa runs every message that arrives at once side by side on one event loop: each runs until its next ``await``
(an action-server call, the lock, the tracker store) and then another runs. With 32 conversations talking at once
every message shares the process with the 31 others from start to end, so a turn that needs more steps (a form turn
calls the action server twice and predicts three actions) waits for all the others at each of its steps: at
concurrency 32 the self-check's p95 was 1.7× its p50 (1.4 s against 0.85 s on the 2-core machine, bench/RESULTS.md),
while the work per message and the throughput do not depend on how the turns are interleaved.

Here ``MessageProcessor.handle_message`` (called by ``Agent.handle_message`` inside the conversation's lock) first
takes one of ``RASA_TURNS_AT_ONCE`` places (default 4); a message that finds none free waits in line and is handed
the next place given back, in arrival order. So at most four messages share this process's CPU at a time, and a
message waits for those ahead of it, not for everyone at each of its steps. A message keeps its place while the
action server answers (a few milliseconds; giving it back for every call let the turns interleave again: form p95 at
concurrency 32 went back to Rasa's own), but once a reply takes longer than ``SLOW_REPLY_S`` (0.25 s) the message
gives its place back until the reply is there and then takes one before any message that has not started: a slow
action server holds up the messages that wait for it, not the queue.

No message can wait for one that waits for it: the place is taken inside the conversation's lock (a message waiting
for its lock holds no place), and a message holding a place waits for nothing but its own work and other processes.
What does not change: what each message does, its events, the answers, the lock's order within a conversation.
``RASA_TURNS_AT_ONCE=0`` (or ``RASA_SPEEDUPS=0``) leaves Rasa's own scheduling. Measured in bench/PROFILE.md
(row 24); tests in tests/bot/test_turn_queue.py.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import contextvars
import os
from collections.abc import AsyncIterator
from typing import Any

from bot.speedups import per_loop

ENV_SIZE = "RASA_TURNS_AT_ONCE"
DEFAULT_SIZE = 4

RASA_HANDLE: Any = None  # Rasa's own MessageProcessor.handle_message
RASA_REQUEST: Any = None  # Rasa's own EndpointConfig.request
SLOW_REPLY_S = 0.25  # an action-server reply (a few ms) that takes longer is waited for out of the queue
HELD: contextvars.ContextVar[Turn | None] = contextvars.ContextVar("jd_turn", default=None)  # the message's place


class TurnQueue:
    """At most ``size`` holders at once; the others wait in a line and each place given back goes to the first in it.

    ``asyncio.Semaphore`` lets a newcomer take a place given back before the waiter it woke runs; here a place is
    handed to the waiter directly, so the order is arrival order. A waiter cancelled in line leaves it; one cancelled
    after it was handed a place gives the place on."""

    def __init__(self, size: int) -> None:
        if size < 1:
            raise ValueError("a turn queue needs at least one place")
        self.size = size
        self.free = size
        self.line: collections.deque[asyncio.Future[None]] = collections.deque()
        self.back: collections.deque[asyncio.Future[None]] = collections.deque()  # returning: served first

    @property
    def holders(self) -> int:
        return self.size - self.free

    async def _take(self, line: collections.deque[asyncio.Future[None]]) -> None:
        if self.free > 0 and not self.line and not self.back:
            self.free -= 1
            return
        place = asyncio.get_running_loop().create_future()
        line.append(place)
        try:
            await place
        except asyncio.CancelledError:
            if place.done() and not place.cancelled():  # handed a place, then cancelled before it ran
                self._give_back()
            else:
                line.remove(place)
            raise

    def _give_back(self) -> None:
        for line in (self.back, self.line):
            while line:
                waiter = line.popleft()
                if not waiter.done():
                    waiter.set_result(None)  # the place goes to it: ``free`` stays as it is
                    return
        self.free += 1


class Turn:
    """One message's place in a queue: held from ``async with`` to its end, given back while the message waits for
    another process (``stepped_out``; nested or side by side waits of one message step out once) and taken again
    before anyone who has not started yet."""

    def __init__(self, queue: TurnQueue) -> None:
        self.queue = queue
        self.holding = False
        self.out = 0

    async def __aenter__(self) -> Turn:
        await self.queue._take(self.queue.line)
        self.holding = True
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self.holding:  # not if it was cancelled while it waited to come back
            self.holding = False
            self.queue._give_back()

    def step_out(self) -> None:
        """The message waits for another process from now on: its place goes to the next in line (once)."""
        if self.out == 0 and self.holding:
            self.holding = False
            self.queue._give_back()
        self.out += 1

    async def step_in(self) -> None:
        """The wait is over: once no other wait of this message is left, take a place before the newcomers."""
        self.out -= 1
        if self.out == 0 and not self.holding:
            await self.queue._take(self.queue.back)
            self.holding = True

    def leave_out(self) -> None:
        """The message is cancelled while it is out: it ends without a place (``__aexit__`` gives back nothing)."""
        self.out -= 1

    @contextlib.asynccontextmanager
    async def stepped_out(self) -> AsyncIterator[None]:
        self.step_out()
        try:
            yield
        except asyncio.CancelledError:
            self.leave_out()
            raise
        await self.step_in()


def queue_size() -> int:
    """``RASA_TURNS_AT_ONCE``: places (0: no queue); a value that is not a whole number ≥ 0 gives the default."""
    raw = os.environ.get(ENV_SIZE, "").strip()
    return int(raw) if raw.isdigit() else DEFAULT_SIZE


def turn_queue(processor: Any) -> TurnQueue:
    """The processor's queue for the running event loop (a processor moved to another loop gets a new one)."""
    return per_loop(processor, "_jd_turn_queue", lambda: TurnQueue(queue_size()))


async def handle_message(self: Any, message: Any) -> Any:
    """Rasa's ``MessageProcessor.handle_message`` once the message has a place in the processor's queue."""
    async with Turn(turn_queue(self)) as turn:
        token = HELD.set(turn)
        try:
            return await RASA_HANDLE(self, message)
        finally:
            HELD.reset(token)


async def endpoint_request(self: Any, *args: Any, **kwargs: Any) -> Any:
    """Rasa's ``EndpointConfig.request`` (the action server, an NLG server): inside a message, a reply that takes
    longer than ``SLOW_REPLY_S`` is waited for out of the queue (a timer steps out: nothing extra per fast call)."""
    turn = HELD.get()
    if turn is None:
        return await RASA_REQUEST(self, *args, **kwargs)
    out = False

    def slow() -> None:
        nonlocal out
        out = True
        turn.step_out()

    timer = asyncio.get_running_loop().call_later(SLOW_REPLY_S, slow)
    try:
        reply = await RASA_REQUEST(self, *args, **kwargs)
    except asyncio.CancelledError:
        timer.cancel()
        if out:
            turn.leave_out()
        raise
    except BaseException:
        timer.cancel()
        if out:
            await turn.step_in()  # the message goes on (Rasa reports the failed call): back in the queue first
        raise
    timer.cancel()
    if out:
        await turn.step_in()
    return reply


def install() -> bool:
    """Put the queue in front of Rasa's ``MessageProcessor.handle_message`` (once); False with a size of 0."""
    global RASA_HANDLE, RASA_REQUEST
    from rasa.core.processor import MessageProcessor
    from rasa.utils.endpoints import EndpointConfig

    if RASA_HANDLE is not None:
        return True
    if queue_size() == 0:
        return False
    RASA_HANDLE = MessageProcessor.handle_message
    MessageProcessor.handle_message = handle_message  # type: ignore[assignment]
    RASA_REQUEST = EndpointConfig.request
    EndpointConfig.request = endpoint_request  # type: ignore[assignment]
    return True

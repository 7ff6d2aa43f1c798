"""Rasa's lock store from one URL: ``LOCK_STORE_URL=redis://[:password@]host:6379/1`` → Redis (needed when more
than one Rasa server serves the same conversations); unset → in-memory (one Rasa process).

On Redis, ``AtomicRedisLockStore`` keeps Rasa's ticket lock (one FIFO queue of tickets per conversation, in the
same key and JSON as Rasa's ``RedisLockStore``, each ticket expiring after ``TICKET_LOCK_LIFETIME``) but changes
how it is kept. Rasa issues a ticket with a GET and then a SET of the whole lock, from each process on its own:
two processes taking a ticket for one conversation at the same moment can both read the same queue and one of
the two tickets is overwritten, and a waiting process's ``update_lock`` (GET, drop the expired, SET) can drop a
ticket issued in between. Its seven round trips per message (issue 2, acquire 1, release 4) are synchronous, on
the event loop. Here issuing and releasing are each one Lua script that Redis runs atomically (1 round trip each,
the expired tickets dropped inside), and a waiter only reads: a message whose ticket is served at once costs
two round trips. Measured in bench/PROFILE.md (row 20); tests/bot/test_lock_store.py checks the queue against
real Redis with concurrent processes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections import deque
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlparse

from rasa.core.lock import Ticket, TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, InMemoryLockStore, LockError, LockStore, RedisLockStore

logger = logging.getLogger(__name__)

# KEYS[1] the lock; ARGV: now, expires, conversation id. Drops the expired tickets (Rasa's has_expired: now >
# expires), appends the next number (Rasa's: last issued + 1, 0 for an empty queue), saves; returns the new number
# and the number now served (the first ticket's).
_ISSUE = """
local now, expires = tonumber(ARGV[1]), tonumber(ARGV[2])
local tickets = {}
local raw = redis.call('GET', KEYS[1])
if raw then
  for _, t in ipairs(cjson.decode(raw).tickets or {}) do
    local d = cjson.decode(t)
    if not (now > d.expires) then table.insert(tickets, d) end
  end
end
local number = 0
if #tickets > 0 then number = tickets[#tickets].number + 1 end
table.insert(tickets, {number = number, expires = expires})
local out = {}
for i, d in ipairs(tickets) do out[i] = cjson.encode(d) end
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[3], tickets = out}))
return {number, tickets[1].number}
"""

# KEYS[1] the lock; ARGV: now, ticket number, its expiry, conversation id. Removes that ticket (the number and the
# expiry: numbers start again at 0 once the queue is empty, so a turn that outlived its ticket must not remove a
# later holder's ticket 0) and the expired ones; deletes the lock when no ticket is left, else saves it. (cjson
# keeps 14 significant digits: the expiry is matched to within 10 ms.)
_RELEASE = """
local now, number, expires = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local raw = redis.call('GET', KEYS[1])
if not raw then return 0 end
local out = {}
for _, t in ipairs(cjson.decode(raw).tickets or {}) do
  local d = cjson.decode(t)
  local mine = d.number == number and (expires < 0 or math.abs(d.expires - expires) < 0.01)
  if not mine and not (now > d.expires) then table.insert(out, cjson.encode(d)) end
end
if #out == 0 then return redis.call('DEL', KEYS[1]) end
redis.call('SET', KEYS[1], cjson.encode({conversation_id = ARGV[4], tickets = out}))
return #out
"""


class AtomicRedisLockStore(RedisLockStore):
    """Rasa's Redis ticket lock with an atomic issue and release (module docstring)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._issue = self.red.register_script(_ISSUE)
        self._release = self.red.register_script(_RELEASE)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        return self._issue_ticket(conversation_id, lock_lifetime)[0]

    def _issue_ticket(self, conversation_id: str, lock_lifetime: float) -> tuple[int, int, float]:
        """The new ticket's number, the number now served and the ticket's expiry."""
        now = time.time()
        expires = now + lock_lifetime
        try:
            number, serving = self._issue(
                keys=[self.key_prefix + conversation_id], args=[now, expires, conversation_id]
            )
        except Exception as e:  # Rasa's contract: any failure to take a ticket is a LockError
            raise LockError(f"Error while acquiring lock. Error:\n{e}") from e
        return int(number), int(serving), expires

    def cleanup(self, conversation_id: str, ticket_number: int, expires: float = -1) -> None:
        """Releases the ticket (``expires`` < 0: whichever ticket has that number, as Rasa's ``cleanup``)."""
        self._release(
            keys=[self.key_prefix + conversation_id], args=[time.time(), ticket_number, expires, conversation_id]
        )

    @contextlib.asynccontextmanager
    async def lock(
        self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME, wait_time_in_seconds: float = 1
    ) -> AsyncIterator[TicketLock]:
        ticket, serving, expires = self._issue_ticket(conversation_id, lock_lifetime)
        try:
            if serving == ticket:
                yield TicketLock(conversation_id, deque([Ticket(ticket, expires)]))
            else:
                yield await self._wait_for(conversation_id, ticket, wait_time_in_seconds)
        finally:
            try:
                self.cleanup(conversation_id, ticket, expires)
            except Exception as e:  # the turn is done; its ticket expires by itself after the lock lifetime
                logger.warning(
                    "lock of conversation %s not released (%s); it expires in %.0f s",
                    conversation_id,
                    e,
                    max(0.0, expires - time.time()),
                )

    async def _wait_for(self, conversation_id: str, ticket: int, wait_time_in_seconds: float) -> TicketLock:
        """Rasa's wait for the ticket's turn, reading only (expired tickets are dropped by the scripts and
        ``TicketLock`` skips them when it reads). A lock gone, or this ticket expired, is Rasa's LockError."""
        while True:
            raw = self.red.get(self.key_prefix + conversation_id)
            if not raw:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            lock = TicketLock.from_dict(json.loads(raw))
            if not any(t.number == ticket and not t.has_expired() for t in lock.tickets):
                # the ticket outlived TICKET_LOCK_LIFETIME while it waited: its turn would never come
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}' (ticket expired).")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)


def lock_store_url() -> str:
    """``LOCK_STORE_URL``, or "" (in-memory). The WeChat channel keeps its shared state in the same Redis."""
    return os.environ.get("LOCK_STORE_URL", "").strip()


def _sanic_workers() -> int:
    try:
        return int(os.environ.get("SANIC_WORKERS", "1"))
    except ValueError:
        return 1


class UrlLockStore:
    """Factory named in endpoints.yml; returns Rasa's own RedisLockStore or InMemoryLockStore."""

    def __new__(cls, endpoint_config: Any = None, **kwargs: Any) -> LockStore:  # type: ignore[misc]
        url = lock_store_url()
        if not url:
            # Rasa allows SANIC_WORKERS>1 for any lock store named in endpoints.yml, this one included; with an
            # in-memory lock each worker would lock only its own copy and two workers could interleave one
            # conversation's turns. Refuse instead.
            if _sanic_workers() > 1:
                raise ValueError(
                    "SANIC_WORKERS>1 需要共享的锁存储：请同时设置 LOCK_STORE_URL=redis://host:6379/1"
                    "（多个 Rasa 进程不能各用各的内存锁）"
                )
            return InMemoryLockStore()
        u = urlparse(url)
        if u.scheme not in ("redis", "rediss"):
            raise ValueError(f"LOCK_STORE_URL must be redis://…, got {u.scheme}://")
        return AtomicRedisLockStore(
            host=u.hostname or "localhost",
            port=u.port or 6379,
            db=int((u.path or "/1").strip("/") or 1),
            password=u.password,
            use_ssl=u.scheme == "rediss",
            key_prefix=os.environ.get("LOCK_STORE_PREFIX") or None,
        )

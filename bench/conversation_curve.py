"""Latency over one long conversation (issue #14): N messages from one sender at concurrency 1, median per 100.

    .venv/bin/python bench/conversation_curve.py [--messages 600] [--kind faq|form] [--snapshots N|0]
                                                 [--store sqlite|postgresql]

Starts the real action server and Rasa server (tests/e2e/servers.py) with ``TRACKER_SNAPSHOT_EVERY`` as given
(0 = Rasa's own full read of the session per message) and prints the median of each block of 100 messages and the
ratio of the last block to the first. Timing only: nothing here is a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from bench.run_bench import blocks, conversation_curve  # noqa: E402
from tests.e2e.servers import Servers  # noqa: E402
from tests.services import fresh_postgres_database  # noqa: E402


@contextlib.contextmanager
def store_env(store: str) -> Iterator[dict[str, str]]:
    if store == "postgresql":
        with fresh_postgres_database("curve") as pg:
            yield {"TRACKER_STORE_URL": pg}
    else:
        yield {}


def run(kind: str, n: int, snapshots: int | None, store: str, workers: int = 1) -> list[float]:
    work = Path(tempfile.mkdtemp(prefix="curve-"))
    with store_env(store) as env:
        if snapshots is not None:
            env = {**env, "TRACKER_SNAPSHOT_EVERY": str(snapshots)}
        if workers > 1:
            env.update(SANIC_WORKERS=str(workers), LOCK_STORE_URL="redis://127.0.0.1:6379/1")
        bot = Servers(work, env=env).start()
        try:
            bot.require_workers(workers)
            url = f"{bot.url}/webhooks/rest/webhook"
            asyncio.run(conversation_curve(url, kind, 20))  # warm-up, another conversation
            return blocks(asyncio.run(conversation_curve(url, kind, n)))
        finally:
            bot.stop()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--messages", type=int, default=600)
    ap.add_argument("--kind", choices=("faq", "form"), default="faq")
    ap.add_argument("--snapshots", type=int, default=None, help="default: the store's (TRACKER_SNAPSHOT_EVERY)")
    ap.add_argument("--store", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--workers", type=int, default=1)
    a = ap.parse_args()
    medians = run(a.kind, a.messages, a.snapshots, a.store, a.workers)
    print(
        f"{a.kind} {a.store} workers={a.workers} snapshots={a.snapshots or 'default'}: medians per 100 (ms) "
        + " ".join(f"{m:.1f}" for m in medians)
        + f" | last/first {medians[-1] / medians[0]:.2f}×"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

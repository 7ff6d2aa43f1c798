"""Where a message's time goes inside the Rasa server: py-spy on the real servers under the benchmark's load.

    pip install py-spy                      # into any environment; it is a standalone profiler binary
    .venv/bin/python bench/profile_path.py [faq|lookup|form] [messages] [--scaled]

Starts the action server and Rasa (as the tests do), sends ``messages`` messages at concurrency 1 while py-spy
samples the Rasa server at 200 Hz, then prints milliseconds per message under Sanic's request handler, under
Rasa's MessageProcessor and under each graph component. ``--scaled``: the README's two-worker deployment
(PostgreSQL, Redis lock, a new connection per message; bench/run_bench.py's ``scaled_deployment``), both workers
sampled, at concurrency 2. py-spy adds some overhead, so the absolute numbers run a little above the benchmark's;
the shares are what matter. bench/PROFILE.md records what this showed and what was changed.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from run_bench import run_load, scaled_deployment  # noqa: E402

from tests.e2e.servers import Servers  # noqa: E402

RATE = 200
ROOTS = ["handle_request (sanic/app.py)", "handle_message (rasa/core/processor.py)", "__call__ (rasa/engine/graph.py)"]


def _frames(line: str) -> tuple[list[str], int]:
    stack, n = line.rstrip().rsplit(" ", 1)
    frames = [re.sub(r" \(/.*?site-packages/", " (", re.sub(r":\d+\)", ")", f)) for f in stack.split(";")]
    return frames, int(n)


def breakdown(raw: Path, root: str, messages: int, depth: int = 2) -> list[str]:
    tree: Counter[tuple[str, ...]] = collections.Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8").splitlines():
        frames, n = _frames(line)
        idx = next((i for i, f in enumerate(frames) if root in f), None)
        if idx is None:
            continue
        total += n
        below = frames[idx + 1 :] or ["<self>"]
        for d in range(1, min(depth, len(below)) + 1):
            tree[tuple(below[:d])] += n
    ms = lambda v: v / RATE / messages * 1000  # noqa: E731
    out = [f"{root}: {ms(total):.2f} ms/message"]
    for key in sorted(tree, key=lambda k: tuple(-tree[k[:i]] for i in range(1, len(k) + 1))):
        if tree[key] / max(total, 1) >= 0.02:
            out.append("  " * len(key) + f"{ms(tree[key]):6.2f} ms  {key[-1][:110]}")
    return out


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    scaled = "--scaled" in sys.argv
    kind = args[0] if args else "faq"
    messages = int(args[1]) if len(args) > 1 else 300
    spy = shutil.which("py-spy")
    if not spy:
        print("py-spy not found: pip install py-spy (any environment on PATH)", file=sys.stderr)
        return 2
    with scaled_deployment() if scaled else contextlib.nullcontext({}) as env:
        result, raw = _profile(spy, kind, messages, env)
    where = "two workers at concurrency 2" if scaled else "concurrency 1"
    print(f"{kind}: {messages} messages, {where}, p50 {result['p50']:.1f} ms (with py-spy attached)")
    for root in ROOTS:
        print("\n".join(breakdown(raw, root, messages)))
    return 0


def _profile(spy: str, kind: str, messages: int, env: dict[str, str]) -> tuple[dict[str, float], Path]:
    work = Path(tempfile.mkdtemp(prefix="profile-"))
    workers = int(env.get("SANIC_WORKERS", "1"))
    bot = Servers(work, env=env).start()
    try:
        bot.require_workers(workers)
        url = f"{bot.url}/webhooks/rest/webhook"
        asyncio.run(run_load(url, kind, workers, 20))  # warm-up
        raw = work / "rasa.txt"
        cmd = [spy, "record", "-p", str(bot.procs["rasa"].pid), "-o", str(raw), "-f", "raw", "-r", str(RATE)]
        cmd += ["--nonblocking"] + (["--subprocesses"] if workers > 1 else [])
        rec = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(1)
        result = asyncio.run(run_load(url, kind, workers, messages, keepalive=workers == 1))
        rec.send_signal(2)
        rec.wait(timeout=60)
    finally:
        bot.stop()
    return result, raw


if __name__ == "__main__":
    sys.exit(main())

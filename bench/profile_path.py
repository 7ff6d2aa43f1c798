"""Where a message's time goes inside the Rasa server: py-spy on the real servers under the benchmark's load.

    pip install py-spy                      # into any environment; it is a standalone profiler binary
    .venv/bin/python bench/profile_path.py [faq|lookup|form] [messages]

Starts the action server and Rasa (as the tests do), sends ``messages`` messages at concurrency 1 while py-spy
samples the Rasa server at 200 Hz, then prints milliseconds per message under Rasa's MessageProcessor and under
each graph component. py-spy adds some overhead, so the absolute numbers run a little above the benchmark's;
the shares are what matter. bench/PROFILE.md records what this showed and what was changed.
"""

from __future__ import annotations

import asyncio
import collections
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
from run_bench import run_load  # noqa: E402

from tests.e2e.servers import Servers  # noqa: E402

RATE = 200
ROOTS = ["handle_message (rasa/core/processor.py)", "__call__ (rasa/engine/graph.py)"]


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
    kind = sys.argv[1] if len(sys.argv) > 1 else "faq"
    messages = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    spy = shutil.which("py-spy")
    if not spy:
        print("py-spy not found: pip install py-spy (any environment on PATH)", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="profile-"))
    bot = Servers(work).start()
    try:
        url = f"{bot.url}/webhooks/rest/webhook"
        asyncio.run(run_load(url, kind, 1, 20))  # warm-up
        raw = work / "rasa.txt"
        rec = subprocess.Popen(
            [
                spy,
                "record",
                "-p",
                str(bot.procs["rasa"].pid),
                "-o",
                str(raw),
                "-f",
                "raw",
                "-r",
                str(RATE),
                "--nonblocking",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(1)
        result = asyncio.run(run_load(url, kind, 1, messages))
        rec.send_signal(2)
        rec.wait(timeout=60)
    finally:
        bot.stop()
    print(f"{kind}: {messages} messages at concurrency 1, p50 {result['p50']:.1f} ms (with py-spy attached)")
    for root in ROOTS:
        print("\n".join(breakdown(raw, root, messages)))
    return 0


if __name__ == "__main__":
    sys.exit(main())

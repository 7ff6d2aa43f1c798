"""Benchmark: the real bot over the REST channel, against a bare Rasa floor, written to bench/RESULTS.md.

    .venv/bin/python bench/run_bench.py            # full run (trains the floor model and times a clean train)
    .venv/bin/python bench/run_bench.py --quick    # fewer requests, no clean-train timing

Measures per-message latency p50/p95/p99 for FAQ answers, clause lookups and form turns at concurrency 1, 8 and
32; throughput with the error count; peak memory (VmHWM) of the Rasa and action servers; the time to build the KB
and to train from clean; and the same latency for a bare Rasa server with a trivial model (the floor), so results
are ratios. Two deployments: the single process ``make run`` starts, and two Rasa workers on PostgreSQL + Redis
(the README's multi-process deployment), skipped with a note when those services are missing.
All traffic stays on 127.0.0.1; every loop is bounded. The analysis lives in bench/PROFILE.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.servers import BIN, Servers  # noqa: E402
from tests.services import fresh_postgres_database, reachable  # noqa: E402

FAQ = [
    "租金补贴怎么算",
    "谁可以申请",
    "什么时候开始实施的",
    "办论坛花了200万最多补多少",
    "我们每年房租100万，能补贴多少？",
    "落户奖励有多少",
    "怎么申报",
]
LOOKUPS = ["支持政策第7条原文", "三、2", "第五部分说了什么", "四（二）", "支持政策第十条"]
FORM = [
    "帮我看看我们能享受哪些政策",
    "我们是猎头公司，2025年3月入驻人才港，年租金120万",
    "不是500强",
    "总部",
    "没有",
    "没有",
    "没有",
    "没有",
    "没有举办过",
]
FLOOR_MESSAGES = ["你好"]
CONVERSATION_LENGTH = 10  # messages per conversation for FAQ, lookup and floor; a form dialogue is len(FORM)

TARGETS = {"p95_c1_ms": 100, "throughput_c8": 50, "p50_ratio": 2.0}


def pct(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    if not xs:
        return float("nan")
    k = (len(xs) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


async def _post(session: aiohttp.ClientSession, url: str, sender: str, text: str) -> tuple[float, bool]:
    t = time.perf_counter()
    try:
        async with session.post(
            url, json={"sender": sender, "message": text}, timeout=aiohttp.ClientTimeout(total=60)
        ) as r:
            body = await r.json(content_type=None)
            ok = (
                r.status == 200
                and isinstance(body, list)
                and len(body) > 0
                and "暂时不可用" not in "".join(m.get("text", "") for m in body)
            )
    except (aiohttp.ClientError, asyncio.TimeoutError, json.JSONDecodeError):
        ok = False
    return (time.perf_counter() - t) * 1000, ok


async def run_load(url: str, kind: str, concurrency: int, total: int, keepalive: bool = True) -> dict[str, float]:
    """``concurrency`` workers, each its own conversation, until ``total`` messages were sent. Without
    ``keepalive`` every message opens its own connection, as a balancer in front of several processes would
    spread them (with 8 long-lived connections, the split between Sanic workers is whatever accept() gave)."""
    latencies: list[float] = []
    errors = 0
    counter = iter(range(total))

    async def worker(w: int, session: aiohttp.ClientSession) -> None:
        nonlocal errors
        sender = f"bench-{kind}-{w}-{uuid.uuid4().hex[:6]}"
        for i, _ in enumerate(counter):
            if kind == "form":
                if i % len(FORM) == 0:  # a new conversation per dialogue
                    sender = f"bench-form-{w}-{uuid.uuid4().hex[:6]}"
                text = FORM[i % len(FORM)]
            else:
                if i % CONVERSATION_LENGTH == 0:  # people ask a handful of questions, not hundreds
                    sender = f"bench-{kind}-{w}-{uuid.uuid4().hex[:6]}"
                pool = {"faq": FAQ, "lookup": LOOKUPS, "floor": FLOOR_MESSAGES}[kind]
                text = pool[(w + i) % len(pool)]
            ms, ok = await _post(session, url, sender, text)
            latencies.append(ms)
            errors += 0 if ok else 1

    conn = aiohttp.TCPConnector(limit=concurrency, force_close=not keepalive)
    async with aiohttp.ClientSession(connector=conn) as session:
        t0 = time.perf_counter()
        await asyncio.gather(*(worker(w, session) for w in range(concurrency)))
        elapsed = time.perf_counter() - t0
    return {
        "n": len(latencies),
        "errors": errors,
        "p50": pct(latencies, 50),
        "p95": pct(latencies, 95),
        "p99": pct(latencies, 99),
        "throughput": len(latencies) / elapsed,
    }


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process and its children, in MB."""
    total = 0
    pids = [pid] + [
        int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    ]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def train_floor(workdir: Path) -> Path:
    """A trivial model: one intent, one rule, keyword classifier — the cost of Rasa itself."""
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    (workdir / "config.yml").write_text(
        "recipe: default.v1\nlanguage: zh\nassistant_id: floor\npipeline:\n  - name: KeywordIntentClassifier\n"
        "policies:\n  - name: RulePolicy\n",
        encoding="utf-8",
    )
    (workdir / "domain.yml").write_text(
        'version: "3.1"\nintents: [greet]\nresponses:\n  utter_greet:\n    - text: "您好"\n', encoding="utf-8"
    )
    (workdir / "data" / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n  - intent: greet\n    examples: |\n      - 你好\n      - 您好\n', encoding="utf-8"
    )
    (workdir / "data" / "rules.yml").write_text(
        'version: "3.1"\nrules:\n  - rule: greet\n    steps:\n      - intent: greet\n      - action: utter_greet\n',
        encoding="utf-8",
    )
    subprocess.run(
        [
            str(BIN / "rasa"),
            "train",
            "--config",
            "config.yml",
            "--domain",
            "domain.yml",
            "--data",
            "data",
            "--out",
            "models",
            "--fixed-model-name",
            "floor",
        ],
        cwd=workdir,
        check=True,
        capture_output=True,
    )
    return workdir / "models" / "floor.tar.gz"


def timed(cmd: list[str], env: dict[str, str]) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, env=env, check=True, capture_output=True)
    return time.perf_counter() - t


def machine_info() -> dict[str, str]:
    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/meminfo").read_text().splitlines()
            if ln.startswith("MemTotal")
        ),
        "?",
    )
    rasa_v = subprocess.run(
        [str(BIN / "python"), "-c", "import rasa; print(rasa.__version__)"], capture_output=True, text=True
    ).stdout.strip()
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": mem,
        "python": platform.python_version(),
        "rasa": rasa_v,
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
    }


def bench_bot(
    workdir: Path,
    name: str,
    env: dict[str, str],
    levels: dict[int, int],
    results: dict[str, dict],
    keepalive: bool = True,
) -> dict[str, float]:
    """Start the action server and Rasa with ``env``, run every workload at every level, return peak memory."""
    workdir.mkdir(parents=True, exist_ok=True)
    bot = Servers(workdir, env=env).start()
    try:
        url = f"{bot.url}/webhooks/rest/webhook"
        for kind in ("faq", "lookup", "form"):
            asyncio.run(run_load(url, kind, 2, 10))  # warm-up (each worker loads lazily)
        for kind in ("faq", "lookup", "form"):
            for c, n in levels.items():
                key = f"{name}/{kind} c={c}"
                results[key] = asyncio.run(run_load(url, kind, c, n, keepalive))
                print(f"    {key}: {results[key]}", flush=True)
        return {"rasa_mb": peak_rss_mb(bot.procs["rasa"].pid), "actions_mb": peak_rss_mb(bot.procs["actions"].pid)}
    finally:
        bot.stop()


@contextlib.contextmanager
def scaled_deployment() -> Iterator[dict[str, str]]:
    """The README's multi-process deployment on this machine: its environment, with a fresh PostgreSQL database
    holding the knowledge base (dropped afterwards)."""
    with fresh_postgres_database("bench") as pg:
        subprocess.run(
            [str(BIN / "python"), "-m", "policy_kb", "build"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            env={**os.environ, "PYTHONPATH": str(ROOT), "POLICY_KB_URL": pg},
        )
        yield {
            "SANIC_WORKERS": "2",
            "LOCK_STORE_URL": "redis://127.0.0.1:6379/1",
            "LOCK_STORE_PREFIX": f"bench{uuid.uuid4().hex[:8]}",
            "TRACKER_STORE_URL": pg,
            "POLICY_KB_URL": pg,
        }


def _time_setup(work: Path, env: dict[str, str], quick: bool) -> tuple[float, float | None]:
    """Seconds to build the KB from clean and (not with --quick) to train from an empty cache."""
    print("==> 知识库构建（全新 SQLite）计时", flush=True)
    kb_build_s = timed(
        [str(BIN / "python"), "-m", "policy_kb", "build"], {**env, "POLICY_KB_URL": f"sqlite:///{work / 'kb.sqlite'}"}
    )
    train_s = None
    if not quick:
        print("==> 全新训练计时（独立缓存目录）", flush=True)
        train_s = timed(
            [
                str(BIN / "rasa"),
                "train",
                "--config",
                "config.yml",
                "--domain",
                "bot/domain",
                "--data",
                "data",
                "--out",
                str(work / "models"),
                "--fixed-model-name",
                "clean",
            ],
            {
                **env,
                "RASA_CACHE_DIRECTORY": str(work / "cache"),
                "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
            },
        )
    return kb_build_s, train_s


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    scale = 0.25 if args.quick else 1.0
    levels = {1: int(120 * scale) or 20, 8: int(400 * scale) or 80, 32: int(640 * scale) or 128}
    results: dict[str, dict] = {}
    work = Path(tempfile.mkdtemp(prefix="bench-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}

    kb_build_s, train_s = _time_setup(work, env, args.quick)

    print("==> 底线：裸 Rasa + 极简模型", flush=True)
    floor_model = train_floor(work / "floor")
    floor = Servers(work / "floor-run", start_actions=False)
    (work / "floor-run").mkdir(exist_ok=True)
    floor.start_rasa(model=floor_model)
    url = f"{floor.url}/webhooks/rest/webhook"
    asyncio.run(run_load(url, "floor", 1, 20))  # warm-up
    for c, n in levels.items():
        results[f"floor c={c}"] = asyncio.run(run_load(url, "floor", c, n))
        print(f"    floor c={c}: {results[f'floor c={c}']}", flush=True)
    floor.stop()

    mem: dict[str, dict[str, float]] = {}
    print("==> 政策助手，单进程（make run 的默认配置：SQLite 会话库，内存锁）", flush=True)
    mem["single"] = bench_bot(work / "single", "single", {}, levels, results)
    if not (reachable("127.0.0.1", 5432) and reachable("127.0.0.1", 6379)):
        print("    （PostgreSQL 或 Redis 不可用：跳过双进程配置）", flush=True)
    else:
        with scaled_deployment() as env:
            print("==> 政策助手，Rasa 双进程（SANIC_WORKERS=2，PostgreSQL 会话库与知识库，Redis 锁）", flush=True)
            mem["2 workers"] = bench_bot(work / "scaled", "2 workers", env, levels, results, keepalive=False)

    write_results(results, mem, kb_build_s, train_s, machine_info(), args.quick)
    print(f"==> 结果已写入 {ROOT / 'bench' / 'RESULTS.md'}")
    return 0


def write_results(results, mem, kb_build_s, train_s, info, quick) -> None:
    floor_p50 = results["floor c=1"]["p50"]
    lines = _head_lines(info, quick) + _table_lines(results, floor_p50)
    lines += ["", "## Targets", ""] + [f"- {'✅' if ok else '❌'} {n}" for n, ok in _checks(results, mem, floor_p50)]
    lines += ["", "## Other measurements", ""]
    lines += [
        f"- Peak memory (VmHWM, {where}): Rasa {m['rasa_mb']:.0f} MB, action server {m['actions_mb']:.0f} MB"
        for where, m in mem.items()
    ]
    lines += [
        f"- Build the KB from clean (SQLite): {kb_build_s:.1f} s",
        f"- Train from clean (empty Rasa cache): {train_s:.0f} s"
        if train_s
        else "- Train from clean: not measured in --quick mode",
    ]
    lines += [
        "",
        "What was profiled, what was changed and what stands between the bot and the targets: "
        "[PROFILE.md](PROFILE.md) (hand-written; this file is regenerated by the script).",
    ]
    (ROOT / "bench" / "RESULTS.md").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _head_lines(info, quick) -> list[str]:
    return [
        "# Benchmark results",
        "",
        f"Written by `bench/run_bench.py{' --quick' if quick else ''}` on {info['date']}.",
        "",
        "## Machine",
        "",
        f"- CPU: {info['cpu']} ({info['cores']} cores)",
        f"- Memory: {info['memory']}",
        f"- Python {info['python']}, Rasa {info['rasa']}",
        "",
        "## Latency and throughput (REST channel, ms)",
        "",
        "`single`: what `make run` starts (one Rasa process, SQLite tracker store, in-memory lock). `2 workers`: the "
        "README's multi-process deployment on one machine (SANIC_WORKERS=2, PostgreSQL tracker store and knowledge "
        "base, Redis lock store; a new connection per message, as a balancer would spread them — with 8 long-lived "
        "connections the split between the workers is whatever accept() gave). Both share the 2 cores with their "
        "action server, PostgreSQL and this load generator.",
        "",
    ]


def _table_lines(results, floor_p50) -> list[str]:
    lines = [
        "| deployment | workload | concurrency | messages | errors | p50 | p95 | p99 | msg/s | p50 / floor p50 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, r in results.items():
        where, rest = key.split("/") if "/" in key else ("bare Rasa", key)
        kind, c = rest.split(" c=")
        lines.append(
            f"| {where} | {kind} | {c} | {r['n']} | {r['errors']} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['throughput']:.1f} | {r['p50'] / floor_p50:.2f}× |"
        )
    return lines


def _checks(results, mem, floor_p50) -> list[tuple[str, bool]]:
    kinds = ("faq", "lookup", "form")
    worst_ratio = max(results[f"single/{k} c=1"]["p50"] / floor_p50 for k in kinds)
    worst_p95 = max(results[f"single/{k} c=1"]["p95"] for k in kinds)
    checks = [
        (
            f"p95 ≤ 100 ms at concurrency 1 (single, all workloads: worst {worst_p95:.1f} ms)",
            worst_p95 <= TARGETS["p95_c1_ms"],
        )
    ]
    for where in mem:
        rs = [results[f"{where}/{k} c=8"] for k in kinds]
        checks.append(
            (
                f"≥ 50 messages/s at concurrency 8 with no errors ({where}, all workloads: "
                + ", ".join(f"{k} {r['throughput']:.1f}" for k, r in zip(kinds, rs, strict=False))
                + ")",
                all(r["throughput"] >= TARGETS["throughput_c8"] and r["errors"] == 0 for r in rs),
            )
        )
    checks.append(
        (
            f"p50 within 2× the bare floor at concurrency 1 (single, worst {worst_ratio:.2f}×; "
            f"floor p50 {floor_p50:.1f} ms)",
            worst_ratio <= TARGETS["p50_ratio"],
        )
    )
    return checks


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the real bot over the REST channel, against stock Rasa with a trivial model, to bench/RESULTS.md.

    .venv/bin/python bench/run_bench.py            # full run (trains the trivial model and times a clean train)
    .venv/bin/python bench/run_bench.py --quick    # fewer requests, no clean-train timing

Measures per-message latency p50/p95/p99 for FAQ answers, clause lookups and form turns at concurrency 1, 8 and
32; throughput with the error count; the latency curve along one conversation of 600 messages (median per 100,
FAQ and repeated self-checks); Rasa's resident memory after 10,000 more conversations; peak memory (VmHWM) of
the Rasa and action servers; the time to build the KB and to train from clean; and, in the same run, the same load on
stock Rasa 3.6 (no project code, no speedups) serving a trivial three-intent model, so results are ratios. Two
deployments: the single process ``make run`` starts, and two Rasa workers on PostgreSQL + Redis
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
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tests.e2e.servers import BIN, Servers, free_port  # noqa: E402
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
FLOOR_MESSAGES = ["hello", "thanks", "bye"]  # the stock reference model is English (see train_floor)
CONVERSATION_LENGTH = 10  # messages per conversation for FAQ, lookup and floor; a form dialogue is len(FORM)

# issue #14: against stock Rasa with a trivial model, measured in the same run
TARGETS = {"curve_ratio": 1.25, "throughput_ratio_c8": 1.0, "p50_ratio_c1": 1.3, "p95_c32_ms": 1000, "rss_mb": 1200}


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


PAIRED_ROUNDS = 6  # slices per side at concurrency 8, alternating with the stock server (see paired)
PAIRED_SLICE = 400  # messages per slice


def paired(stock_url: str, url: str, rounds: int, n: int, keepalive: bool = True, n1: int = 40) -> dict[str, Any]:
    """Throughput at concurrency 8 measured in alternating slices: stock, faq, lookup, form, then the next round in
    reverse order, with both servers up; after each side's slice at concurrency 8, one of ``n1`` messages at
    concurrency 1 (its p50). This machine's speed drifts by 20–40 % within minutes (stock alone gave 64–81 msg/s
    between rounds of one run), so runs minutes apart compare the drift as much as the servers; slices seconds apart
    see the same machine. Per side: messages over the summed time of its slices, the errors, and the median of its
    slices' p50 at concurrency 1."""
    sides = {"stock": (stock_url, "floor"), **{k: (url, k) for k in ("faq", "lookup", "form")}}
    done: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    single: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
    for r in range(rounds):
        for side in list(sides) if r % 2 == 0 else list(sides)[::-1]:
            target, kind = sides[side]
            done[side].append(asyncio.run(run_load(target, kind, 8, n, keepalive or side == "stock")))
            single[side].append(asyncio.run(run_load(target, kind, 1, n1, keepalive or side == "stock")))
    out: dict[str, Any] = {"slices": {"rounds": rounds, "messages": n, "messages_c1": n1}}
    for side, runs in done.items():
        seconds = sum(x["n"] / x["throughput"] for x in runs)
        out[side] = {
            "n": sum(int(x["n"]) for x in runs),
            "errors": sum(int(x["errors"]) for x in runs + single[side]),
            "throughput": sum(x["n"] for x in runs) / seconds,
            "rounds": [x["throughput"] for x in runs],
            "p50_c1": statistics.median(x["p50"] for x in single[side]),
            "p50_c1_rounds": [x["p50"] for x in single[side]],
        }
    return out


def peak_rss_mb(pid: int) -> float:
    """VmHWM (peak resident set) of a process and its children, in MB."""
    return _status_mb(pid, "VmHWM:")


def _status_mb(pid: int, field: str) -> float:
    total = 0
    pids = [pid] + [
        int(p) for p in subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    ]
    for p in pids:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith(field):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def train_floor(workdir: Path) -> Path:
    """A trivial model with Rasa's default configuration (empty pipeline and policies: Rasa fills in its defaults,
    DIET, TED, memoization and rules), three intents, one rule each — what a stock Rasa server costs."""
    (workdir / "data").mkdir(parents=True, exist_ok=True)
    (workdir / "config.yml").write_text(
        "recipe: default.v1\nlanguage: en\nassistant_id: stock\npipeline:\npolicies:\n", encoding="utf-8"
    )
    # English: Rasa's default pipeline starts with the WhitespaceTokenizer, which refuses Chinese
    intents = {"greet": ["hello", "hi"], "goodbye": ["bye", "goodbye"], "thanks": ["thanks", "thank you"]}
    (workdir / "domain.yml").write_text(
        'version: "3.1"\nintents: [greet, goodbye, thanks]\nresponses:\n'
        + "".join(f'  utter_{i}:\n    - text: "{ex[0]}"\n' for i, ex in intents.items()),
        encoding="utf-8",
    )
    (workdir / "data" / "nlu.yml").write_text(
        'version: "3.1"\nnlu:\n'
        + "".join(
            f"  - intent: {i}\n    examples: |\n" + "".join(f"      - {e}\n" for e in ex) for i, ex in intents.items()
        ),
        encoding="utf-8",
    )
    (workdir / "data" / "rules.yml").write_text(
        'version: "3.1"\nrules:\n'
        + "".join(f"  - rule: {i}\n    steps:\n      - intent: {i}\n      - action: utter_{i}\n" for i in intents),
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
        env={**os.environ, "RASA_TELEMETRY_ENABLED": "false"},
        check=True,
        capture_output=True,
    )
    return workdir / "models" / "floor.tar.gz"


@contextlib.contextmanager
def stock_rasa(workdir: Path, model: Path) -> Iterator[str]:
    """Stock Rasa 3.6 serving ``model``: ``rasa run --connector rest`` in an empty folder — no project code, no
    speedups, Rasa's defaults (in-memory tracker and lock stores). Yields the REST webhook URL."""
    workdir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(RASA_SPEEDUPS="0", RASA_TELEMETRY_ENABLED="false")
    log = open(workdir / "rasa.log", "ab")  # noqa: SIM115 - the child process writes to it until it stops
    proc = subprocess.Popen(
        [
            str(BIN / "rasa"),
            "run",
            "--model",
            str(model),
            "--connector",
            "rest",
            "--port",
            str(port),
            "-i",
            "127.0.0.1",
        ],
        cwd=workdir,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.time() + 240
        while not reachable("127.0.0.1", port):
            if proc.poll() is not None or time.time() > deadline:
                raise RuntimeError(f"stock Rasa did not start: see {workdir / 'rasa.log'}")
            time.sleep(0.5)
        yield f"http://127.0.0.1:{port}/webhooks/rest/webhook"
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
        log.close()


def curve_message(kind: str, i: int) -> str:
    """FAQ: the FAQ questions in turn; form: the self-check over and over in one conversation (each report ends a
    check, the next message starts another), as staff testing through one browser tab do."""
    pool = FAQ if kind == "faq" else FORM
    return pool[i % len(pool)]


async def conversation_curve(url: str, kind: str, n: int) -> list[float]:
    """Latencies (ms) of ``n`` messages of one conversation, sent one after the other."""
    sender = f"curve-{kind}-{uuid.uuid4().hex[:6]}"
    out = []
    async with aiohttp.ClientSession() as session:
        for i in range(n):
            ms, ok = await _post(session, url, sender, curve_message(kind, i))
            if not ok:
                raise RuntimeError(f"message {i} of the long conversation failed")
            out.append(ms)
    return out


async def paired_curve(url: str, kind: str, n: int, size: int = 100) -> tuple[list[float], list[float]]:
    """The long conversation's ``n`` messages, each beside the same message in a reference conversation that
    is started anew (at the start of a cycle of the messages) once it has ``size`` messages: the reference's
    latencies are those of a conversation's first 100 messages, measured at the same moments as the long one's.
    Returns (long, reference) latencies in ms."""
    pool = FAQ if kind == "faq" else FORM
    tag = uuid.uuid4().hex[:6]
    sender, reference, ref_start = f"curve-{kind}-{tag}", f"curve-ref-{kind}-{tag}-0", 0
    long_ms: list[float] = []
    ref_ms: list[float] = []
    async with aiohttp.ClientSession() as session:
        for i in range(n):
            if i % len(pool) == 0 and i - ref_start + len(pool) > size:
                reference, ref_start = f"curve-ref-{kind}-{tag}-{i}", i
            pair = ((sender, long_ms), (reference, ref_ms))
            for who, out in pair if i % 2 == 0 else pair[::-1]:  # neither always goes first
                ms, ok = await _post(session, url, who, curve_message(kind, i))
                if not ok:
                    raise RuntimeError(f"message {i} of {who} failed")
                out.append(ms)
    return long_ms, ref_ms


def blocks(latencies: list[float], size: int = 100) -> list[float]:
    """Median of each block of ``size`` messages."""
    return [statistics.median(latencies[i : i + size]) for i in range(0, len(latencies), size)]


def rss_mb(pid: int) -> float:
    """VmRSS (resident now) of a process and its children, in MB."""
    return _status_mb(pid, "VmRSS:")


async def conversations(url: str, n: int, concurrency: int = 8) -> int:
    """``n`` short conversations (a question and a thanks each); returns the number of failed messages."""
    todo = iter(range(n))
    errors = 0

    async def worker(session: aiohttp.ClientSession) -> None:
        nonlocal errors
        for i in todo:
            sender = f"mem-{i}-{uuid.uuid4().hex[:6]}"
            for text in (FAQ[i % len(FAQ)], "谢谢"):
                _, ok = await _post(session, url, sender, text)
                errors += 0 if ok else 1

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:
        await asyncio.gather(*(worker(session) for _ in range(concurrency)))
    return errors


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
    long: tuple[int, int] | None = None,
    floor: Path | None = None,
    slices: tuple[int, int] = (6, 400),
) -> dict[str, Any]:
    """Start the action server and Rasa with ``env``, run every workload at every level; with ``long`` =
    (messages, conversations) also the latency curve of one long conversation per workload and the memory after
    that many more conversations; with ``floor`` (the stock model) also throughput at concurrency 8 in ``slices``
    (rounds, messages) alternating with a stock server started for it (``paired``). Returns peak memory (and the
    curves and the paired throughput)."""
    workdir.mkdir(parents=True, exist_ok=True)
    bot = Servers(workdir, env=env).start()
    try:
        bot.require_workers(int(env.get("SANIC_WORKERS", "1")))
        url = f"{bot.url}/webhooks/rest/webhook"
        for kind in ("faq", "lookup", "form"):
            asyncio.run(run_load(url, kind, 2, 10))  # warm-up (each worker loads lazily)
        for kind in ("faq", "lookup", "form"):
            for c, n in levels.items():
                key = f"{name}/{kind} c={c}"
                results[key] = asyncio.run(run_load(url, kind, c, n, keepalive))
                print(f"    {key}: {results[key]}", flush=True)
        out: dict[str, Any] = {}
        if floor:
            print(f"    {name}: 与原版 Rasa 交替测量（并发 8，{slices[0]} 轮 × {slices[1]} 条）", flush=True)
            with stock_rasa(workdir / "stock-paired", floor) as stock_url:
                asyncio.run(run_load(stock_url, "floor", 8, 40))  # warm-up, as the bot's
                out["paired"] = paired(stock_url, url, *slices, keepalive, n1=max(10, slices[1] // 10))
            print(f"    {name}/paired: {out['paired']}", flush=True)
        if long:
            out.update(_long_runs(url, bot.procs["rasa"].pid, *long))
        out.update(rasa_mb=peak_rss_mb(bot.procs["rasa"].pid), actions_mb=peak_rss_mb(bot.procs["actions"].pid))
        return out
    finally:
        bot.stop()


def _long_runs(url: str, rasa_pid: int, messages: int, n_conversations: int) -> dict[str, Any]:
    curves, references = {}, {}
    for kind in ("faq", "form"):
        long_ms, ref_ms = asyncio.run(paired_curve(url, kind, messages))
        curves[kind], references[kind] = blocks(long_ms), blocks(ref_ms)
        print(f"    curve {kind}: " + " ".join(f"{m:.1f}" for m in curves[kind]), flush=True)
        print(f"    reference {kind}: " + " ".join(f"{m:.1f}" for m in references[kind]), flush=True)
    before = rss_mb(rasa_pid)
    errors = asyncio.run(conversations(url, n_conversations))
    after = rss_mb(rasa_pid)
    print(f"    memory: {before:.0f} MB → {after:.0f} MB after {n_conversations} conversations", flush=True)
    return {
        "curves": curves,
        "references": references,
        "rss_before": before,
        "rss_after": after,
        "conversations": n_conversations,
        "conversation_errors": errors,
    }


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


def stock_round(work: Path, floor: Path, levels: dict[int, int], results: dict[str, dict], i: int) -> None:
    """One run of the stock reference at every level (run before, between and after the deployments: the machine's
    speed drifts by 10–20 % within a run, the mean of the rounds is the reference)."""
    print(f"==> 参照（第{i}轮）：原版 Rasa 3.6（无项目代码、无加速补丁、默认存储）+ 三意图极简模型", flush=True)
    with stock_rasa(work / f"stock{i}", floor) as url:
        asyncio.run(run_load(url, "floor", 1, 20))  # warm-up
        for c, n in levels.items():
            key = f"stock#{i} c={c}"
            results[key] = asyncio.run(run_load(url, "floor", c, n))
            print(f"    {key}: {results[key]}", flush=True)


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

    floor = train_floor(work / "floor")
    stock_round(work, floor, levels, results, 1)
    mem: dict[str, dict[str, Any]] = {}
    long = (300, 500) if args.quick else (600, 10_000)
    print("==> 政策助手，单进程（make run 的默认配置：SQLite 会话库，内存锁）", flush=True)
    slices = (PAIRED_ROUNDS, int(PAIRED_SLICE * scale))
    mem["single"] = bench_bot(work / "single", "single", {}, levels, results, long=long, floor=floor, slices=slices)
    stock_round(work, floor, levels, results, 2)
    if not (reachable("127.0.0.1", 5432) and reachable("127.0.0.1", 6379)):
        print("    （PostgreSQL 或 Redis 不可用：跳过双进程配置）", flush=True)
    else:
        with scaled_deployment() as env:
            print("==> 政策助手，Rasa 双进程（SANIC_WORKERS=2，PostgreSQL 会话库与知识库，Redis 锁）", flush=True)
            mem["2 workers"] = bench_bot(
                work / "scaled", "2 workers", env, levels, results, keepalive=False, floor=floor, slices=slices
            )
        stock_round(work, floor, levels, results, 3)
    for c in levels:  # the reference: the mean of the stock runs taken between the deployments
        runs = [r for k, r in results.items() if k.startswith("stock#") and k.endswith(f" c={c}")]
        results[f"stock c={c}"] = {
            "n": sum(r["n"] for r in runs),
            "errors": sum(r["errors"] for r in runs),
            **{m: statistics.mean(r[m] for r in runs) for m in ("p50", "p95", "p99", "throughput")},
        }

    write_results(results, mem, kb_build_s, train_s, machine_info(), args.quick)
    print(f"==> 结果已写入 {ROOT / 'bench' / 'RESULTS.md'}")
    return 0


def write_results(results, mem, kb_build_s, train_s, info, quick) -> None:
    lines = _head_lines(info, quick) + _table_lines(results)
    lines += _paired_lines(mem)
    lines += _curve_lines(mem)
    lines += ["", "## Targets (issue #14)", ""] + [f"- {'✅' if ok else '❌'} {n}" for n, ok in _checks(results, mem)]
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
        "`stock Rasa`: the reference — Rasa 3.6 as installed, `rasa run --connector rest` in an empty folder (no "
        "project code, no speedups, in-memory tracker and lock stores) serving a trivial three-intent model with "
        "Rasa's default configuration (DIET, TED, memoization, rules; English, as its tokenizer needs), "
        "measured three times in the same run (before, between and after the deployments; the mean is the "
        "reference). `single`: what `make run` starts (one Rasa process, SQLite tracker store, "
        "in-memory lock). `2 workers`: the README's multi-process deployment on one machine (SANIC_WORKERS=2, "
        "PostgreSQL tracker store and knowledge base, Redis lock store; a new connection per message, as a balancer "
        "would spread them). All share the 2 cores with their action server, PostgreSQL and this load generator. "
        "Ratios are to the stock reference at the same concurrency.",
        "",
    ]


def _table_lines(results) -> list[str]:
    lines = [
        "| deployment | workload | concurrency | messages | errors | p50 | p95 | p99 | msg/s | p50 / stock | "
        "msg/s / stock |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    stock_first = sorted(results, key=lambda k: (not k.startswith("stock"), "#" not in k))
    for key in stock_first:
        r = results[key]
        if "/" in key:
            where, rest = key.split("/")
            kind, c = rest.split(" c=")
        else:
            name, c = key.split(" c=")
            where = f"stock Rasa, run {name.split('#')[1]}" if "#" in name else "stock Rasa, mean (the reference)"
            kind = "trivial"
        ref = results[f"stock c={c}"]
        lines.append(
            f"| {where} | {kind} | {c} | {r['n']} | {r['errors']} | {r['p50']:.1f} | {r['p95']:.1f} | "
            f"{r['p99']:.1f} | {r['throughput']:.1f} | {r['p50'] / ref['p50']:.2f}× | "
            f"{r['throughput'] / ref['throughput']:.2f}× |"
        )
    return lines


def _curve_lines(mem) -> list[str]:
    m = mem.get("single") or {}
    if "curves" not in m:
        return []
    lines = [
        "",
        "## One long conversation (single; median ms per block of 100 messages)",
        "",
        "Each message of the long conversation is followed by the same message in a reference conversation that is "
        "started anew every ~100 messages, so each block of the long conversation has beside it the same messages "
        "at a conversation's start, sent at the same moments. `last / first` compares the long conversation's "
        "messages 501–600 with its messages 1–100, minutes apart (the machine's drift falls into it); "
        "`last / reference` compares them with the reference's messages sent beside them. The target is read from "
        "the second.",
        "",
    ]
    for kind, medians in m["curves"].items():
        ref = (m.get("references") or {}).get(kind)
        lines.append(
            f"- {kind}: " + " · ".join(f"{x:.1f}" for x in medians) + f" — last / first {medians[-1] / medians[0]:.2f}×"
        )
        if ref:
            lines.append(
                f"  - reference ({kind}, a new conversation every ~100 messages): "
                + " · ".join(f"{x:.1f}" for x in ref)
                + f" — last / reference {medians[-1] / ref[-1]:.2f}×"
            )
    lines.append(
        f"- Rasa resident memory {m['rss_before']:.0f} MB before and {m['rss_after']:.0f} MB after "
        f"{m['conversations']} more conversations ({m['conversation_errors']} failed messages)"
    )
    return lines


def _throughput_check(where: str, results, pair) -> tuple[str, bool]:
    """Against the stock slices alternating with this deployment's (``paired``) when measured, else against the
    mean of the stock rounds."""
    kinds = ("faq", "lookup", "form")
    target = TARGETS["throughput_ratio_c8"]
    errors = sum(results[f"{where}/{k} c=8"]["errors"] for k in kinds)  # the level runs count in either case
    if pair:
        ratios = {k: pair[k]["throughput"] / pair["stock"]["throughput"] for k in kinds}
        errors += sum(pair[side]["errors"] for side in (*kinds, "stock"))  # a failing stock side is no reference
        how = "alternating with stock"
    else:
        ratios = {k: results[f"{where}/{k} c=8"]["throughput"] / results["stock c=8"]["throughput"] for k in kinds}
        how = "against the mean of the stock rounds"
    text = ", ".join(f"{k} {r:.2f}×" for k, r in ratios.items())
    return (
        f"throughput ≥ {target}× stock at concurrency 8, no errors ({where}, {how}: {text}; {errors} errors)",
        all(r >= target for r in ratios.values()) and errors == 0,
    )


def _p50_check(results, pair) -> tuple[str, bool]:
    """p50 at concurrency 1 of the single process: against the stock slices alternating with it when measured
    (``paired``), else against the mean of the stock rounds; the unpaired ratio is shown beside it."""
    kinds = ("faq", "lookup", "form")
    target = TARGETS["p50_ratio_c1"]
    unpaired = max(results[f"single/{k} c=1"]["p50"] / results["stock c=1"]["p50"] for k in kinds)
    if not pair:
        return f"p50 ≤ {target}× stock at concurrency 1 (single, worst {unpaired:.2f}×)", unpaired <= target
    ratios = {k: pair[k]["p50_c1"] / pair["stock"]["p50_c1"] for k in kinds}
    text = ", ".join(f"{k} {r:.2f}×" for k, r in ratios.items())
    return (
        f"p50 ≤ {target}× stock at concurrency 1 (single, alternating with stock: {text}; against the mean of the "
        f"stock rounds, worst {unpaired:.2f}×)",
        max(ratios.values()) <= target,
    )


def _paired_lines(mem) -> list[str]:
    pairs = {where: m["paired"] for where, m in mem.items() if m.get("paired")}
    if not pairs:
        return []
    sl = next(iter(pairs.values()))["slices"]
    lines = [
        "",
        "## Alternating with stock Rasa: throughput at concurrency 8 (msg/s) and p50 at concurrency 1 (ms)",
        "",
        f"Both servers up at once; {sl['rounds']} rounds of {sl['messages']}-message slices at concurrency 8, each "
        f"followed by a {sl.get('messages_c1', 0)}-message slice at concurrency 1, stock, faq, lookup, form (every "
        "other round in reverse order), so that the machine's drift within a run (20–40 % here) falls on both alike. "
        "Per side: all its messages over the summed time of its slices at concurrency 8, and the median of its "
        "slices' p50 at concurrency 1. The #14 throughput and p50 targets are read from this table.",
        "",
        "| deployment | workload | messages (c=8) | errors | msg/s | msg/s / stock | slices (msg/s) | p50 c=1 | "
        "p50 / stock | slices (p50 ms) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for where, pair in pairs.items():
        stock = pair["stock"]["throughput"]
        stock_p50 = pair["stock"].get("p50_c1")
        for side, r in pair.items():
            if side == "slices":
                continue
            label = "stock Rasa (trivial)" if side == "stock" else side
            p50 = r.get("p50_c1")
            p50_cells = (
                f"{p50:.1f} | {p50 / stock_p50:.2f}× | {' · '.join(f'{x:.0f}' for x in r['p50_c1_rounds'])}"
                if p50 is not None and stock_p50
                else "– | – | –"
            )
            lines.append(
                f"| {where} | {label} | {r['n']} | {r['errors']} | {r['throughput']:.1f} | "
                f"{r['throughput'] / stock:.2f}× | {' · '.join(f'{x:.0f}' for x in r['rounds'])} | {p50_cells} |"
            )
    return lines


def _checks(results, mem) -> list[tuple[str, bool]]:
    kinds = ("faq", "lookup", "form")
    checks = []
    m = mem.get("single") or {}
    for kind, medians in (m.get("curves") or {}).items():
        ref = (m.get("references") or {}).get(kind)
        ratio = medians[-1] / (ref[-1] if ref else medians[0])
        against = "the reference's block sent beside it" if ref else "first"
        checks.append(
            (
                f"flat curve, {kind}: last block / {against} ≤ {TARGETS['curve_ratio']}× ({ratio:.2f}×; last / first "
                f"{medians[-1] / medians[0]:.2f}×)",
                ratio <= TARGETS["curve_ratio"],
            )
        )
    for where in mem:
        checks.append(_throughput_check(where, results, mem[where].get("paired")))
    checks.append(_p50_check(results, m.get("paired")))
    p95 = max(results[f"single/{k} c=32"]["p95"] for k in kinds)
    checks.append(
        (
            f"p95 ≤ {TARGETS['p95_c32_ms']} ms at concurrency 32 (single, worst {p95:.0f} ms; stock's own "
            f"{results['stock c=32']['p95']:.0f} ms)",
            p95 <= TARGETS["p95_c32_ms"],
        )
    )
    if "rss_after" in m:
        checks.append(
            (
                f"Rasa ≤ {TARGETS['rss_mb']} MB after {m['conversations']} conversations ({m['rss_after']:.0f} MB, "
                f"{m['rss_after'] - m['rss_before']:+.0f} MB over them)",
                m["rss_after"] <= TARGETS["rss_mb"],
            )
        )
    return checks


if __name__ == "__main__":
    sys.exit(main())

"""Start the real action server and the real Rasa server (REST + socket.io channels) for end-to-end tests."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = ROOT / ".venv" / "bin"


# As scripts/run.sh: one TensorFlow thread per Rasa process (not for the action server: the rasa CLI would import
# TensorFlow there to apply them).
RASA_TF_THREADS = {"TF_INTRA_OP_PARALLELISM_THREADS": "1", "TF_INTER_OP_PARALLELISM_THREADS": "1"}


def current_model() -> Path:
    h = subprocess.run(
        [str(ROOT / "scripts" / "model-hash.sh")], capture_output=True, text=True, check=True
    ).stdout.strip()
    model = ROOT / "models" / f"model-{h}.tar.gz"
    if not model.exists():
        raise RuntimeError(f"no trained model for the current data ({model.name}); run `make test` (it trains first)")
    return model


# Debian's Chromium for the browser tests (Playwright's own browser download does not work here)
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str, timeout: float = 2.0) -> int | None:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as r:
            return r.status
    except (urllib.error.URLError, OSError):
        return None


class Servers:
    """An action server and a Rasa server on free localhost ports, with their own tracker store."""

    def __init__(self, workdir: Path, env: dict[str, str] | None = None, start_actions: bool = True):
        self.workdir = workdir
        self.action_port, self.rasa_port = free_port(), free_port()
        self.env = {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "SANIC_HOST": "127.0.0.1",
            "POLICY_TODAY": "2026-11-25",
            "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{self.action_port}/webhook",
            "TRACKER_STORE_URL": f"sqlite:///{workdir / 'tracker.sqlite'}",
            "POLICY_KB_URL": os.environ.get("POLICY_KB_URL", f"sqlite:///{ROOT / 'var' / 'policy_kb.sqlite'}"),
            "RECORDS_URL": f"sqlite:///{workdir / 'records.sqlite'}",  # kept reports, tickets, feedback
            **(env or {}),
        }
        self.procs: dict[str, subprocess.Popen] = {}
        self.start_actions = start_actions

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.rasa_port}"

    def start_action_server(self) -> None:
        log = open(self.workdir / "actions.log", "ab")  # noqa: SIM115 - the child process writes to it until stop()
        self.procs["actions"] = subprocess.Popen(
            [str(BIN / "rasa"), "run", "actions", "--actions", "actions", "--port", str(self.action_port)],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait(f"http://127.0.0.1:{self.action_port}/health", "actions")

    def start_rasa(self, extra: list[str] | None = None, model: Path | None = None) -> None:
        log = open(self.workdir / "rasa.log", "ab")  # noqa: SIM115 - the child process writes to it until stop()
        self.procs["rasa"] = subprocess.Popen(
            [
                str(BIN / "python"),
                str(ROOT / "scripts" / "rasa_run.py"),  # as scripts/run.sh: `rasa run` without TensorFlow's JAX import
                "run",
                "--model",
                str(model or current_model()),
                "--port",
                str(self.rasa_port),
                "-i",
                "127.0.0.1",
                "--credentials",
                "bot/credentials.yml",
                "--endpoints",
                "bot/endpoints.yml",
                *(extra or []),
            ],
            cwd=ROOT,
            env={**RASA_TF_THREADS, **self.env},
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self._wait(f"{self.url}/", "rasa", timeout=240)

    def start(self) -> Servers:
        """Start both servers; if one fails to start, stop what did start (no orphan process) and raise."""
        try:
            if self.start_actions:
                self.start_action_server()
            self.start_rasa()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait(self, url: str, name: str, timeout: float = 120) -> None:
        deadline = time.time() + timeout
        while time.time() < deadline:
            if self.procs[name].poll() is not None:
                raise RuntimeError(f"{name} exited: see {self.workdir}/{name}.log\n" + self.log(name)[-3000:])
            if _get(url) == 200:
                return
            time.sleep(0.5)
        raise RuntimeError(f"{name} did not start within {timeout}s\n" + self.log(name)[-3000:])

    def workers_up(self, n: int, timeout: float = 180) -> bool:
        """Whether ``n`` Sanic workers of the Rasa server are up. Each loads the model itself and the first answers
        while the next may still be loading, so started workers are counted in the log (until the timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.log("rasa").count("Rasa server is up and running") >= n:
                return True
            time.sleep(1)
        return False

    def require_workers(self, n: int) -> None:
        """Raise, with the end of the Rasa log, unless ``n`` workers came up (the benchmarks measure no fewer)."""
        if not self.workers_up(n):
            raise RuntimeError(f"fewer than {n} Rasa workers started\n" + self.log("rasa")[-3000:])

    def log(self, name: str) -> str:
        p = self.workdir / f"{name}.log"
        return p.read_text(encoding="utf-8", errors="replace") if p.exists() else ""

    def stop(self, name: str | None = None, sig: int = signal.SIGTERM) -> None:
        for n in [name] if name else list(self.procs):
            p = self.procs.pop(n, None)
            if p and p.poll() is None:
                os.killpg(p.pid, sig)
                try:
                    p.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()

    def say(self, sender: str, message: str, timeout: float = 60) -> list[dict]:
        status, body = post_json(
            f"{self.url}/webhooks/rest/webhook", {"sender": sender, "message": message}, timeout=timeout
        )
        assert status == 200, (status, body)
        return json.loads(body)

    def text(self, sender: str, message: str) -> str:
        return "\n".join(m.get("text", "") for m in self.say(sender, message))


def post_json(url: str, payload, timeout: float = 60, raw: bytes | None = None):
    data = raw if raw is not None else json.dumps(payload, ensure_ascii=False).encode("utf-8")
    req = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", errors="replace")

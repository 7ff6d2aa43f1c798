"""Run the held-out dialogue checks (tests/heldout/*.yaml) against a running bot and report pass rates.

The held-out conversations were written apart from the training data and the answer code, and are never used to
tune either: this is a measurement, not a test (a failing conversation is reported, not fixed by editing data to
match it). Usage, while `make run` (or any bot) is up:

    .venv/bin/python scripts/heldout.py [--url http://localhost:5005] [--out var/heldout.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import urllib.request
import uuid
from collections import defaultdict
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]


def say(url: str, sender: str, message: str) -> list[dict[str, Any]]:
    req = urllib.request.Request(
        f"{url}/webhooks/rest/webhook",
        data=json.dumps({"sender": sender, "message": message}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode("utf-8"))


def check_turn(turn: dict[str, Any], replies: list[dict[str, Any]]) -> list[str]:
    texts = [r.get("text", "") for r in replies if r.get("text")]
    whole = "\n".join(texts)
    first = texts[0].splitlines()[0] if texts else ""
    problems = [f"first line lacks {s!r}" for s in turn.get("expect_first_line_contains", []) if s not in first]
    problems += [f"reply lacks {s!r}" for s in turn.get("expect_contains", []) if s not in whole]
    problems += [f"reply contains {s!r}" for s in turn.get("expect_not_contains", []) if s in whole]
    return problems


def run(url: str, files: list[Path]) -> dict[str, Any]:
    per_cat: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    turns_ok = turns_all = 0
    failures = []
    for f in files:
        for conv in yaml.safe_load(f.read_text(encoding="utf-8")) or []:
            if not isinstance(conv, dict) or "turns" not in conv:
                continue  # not a conversation file (aspects.yaml is read by tests/policy_kb/test_heldout_aspects.py)
            cat = conv["name"].split("]")[0].strip("[") if conv["name"].startswith("[") else "other"
            sender = f"heldout-{uuid.uuid4().hex[:8]}"
            ok = True
            for turn in conv["turns"]:
                replies = say(url, sender, turn["user"])
                problems = check_turn(turn, replies)
                turns_all += 1
                turns_ok += not problems
                if problems:
                    ok = False
                    first = next((r["text"] for r in replies if r.get("text")), "")[:120]
                    failures.append(
                        {"conversation": conv["name"], "user": turn["user"], "problems": problems, "reply": first}
                    )
            per_cat[cat][0] += ok
            per_cat[cat][1] += 1
    return {
        "conversations": {c: {"passed": p, "total": t} for c, (p, t) in sorted(per_cat.items())},
        "turns": {"passed": turns_ok, "total": turns_all},
        "failures": failures,
    }


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--url", default="http://localhost:5005")
    ap.add_argument("--out", default=str(ROOT / "var" / "heldout.json"))
    args = ap.parse_args()
    result = run(args.url.rstrip("/"), sorted((ROOT / "tests" / "heldout").glob("*.yaml")))
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    for cat, r in result["conversations"].items():
        print(f"{cat:10} {r['passed']}/{r['total']} conversations")
    t = result["turns"]
    print(f"turns      {t['passed']}/{t['total']} ({t['passed'] / max(1, t['total']):.1%})")
    for fail in result["failures"]:
        print(f"- {fail['conversation']} | {fail['user']} → {'; '.join(fail['problems'])}\n    {fail['reply']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

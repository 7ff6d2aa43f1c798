"""Terminal chat with the running assistant over the REST channel (like `rasa shell`, without loading a model)."""

from __future__ import annotations

import json
import os
import sys
import urllib.request
import uuid

URL = os.environ.get("ASSISTANT_URL", "http://localhost:5005/webhooks/rest/webhook")


def send(sender: str, message: str) -> list:
    req = urllib.request.Request(
        URL,
        data=json.dumps({"sender": sender, "message": message}).encode("utf-8"),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read().decode("utf-8"))


def main() -> int:
    sender = f"shell-{uuid.uuid4().hex[:8]}"
    print("嘉定人才港政策助手（输入 /quit 退出）")
    while True:
        try:
            text = input("您：").strip()
        except (EOFError, KeyboardInterrupt):
            print()
            return 0
        if text in ("/quit", "/exit"):
            return 0
        if not text:
            continue
        try:
            replies = send(sender, text)
        except OSError as e:
            print(f"（无法连接助手：{e}。请先运行 make run）", file=sys.stderr)
            continue
        for r in replies:
            if r.get("text"):
                print("助手：" + r["text"])
            for i, b in enumerate(r.get("buttons") or [], 1):
                print(f"   [{i}] {b.get('title')}  → {b.get('payload')}")


if __name__ == "__main__":
    sys.exit(main())

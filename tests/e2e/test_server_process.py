"""The Rasa server process as scripts/run.sh starts it (scripts/rasa_run.py): TensorFlow's unused JAX import is off."""

import json
import urllib.request
from pathlib import Path


def _mapped_files(pid: int) -> set[str]:
    lines = Path(f"/proc/{pid}/maps").read_text().splitlines()
    return {Path(parts[5]).name for parts in (line.split() for line in lines) if len(parts) > 5}


def test_rasa_server_runs_without_jax_and_still_answers(bot):
    mapped = _mapped_files(bot.procs["rasa"].pid)
    assert any(name.startswith("libtensorflow") for name in mapped)  # TensorFlow is loaded (DIET, TED)
    assert not [name for name in mapped if "xla_extension" in name or "jaxlib" in name]
    req = urllib.request.Request(
        f"{bot.url}/webhooks/rest/webhook",
        data=json.dumps({"sender": "no-jax", "message": "租金补贴有几年"}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req, timeout=60) as r:
        replies = json.loads(r.read())
    assert "三年" in replies[0]["text"] or "3年" in replies[0]["text"]

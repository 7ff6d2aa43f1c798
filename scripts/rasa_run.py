"""Rasa's command line for the assistant's Rasa server: ``.venv/bin/python scripts/rasa_run.py run --model …`` takes
the same arguments as ``rasa`` and runs Rasa's own ``main``, with one import TensorFlow makes switched off.

TensorFlow 2.12 imports JAX when it is installed (pip installs it as one of TensorFlow's dependencies), only for
TFLite's experimental JAX converter (``tensorflow/lite/python/util.py``: ``try: from jax import xla_computation``
``except ImportError: _xla_computation = None``). Nothing in Rasa, the trained model or this project uses JAX or
TFLite, but the import costs every Rasa process about 190 MB of resident memory (TensorFlow's import: 600 MB with
JAX, 412 MB without) and half a second of start-up (bench/PROFILE.md, row 25). Marking ``jax`` as absent in
``sys.modules`` before TensorFlow is imported makes that import fail as if JAX were not installed; TensorFlow takes
its ``except ImportError`` branch. It has to happen before Rasa's command line imports TensorFlow, so it cannot live
in the ``bot`` package (Rasa imports it later, with the model). Sanic's extra workers (``SANIC_WORKERS``) are forked
from this process and keep it. ``RASA_SPEEDUPS=0`` starts Rasa as ``rasa`` does, like the patches of bot.speedups.
tests/e2e/test_server_process.py checks the running server.
"""

from __future__ import annotations

import os
import sys

# as bot.speedups.switched_off (importing it would import Rasa and TensorFlow first)
OFF_VALUES = frozenset({"0", "false", "no", "off"})


def main() -> int:
    if os.environ.get("RASA_SPEEDUPS", "").strip().lower() not in OFF_VALUES:
        sys.modules.setdefault("jax", None)  # type: ignore[assignment]  # None: "import jax" raises ImportError
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != here]  # no script shadows a module
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()
    return 0


if __name__ == "__main__":
    sys.exit(main())

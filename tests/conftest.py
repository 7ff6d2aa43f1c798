import os
import sys
from pathlib import Path

# sanic 21.12 (Rasa's web server) calls warnings.filterwarnings("once", category=DeprecationWarning) when sanic.app
# is first imported: a filter in front of pytest's, so every DeprecationWarning after that import would bypass the
# named filters of pyproject.toml. Imported here, that call lands in pytest's conftest-loading context, which
# restores the filters when it ends; the tests then run with pyproject.toml's filters only.
import sanic.app  # noqa: F401

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

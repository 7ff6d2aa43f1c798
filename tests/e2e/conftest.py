import pytest

from tests.e2e.servers import Servers


@pytest.fixture(scope="session")
def bot(tmp_path_factory):
    """One real action server + Rasa server for the whole session (the model is trained once by make test)."""
    s = Servers(tmp_path_factory.mktemp("bot")).start()
    yield s
    s.stop()

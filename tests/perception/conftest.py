import pytest

from spacevista.perception import tiny


@pytest.fixture(scope="session")
def tiny_models(tmp_path_factory):
    """Build each tiny model once per session, on demand: ``tiny_models("depth-pro")`` -> folder."""
    root = tmp_path_factory.mktemp("tiny_models")
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = tiny.TINY_BUILDERS[name](root / name)
        return cache[name]

    return get

import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def empty_cache():
    """The overview is cached under its data's version: start each test without it."""
    cache.clear()
    yield
    cache.clear()

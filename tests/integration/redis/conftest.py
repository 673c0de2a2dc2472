"""A fresh redis-server per test of this folder."""
import pytest

from testlib.redis_server import RedisServer


@pytest.fixture
def redis_server():
    server = RedisServer()
    server.start()
    yield server
    server.destroy()

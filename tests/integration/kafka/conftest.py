"""One Kafka broker for the kafka end-to-end tests of this folder."""
import pytest

from testlib.kafka_broker import KafkaBroker


@pytest.fixture(scope="module")
def kafka():
    broker = KafkaBroker()
    broker.start()
    yield broker
    broker.destroy()

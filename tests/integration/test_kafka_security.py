"""The Kafka clients' security settings against a real broker's SASL/PLAIN listener (started by
scripts/infra/kafka.sh beside the plain one): with the right credentials, services built from
settings publish, create topics and consume there; with a wrong password nothing gets through;
settings asking for SASL without credentials are refused at start-up."""

from __future__ import annotations

import time
import uuid

import pytest
from pydantic import ValidationError

from gov_common.bus import make_bus
from gov_common.bus.base import Message
from gov_common.settings import ServiceSettings


def _settings(kafka_sasl: str, *, password: str | None = None) -> ServiceSettings:
    credentials, _, bootstrap = kafka_sasl.rpartition("@")
    user, _, real_password = credentials.partition(":")
    return ServiceSettings(
        bus="kafka",
        kafka_bootstrap=bootstrap,
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username=user,
        kafka_sasl_password=password if password is not None else real_password,
        topic_namespace=f"sasl{uuid.uuid4().hex[:8]}.",
        kafka_bootstrap_timeout_seconds=5,
    )


def test_services_publish_and_consume_through_the_sasl_listener(kafka_sasl: str) -> None:
    bus = make_bus(_settings(kafka_sasl), client_id="sasl-test")
    try:
        bus.ensure_topics(["t"])
        assert bus.ping()
        bus.publish("t", "case-1", b"through SASL")
        consumer = bus.consumer("g", ["t"])
        got: list[Message] = []
        deadline = time.monotonic() + 60
        while not got and time.monotonic() < deadline:
            got = consumer.poll(0.5)
        assert [m.value for m in got] == [b"through SASL"]
        consumer.commit(got[0])
        consumer.close()
    finally:
        bus.close()


def test_a_wrong_password_gets_nothing_through(kafka_sasl: str) -> None:
    bus = make_bus(_settings(kafka_sasl, password="not-the-password"), client_id="sasl-intruder")
    try:
        # The broker refuses the credentials; the client gives up after its bootstrap timeout (5 s here).
        assert not bus.ping()
    finally:
        bus.close()


def test_sasl_without_credentials_is_refused_at_start_up() -> None:
    with pytest.raises(ValidationError, match="SASL user name and password"):
        ServiceSettings(bus="kafka", kafka_security_protocol="SASL_SSL")
    settings = ServiceSettings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="svc",
        kafka_sasl_password="pw",
        kafka_ssl_cafile="/ca.pem",
    )
    security = settings.kafka_security()
    assert security["sasl_mechanism"] == "SCRAM-SHA-512" and security["ssl_cafile"] == "/ca.pem"
    assert "pw" not in repr(settings)  # the password is a secret in logs and reprs

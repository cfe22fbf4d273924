"""The suite's reading of Kafka, on the real broker: a dead letter is found on any `<topic>.dlt` of the run's
namespace with its reason and group, and a licence issued twice (two events with distinct ids for one case)
is counted twice, a redelivered event (the same id) once."""

from __future__ import annotations

import json
import uuid

from kafka import KafkaProducer
from kafka.admin import KafkaAdminClient

from tests.chaos.checks import dead_letters, events_by_case


def test_dead_letters_and_events_twice_are_read_back_from_kafka(kafka_bootstrap: str) -> None:
    namespace = f"chaos{uuid.uuid4().hex[:8]}."
    producer = KafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")

    def event(event_id: str, kind: str, subject: str, **data: str) -> bytes:
        return json.dumps({"id": event_id, "type": kind, "subject": subject, "data": data}).encode()

    try:
        licence = "gov.license.issued"
        for event_id, licence_no in (("e1", "L-1"), ("e1", "L-1"), ("e2", "L-2")):  # e1 redelivered, e2 twice
            value = event(event_id, licence, licence_no, case_no="C-1")
            producer.send(f"{namespace}gov.license.v1", key=b"C-1", value=value)
        producer.send(f"{namespace}gov.case.v1", key=b"C-2", value=event("e3", "gov.case.approved", "C-2"))
        headers = [
            ("x-dead-letter-reason", b"OperationalError: connection refused"),
            ("x-consumer-group", f"{namespace}service-management".encode()),
        ]
        dlt = event("e4", "gov.license.issued", "L-3", case_no="C-3")
        producer.send(f"{namespace}gov.license.v1.dlt", key=b"C-3", value=dlt, headers=headers)
        producer.flush()

        approvals, licences = events_by_case(kafka_bootstrap, namespace, {"C-1", "C-2"})
        assert licences == {"C-1": 2} and approvals == {"C-2": 1}
        [dead] = dead_letters(kafka_bootstrap, namespace)
        assert dead["topic"] == "gov.license.v1.dlt" and dead["type"] == "gov.license.issued"
        assert dead["group"] == "service-management" and "connection refused" in dead["reason"]
        assert dead_letters(kafka_bootstrap, f"chaos{uuid.uuid4().hex[:8]}.") == []  # another run's: none
    finally:
        producer.close()
        admin = KafkaAdminClient(bootstrap_servers=kafka_bootstrap, client_id="chaos-test")
        try:
            mine = [t for t in admin.list_topics() if t.startswith(namespace)]
            if mine:
                admin.delete_topics(mine)
        finally:
            admin.close()

from pathlib import Path

from gov_common.bus.base import Outgoing
from gov_common.bus.local import LocalBus


def test_groups_consume_independently_and_resume_from_the_committed_offset(tmp_path: Path) -> None:
    path = str(tmp_path / "bus.db")
    bus = LocalBus(path)
    for n in range(3):
        bus.publish("t", f"k{n}", f"v{n}".encode())
    first = bus.consumer("a", ["t"])
    got = first.poll(0.1)
    assert [m.value for m in got] == [b"v0", b"v1", b"v2"]
    first.commit(got[0])  # only the first is handled before a "crash"
    first.close()

    reopened = LocalBus(path)  # a new process on the same file
    again = reopened.consumer("a", ["t"]).poll(0.1)
    assert [m.value for m in again] == [b"v1", b"v2"]
    other_group = reopened.consumer("b", ["t"]).poll(0.1)
    assert len(other_group) == 3


def test_poll_wakes_as_soon_as_a_message_is_published(tmp_path: Path) -> None:
    import threading
    import time

    bus = LocalBus(str(tmp_path / "bus.db"))
    consumer = bus.consumer("g", ["t"])
    threading.Timer(0.1, lambda: bus.publish("t", "k", b"v")).start()
    started = time.monotonic()
    got = consumer.poll(30.0)
    assert [m.value for m in got] == [b"v"]
    assert time.monotonic() - started < 10.0  # woken, not at the end of its 30 s


def test_every_broadcast_reader_reads_the_whole_topic_from_the_beginning(tmp_path: Path) -> None:
    bus = LocalBus(str(tmp_path / "bus.db"))
    for n in range(3):
        bus.publish("facts", f"k{n}", f"v{n}".encode())
    bus.publish("other", "k", b"elsewhere")
    group = bus.consumer("g", ["facts"])
    for message in group.poll(0.1):
        group.commit(message)  # a consumer group's offsets do not move a broadcast reader

    first, second = bus.broadcast_reader("facts"), bus.broadcast_reader("facts")
    assert not first.caught_up()
    assert [m.value for m in first.poll(0.1)] == [b"v0", b"v1", b"v2"]
    assert first.caught_up()
    bus.publish("facts", "k3", b"v3")
    assert [m.value for m in first.poll(0.1)] == [b"v3"]  # and it follows the topic
    assert [m.value for m in second.poll(0.1)] == [b"v0", b"v1", b"v2", b"v3"]
    assert second.caught_up()
    # A reader opened on a new process (the same file) starts from the beginning again.
    assert len(LocalBus(str(tmp_path / "bus.db")).broadcast_reader("facts").poll(0.1)) == 4
    assert LocalBus(str(tmp_path / "empty.db")).broadcast_reader("facts").caught_up()


def test_a_batch_is_appended_in_order_and_a_poll_batch_committed_at_once(tmp_path: Path) -> None:
    bus = LocalBus(str(tmp_path / "bus.db"))
    bus.publish_batch([Outgoing("t", f"k{n % 2}", f"v{n}".encode(), {"ce_type": "x"}) for n in range(5)])
    consumer = bus.consumer("g", ["t"], max_records=3)
    first = consumer.poll(0.1)
    assert [m.value for m in first] == [b"v0", b"v1", b"v2"] and first[0].headers == {"ce_type": "x"}
    consumer.commit_all(first)
    assert [m.value for m in bus.consumer("g", ["t"]).poll(0.1)] == [b"v3", b"v4"]  # a new member resumes

"""A reader takes published events only when they continue its log without a gap."""

from __future__ import annotations

from job_service.wakeups import Waiter


def test_contiguous_published_events_are_taken_in_order() -> None:
    waiter = Waiter()
    waiter.push(3, "c")
    waiter.push(4, "d")
    assert waiter.woken.is_set()
    assert waiter.take_after(2) == [(3, "c"), (4, "d")]
    assert waiter.take_after(4) is None, "nothing new published: read the log"


def test_events_already_read_from_the_log_are_skipped() -> None:
    waiter = Waiter()
    for seq, raw in ((1, "a"), (2, "b"), (3, "c")):
        waiter.push(seq, raw)
    assert waiter.take_after(2) == [(3, "c")]
    waiter.push(1, "a")
    assert waiter.take_after(3) == [], "only duplicates: nothing to send, nothing to read"


def test_a_gap_means_a_dropped_message_and_the_log_is_read() -> None:
    waiter = Waiter()
    waiter.push(5, "e")  # 4 was dropped by pub/sub
    assert waiter.take_after(3) is None


def test_a_lost_subscription_makes_the_reader_read_the_log() -> None:
    waiter = Waiter()
    waiter.push(4, "d")
    waiter.lose()
    assert waiter.woken.is_set()
    assert waiter.take_after(3) is None
    waiter.push(5, "e")
    assert waiter.take_after(4) == [(5, "e")], "after the log read, messages are used again"

"""Clock blocks in threads: ``held`` is the holding thread's own, ``frozen`` is every thread's,
and blocks that end out of order (two threads, each freezing once) leave nothing behind."""
from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone

from workflows import clock

AT = datetime(2024, 3, 20, 2, 0, tzinfo=timezone.utc)


def test_blocks_ending_out_of_order_leave_the_clock_as_found():
    first, second = clock.frozen(AT), clock.frozen(AT + timedelta(days=1))
    first.__enter__()
    second.__enter__()
    first.__exit__(None, None, None)  # the outer block ends first, as a faster thread's would
    assert clock.now() == AT + timedelta(days=1)
    second.__exit__(None, None, None)
    assert not clock.is_overridden()
    assert abs(clock.now() - datetime.now(timezone.utc)) < timedelta(seconds=5)


def test_two_threads_freezing_at_once_leak_nothing():
    inside, release = threading.Barrier(2), threading.Event()

    def work(at):
        with clock.frozen(at):
            inside.wait()
            release.wait()

    threads = [threading.Thread(target=work, args=(AT + timedelta(days=n),)) for n in range(2)]
    for thread in threads:
        thread.start()
    release.set()
    for thread in threads:
        thread.join()
    assert not clock.is_overridden()


def test_held_is_the_holding_threads_own_frozen_is_everyones():
    seen = {}
    holding, looked = threading.Event(), threading.Event()

    def holder():
        with clock.held(AT):
            seen["holder"] = clock.now()
            holding.set()
            looked.wait()

    thread = threading.Thread(target=holder)
    thread.start()
    holding.wait()
    seen["other"] = clock.now()
    with clock.frozen(AT + timedelta(days=7)):
        seen["other_frozen"] = clock.now()
    looked.set()
    thread.join()
    assert seen["holder"] == AT
    assert abs(seen["other"] - datetime.now(timezone.utc)) < timedelta(seconds=5)
    assert seen["other_frozen"] == AT + timedelta(days=7)


def test_a_frozen_block_reaches_the_threads_it_starts():
    seen = []
    with clock.frozen(AT):
        thread = threading.Thread(target=lambda: seen.append(clock.now()))
        thread.start()
        thread.join()
    assert seen == [AT]

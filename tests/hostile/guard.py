"""The hang guard for tests: every read runs under a wall-clock alarm.

The reader itself runs python-calamine in a forked child and waits in Python (select), so a SIGALRM in
the test process interrupts even a read whose child hangs."""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType


class ReadHung(AssertionError):
    pass


@contextlib.contextmanager
def within(seconds: float, what: str = "read") -> Iterator[None]:
    def fire(signum: int, frame: FrameType | None) -> None:
        raise ReadHung(f"{what} did not answer within {seconds} s")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)

"""Bounded waiting: every wait in the suite goes through wait_until so nothing can hang."""
import socket
import time


class WaitTimeout(AssertionError):
    """Raised when a condition did not become true in time (an assertion failure)."""


def wait_until(predicate, timeout, interval=0.1, message="condition"):
    """Calls predicate() until it returns a truthy value and returns that value.

    Raises WaitTimeout after `timeout` seconds. Exceptions from predicate propagate.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise WaitTimeout(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_count(fetch, count, timeout, message="items"):
    """Calls fetch() until it returns at least `count` items; returns that list."""
    last = []

    def enough():
        nonlocal last
        last = fetch()
        return len(last) >= count

    try:
        wait_until(enough, timeout, message=f"{count} {message}")
    except WaitTimeout as e:
        raise WaitTimeout(f"{e} (got {len(last)})") from None
    return last

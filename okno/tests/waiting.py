"""Waiting in tests for what other threads do (supervisors, pollers, servers)."""

import time


def wait_for(condition, seconds: float = 10.0, step: float = 0.05) -> bool:
    """Whether `condition()` came true within `seconds` (checked every `step`)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False

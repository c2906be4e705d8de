"""Waiting for a server a test started: one loop for every fixture that starts one (gunicorn, nginx, Varnish,
pypiserver)."""

import time

import pytest
import requests


def wait_until_answering(url, process, what, *, seconds=60, log=lambda: ""):
    """Return once `url` answers at all; fail the test with `process`'s output if it exits or `seconds` pass.

    A server still starting may refuse the connection or accept it and answer late (a loaded machine): both
    mean "not yet", never a failure of the test by themselves.
    """
    deadline = time.time() + seconds
    while True:
        try:
            requests.get(url, timeout=5)
            return
        except requests.RequestException:
            if process.poll() is not None or time.time() > deadline:
                process.kill()
                output = process.stdout.read().decode(errors="replace") if process.stdout else ""
                pytest.fail(f"{what} did not start: {output} {log()}")
            time.sleep(0.2)


def wait_for(condition, *, seconds=10):
    """Poll `condition()` until it is true (a log line a server writes after answering); its last value."""
    deadline = time.time() + seconds
    while not (value := condition()) and time.time() < deadline:
        time.sleep(0.05)
    return value

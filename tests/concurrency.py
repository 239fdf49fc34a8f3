"""Running test code from many threads at the same moment, each with its own database connection."""

import threading

from django.db import connections


def at_once(calls, timeout: float = 120) -> list:
    """Run the callables in threads released together by a barrier; each one's return value,
    or the exception it raised, in the order given."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(n, call):
        try:
            barrier.wait()
            results[n] = call()
        except Exception as error:  # noqa: BLE001 - handed to the test to judge
            results[n] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(n, call)) for n, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results

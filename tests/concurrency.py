"""Racing real threads against PostgreSQL, each on its own connection."""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from typing import Any

from django.db import connection

from core.errors import ApplicationError


def race(calls: list[Callable[[], Any]]) -> list[Any]:
    """Run the calls in threads released together; each returns its result or its ApplicationError.

    Anything else a thread raises fails the test (with its traceback).
    """
    barrier = threading.Barrier(len(calls))
    outcomes: list[Any] = [None] * len(calls)
    failures: list[str] = []

    def run(index: int) -> None:
        try:
            barrier.wait()
            outcomes[index] = calls[index]()
        except ApplicationError as exc:
            outcomes[index] = exc
        except BaseException:
            failures.append(traceback.format_exc())
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    return outcomes

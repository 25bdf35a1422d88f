"""Read ahead: the next batch is read and coerced while the caller works on this one.

Reading and coercing a batch is mostly polars work, which runs without the interpreter
lock, and the caller's work on the previous batch is mostly numpy; on a machine with two
cores the two overlap. At most ``depth`` finished batches wait (engineering default: one), so
memory holds ``depth + 2`` batches at most: the caller's, the waiting ones and the one being
read.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import TypeVar

T = TypeVar("T")
_ITEM, _DONE, _FAILED = 0, 1, 2
_POLL = 0.05  # seconds between looks at the stop flag while the queue is full


def prefetch(source: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of ``source``, in order, produced in a worker thread ``depth`` ahead.

    An exception in ``source`` is raised here, at the point in the sequence where it
    happened. Closing this iterator early stops the worker and closes ``source``.
    """
    q: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=max(depth, 1))
    stop = threading.Event()

    def put(tag: int, value: object) -> bool:
        while not stop.is_set():
            try:
                q.put((tag, value), timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in source:
                if not put(_ITEM, item):
                    break
            else:
                put(_DONE, None)
        except BaseException as e:  # handed to the consumer, raised there
            put(_FAILED, e)
        finally:
            close = getattr(source, "close", None)
            if close is not None:
                close()

    worker = threading.Thread(target=work, name="mlm-audit-read-ahead", daemon=True)
    worker.start()
    try:
        while True:
            tag, value = q.get()
            if tag == _ITEM:
                yield value  # type: ignore[misc]
            elif tag == _DONE:
                return
            else:
                assert isinstance(value, BaseException)
                raise value
    finally:
        stop.set()
        worker.join()

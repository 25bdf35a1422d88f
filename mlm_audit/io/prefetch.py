"""Read ahead: the next batches are read and coerced while the caller works on this one.

Reading and coercing a batch is mostly polars work, which runs without the interpreter
lock, and the caller's work on the previous batch is mostly numpy, so they overlap:
:func:`prefetch` runs a producer in a worker thread, :func:`ordered_map` coerces batches in
a small pool and hands them on in file order. At most ``depth`` finished batches wait and
``workers`` are in work (engineering defaults: one and two), so memory holds a handful of
batches at most.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")
WORKERS = 2  # engineering default: batches coerced at once
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


def ordered_map(fn: Callable[[T], R], items: Iterator[T], workers: int = WORKERS
                ) -> Iterator[R]:
    """``fn`` of each item, computed in a pool of ``workers`` threads and given in the order
    of ``items``; at most ``workers`` items are in work, and the next item is taken while
    they are. An exception is raised where its item comes in the order."""
    if workers <= 1:
        yield from map(fn, items)
        return
    with ThreadPoolExecutor(workers, thread_name_prefix="mlm-audit-coerce") as pool:
        pending: deque[Future[R]] = deque()
        try:
            for item in items:
                pending.append(pool.submit(fn, item))
                if len(pending) >= workers:
                    yield pending.popleft().result()
            while pending:
                yield pending.popleft().result()
        finally:
            for f in pending:
                f.cancel()

"""Read-ahead: the next batch is read and coerced while the caller works on this one.

Reading and coercing a batch is mostly polars work, which runs without the interpreter
lock, and the caller's work on the previous batch is mostly numpy; on a machine with two
cores the two overlap. At most ``depth`` finished batches wait (engineering default: one), so
memory holds ``depth + 2`` batches at most: the caller's, the waiting ones and the one being
read.

:class:`ReadAhead` starts at once (a scan can begin reading while the agents load);
:func:`prefetch` starts when its first item is asked for.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")
_ITEM, _DONE, _FAILED = 0, 1, 2
_POLL = 0.05  # seconds between looks at the stop flag while the queue is full


class ReadAhead(Generic[T]):
    """The items of ``source``, in order, produced in a worker thread from now on, ``depth``
    ahead of the caller.

    An exception in ``source`` is raised to the caller at the point in the sequence where it
    happened. :meth:`close` (also called when a generator delegating to this one is closed)
    stops the worker and closes ``source``.
    """

    def __init__(self, source: Iterator[T], depth: int = 1) -> None:
        self._q: queue.Queue[tuple[int, object]] = queue.Queue(maxsize=max(depth, 1))
        self._stop = threading.Event()
        self._source = source
        self._over = False
        self._worker = threading.Thread(target=self._work, name="mlm-audit-read-ahead",
                                        daemon=True)
        self._worker.start()

    def _put(self, tag: int, value: object) -> bool:
        while not self._stop.is_set():
            try:
                self._q.put((tag, value), timeout=_POLL)
                return True
            except queue.Full:
                continue
        return False

    def _work(self) -> None:
        try:
            for item in self._source:
                if not self._put(_ITEM, item):
                    break
            else:
                self._put(_DONE, None)
        except BaseException as e:  # handed to the consumer, raised there
            self._put(_FAILED, e)
        finally:
            close = getattr(self._source, "close", None)
            if close is not None:
                close()

    def __iter__(self) -> ReadAhead[T]:
        return self

    def __next__(self) -> T:
        if self._over:
            raise StopIteration
        tag, value = self._q.get()
        if tag == _ITEM:
            return value  # type: ignore[return-value]
        self.close()
        if tag == _DONE:
            raise StopIteration
        assert isinstance(value, BaseException)
        raise value

    def close(self) -> None:
        self._over = True
        self._stop.set()
        if self._worker is not threading.current_thread():
            self._worker.join()


def prefetch(source: Iterator[T], depth: int = 1) -> Iterator[T]:
    """The items of ``source``, in order, produced in a worker thread ``depth`` ahead, from
    the first item asked for.

    An exception in ``source`` is raised here, at the point in the sequence where it
    happened. Closing this iterator early stops the worker and closes ``source``.
    """
    ahead = ReadAhead(source, depth)
    try:
        yield from ahead
    finally:
        ahead.close()

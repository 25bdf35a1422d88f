"""Values built once per key, however many threads ask for them at the same time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable
from typing import Any


class _Slot:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.built = False
        self.value: Any = None


class Once:
    """A table of values built once per key: the first caller builds a value, and a caller
    that arrives meanwhile (a rule running beside the first) waits for that build rather
    than repeating it."""

    def __init__(self) -> None:
        self._slots: dict[Hashable, _Slot] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, build: Callable[[], Any],
            on_new: Callable[[], object] | None = None) -> Any:
        """The value of ``key``, built by ``build()`` if it is not yet; ``on_new`` is called
        when the key is first seen (to arrange for it to be forgotten, say)."""
        with self._lock:
            slot = self._slots.get(key)
            if slot is None:
                slot = self._slots[key] = _Slot()
                if on_new is not None:
                    on_new()
        with slot.lock:
            if not slot.built:
                slot.value = build()
                slot.built = True
            return slot.value

    def forget(self, key: Hashable) -> None:
        with self._lock:
            self._slots.pop(key, None)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._slots

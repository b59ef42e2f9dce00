"""A bounded, thread-safe keep of values computed from immutable keys (a version's root).

Server threads share it; the oldest values are dropped once their weights in all pass the cap,
so a long-running server's memory stays bounded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


class Kept(Generic[K, V]):
    """Values by key, oldest dropped first beyond ``cap`` in weight (the newest always stays)."""

    def __init__(self, cap: int, weight: Callable[[V], int] = lambda _value: 1) -> None:
        self._cap = cap
        self._weight = weight
        self._values: dict[K, V] = {}
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key: K) -> V | None:
        """The value kept for ``key``, if any."""
        with self._lock:
            return self._values.get(key)

    def put(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key`` (dropping the oldest beyond the cap); ``value``."""
        with self._lock:
            old = self._values.pop(key, None)
            if old is not None:
                self._total -= self._weight(old)
            self._values[key] = value
            self._total += self._weight(value)
            while len(self._values) > 1 and self._total > self._cap:
                dropped = self._values.pop(next(iter(self._values)))
                self._total -= self._weight(dropped)
        return value

"""The bounded keep that listings and type counts share across server threads."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from changeway.services.kept import Kept


def test_the_oldest_values_go_once_their_weight_passes_the_cap() -> None:
    kept: Kept[str, list[int]] = Kept(5, weight=len)
    kept.put("a", [1, 2])
    kept.put("b", [1, 2])
    assert kept.get("a") == [1, 2]
    kept.put("c", [1, 2])  # 6 > 5: "a" goes
    assert (kept.get("a"), kept.get("b"), kept.get("c")) == (None, [1, 2], [1, 2])


def test_the_newest_value_stays_even_when_it_alone_passes_the_cap() -> None:
    kept: Kept[str, list[int]] = Kept(2, weight=len)
    kept.put("a", [1])
    assert kept.put("big", [1, 2, 3]) == [1, 2, 3]
    assert (kept.get("a"), kept.get("big")) == (None, [1, 2, 3])


def test_replacing_a_value_counts_it_once() -> None:
    kept: Kept[str, int] = Kept(2)
    for _ in range(3):
        kept.put("a", 1)
    kept.put("b", 2)
    assert (kept.get("a"), kept.get("b")) == (1, 2)


def test_threads_filling_it_at_once_keep_it_within_its_cap() -> None:
    """Many threads evicting together: no error, and never more than the cap is kept."""
    kept: Kept[int, int] = Kept(64)

    def fill(start: int) -> None:
        for i in range(start, start + 2_000):
            kept.put(i, i)
            kept.get(i - 1)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(fill, range(0, 16_000, 2_000)))
    held = [i for i in range(16_000) if kept.get(i) is not None]
    assert 1 <= len(held) <= 64

import pytest

from ui.core.ring import RingBuffer


def test_keeps_the_newest_items_oldest_first() -> None:
    ring: RingBuffer[int] = RingBuffer(3)
    ring.extend(range(5))
    assert list(ring) == [2, 3, 4]
    assert len(ring) == 3
    assert (ring[0], ring[2], ring[-1]) == (2, 4, 4)


def test_index_out_of_range_raises() -> None:
    ring: RingBuffer[str] = RingBuffer(2)
    ring.append("a")
    with pytest.raises(IndexError):
        ring[1]


def test_drop_oldest_then_append_wraps_around() -> None:
    ring: RingBuffer[int] = RingBuffer(4)
    ring.extend([1, 2, 3, 4])
    ring.drop_oldest(3)
    ring.extend([5, 6, 7])
    assert list(ring) == [4, 5, 6, 7]
    ring.drop_oldest(10)
    assert list(ring) == []
    ring.append(8)
    assert list(ring) == [8]


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError):
        RingBuffer(0)

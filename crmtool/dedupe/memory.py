"""Returning freed memory to the operating system between the stages of a big run.

glibc's malloc and Arrow's allocator (mimalloc) both keep freed memory for reuse; between stages
that allocate very differently (Python objects while parsing names, Arrow buffers, DuckDB) that
kept memory only raises the peak RSS.
"""

from __future__ import annotations


RELEASE_FROM = 100_000  # rows: below this the freed memory is small and a full gc.collect (~0.1 s over a
#                        big heap such as great-expectations') costs more than it returns


def release_memory(rows: int) -> None:
    """Collect garbage and give freed memory back, after a step over `rows` rows; nothing for small steps."""
    if rows < RELEASE_FROM:
        return
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass

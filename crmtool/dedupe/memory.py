"""Returning freed memory to the operating system between the stages of a big run.

glibc's malloc and Arrow's allocator (mimalloc) both keep freed memory for reuse; between stages
that allocate very differently (Python objects while parsing names, Arrow buffers, DuckDB) that
kept memory only raises the peak RSS. No `gc.collect`: the stages' large objects are freed by their
reference counts, and a full collection over a big heap (great-expectations', a million parsed
records) cost 0.05-0.1 s a call without lowering the peak (a million hard records: 1,398 MB with it
and without).
"""

from __future__ import annotations

RELEASE_FROM = 100_000  # rows: below this a step frees too little to be worth trimming the heap for


def release_memory(rows: int) -> None:
    """Give the memory freed by a step over `rows` rows back to the operating system."""
    if rows < RELEASE_FROM:
        return
    import ctypes

    import pyarrow as pa

    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass

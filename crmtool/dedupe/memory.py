"""Returning freed memory to the operating system between the stages of a big run.

glibc's malloc and Arrow's allocator (mimalloc) both keep freed memory for reuse; between stages
that allocate very differently (Python objects while parsing names, Arrow buffers, DuckDB) that
kept memory only raises the peak RSS.
"""

from __future__ import annotations


def release_memory() -> None:
    import ctypes
    import gc

    import pyarrow as pa

    gc.collect()
    pa.default_memory_pool().release_unused()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass

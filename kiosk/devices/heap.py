"""Handing memory the process no longer uses back to the operating system."""

from __future__ import annotations

import functools
import gc
import logging

from kiosk.devices import load_library

log = logging.getLogger(__name__)


@functools.cache
def _libc():
    """glibc (for malloc_trim and mallopt), looked up once; None elsewhere."""
    libc = load_library("libc.so.6", "c")
    if libc is None or not hasattr(libc, "malloc_trim"):
        log.debug("malloc_trim is not available (not glibc): freed memory stays in the heap")
        return None
    return libc


def release_free_memory() -> bool:
    """Collect garbage and let glibc return freed heap pages (True if it could).

    A kiosk builds and drops many text textures per person; without this the heap keeps
    its high-water mark for ever (with software OpenGL, textures live in that heap).
    """
    gc.collect()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


M_ARENA_MAX = -8


def limit_arenas(count: int = 2) -> bool:
    """Fewer malloc arenas: each thread (workers, the MQTT loop, llvmpipe's rasterisers)
    would otherwise get its own, and freed texture memory scattered over many arenas
    cannot be handed back. Called before the kiosk starts its threads."""
    libc = _libc()
    return libc is not None and bool(libc.mallopt(M_ARENA_MAX, count))

"""Handing memory the process no longer uses back to the operating system."""

from __future__ import annotations

import gc
import logging

from kiosk.devices import load_library

log = logging.getLogger(__name__)


def _libc():
    libc = load_library("libc.so.6", "c")
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


_LIBC = None
_LOOKED_UP = False


def release_free_memory() -> bool:
    """Collect garbage and let glibc return freed heap pages (True if it could).

    A kiosk builds and drops many text textures per person; without this the heap keeps
    its high-water mark for ever (with software OpenGL, textures live in that heap).
    """
    global _LIBC, _LOOKED_UP
    gc.collect()
    if not _LOOKED_UP:
        _LIBC, _LOOKED_UP = _libc(), True
        if _LIBC is None:
            log.debug("malloc_trim is not available (not glibc): freed memory stays in the heap")
    if _LIBC is None:
        return False
    _LIBC.malloc_trim(0)
    return True


M_ARENA_MAX = -8


def limit_arenas(count: int = 2) -> bool:
    """Fewer malloc arenas: each thread (workers, the MQTT loop, llvmpipe's rasterisers)
    would otherwise get its own, and freed texture memory scattered over many arenas
    cannot be handed back. Called before the kiosk starts its threads."""
    global _LIBC, _LOOKED_UP
    if not _LOOKED_UP:
        _LIBC, _LOOKED_UP = _libc(), True
    return _LIBC is not None and bool(_LIBC.mallopt(M_ARENA_MAX, count))

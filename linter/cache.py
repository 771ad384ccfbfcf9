"""snlint's on-disk cache (SNLINT_CACHE_DIR, else $XDG_CACHE_HOME/snlint, else ~/.cache/snlint): pickled results
keyed by a hash of everything they depend on. Only an optimisation: any failure reads as a miss."""

from __future__ import annotations

import hashlib
import os
import pickle
from typing import Any

from linter import __version__


def folder() -> str:
    return os.environ.get("SNLINT_CACHE_DIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache"), "snlint"
    )


def path_for(kind: str, *key: object) -> str:
    """The cache file for `kind` and a key (snlint's version is always part of it)."""
    digest = hashlib.sha256(repr((__version__, kind, *key)).encode()).hexdigest()[:24]
    return os.path.join(folder(), f"{kind}-{digest}.pickle")


def load(path: str) -> Any:
    """What was stored at `path`, or None (missing, unreadable, from another version of Python)."""
    try:
        with open(path, "rb") as handle:
            return pickle.load(handle)
    except Exception:
        return None


def store(path: str, value: object) -> None:
    """Store atomically; a read-only or full disk is ignored."""
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        pass

"""When the cycle collector runs, for a process that makes millions of objects at once."""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

_freeze_after_pause = False


def freeze_after_pauses(enabled: bool) -> None:
    """Say whether this process reads a vault, answers and ends, as a CLI command does.

    When a pause of the cycle collector ends (see ``gc_paused``), its next collections
    would walk every object made meanwhile, millions of them, to find no cycle: 0.6 s of
    a 2 s lint at 20,000 notes. In a process that ends soon after, what is alive then is
    frozen instead (``gc.freeze``): the collector never walks it again, and reference
    counting still frees it. A long-lived process (``watch``, a notebook, an editor
    plugin) leaves it off: a cycle among frozen objects would never be collected.
    """
    global _freeze_after_pause  # noqa: PLW0603 - a setting of the whole process
    _freeze_after_pause = enabled


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """Pause the cycle collector: parsing a vault allocates millions of objects and no
    cycles, and each full collection would walk all of them again (a fifth of the time)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            if _freeze_after_pause:
                gc.freeze()
            gc.enable()

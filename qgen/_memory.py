"""Memory estimates, so that jobs too large for the machine are refused before allocating."""

from __future__ import annotations

import math
import os

from qgen.errors import ConfigError, MemoryLimitError

__all__ = ["available_memory_bytes", "check_memory", "format_bytes"]


def available_memory_bytes() -> int:
    """Memory the system reports as available (``MemAvailable``), or total RAM as a fallback.

    ``QGEN_MEMORY_LIMIT`` (bytes, or with a ``K``/``M``/``G`` suffix) overrides the reading.
    """
    override = os.environ.get("QGEN_MEMORY_LIMIT")
    if override:
        units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
        text = override.strip().upper().removesuffix("B").removesuffix("I")
        factor = units.get(text[-1:], 1)
        try:
            value = float(text[:-1] if factor > 1 else text) * factor
        except ValueError:
            value = float("nan")
        if not value > 0 or not math.isfinite(value):
            raise ConfigError(
                f"expected QGEN_MEMORY_LIMIT to be a positive size such as 4G or 512M, "
                f"got {override!r}"
            )
        return int(value)
    try:
        with open("/proc/meminfo") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def format_bytes(n_bytes: float) -> str:
    """Human-readable size: ``1.5 GiB``."""
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if abs(n_bytes) < 1024:
            return f"{n_bytes:.1f} {unit}" if unit != "B" else f"{int(n_bytes)} B"
        n_bytes /= 1024
    return f"{n_bytes:.3g} EiB"


def check_memory(
    needed_bytes: float,
    what: str,
    limit_bytes: float | None = None,
    hint: str = "use a smaller system",
) -> None:
    """Raise :class:`MemoryLimitError` when ``needed_bytes`` exceeds the limit.

    Args:
        needed_bytes: the estimate for the job.
        what: the job, as it should read in the message.
        limit_bytes: the limit; by default 80% of the available memory.
        hint: what the user can do instead, appended to the message.
    """
    limit = 0.8 * available_memory_bytes() if limit_bytes is None else limit_bytes
    if needed_bytes > limit:
        raise MemoryLimitError(
            f"{what} needs about {format_bytes(needed_bytes)}, more than the "
            f"{format_bytes(limit)} available; {hint}"
        )

"""The checks every layer makes of its arguments, written once.

Each helper returns the value in its canonical type (an ``int``, a ``float``) or raises
an error of the caller's choosing (:class:`~qgen.errors.ConfigError` by default) whose
message reads ``"<name>: expected <what>, got <value>"``, the one style of every
message about bad input in qgen.

>>> require_int(3, "hidden", minimum=1)
3
>>> require_float(1, "lr", minimum=0.0, inclusive=False)
1.0
>>> require_int(0, "samples", minimum=1)
Traceback (most recent call last):
...
qgen.errors.ConfigError: samples: expected an integer ≥ 1, got 0
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from typing import Any

from qgen.errors import ConfigError, QgenError

__all__ = [
    "describe_range",
    "expected",
    "require_bool",
    "require_choice",
    "require_float",
    "require_int",
]


def expected(
    name: str, what: str, value: object, error: type[QgenError] = ConfigError
) -> QgenError:
    """The error ``"<name>: expected <what>, got <value>"`` (to be raised by the caller)."""
    return error(f"{name}: expected {what}, got {value!r}")


def describe_range(minimum: float | None, maximum: float | None, inclusive: bool = True) -> str:
    """``"≥ 1"``, ``"> 0"``, ``"in [0, 1)"`` …: the words for a range, for messages and help."""
    low = "≥" if inclusive else ">"
    if minimum is not None and maximum is not None:
        opening = "[" if inclusive else "("
        return f"in {opening}{minimum:g}, {maximum:g})"
    if minimum is not None:
        return f"{low} {minimum:g}"
    if maximum is not None:
        return f"< {maximum:g}"
    return ""


def require_int(
    value: object,
    name: str,
    *,
    minimum: int | None = None,
    maximum: int | None = None,
    error: type[QgenError] = ConfigError,
) -> int:
    """``value`` as an ``int`` in ``[minimum, maximum]`` (bools are refused: ``True`` is
    not a count)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise expected(name, _with_range("an integer", minimum, maximum), value, error)
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise expected(name, _with_range("an integer", minimum, maximum), value, error)
    return int(value)


def _with_range(kind: str, minimum: float | None, maximum: float | None) -> str:
    if minimum is not None and maximum is not None:
        return f"{kind} in [{minimum:g}, {maximum:g}]"
    if minimum is not None:
        return f"{kind} ≥ {minimum:g}"
    if maximum is not None:
        return f"{kind} ≤ {maximum:g}"
    return kind


def require_float(
    value: object,
    name: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    inclusive: bool = True,
    error: type[QgenError] = ConfigError,
) -> float:
    """``value`` as a finite ``float``; with ``minimum`` at least it (above it when not
    ``inclusive``), with ``maximum`` below it. Integers are accepted (TOML writes 1 for 1.0)."""
    what = "a finite number"
    bounds = describe_range(minimum, maximum, inclusive)
    if bounds:
        what += " " + bounds
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise expected(name, what, value, error)
    number = float(value)
    if not math.isfinite(number):
        raise expected(name, what, value, error)
    if minimum is not None and (number < minimum or (not inclusive and number == minimum)):
        raise expected(name, what, value, error)
    if maximum is not None and number >= maximum:
        raise expected(name, what, value, error)
    return number


def require_bool(value: object, name: str, error: type[QgenError] = ConfigError) -> bool:
    """``value`` if it is ``True`` or ``False``."""
    if not isinstance(value, bool):
        raise expected(name, "true or false", value, error)
    return value


def require_choice(
    value: object, name: str, choices: Iterable[Any], error: type[QgenError] = ConfigError
) -> Any:
    """``value`` if it is one of ``choices``."""
    allowed = list(choices)
    if value not in allowed:
        raise expected(name, "one of " + ", ".join(str(choice) for choice in allowed), value, error)
    return value

"""The error energy-based-model workflows raise, and the checks that raise it."""

from __future__ import annotations

import math

import torch

from qgen.datasets.base import DataError, check_samples
from qgen.errors import QgenError

__all__ = ["EBMError", "check_binary_data", "check_positive_float", "check_positive_int"]


class EBMError(QgenError, ValueError):
    """A training or estimation setting that cannot work (k < 1, zero chains, ...)."""


def check_positive_int(value: object, name: str, minimum: int = 1) -> int:
    """``value`` as an int ≥ ``minimum``, or :class:`EBMError` naming ``name``."""
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise EBMError(f"expected an integer {name} ≥ {minimum}, got {value!r}")
    return value


def check_positive_float(value: object, name: str, allow_zero: bool = False) -> float:
    """``value`` as a finite float > 0 (≥ 0 with ``allow_zero``), or :class:`EBMError`."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or value < 0
        or (value == 0 and not allow_zero)
    ):
        relation = "≥ 0" if allow_zero else "> 0"
        raise EBMError(f"expected a finite {name} {relation}, got {value!r}")
    return float(value)


def check_binary_data(
    data: object, n_visible: int | None = None, name: str = "data"
) -> torch.Tensor:
    """``data`` as a tensor ``(batch, n_visible)`` of 0s and 1s, or :class:`DataError`
    saying what was expected and what came (shape, or the first values that are not bits).

    >>> check_binary_data(torch.tensor([[0, 1], [1, 1]])).shape
    torch.Size([2, 2])
    """
    x = check_samples(data, n_visible, name=name)
    if x.is_complex():
        raise DataError(f"{name}: expected binary values 0/1, got a complex tensor")
    not_bits = (x != 0) & (x != 1)
    if bool(not_bits.any()):
        values = torch.unique(x[not_bits])[:4].tolist()
        raise DataError(
            f"{name}: expected binary values 0/1 (a Bernoulli RBM models bits; map spins ±1 "
            f"with (1 - s) / 2), got {int(not_bits.any(dim=1).sum())} samples holding "
            f"other values such as {values}"
        )
    return x

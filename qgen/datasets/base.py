"""What every dataset shares: its error class and the validation of sample tensors."""

from __future__ import annotations

import torch

from qgen.errors import QgenError

__all__ = ["DataError", "check_samples"]


class DataError(QgenError, ValueError):
    """Data that cannot be used as asked: wrong shape, non-finite values, empty, unknown name."""


def check_samples(x: object, dim: int | None = None, name: str = "data") -> torch.Tensor:
    """Return ``x`` as a tensor of shape ``(batch, dim)`` after checking it.

    Raises:
        DataError: ``x`` is not a tensor, is not two-dimensional, has ``dim`` wrong,
            holds no rows, or holds NaN or infinite values.

    >>> check_samples(torch.zeros(3, 2), dim=2).shape
    torch.Size([3, 2])
    """
    if not isinstance(x, torch.Tensor):
        raise DataError(f"{name}: expected a torch.Tensor, got {type(x).__name__}")
    if x.dim() != 2:
        raise DataError(
            f"{name}: expected a tensor of shape (batch, features), got shape {tuple(x.shape)}"
        )
    if dim is not None and x.shape[1] != dim:
        raise DataError(f"{name}: expected {dim} features per sample, got {x.shape[1]}")
    if x.shape[0] == 0:
        raise DataError(f"{name}: expected at least one sample, got an empty tensor")
    if x.is_floating_point() and not bool(torch.isfinite(x).all()):
        bad = int((~torch.isfinite(x)).any(dim=1).sum())
        raise DataError(f"{name}: expected finite values, got {bad} samples with NaN or inf")
    return x

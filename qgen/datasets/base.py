"""What every dataset shares: its error class and the validation of sample tensors."""

from __future__ import annotations

import torch

from qgen.errors import DataError

__all__ = ["check_binary_data", "check_samples"]


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

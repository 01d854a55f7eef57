"""What the tomography modules share: the wave-function type, its device, and the limit
of exact enumeration."""

from __future__ import annotations

from collections.abc import Callable

import torch
from torch import nn

from qgen.errors import QgenError

WaveFunction = Callable[[torch.Tensor], torch.Tensor]
"""A model: configurations ``(B, N)`` to ``log ψ`` ``(B,)``, real or complex."""

MAX_EXACT_SITES = 20
"""Largest ``N`` whose ``2^N`` configurations are enumerated (log Z, exact estimators)."""


def model_device(model: WaveFunction) -> torch.device:
    """The device of the model's first parameter or buffer (CPU for a plain function)."""
    if isinstance(model, nn.Module):
        for tensor in (*model.parameters(), *model.buffers()):
            return tensor.device
    return torch.device("cpu")


def check_enumerable(n_sites: int, what: str, error: type[QgenError]) -> None:
    """Raise ``error`` when ``what`` would enumerate more than ``2^MAX_EXACT_SITES`` states."""
    if n_sites > MAX_EXACT_SITES:
        raise error(
            f"{what} enumerates 2^N configurations: expected N <= {MAX_EXACT_SITES}, "
            f"got N = {n_sites}"
        )

r"""Monte Carlo statistics of a batch of local estimates.

For ``n`` independent samples of a local quantity ``O_loc(x)``, ``x ~ |ψ|²``:

.. math::  \bar O = \frac1n\sum_s O_{loc}(x_s),\qquad
           \mathrm{Var}(O) = \frac1{n-1}\sum_s |O_{loc}(x_s) - \bar O|^2,\qquad
           \delta\bar O = \sqrt{\mathrm{Var}(O)/n}.

The V-score of an energy estimate (Wu et al., "Variational benchmarks for quantum
many-body problems", Science 386, 296 (2024)) is :math:`N\,\mathrm{Var}(E)/E^2`: zero for
an eigenstate, and comparable across system sizes and models.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch

from qgen.errors import QgenError

__all__ = ["Stats", "statistics", "v_score"]


@dataclass(frozen=True)
class Stats:
    """Mean, error of the mean and variance of a Monte Carlo estimate (float64).

    ``mean`` is the real part; ``mean_imag`` the imaginary part, which for a Hermitian
    operator is zero up to noise (a large value flags a bug or a poor sample).
    """

    mean: float
    error: float
    variance: float
    n_samples: int
    mean_imag: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __format__(self, spec: str) -> str:
        spec = spec or ".6f"
        return f"{self.mean:{spec}} ± {self.error:.1e}"


def statistics(values: torch.Tensor) -> Stats:
    """:class:`Stats` of independent samples ``values`` (real or complex, shape ``(n,)``)."""
    if values.ndim != 1 or values.numel() == 0:
        raise QgenError(
            f"expected a non-empty 1D tensor of samples, got shape {tuple(values.shape)}"
        )
    wide = values.to(torch.complex128 if values.is_complex() else torch.float64)
    n = wide.numel()
    mean = wide.mean()
    variance = float((wide - mean).abs().square().sum() / max(n - 1, 1))
    return Stats(
        mean=float(mean.real),
        error=math.sqrt(variance / n),
        variance=variance,
        n_samples=n,
        mean_imag=float(mean.imag) if wide.is_complex() else 0.0,
    )


def v_score(stats: Stats, n_sites: int) -> float:
    """``N · Var(E) / E²`` (Wu et al., Science 386, 296 (2024)); NaN for ``E = 0``."""
    if stats.mean == 0:
        return math.nan
    return n_sites * stats.variance / stats.mean**2

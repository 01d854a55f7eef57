r"""Monte Carlo statistics of a batch of local estimates.

For ``n`` independent samples of a local quantity ``O_loc(x)``, ``x ~ |ψ|²``:

.. math::  \bar O = \frac1n\sum_s O_{loc}(x_s),\qquad
           \mathrm{Var}(O) = \frac1{n-1}\sum_s |O_{loc}(x_s) - \bar O|^2,\qquad
           \delta\bar O = \sqrt{\mathrm{Var}(O)/n}.

For Markov chains (values of shape ``(n_chains, length)``) the error of the mean grows
with the integrated autocorrelation time ``τ`` (NetKet's convention: ``τ = 0`` for
independent samples),

.. math::  \delta\bar O = \sqrt{\mathrm{Var}(O)\,(1 + 2\tau)/n},\qquad
           \tau = \sum_{t\ge1}\rho(t),

with the normalized autocorrelation ``ρ(t)`` averaged over chains and summed up to
Sokal's self-consistent window ``W ≥ 5 (1 + 2τ(W))`` (A. Sokal, "Monte Carlo methods in
statistical mechanics", Cargèse lectures 1996), or, when larger, the ``τ`` implied by the
spread of the chain means (which short chains and chains stuck apart need).
Convergence of the chains is judged by the split-R̂ of Gelman et al. (*Bayesian Data
Analysis*, 3rd ed., 2013) as Stan and NetKet compute it: each chain cut in two halves,
``W`` the mean within-half variance, ``B/n`` the variance of the half means,

.. math::  \hat R = \sqrt{\frac{\tfrac{n-1}{n}W + B/n}{W}},

close to 1 (below 1.01) for chains that sample the same distribution.

The V-score of an energy estimate (Wu et al., "Variational benchmarks for quantum
many-body problems", Science 386, 296 (2024)) is :math:`N\,\mathrm{Var}(E)/E^2`: zero for
an eigenstate, and comparable across system sizes and models.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import torch

from qgen.errors import EstimatorError

__all__ = [
    "Stats",
    "integrated_autocorrelation_time",
    "mean_and_error",
    "split_r_hat",
    "statistics",
    "v_score",
]


@dataclass(frozen=True)
class Stats:
    """Mean, error of the mean and variance of a Monte Carlo estimate (float64).

    ``mean`` is the real part and ``error`` its error; ``mean_imag`` the imaginary part,
    which for a Hermitian operator is zero up to noise (a large value flags a bug or a
    poor sample). ``variance`` is ``⟨|O_loc − ⟨O_loc⟩|²⟩``, imaginary part included: for
    the energy it estimates ``⟨H²⟩ − ⟨H⟩²`` (the V-score's variance).
    ``tau_corr`` and ``r_hat`` are set for Markov chains long enough to estimate them
    (None for independent samples).
    """

    mean: float
    error: float
    variance: float
    n_samples: int
    mean_imag: float = 0.0
    tau_corr: float | None = None
    r_hat: float | None = None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __format__(self, spec: str) -> str:
        spec = spec or ".6f"
        return f"{self.mean:{spec}} ± {self.error:.1e}"


def statistics(values: torch.Tensor) -> Stats:
    """:class:`Stats` of ``values`` (real or complex): shape ``(n,)`` for independent
    samples, ``(n_chains, length)`` for Markov chains: autocorrelation-corrected error,
    ``τ`` and split-R̂ when ``length ≥ 4``; for chains of 2 or 3 samples the error comes
    from the spread of the chain means (the chains are independent of each other); one
    sample per chain is a set of independent samples."""
    if values.ndim not in (1, 2) or values.numel() == 0:
        raise EstimatorError(
            "expected a non-empty tensor of samples of shape (n,) or (n_chains, length), "
            f"got shape {tuple(values.shape)}"
        )
    wide = values.to(torch.complex128 if values.is_complex() else torch.float64)
    n = wide.numel()
    mean = wide.mean()
    variance = float((wide - mean).abs().square().sum() / max(n - 1, 1))
    # The error is that of the real part, which is what `mean` reports; for complex
    # values the imaginary part's fluctuations (mean zero for a Hermitian operator)
    # would only inflate it.
    real = wide.real if wide.is_complex() else wide
    real_variance = float(real.var()) if n > 1 else 0.0
    tau = r_hat = None
    inflation = 1.0
    if real.ndim == 2 and real.shape[1] >= 4:
        tau = integrated_autocorrelation_time(real)
        r_hat = split_r_hat(real)
        inflation = 1.0 + 2.0 * tau
    elif real.ndim == 2 and real.shape[1] > 1 and real.shape[0] > 1:
        # Too short for τ: the chain means are independent estimates of the mean.
        spread = float(real.mean(dim=1).var())
        inflation = max(1.0, spread * real.shape[1] / real_variance) if real_variance > 0 else 1.0
    return Stats(
        mean=float(mean.real),
        error=math.sqrt(real_variance * inflation / n),
        variance=variance,
        n_samples=n,
        mean_imag=float(mean.imag) if wide.is_complex() else 0.0,
        tau_corr=tau,
        r_hat=r_hat,
    )


def _check_chains(chains: torch.Tensor, minimum: int) -> torch.Tensor:
    if chains.ndim != 2 or chains.shape[1] < minimum or chains.is_complex():
        raise EstimatorError(
            f"expected real chains of shape (n_chains, length >= {minimum}), "
            f"got {'complex ' if chains.is_complex() else ''}shape {tuple(chains.shape)}"
        )
    return chains.to(torch.float64)


def integrated_autocorrelation_time(chains: torch.Tensor, window_factor: float = 5.0) -> float:
    r"""``τ = Σ_{t≥1} ρ(t)`` of real chains ``(n_chains, length)`` (0 when independent).

    Two estimates, of which the larger is returned:

    - from the autocorrelation: the autocovariance of each chain about its own mean (an
      FFT), averaged over chains, normalized, and summed up to the first window
      ``W ≥ window_factor·(1 + 2τ(W))`` (Sokal). Short chains bias it low: centring each
      chain on its own mean removes the slow part of the fluctuations;
    - from the chain means (batch means, the chains being independent batches):
      :math:`\tau = \tfrac12\,(L\,\mathrm{Var}(\bar x_c)/\mathrm{Var}(x) - 1)`, unbiased
      but noisy for few chains, and the one that sees chains stuck in different places.

    On AR(1) chains of VMC's default shape (16 × 64) the resulting error bars match the
    true spread of the mean within about 10% (see the tests). Negative estimates are
    reported as 0, which keeps error bars conservative.
    """
    x = _check_chains(chains, 2)
    n_chains, length = x.shape
    centred = x - x.mean(dim=1, keepdim=True)
    size = 1 << (2 * length - 1).bit_length()
    spectrum = torch.fft.rfft(centred, n=size, dim=1)
    autocovariance = torch.fft.irfft(spectrum.abs().square(), n=size, dim=1)[:, :length]
    average = autocovariance.mean(dim=0)
    total_variance = float(x.var())
    if float(average[0]) <= 0 and total_variance == 0:
        return 0.0  # every value equal
    tau_int = 1.0
    if float(average[0]) > 0:
        rho = (average / average[0]).tolist()
        for window in range(1, length):
            tau_int += 2.0 * rho[window]
            if window >= window_factor * tau_int:
                break
    tau = (tau_int - 1.0) / 2.0
    if n_chains > 1:
        batch = 0.5 * (length * float(x.mean(dim=1).var()) / total_variance - 1.0)
        tau = max(tau, batch)
    return max(0.0, tau)


def split_r_hat(chains: torch.Tensor) -> float | None:
    """Split-R̂ of real chains ``(n_chains, length ≥ 4)``; None when every value is equal.

    An odd length drops the middle sample. ``inf`` when the halves are constant but differ.
    """
    x = _check_chains(chains, 4)
    half = x.shape[1] // 2
    halves = torch.cat([x[:, :half], x[:, -half:]])
    within = float(halves.var(dim=1).mean())
    between = float(halves.mean(dim=1).var())
    if within == 0:
        return None if between == 0 else math.inf
    pooled = (half - 1) / half * within + between
    return math.sqrt(pooled / within)


def v_score(stats: Stats, n_sites: int) -> float:
    """``N · Var(E) / E²`` (Wu et al., Science 386, 296 (2024)); NaN for ``E = 0``."""
    if stats.mean == 0:
        return math.nan
    return n_sites * stats.variance / stats.mean**2


def mean_and_error(values: torch.Tensor, chains: torch.Tensor | None = None) -> dict[str, float]:
    r"""``{"value": mean, "error": standard error}`` of real values, in float64.

    Without ``chains`` the values are independent: :math:`\sigma_{\bar x} = s/\sqrt N`.
    Values with the same ``chains`` label come from one Markov chain and are correlated;
    only different chains are independent. With :math:`S_c, n_c` the sum and count of
    chain c among C chains,

    .. math:: \sigma^2_{\bar x} = \frac{C}{C-1}\,\frac{\sum_c (S_c - n_c \bar x)^2}{N^2},

    which for equal :math:`n_c` is the variance of the C chain means over C.

    Raises:
        EstimatorError: fewer than two values, or fewer than two chains: an error bar
            needs two independent estimates, and a reported 0 would be a wrong number.

    >>> mean_and_error(torch.tensor([1.0, 3.0]))
    {'value': 2.0, 'error': 1.0}
    """
    x = values.detach().to(torch.float64).flatten()
    if x.numel() < 2:
        raise EstimatorError(f"expected at least two values for an error bar, got {x.numel()}")
    mean = x.mean()
    if chains is None:
        return {"value": float(mean), "error": float(x.std()) / math.sqrt(x.numel())}
    labels = chains.flatten()
    if labels.numel() != x.numel():
        raise EstimatorError(
            f"expected one chain label per value ({x.numel()}), got {labels.numel()}"
        )
    _, label = torch.unique(labels, return_inverse=True)
    n_chains = int(label.max()) + 1
    if n_chains < 2:
        raise EstimatorError("expected values from at least two independent chains, got one")
    sums = x.new_zeros(n_chains, dtype=torch.float64).index_add_(0, label, x)
    counts = torch.bincount(label, minlength=n_chains).to(torch.float64)
    spread = ((sums - counts * mean) ** 2).sum() * n_chains / (n_chains - 1)
    return {"value": float(mean), "error": float(spread.sqrt()) / x.numel()}

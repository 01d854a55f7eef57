r"""Compare the model's samples with Monte Carlo data through physical observables.

For an observable :math:`O` (energy per site, magnetization) both samples are binned on a
common grid into frequencies :math:`\hat p_b` (model) and :math:`\hat q_b` (data).
:func:`compare_histograms` reports

- the total-variation distance :math:`\mathrm{TV} = \tfrac12 \sum_b |\hat p_b - \hat q_b|`;
- its *noise level*: the TV between two halves of the data split by Markov chain,
  rescaled to the two sample sizes (TV from noise alone scales as
  :math:`\sqrt{1/n_\text{model} + 1/n_\text{data}}`), averaged over random splits, with
  its spread — a TV at the noise level means "within the Monte Carlo error";
- a per-bin :math:`\chi^2 = \sum_b (\hat p_b - \hat q_b)^2 / (\sigma^2_{p,b} + \sigma^2_{q,b})`
  with the data's error :math:`\sigma_{q,b}` from per-chain counts (samples of one chain
  are correlated) and the model's binomial error (independent chains), over the bins
  that hold any sample, with its number of bins and p-value.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from qgen.errors import EstimatorError

__all__ = ["compare_histograms", "level_edges"]


def _frequencies(values: torch.Tensor, edges: torch.Tensor) -> torch.Tensor:
    index = torch.bucketize(values, edges[1:-1], right=True)
    return torch.bincount(index, minlength=edges.numel() - 1).to(torch.float64) / values.numel()


def _bin_edges(values: torch.Tensor, bins: int | torch.Tensor) -> torch.Tensor:
    if isinstance(bins, torch.Tensor):
        return bins.to(torch.float64)
    low, high = float(values.min()), float(values.max())
    if high - low < 1e-12:
        high = low + 1.0
    return torch.linspace(low - 1e-9, high + 1e-9, bins + 1, dtype=torch.float64)


def level_edges(values: torch.Tensor, spacing: float, bins: int) -> torch.Tensor:
    """Bin edges for an observable that takes values on a grid of step ``spacing`` (the
    energy per site of an L×L Ising lattice moves in steps of 4/N, the magnetization in
    steps of 2/N): edges halfway between grid values, each bin holding the same number of
    levels, about ``bins`` bins over the range of ``values``. Equal-width bins that ignore
    the grid hold unequal numbers of levels and make spiky histograms.

    >>> level_edges(torch.tensor([-1.0, 1.0]), 0.5, 2).tolist()
    [-1.25, 0.25, 1.75]
    """
    if not spacing > 0 or bins < 1:
        raise EstimatorError(f"expected spacing > 0 and bins ≥ 1, got {spacing!r} and {bins!r}")
    x = values.detach().to(torch.float64)
    low, high = float(x.min()), float(x.max())
    levels = round((high - low) / spacing) + 1
    group = math.ceil(levels / bins)
    n_bins = math.ceil(levels / group)
    return low - spacing / 2 + spacing * group * torch.arange(n_bins + 1, dtype=torch.float64)


def compare_histograms(
    model_values: torch.Tensor,
    data_values: torch.Tensor,
    data_chains: torch.Tensor | None = None,
    bins: int | torch.Tensor = 30,
    n_splits: int = 20,
    generator: torch.Generator | None = None,
) -> dict[str, Any]:
    """Histogram distance between model and data values of one observable (module doc).

    ``model_values`` are independent draws; ``data_values`` carry Markov-chain labels
    ``data_chains`` (default: every value its own chain). ``bins`` is a number of equal
    bins over the range of both samples, or the edges. Returns ``tv``, ``tv_noise`` and
    ``tv_noise_spread``, ``chi2``, ``chi2_bins``, ``chi2_p_value``, ``edges`` and both
    ``frequencies``, plus ``data_errors`` (per bin).

    Raises:
        EstimatorError: fewer than two data chains, or empty samples.
    """
    from scipy.stats import chi2 as chi2_distribution

    model_x = model_values.detach().to(torch.float64).flatten()
    data_x = data_values.detach().to(torch.float64).flatten()
    if model_x.numel() < 2 or data_x.numel() < 4:
        raise EstimatorError(
            f"expected at least 2 model and 4 data values, got {model_x.numel()} and "
            f"{data_x.numel()}"
        )
    chains = torch.arange(data_x.numel()) if data_chains is None else data_chains.flatten()
    if chains.numel() != data_x.numel():
        raise EstimatorError(
            f"expected one chain label per data value ({data_x.numel()}), got {chains.numel()}"
        )
    _, label = torch.unique(chains, return_inverse=True)
    n_chains = int(label.max()) + 1
    if n_chains < 2:
        raise EstimatorError("expected data from at least two independent Markov chains, got one")
    edges = _bin_edges(torch.cat([model_x, data_x]), bins)
    n_bins = edges.numel() - 1
    p = _frequencies(model_x, edges)
    q = _frequencies(data_x, edges)
    tv = 0.5 * float((p - q).abs().sum())

    # Per-bin errors of the data from per-chain counts (delta of the ratio estimator).
    index = torch.bucketize(data_x, edges[1:-1], right=True)
    per_chain = torch.zeros(n_chains, n_bins, dtype=torch.float64)
    per_chain.index_put_((label, index), torch.ones_like(data_x), accumulate=True)
    counts = per_chain.sum(1, keepdim=True)
    residual = per_chain - counts * q
    data_var = (residual**2).sum(0) * n_chains / (n_chains - 1) / data_x.numel() ** 2
    model_var = p * (1 - p) / model_x.numel()
    # Under the null both samples share one law; use the pooled frequency for the model's
    # binomial variance so that a bin empty in one sample still has an error.
    pooled = (p * model_x.numel() + q * data_x.numel()) / (model_x.numel() + data_x.numel())
    model_var = torch.maximum(model_var, pooled * (1 - pooled) / model_x.numel())
    variance = data_var + model_var
    used = variance > 0
    chi2 = float(((p - q)[used] ** 2 / variance[used]).sum())
    dof = int(used.sum())

    # Noise level: TV between chain-halves of the data, rescaled to the sample sizes.
    scale = math.sqrt((1 / model_x.numel() + 1 / data_x.numel()) / (4 / data_x.numel()))
    halves = []
    for _ in range(n_splits):
        first = torch.randperm(n_chains, generator=generator)[: n_chains // 2]
        in_first = torch.isin(label, first)
        a, b = data_x[in_first], data_x[~in_first]
        halves.append(0.5 * float((_frequencies(a, edges) - _frequencies(b, edges)).abs().sum()))
    noise = torch.tensor(halves, dtype=torch.float64) * scale
    return {
        "tv": tv,
        "tv_noise": float(noise.mean()),
        "tv_noise_spread": float(noise.std()) if n_splits > 1 else 0.0,
        "chi2": chi2,
        "chi2_bins": dof,
        "chi2_p_value": float(chi2_distribution.sf(chi2, dof)) if dof > 0 else 1.0,
        "n_model": model_x.numel(),
        "n_data": data_x.numel(),
        "data_chains": n_chains,
        "edges": edges.tolist(),
        "model_frequencies": p.tolist(),
        "data_frequencies": q.tolist(),
        "data_errors": data_var.sqrt().tolist(),
    }

r"""The partition function of a Bernoulli RBM by annealed importance sampling (AIS).

AIS (Neal 2001) walks from a base distribution :math:`p_0 = p^*_0/Z_0` with a known
:math:`Z_0` to the RBM :math:`p_K = p^*_K/Z` through the geometric path

.. math:: p^*_\beta(v, h) = \exp\Big((1-\beta)\, a_0 \cdot v
          + \beta\,(a \cdot v + b \cdot h + h^\top W v)\Big), \qquad
          0 = \beta_0 < \beta_1 < \dots < \beta_K = 1,

whose base :math:`\beta = 0` is the RBM with visible biases :math:`a_0` and no weights,
:math:`\log Z_0 = \sum_i \operatorname{softplus}(a_{0,i}) + M \log 2`. Each chain starts
from an exact draw of :math:`p_0`, accumulates

.. math:: \log w = \sum_{k=1}^{K} \big[\log p^*_{\beta_k}(v_{k-1})
          - \log p^*_{\beta_{k-1}}(v_{k-1})\big],
          \qquad \log p^*_\beta(v) = (1-\beta) a_0 \cdot v + \beta a \cdot v
          + \sum_j \operatorname{softplus}\big(\beta (b_j + W_j v)\big),

and moves by one block Gibbs step that leaves :math:`p_{\beta_k}` invariant. Then
:math:`\mathbb E[w] = Z/Z_0`, and the estimate
:math:`\log \hat Z = \log Z_0 + \log \overline{w}` (unbiased for :math:`Z`, slightly
low for :math:`\log Z` by Jensen). Its error bar is the delta-method standard error
:math:`\operatorname{std}(w) / (\sqrt{n}\, \overline{w})`.

References:
    Neal, *Annealed importance sampling*, Statistics and Computing 11, 125 (2001);
    Salakhutdinov & Murray, *On the quantitative analysis of deep belief networks*,
    ICML 2008 (AIS for RBMs, the base RBM fit to the data marginals).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import torch
from torch.nn import functional

from qgen.datasets.base import check_binary_data
from qgen.errors import EstimatorError
from qgen.models.bernoulli_rbm import MAX_ENUMERATED_UNITS, BernoulliRBM
from qgen.validation import require_int

__all__ = [
    "LogPartitionEstimate",
    "annealed_log_partition",
    "base_visible_bias",
    "log_partition",
    "negative_log_likelihood",
]


@dataclass(frozen=True)
class LogPartitionEstimate:
    """:math:`\\log Z` with its standard error (0 when exact) and how it was obtained."""

    value: float
    error: float
    method: str  # "exact" or "ais"
    n_chains: int = 0
    n_betas: int = 0
    effective_sample_size: float = 0.0

    def as_dict(self) -> dict[str, float | int | str]:
        return {
            "value": self.value,
            "error": self.error,
            "method": self.method,
            "n_chains": self.n_chains,
            "n_betas": self.n_betas,
            "effective_sample_size": self.effective_sample_size,
        }


def base_visible_bias(data: torch.Tensor, n_visible: int, smoothing: float = 1.0) -> torch.Tensor:
    r"""Visible biases :math:`a_{0,i} = \log(\bar v_i / (1 - \bar v_i))` of the
    independent-bits model that matches the data's marginals :math:`\bar v_i` (with
    ``smoothing`` pseudo-counts of each value, so that no bias is infinite); float64."""
    x = check_binary_data(data, n_visible).to(torch.float64)
    mean = (x.sum(0) + smoothing) / (x.shape[0] + 2 * smoothing)
    return torch.log(mean) - torch.log1p(-mean)


def annealed_log_partition(
    model: BernoulliRBM,
    n_chains: int = 100,
    n_betas: int = 1000,
    generator: torch.Generator | None = None,
    base_bias: torch.Tensor | None = None,
) -> LogPartitionEstimate:
    """Estimate :math:`\\log Z` of ``model`` by AIS (module docstring) with ``n_chains``
    independent chains and ``n_betas`` inverse temperatures, evenly spaced in β.

    ``base_bias`` is the base model's visible bias :math:`a_0` (default zero: uniform
    bits); :func:`base_visible_bias` of the training data gives a closer base and a
    smaller error bar. Computed in float64 without gradients.

    Raises:
        EstimatorError: ``n_chains`` < 2, ``n_betas`` < 2, or a base bias of the wrong shape.
    """
    n_chains = require_int(n_chains, "number of AIS chains", minimum=2, error=EstimatorError)
    n_betas = require_int(
        n_betas, "number of AIS inverse temperatures", minimum=2, error=EstimatorError
    )
    n_visible, n_hidden = model.n_visible, model.n_hidden
    device = model.device
    with torch.no_grad():
        a = model.visible_bias.detach().to(torch.float64)
        b = model.hidden_bias.detach().to(torch.float64)
        w = model.weights.detach().to(torch.float64)
        if base_bias is None:
            a0 = torch.zeros(n_visible, dtype=torch.float64, device=device)
        else:
            if not isinstance(base_bias, torch.Tensor) or base_bias.shape != (n_visible,):
                shape = tuple(base_bias.shape) if isinstance(base_bias, torch.Tensor) else base_bias
                raise EstimatorError(
                    f"expected a base visible bias of shape ({n_visible},), got {shape}"
                )
            a0 = base_bias.to(dtype=torch.float64, device=device)
        log_z0 = float(functional.softplus(a0).sum()) + n_hidden * math.log(2.0)
        betas = torch.linspace(0.0, 1.0, n_betas, dtype=torch.float64).tolist()

        def log_unnormalized(v: torch.Tensor, theta: torch.Tensor, beta: float) -> torch.Tensor:
            return v @ ((1.0 - beta) * a0 + beta * a) + functional.softplus(beta * theta).sum(-1)

        probability = torch.sigmoid(a0).expand(n_chains, n_visible)
        v = torch.bernoulli(probability, generator=generator)
        log_w = torch.zeros(n_chains, dtype=torch.float64, device=device)
        for previous, beta in itertools.pairwise(betas):
            theta = v @ w.T + b
            log_w += log_unnormalized(v, theta, beta) - log_unnormalized(v, theta, previous)
            if beta < 1.0:  # the last state's move would not change the weights
                h = torch.bernoulli(torch.sigmoid(beta * theta), generator=generator)
                field = (1.0 - beta) * a0 + beta * (h @ w + a)
                v = torch.bernoulli(torch.sigmoid(field), generator=generator)
        log_mean = torch.logsumexp(log_w, 0) - math.log(n_chains)
        relative = torch.exp(log_w - log_mean)  # w / mean(w)
        error = float(relative.std()) / math.sqrt(n_chains)
        effective = float(relative.sum() ** 2 / (relative**2).sum())
    return LogPartitionEstimate(
        value=log_z0 + float(log_mean),
        error=error,
        method="ais",
        n_chains=n_chains,
        n_betas=n_betas,
        effective_sample_size=effective,
    )


def log_partition(
    model: BernoulliRBM,
    n_chains: int = 100,
    n_betas: int = 1000,
    generator: torch.Generator | None = None,
    base_bias: torch.Tensor | None = None,
    exact_up_to: int = 20,
) -> LogPartitionEstimate:
    """:math:`\\log Z` exactly when the smaller layer has at most ``exact_up_to`` units
    (:meth:`~qgen.models.bernoulli_rbm.BernoulliRBM.exact_log_partition`), else by
    :func:`annealed_log_partition`."""
    if min(model.n_visible, model.n_hidden) <= min(exact_up_to, MAX_ENUMERATED_UNITS):
        with torch.no_grad():
            return LogPartitionEstimate(float(model.exact_log_partition()), 0.0, "exact")
    return annealed_log_partition(model, n_chains, n_betas, generator, base_bias)


def negative_log_likelihood(
    model: BernoulliRBM, data: torch.Tensor, log_z: LogPartitionEstimate
) -> dict[str, float]:
    r"""The mean NLL :math:`\overline{F(v)} + \log Z` over ``data`` in nats per sample,
    with its error: the standard error of the mean free energy and the error of
    :math:`\log Z` added in quadrature."""
    x = check_binary_data(data, model.n_visible)
    with torch.no_grad():
        free = torch.cat(
            [
                model.free_energy(x[first : first + 4096]).to(torch.float64)
                for first in range(0, x.shape[0], 4096)
            ]
        )
    sampling = float(free.std()) / math.sqrt(free.numel()) if free.numel() > 1 else 0.0
    return {
        "value": float(free.mean()) + log_z.value,
        "error": math.hypot(sampling, log_z.error),
        "free_energy_error": sampling,
        "log_partition_error": log_z.error,
    }

r"""Negative log-likelihood of measurement data, exactly or by contrastive divergence.

For data :math:`D = \{(\sigma_s, b_s)\}` of outcomes and the bases they were measured in,
the likelihood of a wave function is :math:`\prod_s |\psi_{b_s}(\sigma_s)|^2 / Z` with
:math:`Z = \sum_\sigma |\psi(\sigma)|^2`, and the loss is the mean negative log-likelihood

.. math::  \mathcal L = -\frac1{|D|}\sum_s \log|\psi_{b_s}(\sigma_s)|^2 + \log Z

(Torlai et al., "Neural-network quantum state tomography", Nat. Phys. 14, 447 (2018)).
An autoregressive model is normalized, :math:`\log Z = 0`, so the loss is exact for any
``N``; in the z basis it is :math:`-\log p(\sigma)`. For an RBM,
:math:`\log Z = \log\sum_\sigma e^{-F_\lambda(\sigma)}` is exact by enumeration for small
``N``; otherwise its gradient :math:`\partial\log Z = \langle -\partial F_\lambda\rangle_{p}`
is estimated from Gibbs chains of the amplitude RBM (contrastive divergence, CD-k; with
persistent chains, PCD: Tieleman, ICML 2008), as QuCumber does (Beach et al., SciPost
Phys. 7, 009 (2019)).
"""

from __future__ import annotations

import numpy as np
import torch

from qgen.errors import TrainingError
from qgen.hilbert import all_configs
from qgen.tomography._common import (
    MAX_EXACT_SITES,
    WaveFunction,
    check_enumerable,
    model_device,
)
from qgen.tomography.rotations import log_probabilities

__all__ = [
    "MAX_EXACT_SITES",
    "exact_log_partition",
    "negative_log_likelihood",
]


def exact_log_partition(
    model: WaveFunction, n_sites: int, chunk_size: int = 1 << 16
) -> torch.Tensor:
    r""":math:`\log Z = \log\sum_\sigma |\psi(\sigma)|^2` by enumeration (differentiable).

    ``N <= 20``; the sum is a ``logsumexp`` of :math:`2\,\mathrm{Re}\log\psi`.
    """
    check_enumerable(n_sites, "the exact partition function", TrainingError)
    device = model_device(model)
    x = all_configs(n_sites, device=device)
    log_weights = torch.cat([2.0 * model(part).real for part in x.split(chunk_size)])
    return torch.logsumexp(log_weights, dim=0)


def negative_log_likelihood(
    model: WaveFunction,
    outcomes: torch.Tensor,
    bases: np.ndarray | str | torch.Tensor | None = None,
    log_partition: torch.Tensor | float = 0.0,
) -> torch.Tensor:
    r"""Mean :math:`-\log|\psi_b(\sigma)|^2 + \log Z` over the samples (a scalar).

    ``log_partition`` is 0 for normalized (autoregressive) models; pass
    :func:`exact_log_partition` for an RBM.
    """
    return -log_probabilities(model, outcomes, bases).mean() + log_partition

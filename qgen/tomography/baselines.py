r"""The standard estimates of a density matrix from product-POVM data, ``N <= 7``.

- **Linear inversion**: :math:`\hat\rho = \sum_{\mathbf a} f(\mathbf a) \otimes_k Q_{a_k}`
  with the empirical frequencies ``f`` and the POVM's duals ``Q``: unbiased, Hermitian, of
  unit trace, but with negative eigenvalues whenever the shots are few. For Pauli-6 data
  in which every one of the ``3^N`` settings was measured, each setting's outcomes are
  weighted by :math:`3^{-N}/n_s`, the estimate of a record of fixed settings with any
  numbers of shots ``n_s`` (otherwise the settings are taken as drawn uniformly).
- **Maximum likelihood**: the maximum of :math:`\sum_{\mathbf a} f(\mathbf a)\log
  \mathrm{Tr}(\rho M_{\mathbf a})` over density matrices, by the diluted iteration
  :math:`\rho \leftarrow \mathcal N[(\mathbb 1+\varepsilon R)\rho(\mathbb 1+\varepsilon R)]`,
  :math:`R = \sum_{\mathbf a} f(\mathbf a) M_{\mathbf a} / \mathrm{Tr}(\rho M_{\mathbf a})`
  (Řeháček, Hradil, Knill, Lvovsky, PRA 75, 042108 (2007)); ε starts large (the plain RρR
  step) and is halved whenever a step would lower the likelihood, which the diluted
  step never does for ε small enough. For Pauli-setting records of any numbers of shots
  this is the likelihood of the settings' projective outcomes (the setting weights cancel
  in ``R``).

Both read the data through the operator sums of :mod:`qgen.exact.povm` (``K^N`` outcomes,
``4^N`` matrix entries: milliseconds at ``N = 3``, a second per iteration at ``N = 7``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qgen.errors import DataError
from qgen.exact.povm import POVM, operator_sum, outcome_probabilities
from qgen.tomography.povm_data import POVMData
from qgen.validation import require_float, require_int

__all__ = [
    "BASELINES",
    "MAX_BASELINE_SITES",
    "Estimate",
    "fit_likelihood",
    "linear_inversion",
    "maximum_likelihood",
]

MAX_BASELINE_SITES = 7
"""Largest number of qubits of the baselines (their cost grows as ``6^N`` and ``4^N``)."""

BASELINES = ("mle", "linear")
"""The baselines of ``qgen tomo --mixed --baseline``."""


@dataclass(frozen=True)
class Estimate:
    """A baseline's density matrix and how it was reached.

    Attributes:
        rho: the estimate (complex128, ``2^N × 2^N``); linear inversion's may have
            negative eigenvalues, maximum likelihood's never.
        log_likelihood: the mean log-likelihood :math:`\\sum_a f(a) \\log \\mathrm{Tr}(\\rho M_a)`
            (None for linear inversion with negative probabilities).
        iterations: iterations of the fit (0 for linear inversion).
        converged: whether the fit met its tolerance.
    """

    rho: np.ndarray
    log_likelihood: float | None
    iterations: int
    converged: bool


def _check_size(data: POVMData) -> None:
    if data.n_sites > MAX_BASELINE_SITES:
        raise DataError(
            f"the baselines build the {data.measurement.size}^N outcome table and the "
            f"2^N x 2^N matrix: expected N <= {MAX_BASELINE_SITES}, got N = {data.n_sites}"
        )


def _setting_weighted_frequencies(data: POVMData) -> np.ndarray:
    """Pauli-6 frequencies with each setting's outcomes weighted by 3^-N / n_s, when all
    ``3^N`` settings were measured; the plain frequencies otherwise."""
    frequencies = data.frequencies()
    if data.povm != "pauli6":
        return frequencies
    n = data.n_sites
    by_setting = frequencies.reshape((3, 2) * n).transpose(*range(0, 2 * n, 2), *range(1, 2 * n, 2))
    shots = by_setting.reshape(3**n, 2**n).sum(1)
    if (shots == 0).any():
        return frequencies
    weighted = by_setting.reshape(3**n, 2**n) / shots[:, None] / 3**n
    order = np.argsort([*range(0, 2 * n, 2), *range(1, 2 * n, 2)])
    return weighted.reshape((3,) * n + (2,) * n).transpose(*order).reshape(-1)


def linear_inversion(data: POVMData) -> Estimate:
    r""":math:`\hat\rho = \sum_{\mathbf a} f(\mathbf a)\otimes_k Q_{a_k}` (see the module)."""
    _check_size(data)
    rho = operator_sum(_setting_weighted_frequencies(data), data.measurement.duals)
    rho = 0.5 * (rho + rho.conj().T)
    probabilities = outcome_probabilities(rho, data.measurement, check=False)
    frequencies = data.frequencies()
    seen = frequencies > 0
    likelihood = None
    if (probabilities[seen] > 0).all():
        likelihood = float((frequencies[seen] * np.log(probabilities[seen])).sum())
    return Estimate(rho, likelihood, 0, True)


def maximum_likelihood(
    data: POVMData, *, max_iterations: int = 10000, tolerance: float = 1e-10
) -> Estimate:
    r"""The maximum-likelihood density matrix by the diluted :math:`R\rho R` iteration (see
    the module); stops when an iteration raises the mean log-likelihood by less than
    ``tolerance`` (``converged``) or after ``max_iterations``."""
    _check_size(data)
    return fit_likelihood(
        data.frequencies(),
        data.measurement,
        data.n_sites,
        max_iterations=max_iterations,
        tolerance=tolerance,
    )


def fit_likelihood(
    frequencies: np.ndarray,
    povm: POVM,
    n_sites: int,
    *,
    max_iterations: int = 10000,
    tolerance: float = 1e-10,
) -> Estimate:
    r"""The density matrix maximizing :math:`\sum_{\mathbf a} f(\mathbf a)\log
    \mathrm{Tr}(\rho M_{\mathbf a})` for any distribution ``f`` over the ``K^N``
    outcomes (empirical frequencies: maximum likelihood; a model's distribution: the
    state whose outcome distribution is closest to it in relative entropy)."""
    require_int(max_iterations, "max_iterations", minimum=1, error=DataError)
    require_float(tolerance, "tolerance", minimum=0.0, inclusive=False, error=DataError)
    frequencies = np.asarray(frequencies, dtype=np.float64)
    if frequencies.shape != (povm.size**n_sites,) or (frequencies < 0).any():
        raise DataError(
            f"frequencies: expected {povm.size}^{n_sites} non-negative values, got shape "
            f"{frequencies.shape}"
        )
    seen = frequencies > 0
    dimension = 1 << n_sites
    identity = np.eye(dimension, dtype=np.complex128)

    def log_likelihood(probabilities: np.ndarray) -> float:
        return float((frequencies[seen] * np.log(np.maximum(probabilities[seen], 1e-300))).sum())

    rho = identity / dimension
    probabilities = outcome_probabilities(rho, povm, check=False)
    current = log_likelihood(probabilities)
    dilution = 1e3
    for iteration in range(1, max_iterations + 1):
        weights = np.zeros_like(frequencies)
        weights[seen] = frequencies[seen] / np.maximum(probabilities[seen], 1e-300)
        r_operator = operator_sum(weights, povm.elements)
        while True:
            step = identity + dilution * r_operator
            candidate = step @ rho @ step.conj().T
            candidate = 0.5 * (candidate + candidate.conj().T) / np.trace(candidate).real
            candidate_probabilities = outcome_probabilities(candidate, povm, check=False)
            value = log_likelihood(candidate_probabilities)
            if value >= current - 1e-15 or dilution < 1e-8:
                break
            dilution /= 2
        gain = value - current
        rho, probabilities, current = candidate, candidate_probabilities, value
        if gain < tolerance:
            return Estimate(rho, current, iteration, True)
    return Estimate(rho, current, max_iterations, False)

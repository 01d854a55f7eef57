r"""What a reconstructed state predicts: fidelity, KL divergence, observables, Rényi-2.

Every estimator takes a model, an ``nn.Module`` (or any callable) mapping configurations
``x`` of shape ``(batch, N)`` to :math:`\log\psi(x)`, real or complex and not necessarily
normalized, and, for the Monte Carlo estimators, samples :math:`x \sim |\psi(x)|^2` as
int64 tensors. So the same code serves autoregressive models (exact samples from
``model.sample``) and RBMs (Markov-chain samples); Markov-chain samples should be
decorrelated (thinned) first, since the error bars below assume independent samples.

- :func:`fidelity`: :math:`F = |\langle\psi_t|\psi\rangle|^2 / \langle\psi|\psi\rangle`
  by enumeration for small ``N``, by a Monte Carlo estimate beyond;
- :func:`kl_divergence`: :math:`\mathrm{KL}(p_t \| p)` of the outcome distributions in a
  basis, by enumeration;
- :func:`observable`, :func:`magnetization`, :func:`correlator`: any
  :class:`~qgen.operators.PauliSum` by its local estimator (the path of the VMC energy,
  :func:`qgen.estimators.local_values.local_values`), so bases that were never measured come for
  free (Torlai et al., Nat. Phys. 14, 447 (2018));
- :func:`renyi2`, :func:`renyi2_curve`: the second Rényi entropy by the replica swap
  estimator (Hastings, González, Kallin, Melko, PRL 104, 157201 (2010)).

Results with an error bar are :class:`~qgen.estimators.statistics.Stats`.

Example:
    >>> import numpy as np, torch
    >>> from qgen.exact import sample_measurements
    >>> from qgen.tomography.estimators import ExactWaveFunction, fidelity, magnetization
    >>> plus = np.ones(8) / np.sqrt(8)  # |+++>
    >>> model = ExactWaveFunction(plus)
    >>> round(fidelity(model, plus).mean, 12)
    1.0
    >>> samples = sample_measurements(plus, "ZZZ", 100, seed=0).outcomes
    >>> round(magnetization(model, samples, "X").mean, 12)
    1.0
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import torch
from torch import nn

from qgen.errors import EstimatorError
from qgen.estimators.local_values import DEFAULT_CHUNK_SIZE, local_values
from qgen.estimators.statistics import Stats, statistics
from qgen.exact.measurement import measurement_probabilities
from qgen.exact.states import expectation, renyi_entropy
from qgen.hilbert import MagnetizationSector, configs_to_indices, indices_to_configs
from qgen.interop.states import as_state_array
from qgen.models.autoregressive import AutoregressiveModel
from qgen.operators import observables
from qgen.operators.pauli import PauliSum
from qgen.tomography._common import MAX_EXACT_SITES, WaveFunction, check_enumerable, model_device

__all__ = [
    "MAX_EXACT_SITES",
    "ExactWaveFunction",
    "correlator",
    "exact_values",
    "fidelity",
    "kl_divergence",
    "magnetization",
    "observable",
    "renyi2",
    "renyi2_curve",
    "state_vector",
    "swap_values",
]


# --- helpers ---------------------------------------------------------------------------------


def _evaluate(model: WaveFunction, x: torch.Tensor, chunk_size: int) -> torch.Tensor:
    """``log ψ(x)`` in chunks, without gradients, as complex128 on the CPU."""
    if chunk_size < 1:
        raise EstimatorError(f"expected a positive chunk size, got {chunk_size}")
    device = model_device(model)
    with torch.no_grad():
        parts = [model(part.to(device)).to(torch.complex128).cpu() for part in x.split(chunk_size)]
    return torch.cat(parts)


def _check_samples(samples: torch.Tensor, n_sites: int | None, name: str) -> torch.Tensor:
    if not isinstance(samples, torch.Tensor) or samples.ndim != 2 or samples.shape[0] == 0:
        shape = tuple(samples.shape) if isinstance(samples, torch.Tensor) else type(samples)
        raise EstimatorError(
            f"{name}: expected a non-empty tensor of configurations (n_samples, n_sites), "
            f"got {shape}"
        )
    if n_sites is not None and samples.shape[1] != n_sites:
        raise EstimatorError(f"{name}: expected {n_sites} sites per sample, got {samples.shape[1]}")
    if samples.is_floating_point() or samples.is_complex():
        raise EstimatorError(f"{name}: expected integer configurations, got {samples.dtype}")
    return samples.to(torch.int64)


def _target(psi: np.ndarray) -> tuple[np.ndarray, int]:
    vector = np.asarray(as_state_array(psi, EstimatorError), dtype=np.complex128)
    size = vector.size
    if vector.ndim != 1 or size < 2 or size & (size - 1):
        raise EstimatorError(f"expected a target state of length 2^N, got shape {vector.shape}")
    norm = np.linalg.norm(vector)
    if not np.isfinite(norm) or norm == 0:
        raise EstimatorError(f"expected a non-zero, finite target state, got norm {norm}")
    return vector / norm, size.bit_length() - 1


class ExactWaveFunction(nn.Module):
    r"""A model that returns :math:`\log\psi(x)` of a given state vector: the exact answer
    for testing estimators and training code.

    Zero amplitudes give :math:`\log\psi = -\infty`.

    Args:
        psi: state vector of length ``2^N`` (any normalization).
    """

    log_amplitudes: torch.Tensor

    def __init__(self, psi: np.ndarray) -> None:
        super().__init__()
        vector = np.asarray(as_state_array(psi, EstimatorError), dtype=np.complex128)
        if vector.ndim != 1 or vector.size < 2 or vector.size & (vector.size - 1):
            raise EstimatorError(f"expected a state of length 2^N, got shape {vector.shape}")
        self.n_sites = vector.size.bit_length() - 1
        with np.errstate(divide="ignore"):
            table = torch.from_numpy(np.log(vector))
        self.register_buffer("log_amplitudes", table)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``log ψ(x)`` for configurations ``(batch, N)``."""
        return self.log_amplitudes[configs_to_indices(x.to(torch.int64))]


# --- exact estimators ----------------------------------------------------------------------


def state_vector(
    model: WaveFunction, n_sites: int, chunk_size: int = DEFAULT_CHUNK_SIZE
) -> np.ndarray:
    r"""The model's normalized state vector, :math:`\psi(x)/\sqrt{\sum_y|\psi(y)|^2}`, in
    basis-index order (complex128), by enumeration of all ``2^N`` configurations in chunks.

    The largest :math:`\mathrm{Re}\log\psi` is subtracted before exponentiating, so models
    far from normalized (RBMs) neither overflow nor underflow. An autoregressive model
    projected onto a magnetization sector is evaluated in that sector only (ψ = 0
    elsewhere): 20 configurations instead of 2^20 for a W state's.
    """
    check_enumerable(n_sites, "the model's state vector", EstimatorError)
    if chunk_size < 1:
        raise EstimatorError(f"expected a positive chunk size, got {chunk_size}")
    magnetization = getattr(model, "magnetization", None)
    if isinstance(model, AutoregressiveModel) and magnetization is not None:
        indices = torch.from_numpy(MagnetizationSector(n_sites, magnetization).states)
    else:
        indices = torch.arange(1 << n_sites)
    # Configurations are made one chunk at a time: all 2^20 at once would take 168 MB.
    log_psi = torch.cat(
        [
            _evaluate(model, indices_to_configs(part, n_sites), chunk_size)
            for part in indices.split(chunk_size)
        ]
    )
    finite = torch.isfinite(log_psi.real)
    if not bool(finite.any()):
        raise EstimatorError("the model gives zero amplitude (log psi = -inf) everywhere")
    amplitudes = np.zeros(1 << n_sites, dtype=np.complex128)
    amplitudes[indices.numpy()] = torch.exp(log_psi - log_psi.real[finite].max()).numpy()
    return amplitudes / np.linalg.norm(amplitudes)


def _fidelity_monte_carlo(
    model: WaveFunction,
    target: np.ndarray,
    samples: torch.Tensor,
    target_samples: torch.Tensor | None,
    seed: int,
    chunk_size: int,
) -> Stats:
    n_sites = target.size.bit_length() - 1
    x = _check_samples(samples, n_sites, "samples").cpu()  # the target vector lives on the CPU
    if target_samples is None:
        generator = torch.Generator().manual_seed(int(seed))
        cumulative = torch.from_numpy(np.cumsum(np.abs(target) ** 2))
        uniform = torch.rand(x.shape[0], generator=generator, dtype=torch.float64)
        index = torch.searchsorted(cumulative, uniform * cumulative[-1], right=True)
        y = indices_to_configs(index.clamp_(max=target.size - 1), n_sites)
    else:
        y = _check_samples(target_samples, n_sites, "target_samples").cpu()
    log_model_x = _evaluate(model, x, chunk_size)
    log_model_y = _evaluate(model, y, chunk_size)
    shift = log_model_x.real.mean()  # any constant: it cancels in the product
    target_x = torch.from_numpy(target[configs_to_indices(x).numpy()])
    target_y = torch.from_numpy(target[configs_to_indices(y).numpy()])
    forward = statistics(target_x * torch.exp(-(log_model_x - shift)))
    backward = statistics(torch.exp(log_model_y - shift) / target_y)
    a = complex(forward.mean, forward.mean_imag)
    b = complex(backward.mean, backward.mean_imag)
    value = (a * b).real
    error = math.sqrt(abs(b) ** 2 * forward.error**2 + abs(a) ** 2 * backward.error**2)
    n = min(forward.n_samples, backward.n_samples)
    return Stats(mean=value, error=error, variance=error**2 * n, n_samples=n)


def fidelity(
    model: WaveFunction,
    psi: np.ndarray,
    samples: torch.Tensor | None = None,
    *,
    method: str = "auto",
    target_samples: torch.Tensor | None = None,
    seed: int = 0,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Stats:
    r"""Fidelity of the model with a target state,

    .. math:: F = \frac{|\langle\psi_t|\psi\rangle|^2}
                       {\langle\psi|\psi\rangle\,\langle\psi_t|\psi_t\rangle}.

    ``"exact"`` enumerates the ``2^N`` amplitudes (``N <= 20``; error 0). ``"monte-carlo"``
    needs ``samples`` :math:`x \sim |\psi|^2/Z` and uses target samples
    :math:`y \sim |\psi_t|^2` (drawn exactly from ``psi`` with ``seed`` unless given):

    .. math:: F = \Big\langle \frac{\psi_t(x)}{\psi(x)} \Big\rangle_{x}
                  \Big\langle \frac{\psi(y)}{\psi_t(y)} \Big\rangle_{y},

    which needs neither normalization; the error bar is the delta method's,
    :math:`\delta F^2 = |B|^2\delta A^2 + |A|^2\delta B^2` for the two means A and B.
    ``"auto"`` is exact up to 20 sites, Monte Carlo beyond.

    Returns:
        :class:`Stats` (``mean`` the fidelity, ``error`` its error bar, 0 when exact).
    """
    target, n_sites = _target(psi)
    if method not in ("auto", "exact", "monte-carlo"):
        raise EstimatorError(f"expected method 'auto', 'exact' or 'monte-carlo', got {method!r}")
    if method == "exact" or (method == "auto" and n_sites <= MAX_EXACT_SITES):
        amplitudes = state_vector(model, n_sites, chunk_size)
        value = float(abs(np.vdot(target, amplitudes)) ** 2)
        return Stats(mean=min(value, 1.0), error=0.0, variance=0.0, n_samples=1 << n_sites)
    if samples is None:
        raise EstimatorError(
            f"the Monte Carlo fidelity of {n_sites} sites needs samples of the model "
            "(x ~ |psi|^2); got none"
        )
    return _fidelity_monte_carlo(model, target, samples, target_samples, seed, chunk_size)


def kl_divergence(
    model: WaveFunction,
    psi: np.ndarray,
    basis: str | Sequence[str] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> float:
    r"""Kullback–Leibler divergence of the model's outcome distribution from the target's,

    .. math:: \mathrm{KL}_b = \sum_s p^t_b(s)\,\ln\frac{p^t_b(s)}{p_b(s)},
              \qquad p_b(s) = |\langle s|U_b|\psi\rangle|^2,

    in basis ``b`` (default all Z), by enumeration (``N <= 20``). For a list of bases,
    the mean over them (QuCumber's multi-basis KL). Zero iff the distributions agree;
    infinite when the model gives zero probability to an outcome the target has.
    """
    target, n_sites = _target(psi)
    bases = ["Z" * n_sites] if basis is None else [basis] if isinstance(basis, str) else basis
    if not bases:
        raise EstimatorError("expected at least one basis, got none")
    amplitudes = state_vector(model, n_sites, chunk_size)
    divergences = []
    for b in bases:
        p_target = measurement_probabilities(target, b)
        p_model = measurement_probabilities(amplitudes, b)
        support = p_target > 0
        with np.errstate(divide="ignore"):
            terms = p_target[support] * (np.log(p_target[support]) - np.log(p_model[support]))
        divergences.append(max(float(terms.sum()), 0.0))
    return float(np.mean(divergences))


# --- Monte Carlo observables ---------------------------------------------------------------


def observable(
    model: WaveFunction,
    operator: PauliSum,
    samples: torch.Tensor,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Stats:
    r""":math:`\langle O\rangle` from samples :math:`x\sim|\psi|^2` by the local estimator

    .. math:: O_{loc}(x) = \sum_{x'} \langle x|O|x'\rangle \frac{\psi(x')}{\psi(x)},

    the same code as the VMC energy (:func:`qgen.estimators.local_values.local_values`), so an
    observable in a basis that was never measured, or a Hamiltonian's energy, costs one
    model call per connected configuration.
    """
    if not isinstance(operator, PauliSum):
        raise EstimatorError(f"expected a PauliSum operator, got {type(operator).__name__}")
    x = _check_samples(samples, operator.n_sites, "samples").to(model_device(model))
    return statistics(local_values(operator, model, x, chunk_size=chunk_size))


def magnetization(
    model: WaveFunction,
    samples: torch.Tensor,
    letter: str = "X",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Stats:
    r"""Site-averaged :math:`\frac1N\sum_i\langle\sigma^a_i\rangle`, ``letter`` = a ∈ {X, Y, Z}."""
    x = _check_samples(samples, None, "samples")
    return observable(model, observables.magnetization(letter, x.shape[1]), x, chunk_size)


def correlator(
    model: WaveFunction,
    samples: torch.Tensor,
    i: int,
    j: int,
    letters: str = "XX",
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Stats:
    r"""Two-point correlator :math:`\langle\sigma^a_i\sigma^b_j\rangle`, ``letters = "ab"``."""
    x = _check_samples(samples, None, "samples")
    return observable(model, observables.correlation(i, j, x.shape[1], letters), x, chunk_size)


# --- Rényi-2 by the swap trick -------------------------------------------------------------


def _subsystem(subsystem: Iterable[int], n_sites: int) -> list[int]:
    sites = [int(s) for s in subsystem]
    if not sites or len(set(sites)) != len(sites) or any(not 0 <= s < n_sites for s in sites):
        raise EstimatorError(
            f"expected a non-empty set of distinct sites in 0..{n_sites - 1}, got {sites}"
        )
    return sites


def _two_sets(
    samples_a: torch.Tensor, samples_b: torch.Tensor | None
) -> tuple[torch.Tensor, torch.Tensor]:
    x = _check_samples(samples_a, None, "samples_a")
    if samples_b is None:
        half = x.shape[0] // 2
        if half == 0:
            raise EstimatorError("the swap estimator needs at least two samples, got one")
        return x[:half], x[half : 2 * half]
    y = _check_samples(samples_b, x.shape[1], "samples_b")
    if y.shape[0] != x.shape[0]:
        raise EstimatorError(
            f"expected two sample sets of the same size, got {x.shape[0]} and {y.shape[0]}"
        )
    return x, y


def swap_values(
    model: WaveFunction,
    x: torch.Tensor,
    y: torch.Tensor,
    subsystem: Sequence[int],
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> torch.Tensor:
    r"""The swap estimator for each pair of rows ``(x_k, y_k)``, complex128 ``(n,)``:

    .. math:: \mathrm{Swap}_A(x, y) = \frac{\psi(y_A x_B)\,\psi(x_A y_B)}{\psi(x)\,\psi(y)},

    where :math:`y_A x_B` is ``x`` with the sites of A taken from ``y``. For independent
    :math:`x, y \sim |\psi|^2`, :math:`\langle\mathrm{Swap}_A\rangle = \mathrm{Tr}\rho_A^2`
    (Hastings, González, Kallin, Melko, PRL 104, 157201 (2010)).
    """
    x, y = _two_sets(x, y)
    log_x, log_y = _evaluate(model, torch.cat([x, y]), chunk_size).split(x.shape[0])
    return _swap(model, x, y, log_x, log_y, subsystem, chunk_size)


def _swap(
    model: WaveFunction,
    x: torch.Tensor,
    y: torch.Tensor,
    log_x: torch.Tensor,
    log_y: torch.Tensor,
    subsystem: Iterable[int],
    chunk_size: int,
) -> torch.Tensor:
    """Swap values given ``log ψ(x)`` and ``log ψ(y)`` (reused across subsystems)."""
    sites = torch.as_tensor(_subsystem(subsystem, x.shape[1]), device=x.device)
    x_swapped, y_swapped = x.clone(), y.clone()
    x_swapped[:, sites] = y[:, sites]
    y_swapped[:, sites] = x[:, sites]
    log_a, log_b = _evaluate(model, torch.cat([x_swapped, y_swapped]), chunk_size).split(x.shape[0])
    return torch.exp(log_a + log_b - log_x - log_y)


def _renyi_from_swap(swap: Stats) -> Stats:
    if not swap.mean > 0:
        return Stats(mean=math.nan, error=math.inf, variance=math.inf, n_samples=swap.n_samples)
    return Stats(
        mean=-math.log(swap.mean),
        error=swap.error / swap.mean,
        variance=swap.variance / swap.mean**2,
        n_samples=swap.n_samples,
        mean_imag=-math.atan2(swap.mean_imag, swap.mean),
    )


def renyi2(
    model: WaveFunction,
    samples_a: torch.Tensor,
    samples_b: torch.Tensor | None,
    subsystem: Sequence[int],
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> Stats:
    r"""Second Rényi entropy :math:`S_2(A) = -\ln\mathrm{Tr}\rho_A^2` (nats) by the replica
    swap estimator,

    .. math:: S_2 = -\ln\langle\mathrm{Swap}_A\rangle, \qquad
              \delta S_2 = \frac{\delta\langle\mathrm{Swap}_A\rangle}{\langle\mathrm{Swap}_A\rangle}

    (delta method), with :math:`\langle\cdot\rangle` the mean over pairs of two independent
    sample sets :math:`x, y \sim |\psi|^2` (:func:`swap_values`; Hastings, González, Kallin,
    Melko, PRL 104, 157201 (2010)). ``samples_b = None`` splits ``samples_a`` into halves.

    The estimator's variance grows like :math:`e^{S_2}`: large entropies need many samples.
    When the mean swap value is not positive the entropy is undefined and the result is
    NaN with an infinite error.

    Returns:
        :class:`Stats`: ``mean`` = S2, ``error`` = δS2, ``variance`` the per-pair variance
        of :math:`\mathrm{Swap}/\langle\mathrm{Swap}\rangle`, ``mean_imag`` =
        :math:`-\arg\langle\mathrm{Swap}\rangle` (zero up to noise).
    """
    x, y = _two_sets(samples_a, samples_b)
    return _renyi_from_swap(statistics(swap_values(model, x, y, subsystem, chunk_size)))


def renyi2_curve(
    model: WaveFunction,
    samples_a: torch.Tensor,
    samples_b: torch.Tensor | None = None,
    sizes: Iterable[int] | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> dict[int, Stats]:
    """:func:`renyi2` of the subsystems of the first ``ℓ`` sites, for ``ℓ`` in ``sizes``
    (default ``1 … N // 2``): the entanglement curve of a chain."""
    x, y = _two_sets(samples_a, samples_b)
    n_sites = x.shape[1]
    lengths = list(range(1, n_sites // 2 + 1) if sizes is None else sizes)
    for size in lengths:
        if isinstance(size, bool) or not 1 <= int(size) < n_sites:
            raise EstimatorError(f"expected subsystem sizes in 1..{n_sites - 1}, got {size!r}")
    log_x, log_y = _evaluate(model, torch.cat([x, y]), chunk_size).split(x.shape[0])
    return {
        int(size): _renyi_from_swap(
            statistics(_swap(model, x, y, log_x, log_y, range(int(size)), chunk_size))
        )
        for size in lengths
    }


def exact_values(psi: np.ndarray, sizes: Iterable[int] | None = None) -> dict[str, Any]:
    r"""The exact counterparts of the estimators for a known state, for reports and plots:
    ``{"sx": ..., "sy": ..., "sz": ...}`` (site-averaged :math:`\langle\sigma^a\rangle`)
    and ``"renyi2"``: :math:`S_2` of the first ``ℓ`` sites for ``ℓ`` in ``sizes``
    (default ``1 … N // 2``), from :mod:`qgen.exact`."""
    target, n_sites = _target(psi)
    values: dict[str, Any] = {
        f"s{letter.lower()}": complex(
            expectation(observables.magnetization(letter, n_sites), target)
        ).real
        for letter in "XYZ"
    }
    lengths = range(1, n_sites // 2 + 1) if sizes is None else sizes
    values["renyi2"] = {
        int(size): renyi_entropy(target, list(range(int(size))), alpha=2) for size in lengths
    }
    return values

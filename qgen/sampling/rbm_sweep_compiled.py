r"""The RBM Metropolis sweep of :mod:`qgen.sampling.rbm_sweep` as one compiled loop (Numba).

With NetKet's default of 16 chains a VMC iteration is ~1,400 sequential Metropolis steps
on ``16 × N`` arrays. In NumPy each step is ~15 array operations whose call overheads
(1–3 µs each) dominate; compiled, a step is one pass over the moved sites and the hidden
units of each chain. Numba is optional (NetKet, a development dependency, brings it):
without it the NumPy sweep runs. The loop makes the same decisions from the same
proposals and uniforms as the NumPy sweep; only the order of floating-point sums
differs (~1e-15 relative), so the two give the same chains unless a threshold falls
within rounding of an energy change.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

import numpy as np

__all__ = ["compiled_sweep"]


def _sweep(
    spins: np.ndarray,
    steps: np.ndarray,
    thresholds: np.ndarray,
    weights: np.ndarray,
    theta: np.ndarray,
    log_cosh_sum: np.ndarray,
    kernel: np.ndarray,
    visible: np.ndarray,
    exchange: bool,
    accepted: np.ndarray,
    log_abs_cosh: Callable[[Any], float],
) -> None:
    """Steps ``s`` of every chain ``c`` in place (the arguments of
    :func:`qgen.sampling.rbm_sweep.rbm_sweep`, as float64/complex128 arrays)."""
    n_steps, n_chains, n_sites = steps.shape
    n_hidden = kernel.shape[1]
    new_theta = np.empty(n_hidden, dtype=theta.dtype)
    moved = np.empty(n_sites, dtype=np.int64)
    change = np.empty(n_sites, dtype=np.float64)
    for s in range(n_steps):
        for c in range(n_chains):
            count = 0
            total = 0.0
            for i in range(n_sites):
                if steps[s, c, i] != 0.0:
                    moved[count] = i
                    change[count] = spins[c, i] * steps[s, c, i]
                    total += change[count]
                    count += 1
            if exchange and abs(total) >= 1.0:  # equal spins: a trivial move
                count = 0
            for h in range(n_hidden):
                new_theta[h] = theta[c, h]
            linear = 0.0
            for j in range(count):
                i = moved[j]
                linear += change[j] * visible[i]
                for h in range(n_hidden):
                    new_theta[h] += change[j] * kernel[i, h]
            new_sum = 0.0
            for h in range(n_hidden):
                new_sum += log_abs_cosh(new_theta[h])
            delta = 2.0 * (new_sum - log_cosh_sum[c] + linear)
            accept = thresholds[s, c] < delta
            accepted[s, c] = accept
            if accept:
                for j in range(count):
                    spins[c, moved[j]] += change[j]
                for h in range(n_hidden):
                    theta[c, h] = new_theta[h]
                log_cosh_sum[c] = new_sum
                weights[c] += delta


def _log_abs_cosh_real(x: float) -> float:
    """``log cosh x + log 2 = |x| + log1p(e^{-2|x|})``."""
    magnitude = abs(x)
    return magnitude + np.log1p(np.exp(-2.0 * magnitude))


def _log_abs_cosh_complex(z: complex) -> float:
    """``log|cosh z| + log 2`` for ``z = x + iy``: ``|x| + ½ log(1 + 2e cos 2y + e²)``
    with ``e = e^{-2|x|}`` (see :func:`qgen.sampling.rbm_sweep._log_abs_cosh`)."""
    magnitude = abs(z.real)
    decay = np.exp(-2.0 * magnitude)
    return magnitude + 0.5 * np.log1p(decay * (2.0 * np.cos(2.0 * z.imag) + decay))


def _sum_log_abs_cosh(theta: np.ndarray, log_abs_cosh: Callable[[Any], float]) -> np.ndarray:
    """``Σ_h log|cosh θ_ch| + log 2`` per chain, summed in the sweep's order."""
    sums = np.zeros(theta.shape[0])
    for c in range(theta.shape[0]):
        for h in range(theta.shape[1]):
            sums[c] += log_abs_cosh(theta[c, h])
    return sums


@cache
def compiled_sweep() -> tuple[Callable[..., None], Callable[..., np.ndarray]] | None:
    """``(sweep, sum_log_abs_cosh)`` compiled for real and complex RBMs, or ``None``
    where Numba is not installed. Compiles on the first call of each (~1 s)."""
    try:
        import numba
    except ImportError:
        return None
    real = numba.njit(_log_abs_cosh_real)
    complex_ = numba.njit(_log_abs_cosh_complex)
    sweep_kernel: Any = numba.njit(_sweep)
    sum_kernel: Any = numba.njit(_sum_log_abs_cosh)

    def sweep(*arrays: Any) -> None:
        theta = arrays[4]
        sweep_kernel(*arrays, complex_ if theta.dtype.kind == "c" else real)

    def sum_log_abs_cosh(theta: np.ndarray) -> np.ndarray:
        result: np.ndarray = sum_kernel(theta, complex_ if theta.dtype.kind == "c" else real)
        return result

    return sweep, sum_log_abs_cosh

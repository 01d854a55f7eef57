r"""Metropolis sweeps for RBM wave functions with incremental updates, on the CPU.

An RBM, plain or translation-symmetric, is a wave function of the form

.. math:: \log\psi(\sigma) = a\cdot\sigma + \sum_h \log\cosh\theta_h(\sigma),
          \qquad \theta(\sigma) = c + \sigma K,

with spins :math:`\sigma = 1 - 2x` (Carleo & Troyer, Science 355, 602 (2017); for the
symmetric RBM, ``K`` stacks the filter of every translate). A move that changes the
spins by :math:`\Delta\sigma` changes the pre-activations by :math:`\Delta\sigma K`, so
a step costs one small matrix product and needs no pass over the whole model — the
same incremental update as NetKet's and the original code's local-energy tricks.

Why NumPy: with NetKet's default of 16 chains a VMC iteration is ~1,400 *sequential*
steps on ``16 × N`` arrays, and an eager PyTorch operation costs 3–10 µs there against
1–3 µs for a NumPy one; the step is ~15 operations either way. Where the arrays are that
small and Numba is installed, the sweep runs as one compiled loop instead
(:mod:`qgen.sampling.rbm_sweep_compiled`, 2–5× faster again). Measured on the
Heisenberg chain N = 20 (benchmarks/RESULTS.md): the sweep runs several times faster than
the generic tensor loop of :class:`~qgen.sampling.metropolis.MetropolisSampler`, which
calls the model for every step. The sampler takes this path for models on the CPU that
provide :meth:`rbm_form`; it consumes exactly the proposals and uniforms the generic
loop would, so for a float64 model both give the same chains (tested). It works in
float64 throughout, so with a float32 model a rare decision within float32 rounding
may go the other way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from qgen.errors import SamplerError
from qgen.models.rbm import RBMForm
from qgen.sampling.rbm_sweep_compiled import compiled_sweep

__all__ = ["COMPILED_UP_TO", "SWEEP_BACKENDS", "rbm_sweep"]

SWEEP_BACKENDS = ("auto", "numpy", "compiled")

COMPILED_UP_TO = 1024
"""Pre-activations (chains × hidden units) up to which ``"auto"`` takes the compiled
sweep where Numba is installed: there NumPy's per-call overheads dominate (16 chains of
a 20-site α = 1 RBM: 9–13 µs per step compiled against 25–68 µs), while for larger
arrays NumPy's and torch's vectorized exp/log are as fast or faster than a scalar loop."""

_TORCH_FROM = 4096
"""Elements from which ``log cosh`` is taken by torch (fast kernels, ~10 µs per call)
rather than by NumPy (~1 µs per call, ~30 ns per element)."""


def _log_abs_cosh(theta: np.ndarray) -> np.ndarray:
    r""":math:`\log|\cosh\theta| + \log 2` elementwise, without overflow.

    Real θ: ``logaddexp(θ, −θ)``. Complex θ = x + iy: :math:`|\cosh\theta|^2 =
    (\cosh 2x + \cos 2y)/2`, so with :math:`e = e^{-2|x|}` the value is
    :math:`|x| + \tfrac12\log(1 + 2e\cos 2y + e^2)`."""
    large = theta.size >= _TORCH_FROM  # torch's vectorized kernels: 2.5× NumPy's at 1024 × 20
    if theta.dtype.kind != "c":  # (np.iscomplexobj costs a few µs per call)
        if large:
            tensor = torch.from_numpy(theta)
            return torch.logaddexp(tensor, -tensor).numpy()
        return np.logaddexp(theta, -theta)
    if large:
        return _complex_log_abs_cosh(torch.from_numpy(theta), torch).numpy()
    return _complex_log_abs_cosh(theta, np)


def _complex_log_abs_cosh(theta: Any, xp: Any) -> Any:
    """The complex case of :func:`_log_abs_cosh` for a NumPy array (``xp = np``) or a
    tensor (``xp = torch``): both modules spell these functions alike."""
    magnitude = xp.abs(theta.real)
    decay = xp.exp(-2.0 * magnitude)
    return magnitude + 0.5 * xp.log1p(decay * (2.0 * xp.cos(2.0 * theta.imag) + decay))


def _sum_rows(array: np.ndarray) -> np.ndarray:
    """``array.sum(axis=1)`` without the Python wrapper of ``ndarray.sum`` (a few µs per
    call, which a sweep makes twice per step)."""
    return np.add.reduce(array, axis=1)


def rbm_sweep(
    form: RBMForm,
    chains: torch.Tensor,
    log_weight: torch.Tensor,
    masks: torch.Tensor,
    thresholds: torch.Tensor,
    exchange: bool,
    backend: str = "auto",
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    r"""One sweep of Metropolis steps, the same as the generic loop's (see module).

    Args:
        form: the RBM.
        chains: configurations ``(C, N)`` in {0, 1}.
        log_weight: their :math:`\log|\psi|^2` ``(C,)``, float64.
        masks: XOR masks of the proposals ``(S, C, N)``, one per step.
        thresholds: :math:`\log u / \beta` ``(S, C)``: step ``s`` accepts where the
            threshold lies below the change of :math:`\log|\psi|^2`.
        exchange: the masks are bond exchanges, applied only to unequal spins (a swap of
            equal spins is a trivial move that counts as accepted, as in the generic loop).
        backend: ``"numpy"``, ``"compiled"`` (one Numba loop,
            :mod:`qgen.sampling.rbm_sweep_compiled`), or ``"auto"``: compiled where Numba
            is installed and there are at most :data:`COMPILED_UP_TO` pre-activations.

    Returns:
        The chains after the sweep, their log weights, and which proposals were accepted
        ``(S, C)``.
    """
    spins = 1.0 - 2.0 * chains.cpu().numpy().astype(np.float64)
    steps = -2.0 * masks.cpu().numpy().astype(np.float64)  # Δσ = -2σ on the masked sites
    thresholds_np = thresholds.cpu().numpy()
    weights = log_weight.cpu().numpy().astype(np.float64, copy=True)
    theta = form.theta(spins)
    visible = form.visible.real
    accepted = np.empty(thresholds_np.shape, dtype=bool)
    compiled = _choose_compiled(backend, theta.size)
    if compiled is not None:
        sweep, sum_log_abs_cosh = compiled
        log_cosh_sum = sum_log_abs_cosh(theta)
        sweep(
            spins,
            steps,
            thresholds_np,
            weights,
            theta,
            log_cosh_sum,
            form.kernel,
            np.ascontiguousarray(visible),
            exchange,
            accepted,
        )
        return _as_tensors(spins, weights, accepted, chains)
    # Only Σ_h log|cosh θ_h| per chain enters the acceptance, so that is what is kept.
    log_cosh_sum = _sum_rows(_log_abs_cosh(theta))
    for step in range(steps.shape[0]):
        change = spins * steps[step]
        if exchange:  # unequal spins swap with Δσ summing to 0; equal ones would give ±4
            change *= (np.abs(_sum_rows(change)) < 1.0)[:, None]
        new_theta = change @ form.kernel
        new_theta += theta
        new_log_cosh_sum = _sum_rows(_log_abs_cosh(new_theta))
        delta = new_log_cosh_sum - log_cosh_sum
        delta += change @ visible
        delta *= 2.0
        accept = thresholds_np[step] < delta
        accepted[step] = accept
        rows = accept[:, None]
        np.add(spins, change, out=spins, where=rows)
        np.copyto(theta, new_theta, where=rows)
        np.copyto(log_cosh_sum, new_log_cosh_sum, where=accept)
        np.add(weights, delta, out=weights, where=accept)
    return _as_tensors(spins, weights, accepted, chains)


def _choose_compiled(
    backend: str, n_preactivations: int
) -> tuple[Callable[..., None], Callable[..., np.ndarray]] | None:
    if backend not in SWEEP_BACKENDS:
        raise SamplerError(f"expected a sweep backend in {SWEEP_BACKENDS}, got {backend!r}")
    if backend == "numpy" or (backend == "auto" and n_preactivations > COMPILED_UP_TO):
        return None
    compiled = compiled_sweep()
    if compiled is None and backend == "compiled":
        raise SamplerError("the compiled sweep needs Numba (pip install numba)")
    return compiled


def _as_tensors(
    spins: np.ndarray, weights: np.ndarray, accepted: np.ndarray, chains: torch.Tensor
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    device = chains.device
    new_chains = torch.from_numpy(np.rint((1.0 - spins) / 2.0).astype(np.int64)).to(device)
    return (
        new_chains.to(chains.dtype),
        torch.from_numpy(weights).to(device),
        torch.from_numpy(accepted).to(device),
    )

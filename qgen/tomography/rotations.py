r"""Amplitudes of a wave function in rotated product Pauli bases.

A measurement in basis :math:`b = b_1 \dots b_N` (one of X, Y, Z per site) returns
:math:`\sigma` with probability :math:`|\psi_b(\sigma)|^2`, where

.. math::  \psi_b(\sigma) = \langle\sigma|U_b|\psi\rangle
           = \sum_{\sigma'} \prod_{k} U_{b_k}(\sigma_k, \sigma'_k)\,\psi(\sigma').

:math:`U_Z` is the identity, so only the rotated (non-Z) sites are summed over:
:math:`2^{n_b}` terms for :math:`n_b` rotated sites, with every other site of
:math:`\sigma'` equal to that of :math:`\sigma`. The matrices are
:data:`qgen.exact.measurement.BASIS_ROTATIONS` (QuCumber's convention; Torlai et al.,
Nat. Phys. 14, 447 (2018); Beach et al., SciPost Phys. 7, 009 (2019)), so that a model
equal to a state vector reproduces :func:`qgen.exact.rotate_to_basis` exactly.

Everything is in log space: with :math:`a_j = \log\psi(\sigma'_j) + \log\prod_k U` the
complex log-terms, :math:`\log\psi_b = m + \log\sum_j e^{a_j - m}` with
:math:`m = \max_j \mathrm{Re}\,a_j`, which neither overflows nor underflows however large
or small :math:`|\psi|` is. Samples are grouped by their number of rotated sites, so one
model call covers all samples with the same count, whatever their bases.

Example:
    >>> import torch
    >>> from qgen.tomography.rotations import log_amplitudes
    >>> class Plus(torch.nn.Module):  # |++>, log ψ = log(1/2)
    ...     def forward(self, x):
    ...         return torch.full((x.shape[0],), -0.5 * torch.log(torch.tensor(4.0)))
    >>> x = torch.tensor([[0, 0], [0, 1]])
    >>> log_amplitudes(Plus(), x, "XX").exp().abs().round(decimals=6).tolist()
    [1.0, 0.0]
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import torch

from qgen.errors import DataError
from qgen.exact.measurement import BASIS_ROTATIONS
from qgen.tomography._common import WaveFunction

__all__ = ["LETTERS", "basis_codes", "log_amplitudes", "log_probabilities"]

LETTERS = ("Z", "X", "Y")
"""Basis letters in the order of their integer codes (Z = 0: not rotated)."""


def basis_codes(bases: np.ndarray | str | None, n_samples: int, n_sites: int) -> torch.Tensor:
    """Integer codes ``(n_samples, n_sites)`` (Z = 0, X = 1, Y = 2) of measurement bases.

    ``bases`` is an array of one-letter strings of shape ``(n_samples, n_sites)``, one basis
    string for every sample, or None (every site measured in Z).
    """
    if bases is None:
        return torch.zeros(n_samples, n_sites, dtype=torch.long)
    if isinstance(bases, str):
        letters = np.broadcast_to(np.array(list(bases)), (n_samples, len(bases)))
    else:
        letters = np.asarray(bases)
    if letters.shape != (n_samples, n_sites):
        raise DataError(
            f"expected bases of shape ({n_samples}, {n_sites}) (one letter per sample and "
            f"site), got shape {letters.shape}"
        )
    codes = np.full(letters.shape, -1, dtype=np.int64)
    for code, letter in enumerate(LETTERS):
        codes[letters == letter] = code
    if (codes < 0).any():
        bad = sorted({str(v) for v in np.asarray(letters)[codes < 0].ravel()[:5]})
        raise DataError(f"expected basis letters X, Y or Z, got {bad}")
    return torch.from_numpy(codes)


def _log_rotations(dtype: torch.dtype, device: torch.device) -> torch.Tensor:
    """``log U_b(s, s')`` for b in (Z, X, Y), shape ``(3, 2, 2)`` (``-inf`` for zeros)."""
    table = np.stack([BASIS_ROTATIONS[letter] for letter in LETTERS])
    with np.errstate(divide="ignore"):
        logs = np.log(table.astype(np.complex128))
    # log 0 = -inf + 0j; numpy may give a NaN phase, which would poison the sums.
    logs[table == 0] = complex(-math.inf, 0.0)
    return torch.from_numpy(logs).to(device=device, dtype=dtype)


def _complex_dtype(dtype: torch.dtype) -> torch.dtype:
    if dtype.is_complex:
        return dtype
    return torch.complex128 if dtype == torch.float64 else torch.complex64


def _complex_logsumexp(terms: torch.Tensor, dim: int) -> torch.Tensor:
    """``log Σ exp(terms)`` over ``dim`` for complex ``terms``, stable in the real part."""
    real = terms.real
    shift = real.amax(dim=dim, keepdim=True).detach()
    shift = torch.where(torch.isfinite(shift), shift, torch.zeros_like(shift))
    total = torch.exp(terms - shift).sum(dim=dim)
    return torch.log(total) + shift.squeeze(dim)


def _grouped(
    outcomes: torch.Tensor,
    bases: np.ndarray | str | torch.Tensor | None,
    per_group: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, int], torch.Tensor],
) -> torch.Tensor:
    """Check ``outcomes`` and ``bases``, group the samples by their number of rotated sites
    and gather ``per_group(x, codes, rotated, count)`` of each group into one ``(n,)``."""
    if outcomes.ndim != 2:
        raise DataError(f"expected outcomes of shape (n, N), got {tuple(outcomes.shape)}")
    if outcomes.is_floating_point() or outcomes.is_complex() or outcomes.dtype == torch.bool:
        raise DataError(f"expected integer outcomes (0/1), got dtype {outcomes.dtype}")
    n, n_sites = outcomes.shape
    codes = (
        bases.to(torch.long) if isinstance(bases, torch.Tensor) else basis_codes(bases, n, n_sites)
    )
    if codes.shape != outcomes.shape:
        raise DataError(
            f"expected basis codes of shape {tuple(outcomes.shape)}, got {tuple(codes.shape)}"
        )
    if n == 0:
        raise DataError("expected at least one outcome, got none")
    codes = codes.to(outcomes.device)
    rotated = codes != 0
    counts = rotated.sum(1)
    result: torch.Tensor | None = None
    for count in torch.unique(counts).tolist():
        rows = torch.nonzero(counts == count).squeeze(1)
        values = per_group(outcomes[rows], codes[rows], rotated[rows], int(count))
        if result is None:
            result = values.new_zeros(n)
        result = result.index_put((rows,), values)
    assert result is not None  # n > 0, so some group exists
    return result


def log_amplitudes(
    model: WaveFunction,
    outcomes: torch.Tensor,
    bases: np.ndarray | str | torch.Tensor | None = None,
    *,
    chunk_size: int = 1 << 16,
) -> torch.Tensor:
    r"""Complex :math:`\log\psi_b(\sigma)` of each outcome in the basis it was measured in.

    Args:
        model: a wave function, ``model(x)`` = :math:`\log\psi(x)` (real or complex) for an
            integer batch ``x`` of shape ``(B, N)``; it need not be normalized (then neither
            is the result).
        outcomes: measured configurations ``(n, N)``, 0/1 (0 = the +1 eigenstate).
        bases: the basis of each sample and site: letters ``(n, N)``, one basis string, a
            tensor of codes from :func:`basis_codes`, or None (all Z).
        chunk_size: most configurations per model call.

    Returns:
        complex tensor ``(n,)`` in the model's precision, differentiable in its parameters.
    """

    def coherent(
        x: torch.Tensor, codes: torch.Tensor, rotated: torch.Tensor, count: int
    ) -> torch.Tensor:
        if count == 0:
            log_psi = _evaluate(model, x, chunk_size)
            return log_psi.to(_complex_dtype(log_psi.dtype))
        terms = _rotated_terms(model, x, codes, rotated, count, chunk_size)
        return _complex_logsumexp(terms, dim=1)

    return _grouped(outcomes, bases, coherent)


def _rotated_terms(
    model: WaveFunction,
    x: torch.Tensor,
    codes: torch.Tensor,
    rotated: torch.Tensor,
    count: int,
    chunk_size: int,
) -> torch.Tensor:
    r"""The complex log-terms :math:`\log\psi(\sigma'_j) + \log\prod_k U` ``(n, 2^count)`` of
    samples that all have ``count > 0`` rotated sites."""
    n, n_sites = x.shape
    n_terms = 1 << count
    positions = torch.nonzero(rotated)[:, 1].view(n, count)  # rotated sites of each row
    shifts = torch.arange(count - 1, -1, -1, device=x.device)
    assignments = (torch.arange(n_terms, device=x.device).unsqueeze(1) >> shifts) & 1
    primed = x.unsqueeze(1).repeat(1, n_terms, 1)  # (n, 2^k, N)
    index = positions.unsqueeze(1).expand(n, n_terms, count)
    primed.scatter_(2, index, assignments.unsqueeze(0).expand(n, n_terms, count).to(x.dtype))
    log_psi = _evaluate(model, primed.view(n * n_terms, n_sites), chunk_size)
    dtype = _complex_dtype(log_psi.dtype)
    log_u = _log_rotations(dtype, x.device)
    letters = torch.gather(codes, 1, positions).unsqueeze(1)  # (n, 1, k)
    measured = torch.gather(x.long(), 1, positions).unsqueeze(1)  # (n, 1, k)
    weights = log_u[letters, measured, assignments.unsqueeze(0)].sum(-1)  # (n, 2^k)
    return log_psi.to(dtype).view(n, n_terms) + weights


def _evaluate(model: WaveFunction, x: torch.Tensor, chunk_size: int) -> torch.Tensor:
    if x.shape[0] <= chunk_size:
        return model(x)
    return torch.cat([model(part) for part in x.split(chunk_size)])


def log_probabilities(
    model: WaveFunction,
    outcomes: torch.Tensor,
    bases: np.ndarray | str | torch.Tensor | None = None,
    *,
    depolarization: float = 0.0,
    chunk_size: int = 1 << 16,
) -> torch.Tensor:
    r""":math:`\log|\psi_b(\sigma)|^2 = 2\,\mathrm{Re}\log\psi_b(\sigma)` (real, ``(n,)``).

    For a normalized model (every autoregressive one) this is the log-likelihood of each
    measurement; for an unnormalized one (an RBM) it is off by :math:`\log Z`.

    With ``depolarization`` :math:`\varepsilon \in [0, 1)`, the probability of the outcome
    had the rotated sites passed a depolarizing channel
    :math:`\rho \mapsto (1-\varepsilon)\rho + \varepsilon\,\mathrm{Tr}_R\rho \otimes I/2^{n_b}`
    before the measurement:

    .. math::  p_\varepsilon(\sigma) = (1-\varepsilon)\,|\psi_b(\sigma)|^2
               + \varepsilon\, 2^{-n_b} \sum_{\sigma'} |\psi(\sigma')|^2,

    the sum over the same :math:`2^{n_b}` configurations :math:`\sigma'` as
    :math:`\psi_b`. It is normalized wherever :math:`|\psi_b|^2` is, and z-basis samples
    keep their exact likelihood. Its use is as a tempered likelihood: with equal
    amplitudes the exact one vanishes at some relative phase for every outcome seen, walls
    that trap the phases of a model where they start (a W state's phases, in practice);
    the channel lowers the walls, and annealing :math:`\varepsilon \to 0` lets the phases
    follow the optimum from the smooth landscape to the exact one
    (:class:`~qgen.tomography.training.TomographyTrainer`'s ``anneal_depolarization``).
    """
    if not 0.0 <= depolarization < 1.0:
        raise DataError(f"expected a depolarization in [0, 1), got {depolarization!r}")
    if depolarization == 0.0:
        return 2.0 * log_amplitudes(model, outcomes, bases, chunk_size=chunk_size).real
    keep, mix = math.log1p(-depolarization), math.log(depolarization)

    def depolarized(
        x: torch.Tensor, codes: torch.Tensor, rotated: torch.Tensor, count: int
    ) -> torch.Tensor:
        if count == 0:
            return 2.0 * _evaluate(model, x, chunk_size).real
        terms = _rotated_terms(model, x, codes, rotated, count, chunk_size)
        coherent = 2.0 * _complex_logsumexp(terms, dim=1).real
        # |U| = 2^{-1/2} for each rotated site: 2 Re(terms) = log|ψ(σ')|² − n_b log 2.
        incoherent = torch.logsumexp(2.0 * terms.real, dim=1)
        return torch.logaddexp(keep + coherent, mix + incoherent)

    return _grouped(outcomes, bases, depolarized)

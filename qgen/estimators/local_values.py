r"""Local estimators: :math:`O_{loc}(x) = \sum_{x'} \langle x|O|x'\rangle\,\psi(x')/\psi(x)`.

The Monte Carlo estimate of ``⟨ψ|O|ψ⟩/⟨ψ|ψ⟩`` is the mean of ``O_loc`` over ``x ~ |ψ|²``
(Becca & Sorella, *Quantum Monte Carlo Approaches for Correlated Systems*, CUP 2017,
ch. 5). The connected configurations ``x'`` come from the operator
(:meth:`~qgen.operators.PauliSum.connected`); only those with a non-zero matrix element
are evaluated, all of them in a few large model calls of at most ``chunk_size``
configurations, and the diagonal term reuses ``log ψ(x)``. Repeated samples, and
connected configurations shared by several samples, are evaluated once; autoregressive
models (``log_psi_shared_prefixes``) also compute each prefix that connected
configurations share with each other once.
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from qgen.errors import OperatorError
from qgen.hilbert import distinct_rows
from qgen.operators.pauli import PauliSum

__all__ = ["DEFAULT_CHUNK_SIZE", "local_values"]

DEFAULT_CHUNK_SIZE = 65536
"""Configurations per model call when evaluating connected amplitudes."""


def local_values(
    operator: PauliSum,
    log_psi: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    log_psi_x: torch.Tensor | None = None,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
) -> torch.Tensor:
    """``O_loc(x)`` for a batch ``x`` of shape ``(B, N)``, without gradients.

    Args:
        operator: the operator (a Hamiltonian, an observable).
        log_psi: the wave function, ``(M, N) -> (M,)`` real or complex.
        x: configurations with values in {0, 1}.
        log_psi_x: ``log_psi(x)`` if already computed (its gradient is not used).
        chunk_size: most configurations per ``log_psi`` call.

    Returns:
        ``(B,)`` float64 when ψ and the matrix elements are real, else complex128.
    """
    if x.ndim != 2 or x.shape[1] != operator.n_sites:
        raise OperatorError(
            f"expected configurations of shape (batch, {operator.n_sites}), got {tuple(x.shape)}"
        )
    if chunk_size < 1:
        raise OperatorError(f"expected a positive chunk size, got {chunk_size}")
    # A sample drawn several times has one local value: compute it once.
    first, inverse = distinct_rows(x)
    if first.numel() == x.shape[0]:
        return _local_values(operator, log_psi, x, log_psi_x, chunk_size)
    known = log_psi_x.detach()[first] if log_psi_x is not None else None
    return _local_values(operator, log_psi, x[first], known, chunk_size)[inverse]


def _local_values(
    operator: PauliSum,
    log_psi: Callable[[torch.Tensor], torch.Tensor],
    x: torch.Tensor,
    log_psi_x: torch.Tensor | None,
    chunk_size: int,
) -> torch.Tensor:
    """:func:`local_values` for distinct configurations ``x``."""
    flips = torch.as_tensor(operator.flip_masks, device=x.device)
    is_diagonal = ~flips.any(dim=1)
    # Parents in batches whose connected configurations fit one chunk: a model that
    # shares prefixes then sees all the neighbours of a parent in one call. (The count
    # is taken from the host copy of the masks: no device sync.)
    off_diagonal = int(operator.flip_masks.any(axis=1).sum())
    parents_per_chunk = max(1, chunk_size // max(off_diagonal, 1))
    if x.shape[0] > parents_per_chunk:
        parents = x.split(parents_per_chunk)
        known = (
            log_psi_x.split(parents_per_chunk) if log_psi_x is not None else [None] * len(parents)
        )
        return torch.cat(
            [
                _local_values(operator, log_psi, part, value, chunk_size)
                for part, value in zip(parents, known, strict=True)
            ]
        )
    shared_prefixes = getattr(log_psi, "log_psi_shared_prefixes", None)
    with torch.no_grad():
        if log_psi_x is None:
            log_psi_x = (shared_prefixes or log_psi)(x)
        log_psi_x = log_psi_x.detach()
        # uint8 keeps the XOR/matmul work of connected() small for large batches.
        x_conn, mels = operator.connected(x.to(torch.uint8))
        if log_psi_x.is_complex() or mels.is_complex():
            result_dtype = torch.complex128
        else:
            result_dtype = torch.float64
        values = mels[:, is_diagonal].sum(dim=1).to(result_dtype)
        off_mels = mels[:, ~is_diagonal]
        rows, groups = torch.nonzero(off_mels, as_tuple=True)
        if rows.numel():
            connected = x_conn[:, ~is_diagonal][rows, groups]
            if shared_prefixes is not None:
                log_psi_conn = _chunked(shared_prefixes, connected, chunk_size)
            else:
                # Neighbours shared by several parents are evaluated once.
                first, inverse = distinct_rows(connected)
                log_psi_conn = _chunked(log_psi, connected[first], chunk_size)[inverse]
            ratios = torch.exp((log_psi_conn - log_psi_x[rows]).to(result_dtype))
            values = values.index_add(0, rows, off_mels[rows, groups].to(result_dtype) * ratios)
        return values


def _chunked(
    function: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, chunk_size: int
) -> torch.Tensor:
    if x.shape[0] <= chunk_size:
        return function(x)
    return torch.cat([function(part) for part in x.split(chunk_size)])

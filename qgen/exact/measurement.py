r"""Exact projective measurements of a state vector in product Pauli bases.

A basis is one letter per site, ``"XXZY…"``. Measuring site ``i`` in basis ``b`` gives
outcome 0 for the +1 eigenstate of :math:`\sigma^b_i` and 1 for the −1 eigenstate
(the same encoding as σᶻ configurations: 0 = up). The outcome distribution is
:math:`p_b(s) = |\langle s| U_b |\psi\rangle|^2` with :math:`U_b = \otimes_i U_{b_i}`,

.. math:: U_Z = \mathbb{1}, \quad U_X = \tfrac{1}{\sqrt 2}\begin{pmatrix}1&1\\1&-1\end{pmatrix},
          \quad U_Y = \tfrac{1}{\sqrt 2}\begin{pmatrix}1&-i\\1&i\end{pmatrix},

whose rows are the bras of the eigenstates :math:`\langle \pm|` and
:math:`\langle \pm i|` (the convention of QuCumber, Beach et al., SciPost Phys. 7, 009
(2019)).

Example:
    >>> import numpy as np
    >>> from qgen.exact import sample_measurements
    >>> plus = np.ones(4) / 2  # |++>
    >>> sample_measurements(plus, "XX", 3, seed=0).outcomes.tolist()
    [[0, 0], [0, 0], [0, 0]]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from qgen.errors import HilbertError
from qgen.exact.states import _as_state
from qgen.hilbert import indices_to_configs
from qgen.validation import require_int

__all__ = [
    "BASIS_ROTATIONS",
    "MeasurementSamples",
    "measurement_probabilities",
    "rotate_to_basis",
    "sample_measurements",
]

_SQRT_HALF = 1 / np.sqrt(2)
BASIS_ROTATIONS: dict[str, np.ndarray] = {
    "Z": np.eye(2, dtype=np.complex128),
    "X": _SQRT_HALF * np.array([[1, 1], [1, -1]], dtype=np.complex128),
    "Y": _SQRT_HALF * np.array([[1, -1j], [1, 1j]], dtype=np.complex128),
}


@dataclass(frozen=True)
class MeasurementSamples:
    """Measurement outcomes with the basis each site of each sample was measured in.

    Attributes:
        outcomes: int64 tensor ``(n_samples, n_sites)``, 0 for the +1 eigenvalue.
        bases: array of one-letter strings ``(n_samples, n_sites)``, ``"X"``/``"Y"``/``"Z"``.
    """

    outcomes: torch.Tensor
    bases: np.ndarray


def _check_basis(basis: str, n_sites: int) -> str:
    if not isinstance(basis, str) or len(basis) != n_sites or set(basis) - set(BASIS_ROTATIONS):
        raise HilbertError(
            f"expected a basis of {n_sites} letters from X, Y, Z (one per site), got {basis!r}"
        )
    return basis


def rotate_to_basis(psi: np.ndarray, basis: str) -> np.ndarray:
    r"""Amplitudes :math:`\langle s|U_b|\psi\rangle` of a normalized state in basis ``b``."""
    state, n_sites = _as_state(psi)
    basis = _check_basis(basis, n_sites)
    tensor = state.astype(np.complex128).reshape((2,) * n_sites)
    for site, letter in enumerate(basis):
        if letter != "Z":
            tensor = np.moveaxis(
                np.tensordot(BASIS_ROTATIONS[letter], tensor, axes=([1], [site])), 0, site
            )
    return tensor.reshape(-1)


def measurement_probabilities(psi: np.ndarray, basis: str) -> np.ndarray:
    """Outcome probabilities :math:`p_b(s)` over all ``2^N`` outcomes, in basis-index order."""
    probabilities = np.abs(rotate_to_basis(psi, basis)) ** 2
    return probabilities / probabilities.sum()


def sample_measurements(
    psi: np.ndarray,
    bases: str | Sequence[str],
    n_samples: int,
    seed: int | torch.Generator = 0,
) -> MeasurementSamples:
    """Exact samples of projective measurements in product Pauli bases.

    Args:
        psi: state vector of length ``2^N``.
        bases: one basis (``"ZZZZ"``) or a list of bases; ``n_samples`` are drawn in each.
        n_samples: samples per basis.
        seed: an integer seed or a ``torch.Generator``; the same seed gives the same samples.

    Returns:
        :class:`MeasurementSamples`, the samples of each basis in the order of ``bases``.
    """
    _, n_sites = _as_state(psi)
    basis_list = [bases] if isinstance(bases, str) else list(bases)
    if not basis_list:
        raise HilbertError("expected at least one measurement basis, got none")
    require_int(n_samples, "number of samples", minimum=1, error=HilbertError)
    if isinstance(seed, torch.Generator):
        generator = seed
    else:
        generator = torch.Generator().manual_seed(int(seed))
    outcomes, letters = [], []
    for basis in basis_list:
        cumulative = torch.from_numpy(np.cumsum(measurement_probabilities(psi, basis)))
        uniform = torch.rand(n_samples, generator=generator, dtype=torch.float64)
        index = torch.searchsorted(cumulative, uniform * cumulative[-1], right=True)
        outcomes.append(indices_to_configs(index.clamp_(max=cumulative.numel() - 1), n_sites))
        letters.append(np.broadcast_to(np.array(list(basis)), (n_samples, n_sites)))
    return MeasurementSamples(torch.cat(outcomes), np.concatenate(letters))

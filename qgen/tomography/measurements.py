r"""Measurement data for tomography: outcomes, the basis of every measurement, the target ψ.

A data set holds ``n_samples`` projective measurements of ``N`` spins. Row ``k`` measured
site ``i`` in the Pauli basis ``bases[k, i]`` ∈ {X, Y, Z} and saw ``outcomes[k, i]``, 0 for
the +1 eigenvalue and 1 for the −1 eigenvalue (the encoding of
:mod:`qgen.exact.measurement`, where the rotations :math:`U_X, U_Y` follow QuCumber).
When the measured state is known (synthetic data), its vector ``psi`` travels along.
Files of measurements are read and written by :mod:`qgen.tomography.files`.

Example:
    >>> import numpy as np
    >>> from qgen.exact import sample_measurements
    >>> from qgen.tomography import MeasurementData
    >>> bell = np.array([1, 0, 0, 1]) / np.sqrt(2)
    >>> data = MeasurementData.from_samples(sample_measurements(bell, ["ZZ", "XX"], 50), bell)
    >>> data.n_samples, data.n_sites, data.z_only
    (100, 2, False)
    >>> sorted(data.basis_groups())
    ['XX', 'ZZ']
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch

from qgen.errors import DataError, QgenError
from qgen.exact.measurement import MeasurementSamples, sample_measurements
from qgen.interop.states import as_state_array

__all__ = ["PSI_TOLERANCE", "MeasurementData", "measure", "split_rows"]

PSI_TOLERANCE = 1e-6
r"""Largest accepted :math:`|\langle\psi|\psi\rangle - 1|` of a target state."""

_LETTERS = frozenset("XYZ")


def _check_psi(psi: object, n_sites: int | None, source: str) -> np.ndarray:
    """``psi`` as a read-only complex128 vector of length ``2^N``, normalized to tolerance."""
    if isinstance(psi, np.ndarray) and psi.dtype == np.complex128 and not psi.flags.writeable:
        vector = psi  # already checked: a data set's psi passes through splits uncopied
    else:
        try:
            vector = np.array(as_state_array(psi, DataError), dtype=np.complex128)
        except (TypeError, ValueError):
            raise DataError(f"{source}: expected a complex state vector, got {psi!r:.80}") from None
    size = vector.size
    if vector.ndim != 1 or size < 2 or size & (size - 1):
        raise DataError(
            f"{source}: expected a state vector of length 2^N, got shape {vector.shape}"
        )
    if n_sites is not None and size != 1 << n_sites:
        raise DataError(
            f"{source}: expected 2^{n_sites} = {1 << n_sites} amplitudes for {n_sites} sites, "
            f"got {size}"
        )
    if not np.isfinite(vector).all():
        raise DataError(f"{source}: expected finite amplitudes, got NaN or infinity")
    norm_squared = float(np.vdot(vector, vector).real)
    if abs(norm_squared - 1) > PSI_TOLERANCE:
        raise DataError(
            f"{source}: expected a normalized state, got <psi|psi> = {norm_squared:.10g} "
            f"(off by {norm_squared - 1:+.2e}; tolerance {PSI_TOLERANCE:g})"
        )
    vector.flags.writeable = False
    return vector


def split_rows(
    n_samples: int, validation_fraction: float, seed: int = 0
) -> tuple[torch.Tensor, torch.Tensor]:
    """Row indices of a seeded random split (training, validation), each in ascending
    order: ``round(validation_fraction · n_samples)`` rows, at least one and at most all
    but one, are held out; the same seed gives the same split.

    Raises:
        DataError: a fraction outside (0, 1), or fewer than two samples.
    """
    fraction = validation_fraction
    if isinstance(fraction, bool) or not isinstance(fraction, int | float) or not 0 < fraction < 1:
        raise DataError(
            f"expected a validation fraction strictly between 0 and 1, got {fraction!r}"
        )
    if n_samples < 2:
        raise DataError(f"cannot split {n_samples} sample into training and validation sets")
    n_validation = min(max(round(fraction * n_samples), 1), n_samples - 1)
    permutation = torch.randperm(n_samples, generator=torch.Generator().manual_seed(int(seed)))
    return permutation[n_validation:].sort().values, permutation[:n_validation].sort().values


@dataclass(frozen=True, eq=False)
class MeasurementData:
    """Projective measurements of ``N`` spins in product Pauli bases.

    Attributes:
        outcomes: int64 tensor ``(n_samples, n_sites)`` of 0/1, 0 for the +1 eigenvalue.
        bases: array of dtype ``'<U1'``, ``(n_samples, n_sites)``, letters X/Y/Z: the basis
            each site of each sample was measured in.
        psi: the measured state as a normalized complex128 vector of length ``2^N``
            (basis-index order, site 0 most significant), or ``None`` when unknown.

    Integer tensors of other dtypes are converted to int64 and any string array to
    ``'<U1'``; everything else that does not fit raises :class:`DataError`. ``bases`` and
    ``psi`` are made read-only.
    """

    outcomes: torch.Tensor
    bases: np.ndarray
    psi: np.ndarray | None = None

    def __post_init__(self) -> None:
        outcomes = self.outcomes
        if not isinstance(outcomes, torch.Tensor):
            raise DataError(f"outcomes: expected a torch.Tensor, got {type(outcomes).__name__}")
        if outcomes.is_floating_point() or outcomes.is_complex():
            raise DataError(f"outcomes: expected an integer tensor of 0/1, got {outcomes.dtype}")
        if outcomes.ndim != 2 or outcomes.shape[0] == 0 or outcomes.shape[1] == 0:
            raise DataError(
                "outcomes: expected a non-empty tensor of shape (n_samples, n_sites), got shape "
                f"{tuple(outcomes.shape)}"
            )
        outcomes = outcomes.detach().to(torch.int64)
        bad = (outcomes != 0) & (outcomes != 1)
        if bool(bad.any()):
            row, column = (int(i) for i in torch.nonzero(bad)[0])
            raise DataError(
                f"outcomes: expected 0 or 1, got {int(outcomes[row, column])} "
                f"in sample {row}, site {column}"
            )
        if not isinstance(self.bases, np.ndarray) or self.bases.dtype.kind != "U":
            raise DataError(
                "bases: expected a numpy array of one-letter strings X/Y/Z, got "
                f"{type(self.bases).__name__}"
                + (f" of dtype {self.bases.dtype}" if isinstance(self.bases, np.ndarray) else "")
            )
        if self.bases.shape != tuple(outcomes.shape):
            raise DataError(
                f"bases: expected one letter per outcome, shape {tuple(outcomes.shape)}, "
                f"got shape {self.bases.shape}"
            )
        wrong = ~np.isin(self.bases, sorted(_LETTERS))
        if wrong.any():
            row, column = (int(i) for i in np.argwhere(wrong)[0])
            raise DataError(
                f"bases: expected the letters X, Y or Z, got {str(self.bases[row, column])!r} "
                f"in sample {row}, site {column}"
            )
        bases = np.array(self.bases, dtype="<U1", order="C")  # a contiguous copy
        bases.flags.writeable = False
        psi = None if self.psi is None else _check_psi(self.psi, outcomes.shape[1], "psi")
        object.__setattr__(self, "outcomes", outcomes)
        object.__setattr__(self, "bases", bases)
        object.__setattr__(self, "psi", psi)

    @classmethod
    def from_samples(
        cls, samples: MeasurementSamples, psi: np.ndarray | None = None
    ) -> MeasurementData:
        """The data set of exact samples (:func:`qgen.exact.sample_measurements`)."""
        return cls(samples.outcomes, np.asarray(samples.bases), psi)

    @property
    def n_samples(self) -> int:
        """Number of measurements (rows)."""
        return int(self.outcomes.shape[0])

    @property
    def n_sites(self) -> int:
        """Number of sites (columns)."""
        return int(self.outcomes.shape[1])

    @property
    def z_only(self) -> bool:
        """Whether every site of every sample was measured in the Z basis."""
        return bool((self.bases == "Z").all())

    def basis_strings(self) -> np.ndarray:
        """The basis of each sample as one string, ``(n_samples,)``, e.g. ``"ZZXY"``."""
        return np.ascontiguousarray(self.bases).view(f"<U{self.n_sites}").reshape(-1)

    def basis_groups(self) -> dict[str, torch.Tensor]:
        """The rows measured in each basis: basis string → int64 tensor of row indices.

        Bases appear in the order of their first sample; indices are increasing. This is
        how training batches the data: all samples of one basis share one rotation.
        """
        strings = self.basis_strings()
        unique, first, inverse = np.unique(strings, return_index=True, return_inverse=True)
        order = np.argsort(first, kind="stable")
        rows = np.argsort(inverse, kind="stable")
        bounds = np.cumsum(np.bincount(inverse, minlength=unique.size))
        groups = np.split(rows, bounds[:-1])
        return {str(unique[g]): torch.from_numpy(groups[g].astype(np.int64)) for g in order}

    def subset(self, rows: torch.Tensor | np.ndarray | Sequence[int]) -> MeasurementData:
        """The data set of the given rows (same ψ)."""
        index = np.asarray(torch.as_tensor(rows, dtype=torch.int64).cpu())
        return MeasurementData(self.outcomes[torch.from_numpy(index)], self.bases[index], self.psi)

    def split(
        self, validation_fraction: float, seed: int = 0
    ) -> tuple[MeasurementData, MeasurementData]:
        """A seeded random split into training and validation sets.

        ``round(validation_fraction · n_samples)`` rows (at least one, at most all but
        one) go to the validation set; both keep the original order of their rows and the
        target ψ. The same seed gives the same split.

        Raises:
            DataError: a fraction outside (0, 1), or fewer than two samples.
        """
        train, validation = split_rows(self.n_samples, validation_fraction, seed)
        return self.subset(train), self.subset(validation)

    def __repr__(self) -> str:
        bases = ", ".join(self.basis_groups()) if self.n_sites <= 12 else "..."
        target = "with" if self.psi is not None else "without"
        return (
            f"MeasurementData({self.n_samples} samples of {self.n_sites} sites, "
            f"bases [{bases}], {target} psi)"
        )


# --- reading text files ---------------------------------------------------------------------


def measure(
    psi: np.ndarray, bases: str | Sequence[str], samples_per_basis: int, seed: int = 0
) -> MeasurementData:
    """Exact measurements of ``psi``: ``samples_per_basis`` in each basis, ψ kept beside.

    A thin wrapper of :func:`qgen.exact.sample_measurements` (same seed, same data).
    """
    try:
        samples = sample_measurements(psi, bases, samples_per_basis, seed=seed)
    except QgenError as error:
        raise DataError(str(error)) from None
    return MeasurementData.from_samples(samples, np.asarray(psi, dtype=np.complex128))

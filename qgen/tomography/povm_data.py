r"""Outcomes of a product POVM on ``N`` qubits: the data of mixed-state tomography.

Row ``k`` of :attr:`POVMData.outcomes` is one measurement of every qubit, outcome
``a_i`` ∈ ``0 … K-1`` of the POVM :attr:`POVMData.povm` (:mod:`qgen.exact.povm`). A Pauli
basis record (:class:`~qgen.tomography.measurements.MeasurementData`: a basis letter and
a bit per site) is a Pauli-6 record, outcome ``2 b + s`` with ``b`` the index of the
letter in ``XYZ``; :meth:`POVMData.from_measurements` and :meth:`POVMData.to_measurements`
convert both ways. When the measured state is known, its density matrix travels along.

Example:
    >>> import numpy as np
    >>> from qgen.exact import POVMS, density_matrix, sample_outcomes
    >>> from qgen.tomography.povm_data import POVMData
    >>> rho = density_matrix(np.array([1, 0, 0, 1]) / np.sqrt(2))
    >>> data = POVMData(sample_outcomes(rho, POVMS["pauli6"], 20), "pauli6", rho)
    >>> data.n_samples, data.n_sites, data.to_measurements().bases.shape
    (20, 2, (20, 2))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from qgen.errors import DataError
from qgen.exact.density import check_density_matrix
from qgen.exact.povm import PAULI6_BASES, POVM, POVMS
from qgen.tomography.measurements import MeasurementData, split_rows

__all__ = ["POVMData"]


@dataclass(frozen=True, eq=False)
class POVMData:
    """Product-POVM outcomes.

    Attributes:
        outcomes: int64 tensor ``(n_samples, n_sites)`` of outcomes in ``0 … K-1``.
        povm: the POVM's name in :data:`qgen.exact.povm.POVMS`.
        rho: the measured density matrix (read-only complex128), or None when unknown.
    """

    outcomes: torch.Tensor
    povm: str = "pauli6"
    rho: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.povm not in POVMS:
            raise DataError(f"povm: expected one of {', '.join(POVMS)}, got {self.povm!r}")
        outcomes = self.outcomes
        if not isinstance(outcomes, torch.Tensor) or outcomes.is_floating_point():
            raise DataError(f"outcomes: expected an integer tensor, got {outcomes!r:.60}")
        if outcomes.ndim != 2 or 0 in outcomes.shape:
            raise DataError(
                f"outcomes: expected shape (n_samples, n_sites), got {tuple(outcomes.shape)}"
            )
        outcomes = outcomes.detach().to(torch.int64)
        size = POVMS[self.povm].size
        bad = (outcomes < 0) | (outcomes >= size)
        if bool(bad.any()):
            row, column = (int(i) for i in torch.nonzero(bad)[0])
            raise DataError(
                f"outcomes: expected values in [0, {size - 1}] ({self.povm}), got "
                f"{int(outcomes[row, column])} in sample {row}, site {column}"
            )
        object.__setattr__(self, "outcomes", outcomes)
        if self.rho is not None:
            rho = check_density_matrix(self.rho, outcomes.shape[1], "target rho")
            object.__setattr__(self, "rho", rho)

    @property
    def n_samples(self) -> int:
        return int(self.outcomes.shape[0])

    @property
    def n_sites(self) -> int:
        return int(self.outcomes.shape[1])

    @property
    def measurement(self) -> POVM:
        """The :class:`~qgen.exact.povm.POVM` object."""
        return POVMS[self.povm]

    def frequencies(self) -> np.ndarray:
        """Empirical frequencies of all ``K^N`` outcomes (site 0 the most significant digit)."""
        size = self.measurement.size
        weights = size ** torch.arange(self.n_sites - 1, -1, -1)
        index = (self.outcomes * weights).sum(1)
        return np.bincount(index.numpy(), minlength=size**self.n_sites) / self.n_samples

    def split(self, fraction: float, seed: int = 0) -> tuple[POVMData, POVMData]:
        """A seeded random split (training, validation), as
        :meth:`MeasurementData.split <qgen.tomography.measurements.MeasurementData.split>`."""
        keep, hold = split_rows(self.n_samples, fraction, seed)
        return (
            POVMData(self.outcomes[keep], self.povm, self.rho),
            POVMData(self.outcomes[hold], self.povm, self.rho),
        )

    @classmethod
    def from_measurements(cls, data: MeasurementData, rho: np.ndarray | None = None) -> POVMData:
        """Pauli-basis records as Pauli-6 outcomes (``2 b + s``). ``rho`` defaults to the
        record's pure state, when it has one."""
        codes = torch.from_numpy(np.searchsorted(np.array(list(PAULI6_BASES)), data.bases))
        if rho is None and data.psi is not None:
            rho = np.outer(data.psi, data.psi.conj())
        return cls(2 * codes + data.outcomes, "pauli6", rho)

    def to_measurements(self) -> MeasurementData:
        """Pauli-6 outcomes as Pauli-basis records (basis letters + bits)."""
        if self.povm != "pauli6":
            raise DataError(f"only Pauli-6 outcomes are Pauli-basis records, these are {self.povm}")
        letters = np.array(list(PAULI6_BASES))[(self.outcomes // 2).numpy()]
        return MeasurementData(self.outcomes % 2, letters)

    def __repr__(self) -> str:
        target = ", rho known" if self.rho is not None else ""
        return f"POVMData({self.n_samples} samples of {self.n_sites} sites, {self.povm}{target})"

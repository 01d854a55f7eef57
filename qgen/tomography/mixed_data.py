r"""Synthetic data of mixed states: a state, local noise, exact sampling, readout flips.

What ``qgen data`` does for mixed-state tomography, as functions:

- :func:`parse_noise` reads ``"depolarizing:0.05,dephasing:0.01"``: named local channels
  (:data:`qgen.exact.density.CHANNELS`) applied in order to every qubit;
- :func:`noisy_state` is the density matrix of a pure state after those channels
  (``N <= 12``), or, for GHZ, the four-term :class:`~qgen.exact.product_sum.ProductSum`
  that is exact at any ``N``;
- :func:`measure_mixed` samples a product POVM, or a list of Pauli settings, exactly, and
  flips each measured bit with the readout-error probability: a classical error of the
  detector, not of the state, so the target stays the state itself and a reconstruction
  sees it through the flips (a bit flipped with probability ``q`` in every Pauli basis
  shrinks each Bloch component by ``1 - 2q``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import torch

from qgen.errors import ConfigError
from qgen.exact.density import CHANNELS, apply_local_channel, density_matrix
from qgen.exact.povm import MAX_DENSE_SITES, POVMS, sample_outcomes, sample_settings
from qgen.exact.product_sum import ProductSum, ghz_product_sum
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.povm_data import POVMData
from qgen.validation import require_float

__all__ = ["Noise", "measure_mixed", "noisy_state", "parse_noise", "readout_flips"]

Noise = list[tuple[str, float]]
"""Local channels by name and probability, applied in order to every qubit."""


def parse_noise(text: str | None) -> Noise:
    """``"depolarizing:0.05,amplitude-damping:0.1"`` → ``[("depolarizing", 0.05), …]``.

    Raises:
        ConfigError: an unknown channel or a probability outside [0, 1].
    """
    if text is None or not text.strip():
        return []
    channels: Noise = []
    for item in text.split(","):
        name, _, value = item.strip().partition(":")
        if name not in CHANNELS or not value:
            raise ConfigError(
                f"--noise: expected CHANNEL:PROBABILITY with a channel of "
                f"{', '.join(CHANNELS)}, got {item.strip()!r:.60}"
            )
        try:
            probability = float(value)
        except ValueError:
            raise ConfigError(f"--noise: expected a probability, got {value!r:.40}") from None
        require_float(probability, f"--noise {name}", minimum=0.0, error=ConfigError)
        if probability > 1.0:
            raise ConfigError(f"--noise {name}: expected a probability <= 1, got {probability}")
        channels.append((name, probability))
    return channels


def noisy_state(psi: np.ndarray | None, noise: Noise, *, ghz_sites: int | None = None) -> Any:
    """The density matrix of ``psi`` after ``noise`` on every qubit (``N <= 12``), or with
    ``ghz_sites`` the GHZ state of that many qubits as a :class:`ProductSum` (any ``N``)."""
    if ghz_sites is not None:
        return ghz_product_sum(ghz_sites, channels=noise)
    assert psi is not None
    n_sites = psi.size.bit_length() - 1
    if n_sites > MAX_DENSE_SITES:
        raise ConfigError(
            f"a noisy state of {n_sites} qubits: expected N <= {MAX_DENSE_SITES} for its "
            "density matrix (GHZ is exact at any N)"
        )
    rho = density_matrix(psi)
    for name, probability in noise:
        rho = apply_local_channel(rho, CHANNELS[name](probability))
    return rho


def readout_flips(data: POVMData, probability: float, seed: int = 0) -> POVMData:
    """Each measured bit flipped with ``probability`` (Pauli-6 outcomes: the sign bit;
    the basis letter is the experimenter's choice and stays)."""
    if probability == 0:
        return data
    if data.povm != "pauli6":
        raise ConfigError(
            f"--readout-error flips the bits of Pauli measurements (bases, or --povm "
            f"pauli6), not {data.povm} outcomes"
        )
    generator = torch.Generator().manual_seed(seed)
    flips = torch.rand(data.outcomes.shape, generator=generator, dtype=torch.float64)
    return POVMData(data.outcomes ^ (flips < probability).long(), data.povm, data.rho)


def measure_mixed(
    state: np.ndarray | ProductSum,
    *,
    samples: int,
    povm: str | None = None,
    bases: Sequence[str] | None = None,
    readout_error: float = 0.0,
    seed: int = 0,
) -> POVMData:
    """Exact measurements of ``state``: ``samples`` outcomes of ``povm``, or ``samples``
    shots in each of ``bases`` (Pauli-6 outcomes), then readout flips. The data carry
    the density matrix when it is dense."""
    rho = state if isinstance(state, np.ndarray) else None
    if povm is not None:
        measurement = POVMS[povm]
        if isinstance(state, ProductSum):
            outcomes = state.sample(measurement, samples, seed=seed)
        else:
            outcomes = sample_outcomes(state, measurement, samples, seed=seed)
        data = POVMData(outcomes, povm, rho)
    else:
        if isinstance(state, ProductSum):
            raise ConfigError(
                "Pauli bases beyond 12 qubits: expected --povm (pauli6 draws a random "
                "basis per qubit and shot), got a list of bases"
            )
        assert bases is not None
        letters = np.repeat(np.array([list(b) for b in bases]), samples, axis=0)
        record = MeasurementData(sample_settings(state, letters, seed=seed), letters)
        data = POVMData.from_measurements(record, rho)
    return readout_flips(data, readout_error, seed=seed + 1)

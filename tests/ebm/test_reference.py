"""Kaufman's exact finite-lattice thermodynamics against enumeration of every state."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.datasets.ising import energy_per_site, exact_averages
from qgen.ebm import ising_thermodynamics
from qgen.errors import DataError


def enumerated_log_partition(length: int, temperature: float) -> float:
    n = length * length
    index = torch.arange(2**n)
    bits = (index[:, None] >> torch.arange(n - 1, -1, -1)) & 1
    spins = (1 - 2 * bits).to(torch.float64).reshape(-1, length, length)
    energies = energy_per_site(spins) * n
    return torch.logsumexp(-energies / temperature, 0).item()


@pytest.mark.parametrize("length", [3, 4])
@pytest.mark.parametrize("temperature", [1.2, 2.269, 3.0, 10.0])
def test_matches_enumeration(length, temperature):
    exact = ising_thermodynamics(length, temperature)
    assert exact.log_partition == pytest.approx(
        enumerated_log_partition(length, temperature), abs=1e-10
    )
    averages = exact_averages(length, temperature)
    assert exact.energy_per_site == pytest.approx(averages.energy_per_site, abs=1e-9)
    n = length * length
    entropy = exact.log_partition + n * averages.energy_per_site / temperature
    assert exact.entropy == pytest.approx(entropy, abs=1e-8)


def test_limits():
    hot = ising_thermodynamics(8, 1e4)
    assert hot.entropy == pytest.approx(64 * math.log(2), rel=1e-6)
    cold = ising_thermodynamics(8, 0.05)
    assert cold.entropy == pytest.approx(math.log(2), abs=1e-6)
    assert cold.energy_per_site == pytest.approx(-2.0, abs=1e-9)


def test_bad_input():
    with pytest.raises(DataError, match="lattice length: expected an integer ≥ 2, got 1"):
        ising_thermodynamics(1, 2.0)
    with pytest.raises(DataError, match=r"positive finite temperature, got -1\.0"):
        ising_thermodynamics(4, -1.0)

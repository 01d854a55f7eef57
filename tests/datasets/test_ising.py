"""The Ising samplers against exact enumeration (4×4) and Onsager's solution."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.datasets.ising import (
    CRITICAL_TEMPERATURE,
    CheckerboardMetropolis,
    WolffCluster,
    configs_from_spins,
    energy_per_site,
    exact_averages,
    lattice_shape,
    magnetization,
    onsager_energy_per_site,
    onsager_entropy_per_site,
    onsager_magnetization,
    sample_ising,
    spins_from_configs,
)
from qgen.errors import DataError


def chain_means(values: torch.Tensor, n_chains: int) -> tuple[float, float]:
    """Mean and its error bar from the per-chain time averages of independent chains."""
    per_chain = values.reshape(-1, n_chains).mean(dim=0)
    return float(per_chain.mean()), float(per_chain.std()) / math.sqrt(n_chains)


@pytest.mark.parametrize("method", ["metropolis", "wolff", "hybrid"])
@pytest.mark.parametrize("temperature", [2.0, 3.0])
def test_samplers_match_exact_enumeration(method, temperature):
    exact = exact_averages("4x4", temperature)
    n_chains = 1000
    spins = sample_ising(
        "4x4", temperature, 20 * n_chains, method=method, n_chains=n_chains, spacing=2, seed=3
    )
    energy, energy_error = chain_means(energy_per_site(spins), n_chains)
    abs_m, abs_m_error = chain_means(magnetization(spins).abs(), n_chains)
    assert abs(energy - exact.energy_per_site) < 5 * energy_error
    assert abs(abs_m - exact.abs_magnetization) < 5 * abs_m_error


def test_exact_enumeration_limits():
    # Infinite temperature: every state equally likely, ⟨E⟩ = 0 and ⟨m²⟩ = 1/N.
    exact = exact_averages("3x4", 1e9)
    assert exact.energy_per_site == pytest.approx(0.0, abs=1e-8)
    assert exact.magnetization_squared == pytest.approx(1 / 12, rel=1e-8)


def test_wolff_energy_at_t2_against_onsager():
    # At T = 2.0 the correlation length is a few sites, so a 24×24 periodic lattice differs
    # from the infinite one by far less than the tolerance: 5 error bars + 2e-3.
    n_chains = 200
    sampler = WolffCluster(24, 2.0, n_chains, generator=torch.Generator().manual_seed(0))
    sampler.step(60)
    values = []
    for _ in range(20):
        values.append(energy_per_site(sampler.step(3)))
    energy, error = chain_means(torch.cat(values), n_chains)
    assert abs(energy - onsager_energy_per_site(2.0)) < 5 * error + 2e-3
    m = float(magnetization(sampler.spins).abs().mean())
    assert m == pytest.approx(onsager_magnetization(2.0), abs=0.03)


def test_onsager_formulas():
    assert onsager_energy_per_site(CRITICAL_TEMPERATURE) == pytest.approx(-math.sqrt(2), abs=1e-6)
    assert onsager_energy_per_site(0.05) == pytest.approx(-2.0, abs=1e-9)
    assert onsager_magnetization(1.0) == pytest.approx(0.99927, abs=1e-5)
    assert onsager_magnetization(2.5) == 0.0


def test_onsager_entropy():
    # High-temperature series (t = tanh β): ln Z/N = ln 2 + 2 ln cosh β + t⁴ + 2t⁶ + O(t⁸)
    # (closed loops of 4 and 6 bonds); u = −∂_β ln Z/N and s = ln Z/N + βu.
    beta = 0.05
    t = math.tanh(beta)
    log_z = math.log(2) + 2 * math.log(math.cosh(beta)) + t**4 + 2 * t**6
    u = -2 * t - (4 * t**3 + 12 * t**5) * (1 - t**2)
    assert onsager_entropy_per_site(1 / beta) == pytest.approx(log_z + beta * u, abs=5e-9)  # O(t⁸)
    # Third law, and s falls monotonically with T.
    assert onsager_entropy_per_site(0.3) == pytest.approx(0.0, abs=1e-8)
    values = [onsager_entropy_per_site(t) for t in (1.5, 2.0, CRITICAL_TEMPERATURE, 2.5, 3.5)]
    assert values == sorted(values)


def test_seeds_reproduce_and_differ():
    first = sample_ising(8, 2.5, 64, thermalization=10, seed=7)
    assert torch.equal(first, sample_ising(8, 2.5, 64, thermalization=10, seed=7))
    assert not torch.equal(first, sample_ising(8, 2.5, 64, thermalization=10, seed=8))
    assert first.dtype == torch.int8
    assert set(first.unique().tolist()) <= {-1, 1}


def test_lattice_shape():
    assert lattice_shape("4x6") == (4, 6)
    assert lattice_shape(5) == (5, 5)
    assert lattice_shape("16") == (16, 16)


def test_configs_round_trip():
    spins = sample_ising("4x6", 2.5, 5, thermalization=2, seed=0)
    configs = configs_from_spins(spins)
    assert configs.shape == (5, 24)
    assert set(configs.unique().tolist()) <= {0, 1}
    assert torch.equal(spins_from_configs(configs, "4x6"), spins.float())


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: sample_ising(8, -1.0, 4), "positive finite temperature", id="T"),
        pytest.param(
            lambda: sample_ising(8, 2.0, 0), "number of samples: expected an integer ≥ 1", id="n"
        ),
        pytest.param(lambda: sample_ising(8, 2.0, 4, method="heatbath"), "unknown", id="method"),
        pytest.param(lambda: sample_ising("3x4x5", 2.0, 4), "16x16", id="size"),
        pytest.param(lambda: CheckerboardMetropolis(5, 2.0, 2), "even lengths", id="odd"),
        pytest.param(lambda: sample_ising(2, 2.0, 4), "lengths ≥ 3", id="tiny"),
        pytest.param(lambda: exact_averages(5, 2.0), "20 sites", id="too-big"),
        pytest.param(lambda: energy_per_site(torch.ones(4, 4)), "(batch, L_x, L_y)", id="shape"),
        pytest.param(lambda: spins_from_configs(torch.zeros(2, 5), 3), "(batch, 9)", id="configs"),
        pytest.param(lambda: onsager_energy_per_site(2.0, 0.0), "J > 0, got 0", id="energy-J0"),
        pytest.param(lambda: onsager_energy_per_site(2.0, -1.0), "J > 0", id="energy-J<0"),
        pytest.param(lambda: onsager_magnetization(2.0, -1.0), "J > 0, got -1", id="m-J<0"),
        pytest.param(lambda: onsager_magnetization(2.0, 0.0), "J > 0", id="m-J0"),
        pytest.param(lambda: onsager_entropy_per_site(2.0, -1.0), "J > 0", id="entropy-J<0"),
        pytest.param(lambda: lattice_shape("3x4x5"), "16x16", id="lattice-shape"),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(DataError, match=match):
        call()


@pytest.mark.parametrize("size", ["4x4", "4x6"])
def test_lattice_symmetries_are_a_group_that_keeps_energy_and_magnetization(size):
    from qgen.datasets.ising import lattice_symmetries

    perms = lattice_symmetries(size)
    lx, ly = lattice_shape(size)
    assert perms.shape == ((8 if lx == ly else 4) * lx * ly, lx * ly)
    assert torch.equal(perms[0], torch.arange(lx * ly))
    rows = {tuple(p) for p in perms.tolist()}
    assert len(rows) == perms.shape[0]
    for g in perms[::7]:  # closed under composition and inverses
        assert {tuple(p) for p in perms[:, g].tolist()} == rows
        assert tuple(torch.argsort(g).tolist()) in rows
    configs = torch.randint(0, 2, (5, lx * ly), generator=torch.Generator().manual_seed(0))
    images = configs[:, perms]  # (5, G, N)
    energies = energy_per_site(spins_from_configs(images.reshape(-1, lx * ly), size))
    magnetizations = magnetization(spins_from_configs(images.reshape(-1, lx * ly), size))
    assert torch.allclose(energies.reshape(5, -1), energies.reshape(5, -1)[:, :1])
    assert torch.allclose(magnetizations.reshape(5, -1), magnetizations.reshape(5, -1)[:, :1])

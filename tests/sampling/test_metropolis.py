"""Metropolis chains against exact |ψ|², their diagnostics, state and bad input."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.errors import SamplerError
from qgen.estimators import local_values, statistics
from qgen.hilbert import MagnetizationSector, all_configs, configs_to_indices
from qgen.lattice import Chain
from qgen.models import RBM
from qgen.operators.hamiltonians import heisenberg
from qgen.sampling import ExactSampler, MetropolisSampler

N = 8
BONDS = Chain(N).bonds()


def _model(seed: int = 0, std: float = 0.25, is_complex: bool = False) -> RBM:
    torch.manual_seed(seed)
    return RBM(N, alpha=1, phase=is_complex, init_std=std, dtype=torch.float64)


def _total_variation(x: torch.Tensor, probabilities: torch.Tensor) -> float:
    counts = torch.bincount(configs_to_indices(x), minlength=probabilities.numel())
    return 0.5 * float((counts.double() / x.shape[0] - probabilities).abs().sum())


def _expected_iid_total_variation(probabilities: torch.Tensor, n: float) -> float:
    """E[TV] of an n-sample histogram of independent draws: Σ sqrt(2p(1-p)/(π n)) / 2."""
    p = probabilities[probabilities > 0]
    return 0.5 * float(torch.sqrt(2 * p * (1 - p) / (math.pi * n)).sum())


def _effective_size(sampler: MetropolisSampler, model: RBM, x: torch.Tensor) -> float:
    with torch.no_grad():
        chains = model(x).real.reshape(-1, sampler.n_chains).T
    stats = statistics(chains)
    return x.shape[0] / (1 + 2 * stats.tau_corr)


@pytest.mark.parametrize(
    ("rule", "magnetization", "replicas", "sweep_size"),
    [("local", None, 1, N), ("exchange", 0, 1, 4 * N), ("local", None, 3, N)],
    ids=["local", "exchange-sz0", "local-tempering"],
)
def test_histogram_matches_exact_probabilities(rule, magnetization, replicas, sweep_size):
    """TV distance within twice its expectation for as many independent samples as the
    chains' effective sample size n / (1 + 2τ), τ measured on log|ψ|. Exchanges along
    bonds mix slower than τ(log|ψ|) shows, hence their longer sweeps."""
    model = _model(std=0.3, is_complex=True)
    sampler = MetropolisSampler(
        model,
        N,
        rule=rule,
        n_chains=256,
        bonds=BONDS,
        magnetization=magnetization,
        n_replicas=replicas,
        sweep_size=sweep_size,
    )
    x = sampler.sample(256 * 80, torch.Generator().manual_seed(1))
    assert x.shape == (256 * 80, N)
    exact = ExactSampler(model, N)
    probabilities = exact.probabilities()
    if magnetization is not None:
        assert bool(MagnetizationSector(N, magnetization).contains(x).all())
        probabilities = probabilities * MagnetizationSector(N, magnetization).contains(
            all_configs(N)
        )
        probabilities = probabilities / probabilities.sum()
    n_effective = _effective_size(sampler, model, x)
    bound = 2 * _expected_iid_total_variation(probabilities, n_effective)
    assert _total_variation(x, probabilities) < bound
    assert 0.05 < sampler.acceptance < 1
    if replicas > 1:
        assert 0 < sampler.swap_acceptance <= 1
    else:
        assert sampler.swap_acceptance is None


def test_converged_chains_have_r_hat_near_one_and_finite_tau():
    model = _model()
    sampler = MetropolisSampler(model, N, n_chains=16)
    x = sampler.sample(16 * 400, torch.Generator().manual_seed(2))
    with torch.no_grad():
        stats = statistics(model(x).reshape(-1, 16).T)
    assert stats.r_hat < 1.01
    assert 0 <= stats.tau_corr < 5


def test_energy_within_five_error_bars_of_the_exact_expectation():
    model = _model(seed=4, std=0.3)
    hamiltonian = heisenberg(Chain(N), sign_rule=True)
    sampler = MetropolisSampler(
        model, N, rule="exchange", n_chains=16, bonds=BONDS, magnetization=0
    )
    x = sampler.sample(8000, torch.Generator().manual_seed(3))
    stats = statistics(local_values(hamiltonian, model, x).reshape(-1, 16).T)
    configs = MagnetizationSector(N, 0).configs()
    with torch.no_grad():
        psi = torch.exp(model(configs).to(torch.complex128))
    full = torch.zeros(2**N, dtype=torch.complex128)
    full[configs_to_indices(configs)] = psi
    h_psi = torch.as_tensor(hamiltonian.to_sparse() @ full.numpy())
    exact = float((full.conj() @ h_psi).real / (full.conj() @ full).real)
    assert abs(stats.mean - exact) < 5 * stats.error


def test_chains_started_in_equilibrium_stay_there():
    """Stationarity: chains started from exact samples keep the exact histogram."""
    model = _model(std=0.3, is_complex=True)
    sector = MagnetizationSector(N, 0)
    exact = ExactSampler(model, N, magnetization=0)
    generator = torch.Generator().manual_seed(7)
    start = exact.sample(20_000, generator)
    sampler = MetropolisSampler(
        model,
        N,
        rule="exchange",
        n_chains=20_000,
        bonds=BONDS,
        magnetization=0,
        initial=start,
        burn_in=0,
        discard=0,
    )
    x = sampler.sample(20_000, generator)
    probabilities = torch.zeros(2**N, dtype=torch.float64)
    probabilities[configs_to_indices(sector.configs())] = exact.probabilities()
    assert _total_variation(x, probabilities) < 2 * _expected_iid_total_variation(
        probabilities, 20_000
    )


def test_state_dict_continues_the_same_chains():
    model = _model()
    first = MetropolisSampler(model, N, n_chains=4, burn_in=3)
    generator = torch.Generator().manual_seed(5)
    first.sample(8, generator)
    state = first.state_dict()
    saved_generator = generator.get_state()
    expected = first.sample(8, generator)
    second = MetropolisSampler(model, N, n_chains=4, burn_in=3)
    second.load_state_dict(state)
    generator.set_state(saved_generator)
    torch.testing.assert_close(second.sample(8, generator), expected)


def test_samples_round_up_to_whole_chains_and_are_time_major():
    model = _model()
    sampler = MetropolisSampler(model, N, n_chains=6, sweep_size=1, discard=0, burn_in=0)
    x = sampler.sample(10, torch.Generator().manual_seed(6))
    assert x.shape == (12, N)
    # one step between kept samples: a chain's consecutive samples differ in at most one site
    steps = (x[6:] != x[:-6]).sum(1)
    assert int(steps.max()) <= 1


def test_bad_sampler_input():
    model = _model()
    with pytest.raises(SamplerError, match="number of chains: expected an integer ≥ 1, got 0"):
        MetropolisSampler(model, N, n_chains=0)
    with pytest.raises(SamplerError, match="rule"):
        MetropolisSampler(model, N, rule="swap")
    with pytest.raises(SamplerError, match=r"needs\s+the sector"):
        MetropolisSampler(model, N, rule="exchange", bonds=BONDS)
    with pytest.raises(SamplerError, match="bonds="):
        MetropolisSampler(model, N, rule="exchange", magnetization=0)
    with pytest.raises(SamplerError, match="two different sites"):
        MetropolisSampler(model, N, rule="exchange", magnetization=0, bonds=[[0, 1], [2, 2]])
    with pytest.raises(SamplerError, match="bond sites"):
        MetropolisSampler(model, N, rule="exchange", magnetization=0, bonds=[[0, N]])
    outside = torch.zeros(2, N, dtype=torch.long)
    with pytest.raises(SamplerError, match="2 of 2 initial configurations lie outside"):
        MetropolisSampler(
            model, N, rule="exchange", n_chains=2, bonds=BONDS, magnetization=0, initial=outside
        )
    with pytest.raises(SamplerError, match=r"shape \(3, 8\)"):
        MetropolisSampler(model, N, n_chains=3, initial=outside)
    with pytest.raises(SamplerError, match="number of samples: expected an integer ≥ 1"):
        MetropolisSampler(model, N).sample(0, torch.Generator())


def test_saved_chains_of_other_settings_are_refused():
    model = _model()
    generator = torch.Generator().manual_seed(8)
    sampler = MetropolisSampler(
        model, N, rule="exchange", n_chains=4, bonds=BONDS, magnetization=0, burn_in=0
    )
    sampler.sample(4, generator)
    state = sampler.state_dict()
    other_sector = MetropolisSampler(
        model, N, rule="exchange", n_chains=4, bonds=BONDS, magnetization=1
    )
    with pytest.raises(SamplerError, match="belong to a sampler"):
        other_sector.load_state_dict(state)
    tempered = MetropolisSampler(model, N, n_chains=2, n_replicas=2)
    with pytest.raises(SamplerError, match="belong to a sampler"):
        tempered.load_state_dict(state)
    broken = {**state, "chains": torch.full((4, N), 7)}
    with pytest.raises(SamplerError, match="values in"):
        sampler.load_state_dict(broken)

"""VMC with RBM wave functions: local energies, convergence to ED with exact and Markov-chain
sampling, chain diagnostics in the records, resume with persistent chains."""

from __future__ import annotations

import pytest
import torch

from qgen.estimators import local_values
from qgen.exact import diagonalize
from qgen.hilbert import all_configs, configs_to_indices
from qgen.lattice import Chain
from qgen.models import RBM, SymmetricRBM
from qgen.operators.hamiltonians import heisenberg, j1j2, transverse_field_ising
from qgen.runs import RunDirectory
from qgen.sampling import ExactSampler, MetropolisSampler
from qgen.vmc import SR, VMC


@pytest.mark.parametrize(
    "make",
    [
        lambda: RBM(8, alpha=1, phase=True, init_std=0.3, dtype=torch.float64),
        lambda: SymmetricRBM(Chain(8), 2, phase=True, init_std=0.3, dtype=torch.float64),
    ],
    ids=["rbm", "symmetric-rbm"],
)
def test_local_energy_equals_the_sparse_matrix(make):
    torch.manual_seed(0)
    model = make()
    hamiltonian = j1j2(Chain(8), J2=0.3)
    x = all_configs(8)
    with torch.no_grad():
        psi = torch.exp(model(x).to(torch.complex128)).numpy()
    h_psi = hamiltonian.to_sparse() @ psi
    sample = x[::5]
    index = configs_to_indices(sample).numpy()
    torch.testing.assert_close(
        local_values(hamiltonian, model, sample).to(torch.complex128),
        torch.as_tensor(h_psi[index] / psi[index]),
        rtol=1e-10,
        atol=1e-10,
    )


def _sr_driver(model, hamiltonian, sampler, n_samples=512, lr=0.05, seed=0, exact=None):
    optimizer = torch.optim.SGD(model.parameters(), lr=lr)
    return VMC(
        hamiltonian,
        model,
        sampler,
        optimizer,
        n_samples,
        preconditioner=SR(1e-2),
        seed=seed,
        exact_energy=exact,
    )


def test_rbm_with_exact_sampling_converges_to_ed():
    """TFIM ring N=6, h=1: a real RBM (α=1) within 1e-3 of ED after 100 SR steps."""
    hamiltonian = transverse_field_ising(Chain(6), J=1.0, h=1.0)
    exact = float(diagonalize(hamiltonian, 1).energies[0])
    torch.manual_seed(1)
    model = RBM(6, alpha=1, dtype=torch.float64)
    driver = _sr_driver(model, hamiltonian, ExactSampler(model, 6), lr=0.1, exact=exact)
    driver.run(100, progress=False)
    final = driver.estimate(8000)
    assert abs(final.mean - exact) / abs(exact) < 1e-3


def test_rbm_with_exchange_chains_converges_and_logs_diagnostics():
    """Heisenberg ring N=8 with the Marshall rule: exchange Metropolis chains in S^z = 0,
    within 5e-3 of ED after 120 SR steps; the final estimate within 5 error bars of the
    model's exact energy."""
    hamiltonian = heisenberg(Chain(8), sign_rule=True)
    exact = float(diagonalize(hamiltonian, 1, sector=0).energies[0])
    torch.manual_seed(2)
    model = RBM(8, alpha=1, dtype=torch.float64)
    sampler = MetropolisSampler(
        model, 8, rule="exchange", n_chains=64, bonds=Chain(8).bonds(), magnetization=0
    )
    driver = _sr_driver(model, hamiltonian, sampler, lr=0.05, exact=exact)
    records = driver.run(120, progress=False)
    last = records[-1]
    for key in ("tau_corr", "r_hat", "acceptance"):
        assert key in last
    assert 0 < last["acceptance"] < 1
    final = driver.estimate(8192)
    assert final.r_hat < 1.05
    assert abs(final.mean - exact) / abs(exact) < 5e-3
    exact_sampler = ExactSampler(model, 8, magnetization=0)
    configs = exact_sampler.configs()
    model_energy = float(
        (exact_sampler.probabilities() * local_values(hamiltonian, model, configs).real).sum()
    )
    assert abs(final.mean - model_energy) < 5 * final.error


def test_resume_with_markov_chains_continues_the_same_trajectory(tmp_path):
    hamiltonian = heisenberg(Chain(6), sign_rule=True)

    def fresh():
        torch.manual_seed(3)
        model = RBM(6, alpha=1, dtype=torch.float64)
        sampler = MetropolisSampler(
            model, 6, rule="exchange", n_chains=8, bonds=Chain(6).bonds(), magnetization=0
        )
        return _sr_driver(model, hamiltonian, sampler, n_samples=64, seed=5)

    uninterrupted = fresh().run(6, progress=False)
    first = fresh()
    first.run(3, run_dir=RunDirectory(tmp_path / "run"), progress=False)
    resumed = fresh()
    resumed.load_state_dict(RunDirectory(tmp_path / "run", resume=True).load_checkpoint())
    continued = resumed.run(6, progress=False)
    for a, b in zip(uninterrupted[3:], continued, strict=True):
        assert a["energy"] == pytest.approx(b["energy"], rel=1e-12, abs=1e-12)


def test_an_estimate_leaves_the_training_trajectory_unchanged():
    hamiltonian = heisenberg(Chain(6), sign_rule=True)

    def fresh():
        torch.manual_seed(6)
        model = RBM(6, alpha=1, dtype=torch.float64)
        sampler = MetropolisSampler(
            model,
            6,
            rule="exchange",
            n_chains=8,
            bonds=Chain(6).bonds(),
            magnetization=0,
            n_replicas=2,
        )
        return _sr_driver(model, hamiltonian, sampler, n_samples=64, seed=2)

    plain = fresh().run(4, progress=False)
    interrupted = fresh()
    first = interrupted.run(2, progress=False)
    interrupted.estimate(256)
    rest = interrupted.run(4, progress=False)
    for a, b in zip(plain, first + rest, strict=True):
        assert a["energy"] == b["energy"]
    assert 0 < plain[-1]["swap_acceptance"] <= 1

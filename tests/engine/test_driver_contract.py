"""One contract for every driver: the same engine logs, checkpoints, resumes to the bit,
stops on a NaN with the last good checkpoint intact, and restores the best state."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import torch

from qgen.driver import Driver, EarlyStopping
from qgen.ebm import ContrastiveDivergence
from qgen.errors import NonFiniteError
from qgen.exact.measurement import sample_measurements
from qgen.exact.named_states import w_state_with_phases
from qgen.generative.flows import RealNVP
from qgen.generative.gan import GAN
from qgen.generative.training import GANTrainer, LikelihoodTrainer
from qgen.lattice import Chain
from qgen.models import RNN, AmplitudePhaseRBM, BernoulliRBM
from qgen.operators import heisenberg
from qgen.runs import RunDirectory
from qgen.sampling import AutoregressiveSampler
from qgen.tomography import MeasurementData, TomographyTrainer
from qgen.tomography.bases import pairwise_bases
from qgen.vmc import SR, VMC


def vmc() -> Driver:
    torch.manual_seed(0)
    model = RNN(6, hidden=4, magnetization=0, dtype=torch.float64)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.05)
    hamiltonian = heisenberg(Chain(6), sign_rule=True)
    sampler = AutoregressiveSampler(model)
    return VMC(hamiltonian, model, sampler, optimizer, 64, preconditioner=SR(1e-3), seed=3)


def tomography(model_kind: str) -> Callable[[], Driver]:
    def build() -> Driver:
        psi = w_state_with_phases(4, seed=1)
        samples = sample_measurements(psi, pairwise_bases(4), 40, seed=2)
        data = MeasurementData.from_samples(samples, psi)
        train, validation = data.split(0.2, seed=0)
        torch.manual_seed(0)
        if model_kind == "rnn":
            model: torch.nn.Module = RNN(4, hidden=4, phase=True, dtype=torch.float64)
        else:
            model = AmplitudePhaseRBM(4, 3, phase=True, dtype=torch.float64)
        optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
        method = "cd" if model_kind == "rbm-cd" else None
        return TomographyTrainer(
            model,
            train,
            validation,
            optimizer,
            batch_size=40,
            method=method,
            seed=4,
            persistent=method == "cd",
            cd_steps=2,
        )

    return build


def contrastive_divergence() -> Driver:
    generator = torch.Generator().manual_seed(0)
    data = (torch.rand(120, 6, generator=generator) < 0.3).double()
    rbm = BernoulliRBM(6, 4, torch.float64, generator=torch.Generator().manual_seed(1))
    optimizer = torch.optim.SGD(rbm.parameters(), lr=0.05, momentum=0.9)
    return ContrastiveDivergence(rbm, data, optimizer, method="pcd", k=2, batch_size=40, seed=5)


def flow() -> Driver:
    data = torch.randn(160, 2, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = RealNVP(2, transforms=2, hidden=8)
    return LikelihoodTrainer(
        model,
        data[:120],
        data[120:],
        loss=lambda x, g: -model.log_prob(x),
        lr=1e-2,
        batch_size=40,
        patience=None,
        seed=6,
    )


def gan() -> Driver:
    data = torch.randn(160, 2, generator=torch.Generator().manual_seed(0))
    torch.manual_seed(0)
    model = GAN(2, latent=2, hidden=8, layers=2, loss="wgan-gp")
    return GANTrainer(
        model,
        data[:120],
        data[120:],
        lr=1e-3,
        critic_steps=2,
        batch_size=40,
        patience=None,
        seed=7,
    )


DRIVERS = [
    pytest.param(vmc, id="vmc-sr"),
    pytest.param(tomography("rnn"), id="tomography-rnn"),
    pytest.param(tomography("rbm-cd"), id="tomography-rbm-pcd"),
    pytest.param(contrastive_divergence, id="ebm-pcd"),
    pytest.param(flow, id="flow"),
    pytest.param(gan, id="gan-wgan-gp"),
]


def states_equal(a: Driver, b: Driver) -> bool:
    first, second = a.model.state_dict(), b.model.state_dict()
    return first.keys() == second.keys() and all(
        torch.equal(first[key], second[key]) for key in first
    )


@pytest.mark.parametrize("build", DRIVERS)
def test_resume_after_a_stop_equals_the_uninterrupted_run_to_the_bit(tmp_path, build):
    straight = build()
    records = straight.run(4, progress=False)
    first = build()
    first.run(2, run_dir=RunDirectory(tmp_path / "run"), progress=False)
    resumed = build()
    run_dir = RunDirectory(tmp_path / "run", resume=True)
    resumed.restore(run_dir)
    assert resumed.steps == 2
    resumed.run(4, run_dir=run_dir, progress=False)
    assert states_equal(straight, resumed)
    logged = run_dir.read_log()
    assert [r[straight.counter] for r in logged] == [r[straight.counter] for r in records]
    for key in straight.finite_keys:
        assert [r.get(key) for r in logged] == [r.get(key) for r in records]


@pytest.mark.parametrize("build", DRIVERS)
def test_a_nan_at_step_k_stops_the_run_and_keeps_the_checkpoint_of_step_k_minus_1(tmp_path, build):
    driver = build()
    step = driver.step
    k = 2

    def poisoned() -> dict:
        if driver.steps == k:
            with torch.no_grad():
                next(driver.model.parameters()).fill_(float("nan"))
        return step()

    driver.step = poisoned  # type: ignore[method-assign]
    run_dir = RunDirectory(tmp_path / "run")
    with pytest.raises(NonFiniteError, match=f"{driver.counter} {k + driver.first_count}"):
        driver.run(5, run_dir=run_dir, checkpoint_every=1, progress=False)
    checkpoint = RunDirectory(tmp_path / "run", resume=True).load_checkpoint()
    assert checkpoint["steps"] == k
    assert len(run_dir.read_log()) == k
    clean = build()
    clean.run(k, progress=False)
    assert all(
        torch.equal(checkpoint["model"][name], value)
        for name, value in clean.model.state_dict().items()
    )


@pytest.mark.parametrize("build", DRIVERS)
def test_early_stopping_restores_the_best_state(build):
    """A monitored value scripted to 3, 2, 1, 1.5, 2.5, ...: patience 2 stops after the
    fifth step and returns to the state after the third."""
    driver = build()
    script = [3.0, 2.0, 1.0, 1.5, 2.5, 0.5, 0.4]
    step = driver.step

    def scripted() -> dict:
        return {**step(), "scripted": script[driver.steps]}

    driver.step = scripted  # type: ignore[method-assign]
    driver.early_stopping = EarlyStopping("scripted", patience=2)
    snapshots = {}

    def snapshot(d: Driver, record: dict) -> None:
        snapshots[record[d.counter]] = {k: v.clone() for k, v in d.model.state_dict().items()}

    records = driver.run(7, progress=False, callbacks=[snapshot])
    assert len(records) == 5
    assert driver.stopped
    best = 3 - 1 + driver.first_count
    assert driver.best_step == best
    assert all(torch.equal(snapshots[best][k], v) for k, v in driver.model.state_dict().items())

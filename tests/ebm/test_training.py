"""CD-k and PCD training on a tiny dataset whose likelihood is known exactly."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.datasets.base import DataError
from qgen.ebm import CDConfig, CDTrainer, EBMError, train_rbm
from qgen.models.bernoulli_rbm import BernoulliRBM
from qgen.runs import RunDirectory

PATTERNS = torch.tensor([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1], [1, 0, 1, 0, 1, 0]])


def tiny_dataset(n: int = 600, flip: float = 0.05, seed: int = 0) -> torch.Tensor:
    """Three 6-bit patterns, each bit flipped with probability ``flip``."""
    generator = torch.Generator().manual_seed(seed)
    rows = PATTERNS[torch.randint(0, 3, (n,), generator=generator)]
    noise = torch.rand(rows.shape, generator=generator) < flip
    return (rows ^ noise.long()).float()


def empirical_entropy(data: torch.Tensor) -> float:
    """The NLL of the empirical distribution on its own data: a lower bound for any model."""
    index = (data.long() * 2 ** torch.arange(data.shape[1] - 1, -1, -1)).sum(1)
    p = torch.bincount(index).double() / data.shape[0]
    p = p[p > 0]
    return float(-(p * p.log()).sum())


def exact_nll(rbm: BernoulliRBM, data: torch.Tensor) -> float:
    with torch.no_grad():
        return -rbm.log_prob(data).mean().item()


@pytest.mark.parametrize(
    ("method", "k"), [pytest.param("cd", 1, id="cd-1"), pytest.param("pcd", 3, id="pcd-3")]
)
def test_training_decreases_the_exact_nll(method, k):
    data = tiny_dataset()
    rbm = BernoulliRBM(6, 8, torch.float64, generator=torch.Generator().manual_seed(1))
    start = exact_nll(rbm, data)
    assert start == pytest.approx(6 * math.log(2), abs=0.01)  # near-uniform at initialization
    config = CDConfig(method=method, k=k, epochs=30, batch_size=50, learning_rate=0.05, seed=2)
    history = train_rbm(rbm, data, config, evaluate=lambda m, e: {"nll": exact_nll(m, data)})
    end = exact_nll(rbm, data)
    floor = empirical_entropy(data)
    assert len(history.records) == 30
    assert history.records[-1]["nll"] == pytest.approx(end)
    # Near-uniform (6 log 2 = 4.16 nats) down to within 0.4 nats of the data's own
    # entropy (1.9 nats), and never below it by more than the sampling noise.
    assert end < start - 1.5
    assert floor - 0.05 < end < floor + 0.4


def test_resume_continues_exactly(tmp_path):
    data = tiny_dataset(200)
    config = CDConfig(method="pcd", k=2, epochs=4, batch_size=40, learning_rate=0.05, seed=3)

    def fresh() -> BernoulliRBM:
        return BernoulliRBM(6, 4, torch.float64, generator=torch.Generator().manual_seed(0))

    straight = fresh()
    train_rbm(straight, data, config)
    first = fresh()
    half = CDConfig(**{**config.__dict__, "epochs": 2})
    train_rbm(first, data, half, RunDirectory(tmp_path / "run"))
    assert len(RunDirectory(tmp_path / "run", resume=True).read_log()) == 2
    resumed = fresh()
    history = train_rbm(resumed, data, config, RunDirectory(tmp_path / "run", resume=True))
    assert [record["epoch"] for record in history.records] == [1, 2, 3, 4]
    for name, parameter in straight.named_parameters():
        torch.testing.assert_close(dict(resumed.named_parameters())[name], parameter)


def test_adam_and_trainer_state():
    data = tiny_dataset(100)
    rbm = BernoulliRBM(6, 3, generator=torch.Generator().manual_seed(0))
    trainer = CDTrainer(rbm, CDConfig(method="pcd", optimizer="adam", persistent_chains=7))
    losses = trainer.step(data[:10], torch.Generator().manual_seed(1))
    assert set(losses) == {"free_energy_gap", "reconstruction_error"}
    assert trainer.chains is not None
    assert trainer.chains.shape == (7, 6)
    state = trainer.state_dict()
    other = CDTrainer(BernoulliRBM(6, 3), CDConfig(method="pcd", optimizer="adam"))
    other.load_state_dict(state)
    torch.testing.assert_close(other.chains, trainer.chains)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        pytest.param({"k": 0}, r"k \(cd-k\) ≥ 1, got 0", id="k-zero"),
        pytest.param({"epochs": 0}, r"epochs ≥ 1, got 0", id="epochs-zero"),
        pytest.param({"batch_size": -5}, r"batch size ≥ 1, got -5", id="batch-negative"),
        pytest.param({"learning_rate": 0.0}, r"learning rate > 0, got 0.0", id="lr-zero"),
        pytest.param({"method": "mcmc"}, r"unknown training method 'mcmc'", id="method"),
        pytest.param({"optimizer": "lbfgs"}, r"unknown optimizer 'lbfgs'", id="optimizer"),
        pytest.param({"momentum": 1.0}, r"momentum in \[0, 1\), got 1.0", id="momentum"),
        pytest.param({"persistent_chains": 0}, r"persistent chains ≥ 1, got 0", id="chains"),
    ],
)
def test_bad_config(options, match):
    with pytest.raises(EBMError, match=match):
        CDConfig(**options)


def test_bad_data():
    rbm = BernoulliRBM(6, 3)
    spins = 1 - 2 * tiny_dataset(20)
    with pytest.raises(DataError, match=r"expected binary values 0/1.*\(1 - s\) / 2.*-1\.0"):
        train_rbm(rbm, spins, CDConfig(epochs=1))
    with pytest.raises(DataError, match="expected 6 features per sample, got 5"):
        train_rbm(rbm, torch.zeros(4, 5), CDConfig(epochs=1))
    with pytest.raises(DataError, match="at least one sample"):
        train_rbm(rbm, torch.zeros(0, 6), CDConfig(epochs=1))
    with pytest.raises(EBMError, match="expected a BernoulliRBM, got Linear"):
        CDTrainer(torch.nn.Linear(2, 2), CDConfig())  # type: ignore[arg-type]


def test_divergence_is_reported():
    rbm = BernoulliRBM(6, 3)
    with torch.no_grad():
        rbm.weights.fill_(float("nan"))
    with pytest.raises(EBMError, match="diverged at epoch 1"):
        train_rbm(rbm, tiny_dataset(20), CDConfig(epochs=1))


def test_symmetric_training_keeps_the_spin_flip_symmetry():
    data = tiny_dataset(200)
    rbm = BernoulliRBM(
        6, 4, torch.float64, weight_std=0.5, generator=torch.Generator().manual_seed(0)
    )
    train_rbm(rbm, data, CDConfig(epochs=3, symmetric=True, optimizer="adam", learning_rate=0.05))
    with torch.no_grad():
        torch.testing.assert_close(rbm.log_prob(data), rbm.log_prob(1 - data), rtol=0, atol=1e-12)
        torch.testing.assert_close(rbm.visible_bias, -0.5 * rbm.weights.sum(0))


def test_symmetric_gradient_is_the_gradient_through_the_tie():
    from qgen.ebm.training import _tied_gradient, tie_biases

    generator = torch.Generator().manual_seed(3)
    rbm = BernoulliRBM(6, 4, torch.float64, weight_std=0.7, generator=generator)
    tie_biases(rbm)
    positive, negative = tiny_dataset(20, seed=1).double(), tiny_dataset(20, seed=2).double()

    def tied_loss(w: torch.Tensor) -> torch.Tensor:
        a, b = -0.5 * w.sum(0), -0.5 * w.sum(1)

        def free(v: torch.Tensor) -> torch.Tensor:
            return -(v @ a) - torch.nn.functional.softplus(v @ w.T + b).sum(-1)

        return free(positive).mean() - free(negative).mean()

    w = rbm.weights.detach().clone().requires_grad_(True)
    (reference,) = torch.autograd.grad(tied_loss(w), w)
    loss = rbm.free_energy(positive).mean() - rbm.free_energy(negative).mean()
    loss.backward()
    _tied_gradient(rbm)
    torch.testing.assert_close(rbm.weights.grad, reference, rtol=1e-12, atol=1e-12)


def test_cosine_schedule():
    config = CDConfig(epochs=4, cosine=True, learning_rate=0.1, optimizer="adam")
    history = train_rbm(BernoulliRBM(6, 3), tiny_dataset(50), config)
    rates = [record["learning_rate"] for record in history.records]
    expected = [0.05 * (1 + math.cos(math.pi * (e - 1) / 4)) for e in (1, 2, 3, 4)]
    assert rates == pytest.approx(expected, rel=1e-12)
    constant = train_rbm(BernoulliRBM(6, 3), tiny_dataset(50), CDConfig(epochs=2))
    assert [record["learning_rate"] for record in constant.records] == [0.01, 0.01]


def test_symmetry_augmentation_spreads_probability_over_the_orbit():
    """Data of one 3×3 configuration: trained with the lattice's 72 symmetries as
    augmentation, the RBM spreads its probability over the configuration's 18 images
    (within a factor e² of each other, 5× their uniform share in all); without, it keeps
    the probability on the configuration it saw (the images differ by many nats)."""
    from qgen.datasets.ising import lattice_symmetries

    pattern = torch.tensor([[1, 1, 0, 0, 0, 0, 0, 0, 0]], dtype=torch.float64)
    data = pattern.repeat(200, 1)
    perms = lattice_symmetries("3x3")
    orbit = pattern[:, perms].squeeze(0).unique(dim=0)  # the 18 images of a bond
    assert orbit.shape[0] == 18
    spread = {}
    for augment in (False, True):
        rbm = BernoulliRBM(9, 12, torch.float64, generator=torch.Generator().manual_seed(0))
        config = CDConfig(k=5, epochs=40, batch_size=20, learning_rate=0.05, seed=1)
        train_rbm(rbm, data, config, symmetries=perms if augment else None)
        with torch.no_grad():
            log_p = rbm.log_prob(orbit)
        spread[augment] = float(log_p.max() - log_p.min())
        if augment:
            assert float(log_p.exp().sum()) > 5 * 18 / 2**9
    assert spread[True] < 2.0
    assert spread[False] > 10.0


@pytest.mark.parametrize(
    ("symmetries", "match"),
    [
        (torch.zeros(2, 5, dtype=torch.long), r"integer tensor \(G, 6\)"),
        (torch.zeros(2, 6), r"integer tensor \(G, 6\)"),
        (torch.tensor([[0, 1, 2, 3, 4, 4]]), "permutation of 0..5"),
    ],
)
def test_bad_symmetries(symmetries, match):
    rbm = BernoulliRBM(6, 3, generator=torch.Generator().manual_seed(0))
    with pytest.raises(EBMError, match=match):
        train_rbm(rbm, tiny_dataset(20), CDConfig(epochs=1), symmetries=symmetries)

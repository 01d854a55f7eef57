"""CD-k and PCD training on a tiny dataset whose likelihood is known exactly."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.driver import cosine_schedule
from qgen.ebm import ContrastiveDivergence
from qgen.errors import DataError, NonFiniteError, TrainingError
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


def train(
    rbm: BernoulliRBM,
    data: torch.Tensor,
    epochs: int = 1,
    *,
    lr: float = 0.01,
    adam: bool = False,
    cosine: bool = False,
    run_dir: RunDirectory | None = None,
    **options,
) -> list[dict]:
    """Train by SGD (momentum 0.9) or Adam for ``epochs``, as ``qgen ebm`` builds it."""
    if adam:
        optimizer = torch.optim.Adam(rbm.parameters(), lr=lr)
    else:
        optimizer = torch.optim.SGD(rbm.parameters(), lr=lr, momentum=0.9)
    scheduler = cosine_schedule(optimizer, epochs) if cosine else None
    driver = ContrastiveDivergence(rbm, data, optimizer, scheduler=scheduler, **options)
    if run_dir is not None and run_dir.resume:
        driver.restore(run_dir)
    records = driver.run(epochs, run_dir=run_dir, progress=False)
    return run_dir.read_log() if run_dir is not None else records


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
    records = train(
        rbm,
        data,
        30,
        lr=0.05,
        method=method,
        k=k,
        batch_size=50,
        seed=2,
        evaluate=lambda m, e: {"nll": exact_nll(m, data)},
    )
    end = exact_nll(rbm, data)
    floor = empirical_entropy(data)
    assert len(records) == 30
    assert records[-1]["nll"] == pytest.approx(end)
    # Near-uniform (6 log 2 = 4.16 nats) down to within 0.4 nats of the data's own
    # entropy (1.9 nats), and never below it by more than the sampling noise.
    assert end < start - 1.5
    assert floor - 0.05 < end < floor + 0.4


def test_resume_continues_exactly(tmp_path):
    data = tiny_dataset(200)
    config = {"method": "pcd", "k": 2, "batch_size": 40, "lr": 0.05, "seed": 3}

    def fresh() -> BernoulliRBM:
        return BernoulliRBM(6, 4, torch.float64, generator=torch.Generator().manual_seed(0))

    straight = fresh()
    train(straight, data, 4, **config)
    first = fresh()
    train(first, data, 2, run_dir=RunDirectory(tmp_path / "run"), **config)
    assert len(RunDirectory(tmp_path / "run", resume=True).read_log()) == 2
    resumed = fresh()
    records = train(resumed, data, 4, run_dir=RunDirectory(tmp_path / "run", resume=True), **config)
    assert [record["epoch"] for record in records] == [1, 2, 3, 4]
    for name, parameter in straight.named_parameters():
        torch.testing.assert_close(dict(resumed.named_parameters())[name], parameter)


def test_adam_and_driver_state():
    data = tiny_dataset(100)
    rbm = BernoulliRBM(6, 3, generator=torch.Generator().manual_seed(0))
    adam = torch.optim.Adam(rbm.parameters())
    driver = ContrastiveDivergence(rbm, data, adam, method="pcd", persistent_chains=7)
    losses = driver.update(data[:10])
    assert set(losses) == {"free_energy_gap", "reconstruction_error"}
    assert driver.chains is not None
    assert driver.chains.shape == (7, 6)
    state = driver.state_dict()
    other_rbm = BernoulliRBM(6, 3)
    other = ContrastiveDivergence(
        other_rbm, data, torch.optim.Adam(other_rbm.parameters()), method="pcd"
    )
    other.load_state_dict(state)
    torch.testing.assert_close(other.chains, driver.chains)


@pytest.mark.parametrize(
    ("options", "match"),
    [
        pytest.param(
            {"k": 0}, r"k \(Gibbs steps of CD-k\): expected an integer ≥ 1, got 0", id="k"
        ),
        pytest.param(
            {"batch_size": -5}, r"batch_size: expected an integer ≥ 1, got -5", id="batch"
        ),
        pytest.param(
            {"method": "mcmc"}, r"method: expected one of cd, pcd, got 'mcmc'", id="method"
        ),
        pytest.param(
            {"persistent_chains": 0}, r"persistent_chains: expected an integer ≥ 1", id="chains"
        ),
    ],
)
def test_bad_settings(options, match):
    rbm = BernoulliRBM(6, 3)
    with pytest.raises(TrainingError, match=match):
        ContrastiveDivergence(rbm, tiny_dataset(10), torch.optim.SGD(rbm.parameters()), **options)


def test_bad_data():
    rbm = BernoulliRBM(6, 3)
    spins = 1 - 2 * tiny_dataset(20)
    with pytest.raises(DataError, match=r"expected binary values 0/1.*\(1 - s\) / 2.*-1\.0"):
        train(rbm, spins)
    with pytest.raises(DataError, match="expected 6 features per sample, got 5"):
        train(rbm, torch.zeros(4, 5))
    with pytest.raises(DataError, match="at least one sample"):
        train(rbm, torch.zeros(0, 6))
    linear = torch.nn.Linear(2, 2)
    with pytest.raises(TrainingError, match="expected a BernoulliRBM, got Linear"):
        ContrastiveDivergence(linear, torch.zeros(2, 2), torch.optim.SGD(linear.parameters()))  # type: ignore[arg-type]


def test_divergence_is_reported():
    rbm = BernoulliRBM(6, 3)
    with torch.no_grad():
        rbm.weights.fill_(float("nan"))
    with pytest.raises(NonFiniteError, match="epoch 1: parameter 'weights' became NaN"):
        train(rbm, tiny_dataset(20))


def test_symmetric_training_keeps_the_spin_flip_symmetry():
    data = tiny_dataset(200)
    rbm = BernoulliRBM(
        6, 4, torch.float64, weight_std=0.5, generator=torch.Generator().manual_seed(0)
    )
    train(rbm, data, 3, symmetric=True, adam=True, lr=0.05)
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
    records = train(BernoulliRBM(6, 3), tiny_dataset(50), 4, cosine=True, lr=0.1, adam=True)
    rates = [record["learning_rate"] for record in records]
    expected = [0.05 * (1 + math.cos(math.pi * (e - 1) / 4)) for e in (1, 2, 3, 4)]
    assert rates == pytest.approx(expected, rel=1e-12)
    constant = train(BernoulliRBM(6, 3), tiny_dataset(50), 2)
    assert [record["learning_rate"] for record in constant] == [0.01, 0.01]


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
        symmetries = perms if augment else None
        train(rbm, data, 40, k=5, batch_size=20, lr=0.05, seed=1, symmetries=symmetries)
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
    with pytest.raises(TrainingError, match=match):
        train(rbm, tiny_dataset(20), symmetries=symmetries)

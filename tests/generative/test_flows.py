"""The contract every flow keeps: shapes, gradients, exact inverse, exact log-determinant,
normalisation, save/load, and clear errors."""

from __future__ import annotations

import io
import math

import pytest
import torch

from qgen.errors import ConfigError, DataError
from qgen.generative.flows import MAF, Affine, Flow, RealNVP
from qgen.generative.splines import NeuralSplineFlow
from qgen.generative.training import LikelihoodTrainer

FLOWS = {
    "realnvp-2d": lambda: RealNVP(2, transforms=4, hidden=16),
    "realnvp-5d": lambda: RealNVP(5, transforms=3, hidden=16, layers=1),
    "maf-2d": lambda: MAF(2, transforms=3, hidden=16),
    "maf-5d": lambda: MAF(5, transforms=2, hidden=16, layers=3),
    "spline-2d": lambda: NeuralSplineFlow(2, transforms=3, hidden=16),
    "spline-5d": lambda: NeuralSplineFlow(5, transforms=2, hidden=16, bins=5, bound=3.0),
    "standardized-maf-2d": lambda: Flow(
        [Affine(torch.tensor([1.0, -2.0]), torch.tensor([0.5, -0.3])), *MAF(2, 2, 8).transforms],
        2,
    ),
}


def build(name: str, seed: int = 0) -> Flow:
    torch.manual_seed(seed)
    return FLOWS[name]().to(torch.float64)


def points(flow: Flow, n: int = 7, seed: int = 1) -> torch.Tensor:
    generator = torch.Generator().manual_seed(seed)
    return 1.5 * torch.randn(n, flow.features, generator=generator, dtype=torch.float64)


@pytest.fixture(params=sorted(FLOWS))
def name(request) -> str:
    return request.param


@pytest.fixture
def flow(name) -> Flow:
    return build(name)


def test_shapes(flow):
    x = points(flow)
    assert flow.log_prob(x).shape == (7,)
    assert flow.sample(4, torch.Generator().manual_seed(0)).shape == (4, flow.features)
    distribution = flow()
    assert isinstance(distribution, torch.distributions.Distribution)
    assert distribution.event_shape == (flow.features,)
    drawn = distribution.sample((3, 2))
    assert drawn.shape == (3, 2, flow.features)
    assert distribution.log_prob(drawn).shape == (3, 2)
    assert torch.equal(distribution.log_prob(x), flow.log_prob(x))


def test_gradients_reach_every_parameter(flow):
    loss = -flow.log_prob(points(flow)).mean() + flow.rsample(5).square().mean()
    loss.backward()
    for name, parameter in flow.named_parameters():
        assert parameter.grad is not None, name
        assert float(parameter.grad.abs().sum()) > 0, name


def test_inverse_round_trip(flow):
    x = points(flow)
    z, _ = flow.transform(x)
    assert torch.allclose(flow.inverse(z), x, atol=1e-6, rtol=0)
    assert torch.allclose(flow.transform(flow.inverse(x))[0], x, atol=1e-6, rtol=0)


def test_log_det_matches_autograd_jacobian(flow):
    x = points(flow, n=4)
    with torch.no_grad():
        _, log_det = flow.transform(x)
    for i in range(x.shape[0]):
        jacobian = torch.autograd.functional.jacobian(lambda v: flow.transform(v[None])[0][0], x[i])
        expected = float(torch.linalg.slogdet(jacobian)[1])
        assert float(log_det[i]) == pytest.approx(expected, abs=1e-6)


def test_sampling_is_seeded(flow):
    first = flow.sample(6, torch.Generator().manual_seed(3))
    assert torch.equal(first, flow.sample(6, torch.Generator().manual_seed(3)))
    assert not torch.equal(first, flow.sample(6, torch.Generator().manual_seed(4)))


def test_save_and_load(flow, name):
    buffer = io.BytesIO()
    torch.save(flow.state_dict(), buffer)
    buffer.seek(0)
    other = build(name, seed=99)
    x = points(flow)
    assert not torch.equal(other.log_prob(x), flow.log_prob(x))
    other.load_state_dict(torch.load(buffer, weights_only=True))
    assert torch.equal(other.log_prob(x), flow.log_prob(x))


@pytest.mark.parametrize("flow_name", ["realnvp-2d", "maf-2d", "spline-2d"])
def test_density_integrates_to_one(flow_name):
    flow = build(flow_name)
    grid = torch.linspace(-12, 12, 481, dtype=torch.float64)
    xx, yy = torch.meshgrid(grid, grid, indexing="ij")
    with torch.no_grad():
        density = flow.log_prob(torch.stack([xx.flatten(), yy.flatten()], 1)).exp()
    assert float(density.sum()) * float(grid[1] - grid[0]) ** 2 == pytest.approx(1.0, abs=1e-3)


def test_standardizing_affine():
    data = torch.randn(500, 2, generator=torch.Generator().manual_seed(0)) * 3.0 + 5.0
    z, log_det = Affine.standardizing(data)(data)
    assert torch.allclose(z.mean(0), torch.zeros(2), atol=1e-5)
    assert torch.allclose(z.std(0), torch.ones(2), atol=1e-5)
    assert torch.allclose(log_det, -data.std(0).log().sum().expand(500))


def test_short_training_lowers_the_held_out_nll():
    generator = torch.Generator().manual_seed(0)
    data = torch.randn(1200, 2, generator=generator) * torch.tensor([0.3, 2.0]) + 1.0
    torch.manual_seed(0)
    flow = RealNVP(2, transforms=4, hidden=16)
    trainer = LikelihoodTrainer(
        flow,
        data[:1000],
        data[1000:],
        loss=lambda x, g: -flow.log_prob(x),
        lr=1e-2,
        batch_size=100,
    )
    before = trainer.validation_loss(data[1000:])
    trainer.run(8, progress=False)
    best = trainer.early_stopping.best_value
    # The exact NLL of N(μ, diag(0.09, 4)) is log 2πe + log(0.3·2) = 2.327.
    exact = math.log(2 * math.pi * math.e) + math.log(0.6)
    assert best < before
    assert best < exact + 0.3


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda f: f.log_prob(torch.zeros(3, 3)),
            DataError,
            "expected 2 features per sample, got 3",
            id="dim",
        ),
        pytest.param(
            lambda f: f.log_prob(torch.zeros(3)), DataError, "shape \\(batch, features\\)", id="1d"
        ),
        pytest.param(
            lambda f: f.log_prob(torch.zeros(0, 2)), DataError, "at least one sample", id="empty"
        ),
        pytest.param(
            lambda f: f.log_prob(torch.tensor([[0.0, math.inf]])), DataError, "finite", id="inf"
        ),
        pytest.param(lambda f: RealNVP(1), ConfigError, "features ≥ 2", id="1-feature"),
        pytest.param(lambda f: MAF(2, transforms=0), ConfigError, "transforms=0", id="no-layers"),
    ],
)
def test_bad_input(call, error, match):
    with pytest.raises(error, match=match):
        call(RealNVP(2, transforms=2, hidden=4))

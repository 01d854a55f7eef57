"""Toy densities: seeded sampling, exact log-densities and entropies."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from qgen.datasets import toy_density
from qgen.datasets.toy2d import (
    EightGaussians,
    RadialMixture,
    TwoMoons,
    concentric_rings,
    ring,
)
from qgen.errors import DataError

NAMES = ["ring", "rings", "moons", "gaussians"]


@pytest.mark.parametrize("name", NAMES)
def test_seeded_sampling(name):
    density = toy_density(name)
    first = density.sample(500, torch.Generator().manual_seed(1))
    assert first.shape == (500, 2)
    assert first.dtype == torch.float32
    assert torch.equal(first, density.sample(500, torch.Generator().manual_seed(1)))
    assert not torch.equal(first, density.sample(500, torch.Generator().manual_seed(2)))


@pytest.mark.parametrize("name", NAMES)
def test_log_prob_integrates_to_one(name):
    density = toy_density(name)
    grid = torch.linspace(-6.5, 6.5, 260, dtype=torch.float64)  # even: r = 0 is not a node
    xx, yy = torch.meshgrid(grid, grid, indexing="ij")
    points = torch.stack([xx.flatten(), yy.flatten()], dim=1)
    cell = float(grid[1] - grid[0]) ** 2
    assert float(density.log_prob(points).exp().sum()) * cell == pytest.approx(1.0, abs=2e-3)


@pytest.mark.parametrize("name", NAMES)
def test_entropy_matches_monte_carlo(name):
    density = toy_density(name)
    samples = density.sample(20_000, torch.Generator().manual_seed(5), dtype=torch.float64)
    log_p = density.log_prob(samples)
    error = float(log_p.std()) / math.sqrt(len(log_p))
    estimate = density.entropy(n=20_000) if name == "moons" else density.entropy()
    assert abs(float(-log_p.mean()) - estimate.value) < 5 * error + 5 * estimate.error


def test_ring_entropy_against_gauss_hermite():
    # H = log 2π + E[log r] + ½ log(2πeσ²) with r ~ N(R, σ²); E[log r] by Gauss–Hermite.
    radius, width = 2.0, 0.25
    nodes, weights = np.polynomial.hermite_e.hermegauss(16)  # nodes within ±6.7: r stays positive
    mean_log_r = float((weights * np.log(radius + width * nodes)).sum() / weights.sum())
    exact = math.log(2 * math.pi) + mean_log_r + 0.5 * math.log(2 * math.pi * math.e * width**2)
    assert ring(radius, width).entropy().value == pytest.approx(exact, abs=1e-8)


def test_eight_gaussians_entropy_bounds():
    # Mixture entropy lies below the disjoint limit log 8 + H(Gaussian), above H(Gaussian).
    density = EightGaussians(radius=2.0, width=0.25)
    single = 1 + math.log(2 * math.pi * 0.25**2)
    estimate = density.entropy()
    assert single < estimate.value < math.log(8) + single
    assert estimate.error < 1e-8
    # Far apart, the modes do not overlap and the bound is reached.
    far = EightGaussians(radius=20.0, width=0.25).entropy().value
    assert far == pytest.approx(math.log(8) + single, abs=1e-8)


def test_concentric_rings_weights():
    density = concentric_rings()
    assert density.weights == pytest.approx((1 / 6, 2 / 6, 3 / 6))


@pytest.mark.parametrize(
    ("radii", "weights"),
    [
        pytest.param((4.5, 1.5, 3.0), None, id="reversed-ends"),
        pytest.param((3.0, 4.5, 1.5), None, id="rotated"),
        pytest.param((4.5, 3.0, 1.5), (4.5, 3.0, 1.5), id="explicit-weights"),
    ],
)
def test_entropy_does_not_depend_on_the_order_of_the_radii(radii, weights):
    # The same mixture as concentric_rings() with its components listed in another order.
    expected = concentric_rings().entropy().value
    permuted = RadialMixture(radii, 0.2, weights).entropy()
    assert permuted.value == pytest.approx(expected, abs=1e-9)
    assert permuted.error < 1e-9


@pytest.mark.parametrize(
    ("call", "match"),
    [
        pytest.param(lambda: toy_density("spiral"), "expected one of", id="name"),
        pytest.param(
            lambda: ring().sample(0), "number of samples: expected an integer ≥ 1", id="empty"
        ),
        pytest.param(lambda: ring(radius=1.0, width=0.5), "6 × width", id="width"),
        pytest.param(lambda: TwoMoons(noise=0.0), "positive noise", id="noise"),
        pytest.param(lambda: ring().log_prob(torch.zeros(3, 3)), "expected 2 features", id="dim"),
        pytest.param(
            lambda: EightGaussians().log_prob(torch.tensor([[0.0, float("nan")]])),
            "finite",
            id="nan",
        ),
    ],
)
def test_bad_input(call, match):
    with pytest.raises(DataError, match=match):
        call()

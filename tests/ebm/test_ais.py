"""AIS estimates of log Z against exact enumeration."""

from __future__ import annotations

import math

import pytest
import torch

from qgen.ebm import (
    annealed_log_partition,
    base_visible_bias,
    log_partition,
    negative_log_likelihood,
)
from qgen.errors import EstimatorError
from qgen.models.bernoulli_rbm import BernoulliRBM


def random_rbm(n_visible: int, n_hidden: int, seed: int, scale: float) -> BernoulliRBM:
    generator = torch.Generator().manual_seed(seed)
    rbm = BernoulliRBM(n_visible, n_hidden, torch.float64, weight_std=scale, generator=generator)
    with torch.no_grad():
        rbm.visible_bias.normal_(0.0, 0.5, generator=generator)
        rbm.hidden_bias.normal_(0.0, 0.5, generator=generator)
    return rbm


@pytest.mark.parametrize(
    ("n_visible", "n_hidden", "scale"),
    [
        pytest.param(16, 8, 0.5, id="16x8"),
        pytest.param(40, 20, 0.3, id="40x20"),
        pytest.param(12, 20, 0.5, id="12x20-visible-smaller"),
    ],
)
def test_ais_agrees_with_exact_log_partition(n_visible, n_hidden, scale):
    rbm = random_rbm(n_visible, n_hidden, seed=n_visible + n_hidden, scale=scale)
    exact = rbm.exact_log_partition().item()
    generator = torch.Generator().manual_seed(1)
    estimate = annealed_log_partition(rbm, n_chains=100, n_betas=1000, generator=generator)
    assert estimate.method == "ais"
    assert 0 < estimate.error < 0.05
    # An unbiased estimator of Z with a delta-method error bar: 5 error bars, plus the
    # Jensen bias of log(mean w), of order error² / 2, which is negligible here.
    assert abs(estimate.value - exact) < 5 * estimate.error
    assert abs(estimate.value - exact) < 0.01 * abs(exact)  # the 1% target
    assert estimate.effective_sample_size > 50


def test_ais_base_fit_to_data_marginals():
    rbm = random_rbm(20, 6, seed=3, scale=0.4)
    data = rbm.sample(2000, torch.Generator().manual_seed(4), n_steps=50)
    base = base_visible_bias(data, 20)
    assert base.shape == (20,)
    # The base equals the logit of the smoothed marginals.
    mean = (data.double().sum(0) + 1) / (2000 + 2)
    torch.testing.assert_close(torch.sigmoid(base), mean)
    exact = rbm.exact_log_partition().item()
    estimate = annealed_log_partition(rbm, 100, 500, torch.Generator().manual_seed(5), base)
    assert abs(estimate.value - exact) < 5 * estimate.error + 1e-9


def test_zero_weights_give_the_exact_answer_with_no_spread():
    """With W = 0 the RBM is the base itself shifted: every weight is identical."""
    rbm = BernoulliRBM(5, 3, torch.float64, weight_std=0.0)
    with torch.no_grad():
        rbm.visible_bias.copy_(torch.tensor([0.3, -1.0, 2.0, 0.0, 0.5], dtype=torch.float64))
        rbm.hidden_bias.copy_(torch.tensor([1.0, -0.5, 0.2], dtype=torch.float64))
    base = rbm.visible_bias.detach().clone()
    estimate = annealed_log_partition(rbm, 10, 20, torch.Generator().manual_seed(0), base)
    assert estimate.value == pytest.approx(rbm.exact_log_partition().item(), abs=1e-12)
    assert estimate.error == pytest.approx(0.0, abs=1e-12)


def test_log_partition_chooses_exact_or_ais_and_nll_matches_log_prob():
    small = random_rbm(10, 4, seed=6, scale=0.5)
    exact = log_partition(small)
    assert exact.method == "exact"
    assert exact.error == 0.0
    data = torch.randint(0, 2, (50, 10), generator=torch.Generator().manual_seed(7))
    nll = negative_log_likelihood(small, data, exact)
    with torch.no_grad():
        reference = -small.log_prob(data).mean().item()
    assert nll["value"] == pytest.approx(reference, abs=1e-10)
    large = random_rbm(30, 30, seed=8, scale=0.1)
    estimate = log_partition(large, 20, 50, torch.Generator().manual_seed(9), exact_up_to=20)
    assert estimate.method == "ais"
    assert estimate.n_chains == 20
    assert math.isfinite(estimate.value)


def test_bad_input():
    rbm = BernoulliRBM(4, 2)
    with pytest.raises(EstimatorError, match=r"AIS chains: expected an integer ≥ 2, got 0"):
        annealed_log_partition(rbm, n_chains=0)
    with pytest.raises(EstimatorError, match=r"temperatures: expected an integer ≥ 2, got 1"):
        annealed_log_partition(rbm, n_betas=1)
    with pytest.raises(EstimatorError, match=r"base visible bias of shape \(4,\), got \(3,\)"):
        annealed_log_partition(rbm, base_bias=torch.zeros(3))
    with pytest.raises(ValueError, match="binary values 0/1"):
        base_visible_bias(torch.full((3, 4), 0.5), 4)

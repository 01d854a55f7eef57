"""The Bernoulli RBM against brute-force enumeration of both layers.

Every reference here is computed from the joint energy E(v, h) = -a·v - b·h - hᵀWv
summed over all 2^(N+M) states, independently of the model's own formulas.
"""

from __future__ import annotations

import math

import pytest
import torch

from qgen.errors import ModelError
from qgen.models.bernoulli_rbm import MAX_ENUMERATED_UNITS, BernoulliRBM


def bits(n: int) -> torch.Tensor:
    index = torch.arange(2**n)
    return ((index[:, None] >> torch.arange(n - 1, -1, -1)) & 1).to(torch.float64)


def random_rbm(n_visible: int, n_hidden: int, seed: int, scale: float = 1.0) -> BernoulliRBM:
    generator = torch.Generator().manual_seed(seed)
    rbm = BernoulliRBM(
        n_visible, n_hidden, dtype=torch.float64, weight_std=scale, generator=generator
    )
    with torch.no_grad():
        rbm.visible_bias.copy_(
            scale * torch.randn(n_visible, generator=generator, dtype=torch.float64)
        )
        rbm.hidden_bias.copy_(
            scale * torch.randn(n_hidden, generator=generator, dtype=torch.float64)
        )
    return rbm


def joint_log_weights(rbm: BernoulliRBM) -> torch.Tensor:
    """-E(v, h) on the grid (2^N, 2^M) of all visible and hidden states."""
    v, h = bits(rbm.n_visible), bits(rbm.n_hidden)
    a, b, w = (p.detach() for p in (rbm.visible_bias, rbm.hidden_bias, rbm.weights))
    return (v @ a)[:, None] + (h @ b)[None, :] + v @ w.T @ h.T


@pytest.mark.parametrize(
    ("n_visible", "n_hidden"),
    [
        pytest.param(6, 3, id="hidden-smaller"),
        pytest.param(3, 6, id="visible-smaller"),
        pytest.param(4, 4, id="equal"),
    ],
)
def test_exact_log_partition_matches_both_layers_enumerated(n_visible, n_hidden):
    rbm = random_rbm(n_visible, n_hidden, seed=n_visible * 10 + n_hidden)
    reference = torch.logsumexp(joint_log_weights(rbm).flatten(), 0).item()
    with torch.no_grad():
        assert rbm.exact_log_partition().item() == pytest.approx(reference, abs=1e-10)


def test_free_energy_marginalizes_the_hidden_layer_and_log_prob_normalizes():
    rbm = random_rbm(5, 4, seed=3)
    v = bits(5)
    with torch.no_grad():
        reference = -torch.logsumexp(joint_log_weights(rbm), 1)
        torch.testing.assert_close(rbm.free_energy(v), reference, rtol=0, atol=1e-12)
        log_prob = rbm.log_prob(v.long())
    assert log_prob.dtype == torch.float64
    assert torch.logsumexp(log_prob, 0).item() == pytest.approx(0.0, abs=1e-12)


def test_conditionals_match_the_joint_distribution():
    rbm = random_rbm(4, 3, seed=4)
    log_joint = joint_log_weights(rbm)  # (v, h)
    v, h = bits(4), bits(3)
    p_h_given_v = torch.softmax(log_joint, 1) @ h  # E[h_j | v]
    p_v_given_h = torch.softmax(log_joint, 0).T @ v  # E[v_i | h]
    with torch.no_grad():
        torch.testing.assert_close(rbm.hidden_probabilities(v), p_h_given_v, rtol=0, atol=1e-12)
        torch.testing.assert_close(rbm.visible_probabilities(h), p_v_given_h, rtol=0, atol=1e-12)


def test_free_energy_gradients_match_finite_differences():
    rbm = random_rbm(5, 3, seed=5)
    v = bits(5)[::3]

    def total(a, b, w):
        theta = v @ w.T + b
        return -(v @ a) - torch.nn.functional.softplus(theta).sum(-1)

    params = tuple(
        p.detach().clone().requires_grad_(True)
        for p in (rbm.visible_bias, rbm.hidden_bias, rbm.weights)
    )
    assert torch.autograd.gradcheck(total, params, eps=1e-6, atol=1e-8)
    # ... and the model's own autograd gradients agree with central differences.
    rbm.free_energy(v).sum().backward()
    eps = 1e-6
    for parameter in (rbm.visible_bias, rbm.hidden_bias, rbm.weights):
        numeric = torch.zeros_like(parameter)
        flat = numeric.view(-1)
        for k in range(parameter.numel()):
            with torch.no_grad():
                parameter.view(-1)[k] += eps
                up = rbm.free_energy(v).sum().item()
                parameter.view(-1)[k] -= 2 * eps
                down = rbm.free_energy(v).sum().item()
                parameter.view(-1)[k] += eps
            flat[k] = (up - down) / (2 * eps)
        torch.testing.assert_close(parameter.grad, numeric, rtol=1e-6, atol=1e-7)


def test_log_partition_gradient_is_the_model_expectation():
    """∂ log Z / ∂a = E_p[v]: the exact sum is differentiable."""
    rbm = random_rbm(4, 5, seed=6)
    rbm.exact_log_partition().backward()
    v = bits(4)
    with torch.no_grad():
        p = rbm.log_prob(v).exp()
    torch.testing.assert_close(rbm.visible_bias.grad, p @ v, rtol=0, atol=1e-12)


def test_gibbs_chains_sample_the_exact_distribution():
    rbm = random_rbm(6, 4, seed=7, scale=0.7)
    n = 20_000
    generator = torch.Generator().manual_seed(8)
    samples = rbm.sample(n, generator, n_steps=40)
    assert samples.shape == (n, 6)
    assert samples.dtype == torch.float64
    index = (samples.long() * 2 ** torch.arange(5, -1, -1)).sum(1)
    empirical = torch.bincount(index, minlength=64).double() / n
    with torch.no_grad():
        exact = rbm.log_prob(bits(6)).exp()
    tv = 0.5 * (empirical - exact).abs().sum().item()
    # E[TV] ≤ ½ Σ sqrt(p(1-p)/n) (Jensen), and TV moves by at most 1/n per sample, so by
    # McDiarmid it exceeds its mean by t with probability ≤ exp(-2 n t²) = 1e-6.
    expected = 0.5 * (exact * (1 - exact) / n).sqrt().sum().item()
    bound = expected + math.sqrt(math.log(1e6) / (2 * n))
    assert tv < bound


def test_sampling_from_given_chains_and_seeds():
    rbm = random_rbm(5, 2, seed=9)
    start = torch.ones(3, 5)
    same = rbm.sample(3, torch.Generator().manual_seed(1), n_steps=0, initial=start)
    torch.testing.assert_close(same, start.double())
    first = rbm.sample(3, torch.Generator().manual_seed(2), n_steps=5, initial=start)
    second = rbm.sample(3, torch.Generator().manual_seed(2), n_steps=5, initial=start)
    torch.testing.assert_close(first, second)
    step = rbm.gibbs_step(start.long(), torch.Generator().manual_seed(3))
    assert step.shape == (3, 5)
    assert bool(((step == 0) | (step == 1)).all())


def test_float32_model_and_state_dict_round_trip():
    rbm = BernoulliRBM(7, 3, generator=torch.Generator().manual_seed(0))
    assert {name for name, _ in rbm.named_parameters()} == {
        "visible_bias",
        "hidden_bias",
        "weights",
    }
    assert rbm.weights.shape == (3, 7)
    assert rbm.free_energy(torch.zeros(2, 7)).dtype == torch.float32
    copy = BernoulliRBM(7, 3)
    copy.load_state_dict(rbm.state_dict())
    torch.testing.assert_close(copy.weights, rbm.weights)


@pytest.mark.parametrize(
    ("build", "match"),
    [
        pytest.param(
            lambda: BernoulliRBM(4, 0),
            "hidden units: expected an integer ≥ 1, got 0",
            id="zero-hidden",
        ),
        pytest.param(
            lambda: BernoulliRBM(4, -2),
            "hidden units: expected an integer ≥ 1, got -2",
            id="negative-hidden",
        ),
        pytest.param(
            lambda: BernoulliRBM(0, 3),
            "visible units: expected an integer ≥ 1, got 0",
            id="zero-visible",
        ),
        pytest.param(
            lambda: BernoulliRBM(4, 2.5),
            "hidden units: expected an integer ≥ 1, got 2.5",
            id="float-hidden",
        ),
        pytest.param(
            lambda: BernoulliRBM(4, 2, dtype=torch.int64), "floating dtype", id="int-dtype"
        ),
        pytest.param(lambda: BernoulliRBM(4, 2, weight_std=-1.0), "weight_std", id="negative-std"),
    ],
)
def test_bad_construction(build, match):
    with pytest.raises(ModelError, match=match):
        build()


def test_bad_input():
    rbm = BernoulliRBM(4, 2)
    with pytest.raises(
        ModelError, match=r"binary visible units \(0 or 1\), got values such as \[0.5"
    ):
        rbm.free_energy(torch.tensor([[0.5, 1.0, 0.0, 0.0]]))
    with pytest.raises(ModelError, match=r"binary visible units.*-1"):
        rbm.free_energy(torch.tensor([[1, -1, 1, 1]]))
    with pytest.raises(ModelError, match=r"shape \(\.\.\., 4\), got shape \(2, 5\)"):
        rbm.hidden_probabilities(torch.zeros(2, 5))
    with pytest.raises(ModelError, match=r"hidden units of shape \(\.\.\., 2\)"):
        rbm.visible_probabilities(torch.zeros(2, 4))
    with pytest.raises(ModelError, match="initial chains of shape"):
        rbm.sample(3, initial=torch.zeros(2, 4))
    with pytest.raises(ModelError, match="Gibbs steps"):
        rbm.sample(3, n_steps=-1)
    with pytest.raises(ModelError, match="samples: expected an integer ≥ 1, got 0"):
        rbm.sample(0)
    big = BernoulliRBM(30, 25, weight_std=0.0)
    with pytest.raises(ModelError, match=rf"≤ {MAX_ENUMERATED_UNITS}, got min\(30, 25\) = 25"):
        big.exact_log_partition()

"""The incremental NumPy sweep for RBMs against the generic loop through the model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgen.hilbert import all_configs
from qgen.lattice import Chain, Square
from qgen.models import RBM
from qgen.models.rbm import SymmetricRBM
from qgen.sampling import MetropolisSampler
from qgen.sampling.rbm_sweep import _log_abs_cosh


def _models():
    torch.manual_seed(3)
    square = Square(3, 3)
    return {
        "real": (RBM(9, alpha=2, init_std=0.4, dtype=torch.float64), Chain(9)),
        "complex": (RBM(9, alpha=1, complex=True, init_std=0.4, dtype=torch.float64), Chain(9)),
        "no-visible-bias": (
            RBM(9, alpha=1, visible_bias=False, init_std=0.4, dtype=torch.float64),
            Chain(9),
        ),
        "symmetric-square": (
            SymmetricRBM(square, alpha=2, complex=True, init_std=0.4, dtype=torch.float64),
            square,
        ),
    }


@pytest.mark.parametrize("name", ["real", "complex", "no-visible-bias", "symmetric-square"])
@pytest.mark.parametrize(
    ("rule", "replicas"), [("local", 1), ("exchange", 1), ("local", 3)], ids=str
)
def test_incremental_sweep_gives_the_chains_of_the_generic_loop(name, rule, replicas):
    """Both paths consume the same random numbers, so in float64 they accept the same
    moves: identical samples and acceptance (a decision could differ only where a
    threshold falls within rounding of the log-weight change)."""
    model, lattice = _models()[name]
    options = {"bonds": lattice.bonds(), "magnetization": 0.5} if rule == "exchange" else {}
    results = []
    for incremental in (True, False):
        sampler = MetropolisSampler(
            model,
            lattice.n_sites,
            rule=rule,
            n_chains=6,
            n_replicas=replicas,
            incremental=incremental,
            **options,
        )
        generator = torch.Generator().manual_seed(7)
        first = sampler.sample(60, generator)
        second = sampler.sample(60, generator)  # chains kept between calls
        results.append((torch.cat([first, second]), sampler.acceptance, sampler.swap_acceptance))
    (fast, fast_acceptance, fast_swaps), (slow, slow_acceptance, slow_swaps) = results
    assert torch.equal(fast, slow)
    assert fast_acceptance == slow_acceptance
    assert fast_swaps == slow_swaps


@pytest.mark.parametrize("name", ["real", "complex"])
def test_many_chains_take_torch_log_cosh_and_give_the_same_chains(name):
    """From 4,096 pre-activations on, log cosh is taken by torch: 512 chains."""
    from qgen.sampling import rbm_sweep

    model, _ = _models()[name]
    assert 512 * model.n_hidden >= rbm_sweep._TORCH_FROM
    samples = []
    for incremental in (True, False):
        sampler = MetropolisSampler(model, 9, n_chains=512, incremental=incremental)
        samples.append(sampler.sample(1024, torch.Generator().manual_seed(5)))
    assert torch.equal(samples[0], samples[1])


@pytest.mark.parametrize("name", ["real", "complex", "no-visible-bias", "symmetric-square"])
def test_rbm_form_reproduces_log_psi_squared_up_to_a_constant(name):
    """2 Re log ψ(σ) = 2 (Σ_h log|cosh θ_h| + Re a·σ) + const over all configurations."""
    model, lattice = _models()[name]
    form = model.rbm_form()
    x = all_configs(lattice.n_sites)
    spins = 1.0 - 2.0 * x.numpy().astype(np.float64)
    from_form = 2.0 * (_log_abs_cosh(form.theta(spins)).sum(1) + spins @ form.visible.real)
    with torch.no_grad():
        exact = 2.0 * model(x).real.numpy()
    difference = from_form - exact
    np.testing.assert_allclose(difference, difference[0], atol=1e-10)


def test_log_abs_cosh_is_stable_and_exact():
    theta = np.array([0.3 + 1.2j, -40.0 + 0.7j, 800.0 - 2.0j, -0.1 + 0.0j])
    reference = np.log(np.abs(np.cosh(theta[:2]))) + np.log(2.0)
    np.testing.assert_allclose(_log_abs_cosh(theta)[:2], reference, rtol=1e-12)
    large = _log_abs_cosh(theta)[2]  # cosh overflows; |x| + log|1 + e^{-2|x|} e^{2iy}| = |x|
    assert large == pytest.approx(800.0, rel=1e-14)
    real = np.array([-3.0, 0.0, 700.0])
    np.testing.assert_allclose(
        _log_abs_cosh(real), [np.log(2 * np.cosh(-3.0)), np.log(2.0), 700.0], rtol=1e-14
    )


def test_models_without_an_rbm_form_use_the_generic_loop():
    model, lattice = _models()["real"]

    class Plain(torch.nn.Module):  # the same wave function, no rbm_form()
        def forward(self, x: torch.Tensor) -> torch.Tensor:
            return model(x)

    fast = MetropolisSampler(model, lattice.n_sites, n_chains=4)
    plain = MetropolisSampler(Plain(), lattice.n_sites, n_chains=4)
    assert fast._rbm_form(torch.device("cpu")) is not None
    assert plain._rbm_form(torch.device("cpu")) is None
    a = fast.sample(40, torch.Generator().manual_seed(2))
    b = plain.sample(40, torch.Generator().manual_seed(2))
    assert torch.equal(a, b)

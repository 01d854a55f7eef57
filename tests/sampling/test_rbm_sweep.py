"""The incremental sweeps for RBMs (NumPy and compiled) against the generic loop through
the model."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgen.errors import SamplerError
from qgen.hilbert import all_configs
from qgen.lattice import Chain, Square
from qgen.models import RBM
from qgen.models.rbm import SymmetricRBM
from qgen.sampling import MetropolisSampler
from qgen.sampling import rbm_sweep as sweep_module
from qgen.sampling.rbm_sweep import _log_abs_cosh, rbm_sweep
from qgen.sampling.rbm_sweep_compiled import compiled_sweep

needs_numba = pytest.mark.skipif(compiled_sweep() is None, reason="Numba is not installed")


@pytest.fixture(params=["numpy", pytest.param("compiled", marks=needs_numba)])
def sweep_backend(request, monkeypatch):
    """Route the sampler's sweeps to one backend, whatever the size of the arrays."""
    limit = -1 if request.param == "numpy" else 10**9
    monkeypatch.setattr(sweep_module, "COMPILED_UP_TO", limit)
    return request.param


def _models():
    torch.manual_seed(3)
    square = Square(3, 3)
    return {
        "real": (RBM(9, alpha=2, init_std=0.4, dtype=torch.float64), Chain(9)),
        "complex": (RBM(9, alpha=1, phase=True, init_std=0.4, dtype=torch.float64), Chain(9)),
        "no-visible-bias": (
            RBM(9, alpha=1, visible_bias=False, init_std=0.4, dtype=torch.float64),
            Chain(9),
        ),
        "symmetric-square": (
            SymmetricRBM(square, alpha=2, phase=True, init_std=0.4, dtype=torch.float64),
            square,
        ),
    }


@pytest.mark.parametrize("name", ["real", "complex", "no-visible-bias", "symmetric-square"])
@pytest.mark.parametrize(
    ("rule", "replicas"), [("local", 1), ("exchange", 1), ("local", 3)], ids=str
)
def test_incremental_sweep_gives_the_chains_of_the_generic_loop(
    name, rule, replicas, sweep_backend
):
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
    model, _ = _models()[name]
    assert 512 * model.n_hidden >= sweep_module._TORCH_FROM > sweep_module.COMPILED_UP_TO
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


@needs_numba
@pytest.mark.parametrize("name", ["real", "complex", "symmetric-square"])
@pytest.mark.parametrize("exchange", [False, True])
def test_compiled_and_numpy_sweeps_agree(name, exchange):
    model, lattice = _models()[name]
    n = lattice.n_sites
    generator = torch.Generator().manual_seed(11)
    chains = torch.randint(0, 2, (40, n), generator=generator)
    with torch.no_grad():
        log_weight = 2.0 * model(chains).real.to(torch.float64)
    first = torch.randint(0, n, (30, 40), generator=generator)
    one_hot = torch.nn.functional.one_hot(first, n)
    if exchange:
        one_hot = one_hot + torch.nn.functional.one_hot((first + 1) % n, n)
    masks = one_hot.to(torch.uint8)
    thresholds = torch.log(torch.rand(30, 40, generator=generator, dtype=torch.float64))
    form = model.rbm_form()
    numpy_result = rbm_sweep(form, chains, log_weight, masks, thresholds, exchange, "numpy")
    compiled = rbm_sweep(form, chains, log_weight, masks, thresholds, exchange, "compiled")
    assert torch.equal(numpy_result[0], compiled[0])
    assert torch.equal(numpy_result[2], compiled[2])
    assert 0 < compiled[2].float().mean() < 1
    torch.testing.assert_close(numpy_result[1], compiled[1], rtol=1e-12, atol=1e-10)
    # the log weights kept by the sweep are those of the final chains
    with torch.no_grad():
        exact = 2.0 * model(compiled[0]).real.to(torch.float64)
    torch.testing.assert_close(compiled[1], exact, rtol=1e-10, atol=1e-10)


def test_sweep_backends_are_checked(monkeypatch):
    model, _ = _models()["real"]
    arguments = (
        model.rbm_form(),
        torch.zeros(2, 9, dtype=torch.int64),
        torch.zeros(2, dtype=torch.float64),
        torch.zeros(1, 2, 9, dtype=torch.uint8),
        torch.full((1, 2), -1.0, dtype=torch.float64),  # log u < 0: a null move is accepted
        False,
    )
    with pytest.raises(SamplerError, match="sweep backend"):
        rbm_sweep(*arguments, "cuda")
    monkeypatch.setattr(sweep_module, "compiled_sweep", lambda: None)
    with pytest.raises(SamplerError, match="needs Numba"):
        rbm_sweep(*arguments, "compiled")
    assert rbm_sweep(*arguments, "auto")[2].all()  # NumPy, without Numba

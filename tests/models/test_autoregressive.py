"""Every autoregressive model: normalization, the autoregressive property, exact sampling.

Each test runs over the whole zoo (RNN, 2D RNN, Transformer with and without patches,
MADE), with and without the U(1) projection, a phase head, and the Marshall sign.
"""

from __future__ import annotations

import math

import pytest
import torch
from model_zoo import N_SITES, assert_samples_follow_the_model, make, zoo_params

from qgen.errors import ModelError
from qgen.hilbert import all_configs
from qgen.lattice import Chain, Square
from qgen.models import RNN, RNN2D, Transformer, build_model, ones_for_magnetization

ALL = all_configs(N_SITES)


@pytest.mark.parametrize(("name", "variant"), zoo_params())
def test_probabilities_sum_to_one(name, variant):
    model = make(name, variant)
    with torch.no_grad():
        log_prob = model.log_prob(ALL)
        log_psi = model.log_psi(ALL)
    assert torch.logsumexp(log_prob, 0).item() == pytest.approx(0.0, abs=1e-12)
    norm = (2 * log_psi.real).exp().sum().item()
    assert norm == pytest.approx(1.0, abs=1e-12)
    assert not torch.isnan(log_prob).any()
    if model.magnetization is not None:
        n_ones = ones_for_magnetization(N_SITES, model.magnetization)
        outside = ALL.sum(1) != n_ones
        assert torch.isneginf(log_prob[outside]).all()
        assert torch.isfinite(log_prob[~outside]).all()


@pytest.mark.parametrize(("name", "variant"), zoo_params())
def test_changing_a_site_leaves_earlier_conditionals_unchanged(name, variant):
    model = make(name, variant)
    generator = torch.Generator().manual_seed(1)
    x = torch.randint(0, 2, (16, N_SITES), generator=generator)
    with torch.no_grad():
        reference = model.log_conditionals(x)
        for position in range(N_SITES):
            site = int(model.order[position])
            token = position // model.patch_size
            flipped = x.clone()
            flipped[:, site] ^= 1
            changed = model.log_conditionals(flipped)
            torch.testing.assert_close(changed[:, : token + 1], reference[:, : token + 1])


@pytest.mark.parametrize(("name", "variant"), zoo_params())
def test_samples_follow_the_exact_distribution(name, variant):
    model = make(name, variant)
    assert_samples_follow_the_model(model, model.sample(4000, torch.Generator().manual_seed(2)))


@pytest.mark.parametrize(("name", "variant"), zoo_params())
def test_incremental_sampling_equals_full_recomputation(name, variant):
    model = make(name, variant)
    fast = model.sample(300, torch.Generator().manual_seed(3))
    slow = model.sample(300, torch.Generator().manual_seed(3), incremental=False)
    assert torch.equal(fast, slow)


@pytest.mark.parametrize(("name", "variant"), zoo_params())
def test_log_psi_is_complex_exactly_when_it_has_a_phase(name, variant):
    model = make(name, variant)
    with torch.no_grad():
        log_psi = model.log_psi(ALL[:5])
    assert log_psi.is_complex() == model.is_complex
    if "sign_sites" in variant or variant == "sign":
        signs = torch.exp(log_psi.imag * 1j).real
        expected = 1 - 2 * (ALL[:5][:, [1, 3, 4, 6]].sum(1) % 2)
        torch.testing.assert_close(signs, expected.double())


def test_u1_model_samples_stay_in_the_sector():
    model = RNN(10, hidden=4, magnetization=-1)
    samples = model.sample(500, torch.Generator().manual_seed(0))
    assert (samples.sum(1) == 6).all()  # S^z = -1 on 10 sites: 6 down spins


def test_float32_default_is_normalized_to_single_precision():
    model = RNN(8, hidden=8)
    assert model.dtype == torch.float32
    with torch.no_grad():
        total = model.log_prob(ALL).double().exp().sum().item()
    assert math.isclose(total, 1.0, abs_tol=1e-5)


def test_registry_builds_each_model_on_a_square_lattice():
    lattice = Square(4, 2)
    for name in ("rnn", "rnn2d", "transformer", "made"):
        model = build_model(name, lattice, hidden=8, magnetization=0)
        assert model.n_sites == 8
        assert model.sample(3, torch.Generator().manual_seed(0)).shape == (3, 8)


@pytest.mark.parametrize(
    ("make_model", "match"),
    [
        pytest.param(lambda: RNN2D(Chain(16)), "needs a square lattice", id="rnn2d-on-chain"),
        pytest.param(lambda: RNN(6, magnetization=0.5), "no configuration of 6 spins", id="sz"),
        pytest.param(lambda: RNN(6, magnetization=4), "no configuration of 6 spins", id="sz-big"),
        pytest.param(lambda: RNN(6, hidden=0), "hidden: expected an integer ≥ 1", id="hidden"),
        pytest.param(lambda: Transformer(6, width=6, heads=4), "divisible by heads", id="heads"),
        pytest.param(lambda: Transformer(6, patch_size=4), "patch size that divides", id="patch"),
        pytest.param(lambda: RNN(4, order=[0, 1, 1, 2]), "permutation", id="order"),
        pytest.param(
            lambda: build_model("lstm", Chain(4)), "model: expected one of rnn", id="name"
        ),
    ],
)
def test_bad_model_arguments_raise_clear_errors(make_model, match):
    with pytest.raises(ModelError, match=match):
        make_model()


def test_bad_configurations_and_counts_are_refused():
    model = RNN(6, hidden=4)
    with pytest.raises(ModelError, match=r"shape \(batch, 6\)"):
        model.log_psi(torch.zeros(3, 5, dtype=torch.long))
    with pytest.raises(ModelError, match="integer configuration"):
        model.log_psi(torch.zeros(3, 6))
    with pytest.raises(ModelError, match="number of samples: expected an integer ≥ 1"):
        model.sample(0)

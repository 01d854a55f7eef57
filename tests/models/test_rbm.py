"""RBM wave functions: the traced-out hidden layer, derivatives, symmetry, bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from qgen.errors import ModelError
from qgen.hilbert import all_configs
from qgen.lattice import Chain, Square
from qgen.models import RBM, SymmetricRBM, build_model, log_cosh
from qgen.vmc.sr import vmapped_log_derivatives


def test_log_cosh_is_stable_and_exact():
    z = torch.linspace(-5, 5, 41, dtype=torch.float64)
    torch.testing.assert_close(log_cosh(z), torch.log(torch.cosh(z)), rtol=1e-13, atol=1e-13)
    w = torch.complex(z, torch.linspace(-1.2, 1.2, 41, dtype=torch.float64))
    torch.testing.assert_close(log_cosh(w), torch.log(torch.cosh(w)), rtol=1e-12, atol=1e-12)
    big = torch.tensor([1000.0, -1000.0], dtype=torch.float64)
    expected = torch.full((2,), 1000.0 - np.log(2.0), dtype=torch.float64)
    torch.testing.assert_close(log_cosh(big), expected)
    huge = torch.tensor([1000.0 + 0.3j, -1000.0 + 0.3j], dtype=torch.complex128)
    expected = torch.tensor([1000.0 - np.log(2.0) + 0.3j, 1000.0 - np.log(2.0) - 0.3j])
    torch.testing.assert_close(log_cosh(huge), expected)


def test_complex_log_cosh_in_blocks_equals_the_direct_formula():
    """Large inputs are taken in row blocks (cache-sized); the values must not change."""
    generator = torch.Generator().manual_seed(0)
    z = torch.complex(
        4 * torch.rand(1500, 300, generator=generator, dtype=torch.float64) - 2,
        4 * torch.rand(1500, 300, generator=generator, dtype=torch.float64) - 2,
    )
    assert z.numel() > 1 << 18  # more than one block
    torch.testing.assert_close(log_cosh(z), torch.log(torch.cosh(z)), rtol=1e-12, atol=1e-12)


def test_complex_log_cosh_has_the_derivative_tanh():
    """d log cosh z / dz = tanh z (holomorphic): ∂/∂x of its real and imaginary parts."""
    x = torch.linspace(-3, 3, 13, dtype=torch.float64, requires_grad=True)
    y = torch.linspace(-1.5, 1.5, 13, dtype=torch.float64)
    value = log_cosh(torch.complex(x, y))
    (d_real,) = torch.autograd.grad(value.real.sum(), x, retain_graph=True)
    (d_imag,) = torch.autograd.grad(value.imag.sum(), x)
    slope = torch.tanh(torch.complex(x.detach(), y))
    torch.testing.assert_close(d_real, slope.real, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(d_imag, slope.imag, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("is_complex", [False, True], ids=["real", "complex"])
def test_rbm_equals_the_explicit_sum_over_hidden_units(is_complex):
    """ψ(σ) = Σ_h exp(a·σ + b·h + hᵀWσ) / 2^M over h ∈ {±1}^M (Carleo & Troyer 2017)."""
    torch.manual_seed(0)
    model = RBM(4, alpha=1, phase=is_complex, init_std=0.4, dtype=torch.float64)
    x = all_configs(4)
    sigma = (1 - 2 * x).to(torch.complex128)
    view = torch.view_as_complex if is_complex else (lambda t: t.to(torch.complex128))
    a, b, w = (view(p.detach()) for p in (model.visible_bias, model.hidden_bias, model.weights))
    total = torch.zeros(16, dtype=torch.complex128)
    for h in itertools.product([1.0, -1.0], repeat=4):
        hidden = torch.tensor(h, dtype=torch.complex128)
        total += torch.exp(sigma @ a + hidden @ b + sigma @ w.T @ hidden)
    expected = torch.log(total / 2**4)
    got = model(x).detach().to(torch.complex128)
    torch.testing.assert_close(torch.exp(got), torch.exp(expected), rtol=1e-12, atol=1e-12)


MODELS = {
    "rbm-real": lambda: RBM(6, alpha=2, init_std=0.3, dtype=torch.float64),
    "rbm-complex": lambda: RBM(6, alpha=1.5, phase=True, init_std=0.3, dtype=torch.float64),
    "rbm-no-visible": lambda: RBM(6, visible_bias=False, init_std=0.3, dtype=torch.float64),
    "symmetric-real": lambda: SymmetricRBM(Chain(6), 2, init_std=0.3, dtype=torch.float64),
    "symmetric-complex": lambda: SymmetricRBM(
        Chain(6), 1, phase=True, init_std=0.3, dtype=torch.float64
    ),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_closed_form_log_derivatives_equal_autograd(name):
    torch.manual_seed(1)
    model = MODELS[name]()
    x = all_configs(6)[::5]
    torch.testing.assert_close(
        model.log_psi_jacobian(x), vmapped_log_derivatives(model, x), rtol=1e-10, atol=1e-12
    )


@pytest.mark.parametrize("name", ["rbm-complex", "symmetric-real"])
def test_log_derivatives_match_finite_differences(name):
    torch.manual_seed(2)
    model = MODELS[name]()
    x = all_configs(6)[::9]
    jacobian = model.log_psi_jacobian(x)
    parameters = [p for p in model.parameters()]
    flat = torch.cat([p.detach().reshape(-1) for p in parameters])
    step = 1e-6
    for k in (0, 3, flat.numel() - 1):
        shifted = []
        for sign in (1, -1):
            offset = 0
            with torch.no_grad():
                for p in parameters:
                    size = p.numel()
                    values = flat[offset : offset + size].clone()
                    if offset <= k < offset + size:
                        values[k - offset] += sign * step
                    p.copy_(values.view_as(p))
                    offset += size
                shifted.append(model(x).to(torch.complex128))
        numeric = (shifted[0] - shifted[1]) / (2 * step)
        torch.testing.assert_close(
            jacobian[:, k].to(torch.complex128), numeric, rtol=1e-6, atol=1e-7
        )


@pytest.mark.parametrize("lattice", [Chain(6), Square(3, 2)], ids=["chain", "square"])
def test_symmetric_rbm_is_translation_invariant(lattice):
    torch.manual_seed(3)
    model = SymmetricRBM(lattice, 2, phase=True, init_std=0.5, dtype=torch.float64)
    x = all_configs(6)[::3]
    reference = model(x)
    for permutation in lattice.translations():
        moved = torch.empty_like(x)
        moved[:, torch.as_tensor(permutation)] = x
        torch.testing.assert_close(model(moved), reference, rtol=1e-12, atol=1e-12)
    assert model.n_parameters() == 2 * (2 * (6 + 1) + 1)


def test_build_model_makes_rbms_with_alpha_and_phase():
    model = build_model("rbm", Chain(10), alpha=2, phase=True, dtype=torch.float64)
    assert isinstance(model, RBM)
    assert model.is_complex
    assert model.n_hidden == 20
    symmetric = build_model("symmetric-rbm", Square(4, 4), alpha=3)
    assert isinstance(symmetric, SymmetricRBM)
    assert symmetric.n_translations == 16
    assert symmetric(all_configs(16)[:4]).dtype == torch.float32


def test_bad_rbm_input():
    with pytest.raises(ModelError, match=r"alpha .*: expected a finite number > 0"):
        RBM(4, alpha=0)
    with pytest.raises(ModelError, match=r"alpha .*: expected a finite number > 0"):
        RBM(4, alpha=-1.5)
    with pytest.raises(ModelError, match="integer number of filters"):
        SymmetricRBM(Chain(4), 1.5)
    with pytest.raises(ModelError, match="number of sites: expected an integer ≥ 1"):
        RBM(0)
    with pytest.raises(ModelError, match=r"shape \(batch, 4\)"):
        RBM(4)(torch.zeros(2, 5, dtype=torch.long))
    with pytest.raises(ModelError, match="float32 or float64"):
        RBM(4, dtype=torch.float16)
    assert RBM(3, alpha=0.1).n_hidden == 1


def test_frozen_parameters_have_no_columns():
    torch.manual_seed(4)
    model = RBM(5, alpha=1, phase=True, init_std=0.3, dtype=torch.float64)
    model.visible_bias.requires_grad_(False)
    x = all_configs(5)[::3]
    torch.testing.assert_close(
        model.log_psi_jacobian(x), vmapped_log_derivatives(model, x), rtol=1e-10, atol=1e-12
    )


def test_symmetric_rbm_needs_a_periodic_direction():
    with pytest.raises(ModelError, match="no periodic direction"):
        SymmetricRBM(Chain(6, periodic=False), 1)

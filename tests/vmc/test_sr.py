"""Per-sample log-derivatives, the SR solve, and the energy gradient."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from model_zoo import make

from qgen.errors import TrainingError
from qgen.hilbert import distinct_rows
from qgen.vmc import SR, log_derivatives, surrogate_loss
from qgen.vmc.sr import SR_METHODS, gram, vmapped_log_derivatives


@pytest.mark.parametrize(
    ("name", "variant"),
    [("rnn", "phase"), ("rnn2d", "u1-sz0"), ("transformer", "phase"), ("made", "sign")],
)
def test_log_derivatives_match_finite_differences(name, variant):
    model = make(name, variant)
    x = torch.randint(0, 2, (4, 8), generator=torch.Generator().manual_seed(0))
    if model.magnetization is not None:
        x = model.sample(4, torch.Generator().manual_seed(0))
    derivatives = log_derivatives(model, x)
    parameters = [p for p in model.parameters()]
    assert derivatives.shape == (4, sum(p.numel() for p in parameters))
    generator = torch.Generator().manual_seed(1)
    flat_index = torch.randint(0, derivatives.shape[1], (6,), generator=generator).tolist()
    step = 1e-6
    for k in flat_index:
        offset = 0
        for parameter in parameters:
            if k < offset + parameter.numel():
                break
            offset += parameter.numel()
        with torch.no_grad():
            parameter.view(-1)[k - offset] += step
            up = model.log_psi(x).to(torch.complex128)
            parameter.view(-1)[k - offset] -= 2 * step
            down = model.log_psi(x).to(torch.complex128)
            parameter.view(-1)[k - offset] += step
        finite = (up - down) / (2 * step)
        torch.testing.assert_close(
            derivatives[:, k].to(torch.complex128), finite, rtol=1e-6, atol=1e-7
        )


def _dense_sr(derivatives: np.ndarray, energies: np.ndarray, shift: float) -> np.ndarray:
    """S δ = F with S = Re⟨ΔO* ΔO⟩ and F = Re⟨ΔO* ΔE⟩, written out directly."""
    centred = derivatives - derivatives.mean(0)
    residual = energies - energies.mean()
    n = len(energies)
    s = (centred.conj().T @ centred).real / n
    f = (centred.conj().T @ residual).real / n
    return np.linalg.solve(s + shift * np.eye(len(s)), f)


@pytest.mark.parametrize("method", SR_METHODS)
@pytest.mark.parametrize("complex_case", [True, False], ids=["complex", "real"])
@pytest.mark.parametrize(("n", "p"), [(40, 12), (10, 30)], ids=["tall", "wide"])
def test_sr_step_equals_a_dense_solve(method, complex_case, n, p):
    rng = np.random.default_rng(0)
    derivatives = rng.normal(size=(n, p))
    energies = rng.normal(size=n)
    if complex_case:
        derivatives = derivatives + 1j * rng.normal(size=(n, p))
        energies = energies + 0.1j * rng.normal(size=n)
    expected = _dense_sr(derivatives, energies, 1e-2)
    step = SR(1e-2, method).solve(torch.as_tensor(derivatives), torch.as_tensor(energies))
    np.testing.assert_allclose(step.numpy(), expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("distinct", [False, True], ids=["per-sample", "distinct-rows"])
def test_surrogate_loss_gradient_is_the_energy_gradient(distinct):
    """∂E = 2 Re⟨ΔO* ΔE_loc⟩: autograd on the driver's loss against the formula, with
    log ψ per sample or once per distinct sample (the samples of this tiny model repeat)."""
    model = make("rnn", "phase")
    x = model.sample(64, torch.Generator().manual_seed(4))
    energies = torch.randn(64, dtype=torch.float64, generator=torch.Generator().manual_seed(5))
    if distinct:
        first, inverse = distinct_rows(x)
        assert first.numel() < 64
        loss = surrogate_loss(model.log_psi(x[first]), energies, inverse)
    else:
        loss = surrogate_loss(model.log_psi(x), energies)
    gradient = torch.autograd.grad(loss, list(model.parameters()))
    flat = torch.cat([g.reshape(-1) for g in gradient])
    derivatives = log_derivatives(model, x)
    centred = derivatives - derivatives.mean(0)
    residual = (energies - energies.mean()).to(torch.complex128)
    expected = 2 * (centred.conj() * residual.unsqueeze(1)).real.mean(0)
    torch.testing.assert_close(flat, expected, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("method", SR_METHODS)
@pytest.mark.parametrize("complex_case", [True, False], ids=["complex", "real"])
def test_sr_from_distinct_rows_equals_the_dense_solve_over_all_samples(method, complex_case):
    """Each of 9 distinct rows drawn 1–8 times: one weighted row each gives the step of
    the dense solve over all 40 samples."""
    rng = np.random.default_rng(1)
    distinct = rng.normal(size=(9, 12))
    if complex_case:
        distinct = distinct + 1j * rng.normal(size=(9, 12))
    rows = np.concatenate([np.arange(9), rng.integers(0, 9, size=31)])
    energies = rng.normal(size=40) + (0.1j * rng.normal(size=40) if complex_case else 0)
    expected = _dense_sr(distinct[rows], energies, 1e-2)
    step = SR(1e-2, method).solve(
        torch.as_tensor(distinct), torch.as_tensor(energies), torch.as_tensor(rows)
    )
    np.testing.assert_allclose(step.numpy(), expected, rtol=1e-9, atol=1e-11)


def test_sr_direction_differentiates_each_distinct_sample_once():
    model = make("rnn", "phase")
    x = model.sample(64, torch.Generator().manual_seed(6))
    assert distinct_rows(x)[0].numel() < 64
    energies = torch.randn(64, dtype=torch.complex128, generator=torch.Generator().manual_seed(7))
    sr = SR(1e-3)
    expected = sr.solve(log_derivatives(model, x), energies)
    torch.testing.assert_close(sr.direction(model, x, energies), expected, rtol=1e-8, atol=1e-10)
    first, inverse = distinct_rows(x)  # found by the caller, as the driver does
    torch.testing.assert_close(
        sr.direction(model, x[first], energies, inverse), expected, rtol=1e-8, atol=1e-10
    )


@pytest.mark.parametrize("method", SR_METHODS)
@pytest.mark.parametrize("complex_case", [True, False], ids=["complex", "real"])
@pytest.mark.parametrize(("n", "p"), [(40, 12), (10, 30)], ids=["tall", "wide"])
def test_spring_step_solves_its_regularized_least_squares(method, complex_case, n, p):
    """With momentum μ, (S + λ) δ_k = F + λ μ δ_{k-1}: the minimizer of
    ‖Aδ − e‖² + λ‖δ − μ δ_{k-1}‖² (Goldshlager et al. 2024), written out directly."""
    rng = np.random.default_rng(1)
    shift, momentum = 1e-2, 0.9
    sr = SR(shift, method, momentum=momentum)
    previous = None
    for _ in range(3):
        derivatives = rng.normal(size=(n, p))
        energies = rng.normal(size=n)
        if complex_case:
            derivatives = derivatives + 1j * rng.normal(size=(n, p))
            energies = energies + 0.1j * rng.normal(size=n)
        centred = derivatives - derivatives.mean(0)
        s = (centred.conj().T @ centred).real / n
        f = (centred.conj().T @ (energies - energies.mean())).real / n
        rhs = f if previous is None else f + shift * momentum * previous
        expected = np.linalg.solve(s + shift * np.eye(p), rhs)
        step = sr.solve(torch.as_tensor(derivatives), torch.as_tensor(energies)).numpy()
        np.testing.assert_allclose(step, expected, rtol=1e-9, atol=1e-11)
        previous = expected
    restored = SR(shift, method, momentum=momentum)
    restored.load_state_dict(sr.state_dict())
    assert torch.equal(restored.previous, sr.previous)


def test_bad_sr_arguments():
    with pytest.raises(TrainingError, match=r"momentum in \[0, 1\)"):
        SR(momentum=1.0)
    sr = SR(momentum=0.5)
    sr.solve(torch.ones(3, 2, dtype=torch.float64), torch.arange(3.0, dtype=torch.float64))
    with pytest.raises(TrainingError, match="previous SR step has 2 parameters"):
        sr.solve(torch.ones(3, 4, dtype=torch.float64), torch.arange(3.0, dtype=torch.float64))
    with pytest.raises(TrainingError, match="non-negative diagonal shift"):
        SR(-1.0)
    with pytest.raises(TrainingError, match="expected an SR method"):
        SR(method="cg")
    with pytest.raises(TrainingError, match="expected 3 local values"):
        SR().solve(torch.zeros(3, 2, dtype=torch.float64), torch.zeros(4, dtype=torch.float64))
    with pytest.raises(TrainingError, match="one row index per sample"):
        SR().solve(
            torch.zeros(3, 2, dtype=torch.float64),
            torch.zeros(4, dtype=torch.float64),
            torch.zeros(5, dtype=torch.int64),
        )


@pytest.mark.parametrize(
    ("name", "variant"),
    [("rnn", "positive"), ("rnn", "phase"), ("rnn-2layers-snake", "u1-sz1-phase"), ("rnn", "sign")],
)
def test_rnn_batched_jacobian_equals_the_vmapped_one(name, variant):
    model = make(name, variant)
    x = model.sample(9, torch.Generator().manual_seed(6))
    fast = log_derivatives(model, x)
    reference = vmapped_log_derivatives(model, x)
    torch.testing.assert_close(fast, reference, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(("rows", "columns"), [(5, 3), (256, 7), (300, 11), (1030, 4)])
def test_blocked_gram_equals_the_plain_product(rows, columns):
    a = torch.randn(rows, columns, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    torch.testing.assert_close(gram(a), a @ a.T, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gram(a.T), a.T @ a, rtol=1e-12, atol=1e-12)

"""Rotated-basis amplitudes against the exact rotation of a state vector."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgen.exact import rotate_to_basis
from qgen.hilbert import all_configs, configs_to_indices
from qgen.models import RNN
from qgen.tomography.rotations import BasisError, basis_codes, log_amplitudes, log_probabilities


class StateVector(torch.nn.Module):
    """``log ψ(x)`` read from a fixed state vector (times ``exp(shift)``)."""

    def __init__(self, psi: np.ndarray, shift: float = 0.0) -> None:
        super().__init__()
        self.log_psi = torch.from_numpy(np.log(psi.astype(np.complex128))) + shift

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.log_psi[configs_to_indices(x)]


def random_state(n_sites: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=1 << n_sites) + 1j * rng.normal(size=1 << n_sites)
    return psi / np.linalg.norm(psi)


BASES = ["ZZZZ", "XZZZ", "ZZZY", "XYZX", "YYYY", "XXXX", "ZXYZ"]


@pytest.mark.parametrize("basis", BASES)
def test_matches_exact_rotation(basis: str) -> None:
    psi = random_state(4, seed=len(basis) + sum(map(ord, basis)))
    x = all_configs(4)
    amplitudes = log_amplitudes(StateVector(psi), x, basis).exp().numpy()
    np.testing.assert_allclose(amplitudes, rotate_to_basis(psi, basis), atol=1e-10, rtol=0)


def test_mixed_bases_in_one_batch_and_a_model() -> None:
    """Each sample in its own basis, through an RNN with a phase head in float64."""
    torch.manual_seed(0)
    model = RNN(5, hidden=8, phase=True, dtype=torch.float64)
    x_all = all_configs(5)
    with torch.no_grad():
        psi = model(x_all).exp().numpy()
    rng = np.random.default_rng(1)
    x = torch.from_numpy(rng.integers(0, 2, size=(40, 5)))
    bases = rng.choice(np.array(list("XYZ")), size=(40, 5))
    with torch.no_grad():
        got = log_amplitudes(model, x, bases).exp().numpy()
    index = configs_to_indices(x).numpy()
    expected = [rotate_to_basis(psi, "".join(row))[i] for row, i in zip(bases, index, strict=True)]
    np.testing.assert_allclose(got, expected, atol=1e-10, rtol=0)
    probabilities = log_probabilities(model, x, bases).exp().detach().numpy()
    np.testing.assert_allclose(probabilities, np.abs(expected) ** 2, atol=1e-10, rtol=0)


def test_stable_for_huge_and_tiny_amplitudes() -> None:
    psi = random_state(3, seed=7)
    x = all_configs(3)
    reference = log_amplitudes(StateVector(psi), x, "XYX")
    for shift in (800.0, -800.0):
        shifted = log_amplitudes(StateVector(psi, shift), x, "XYX")
        assert torch.isfinite(shifted.real).all()
        torch.testing.assert_close(shifted - shift, reference, atol=1e-10, rtol=0)


def test_gradient_reaches_every_parameter() -> None:
    torch.manual_seed(0)
    model = RNN(4, hidden=4, phase=True, dtype=torch.float64)
    x = torch.tensor([[0, 1, 0, 1], [1, 1, 0, 0]])
    log_probabilities(model, x, np.array([list("XYZZ"), list("ZZYX")])).sum().backward()
    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in model.parameters())


def test_codes_and_bad_input() -> None:
    assert basis_codes("ZXY", 2, 3).tolist() == [[0, 1, 2], [0, 1, 2]]
    assert basis_codes(None, 1, 2).tolist() == [[0, 0]]
    model = StateVector(random_state(2, seed=0))
    x = torch.zeros(3, 2, dtype=torch.long)
    with pytest.raises(BasisError, match=r"letters X, Y or Z, got \['Q'\]"):
        log_amplitudes(model, x, "QZ")
    with pytest.raises(BasisError, match=r"shape \(3, 2\).*got shape \(3, 3\)"):
        log_amplitudes(model, x, "ZZZ")
    with pytest.raises(BasisError, match="integer outcomes"):
        log_amplitudes(model, x.double(), "ZZ")

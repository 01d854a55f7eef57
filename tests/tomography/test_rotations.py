"""Rotated-basis amplitudes against the exact rotation of a state vector."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from qgen.errors import DataError
from qgen.exact import rotate_to_basis
from qgen.hilbert import all_configs, configs_to_indices
from qgen.models import RNN
from qgen.tomography.rotations import basis_codes, log_amplitudes, log_probabilities


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
    with pytest.raises(DataError, match=r"letters X, Y or Z, got \['Q'\]"):
        log_amplitudes(model, x, "QZ")
    with pytest.raises(DataError, match=r"shape \(3, 2\).*got shape \(3, 3\)"):
        log_amplitudes(model, x, "ZZZ")
    with pytest.raises(DataError, match="integer outcomes"):
        log_amplitudes(model, x.double(), "ZZ")


def _depolarized_probabilities(psi: np.ndarray, basis: str, depolarization: float) -> np.ndarray:
    """Born probabilities in ``basis`` of ``(1-ε)ρ + ε Tr_R ρ ⊗ I/2^k`` (R: the non-Z sites),
    from the density matrix: full depolarization of a site is ρ → Σ_P PρP / 4."""
    from qgen.exact.measurement import BASIS_ROTATIONS

    n = len(basis)
    paulis = [
        np.eye(2),
        np.array([[0, 1], [1, 0]]),
        np.array([[0, -1j], [1j, 0]]),
        np.diag([1, -1]),
    ]

    def on_site(matrix: np.ndarray, site: int) -> np.ndarray:
        factors = [matrix if k == site else np.eye(2) for k in range(n)]
        out = factors[0]
        for factor in factors[1:]:
            out = np.kron(out, factor)
        return out

    rho = np.outer(psi, psi.conj())
    mixed = rho
    for site, letter in enumerate(basis):
        if letter != "Z":
            mixed = sum(on_site(p, site) @ mixed @ on_site(p, site).conj().T for p in paulis) / 4
    channel = (1 - depolarization) * rho + depolarization * mixed
    rotation = on_site(BASIS_ROTATIONS[basis[0]], 0)
    for site in range(1, n):
        rotation = rotation @ on_site(BASIS_ROTATIONS[basis[site]], site)
    return np.real(np.diag(rotation @ channel @ rotation.conj().T))


@pytest.mark.parametrize("basis", ["XZY", "ZZZ", "YYX", "ZXZ"])
@pytest.mark.parametrize("depolarization", [0.0, 0.3, 0.9])
def test_depolarized_probabilities_match_the_channel(basis: str, depolarization: float) -> None:
    """log p_ε against the density matrix sent through the channel, rotated; Σ p_ε = 1."""
    psi = random_state(3, seed=11)
    x = all_configs(3)
    assert np.allclose(
        _depolarized_probabilities(psi, basis, 0.0), np.abs(rotate_to_basis(psi, basis)) ** 2
    )
    got = log_probabilities(StateVector(psi), x, basis, depolarization=depolarization).exp()
    expected = _depolarized_probabilities(psi, basis, depolarization)
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-12, rtol=0)
    assert got.sum().item() == pytest.approx(1.0, abs=1e-12)


def test_depolarization_in_mixed_batches_and_its_range() -> None:
    """Per-sample bases through the grouping; unnormalized models shift by log Z; ε ∉ [0, 1)
    is refused."""
    psi = random_state(3, seed=5)
    rng = np.random.default_rng(2)
    x = torch.from_numpy(rng.integers(0, 2, size=(30, 3)))
    bases = rng.choice(np.array(list("XYZ")), size=(30, 3))
    got = log_probabilities(StateVector(psi, shift=3.0), x, bases, depolarization=0.5) - 6.0
    index = configs_to_indices(x).numpy()
    expected = [
        _depolarized_probabilities(psi, "".join(row), 0.5)[i]
        for row, i in zip(bases, index, strict=True)
    ]
    np.testing.assert_allclose(got.exp().numpy(), expected, atol=1e-12, rtol=0)
    for bad in (-0.1, 1.0, float("nan")):
        with pytest.raises(DataError, match=r"depolarization in \[0, 1\)"):
            log_probabilities(StateVector(psi), x, bases, depolarization=bad)

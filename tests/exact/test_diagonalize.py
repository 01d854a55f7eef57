"""Exact diagonalization: Lanczos against dense, sectors against the full space, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from qgen.errors import HilbertError, MemoryLimitError, NotHermitianError, OperatorError, QgenError
from qgen.exact import diagonalize, expectation, ground_state, variance
from qgen.hilbert import MagnetizationSector
from qgen.lattice import Chain, Square, Triangular
from qgen.operators import PauliSum, heisenberg, j1j2, pauli, transverse_field_ising, xxz


@pytest.mark.parametrize(
    ("operator", "sector"),
    [
        pytest.param(heisenberg(Chain(12)), 0, id="heisenberg-sector"),
        pytest.param(transverse_field_ising(Chain(10), h=0.8), None, id="tfim-full"),
        pytest.param(j1j2(Square(3, 4, periodic=False), J2=0.6), 1, id="j1j2-sector1"),
        pytest.param(heisenberg(Triangular(3, 3)), 0.5, id="triangular"),
    ],
)
def test_lanczos_agrees_with_dense_diagonalization(operator, sector):
    lanczos = diagonalize(operator, 4, sector=sector, method="lanczos")
    full = diagonalize(operator, 4, sector=sector, method="full")
    np.testing.assert_allclose(lanczos.energies, full.energies, atol=1e-10)
    matrix = operator.to_sparse(sector)
    for i in range(4):
        vector = lanczos.vectors[:, i]
        residual = matrix @ vector - lanczos.energies[i] * vector
        assert np.linalg.norm(residual) < 1e-8
    assert lanczos.method == "lanczos"
    assert full.method == "full"


def test_ground_state_lives_in_the_zero_sector_of_the_antiferromagnet():
    operator = heisenberg(Chain(10))
    full = diagonalize(operator, method="full")
    sector = diagonalize(operator, sector=0)
    assert sector.ground_energy == pytest.approx(full.ground_energy, abs=1e-12)
    state = sector.state()
    assert state.shape == (1024,)
    assert np.linalg.norm(state) == pytest.approx(1.0)
    assert expectation(operator, state) == pytest.approx(full.ground_energy, abs=1e-10)
    assert variance(operator, state) < 1e-10


def test_sector_energies_assemble_the_full_spectrum():
    operator = xxz(Chain(6), delta=0.3)
    full = np.linalg.eigvalsh(operator.to_dense())
    pieces = [
        np.linalg.eigvalsh(operator.to_dense(MagnetizationSector(6, sz))) for sz in range(-3, 4)
    ]
    np.testing.assert_allclose(np.sort(np.concatenate(pieces)), full, atol=1e-10)


def test_ground_state_shortcut_and_reproducible_phase():
    energy, state = ground_state(heisenberg(Chain(8)), sector=0)
    again = ground_state(heisenberg(Chain(8)), sector=0)[1]
    np.testing.assert_array_equal(state, again)
    assert state[np.abs(state).argmax()] > 0
    assert energy < 0


def test_without_states():
    spectrum = diagonalize(heisenberg(Chain(8)), 2, return_states=False)
    assert spectrum.vectors is None
    with pytest.raises(QgenError, match="not computed"):
        spectrum.state()


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        pytest.param(
            lambda: diagonalize(PauliSum(["XY"], [1j])),
            NotHermitianError,
            "Hermitian",
            id="not-hermitian",
        ),
        pytest.param(
            lambda: diagonalize(heisenberg(Chain(6)), sector=0.5),
            HilbertError,
            "no magnetization sector",
            id="no-sector",
        ),
        pytest.param(
            lambda: diagonalize(transverse_field_ising(Chain(6)), sector=0),
            OperatorError,
            "does not conserve",
            id="not-conserved",
        ),
        pytest.param(
            lambda: diagonalize(heisenberg(Chain(4)), k=0),
            HilbertError,
            r"k \(number of eigenpairs\): expected an integer in \[1, 16\], got 0",
            id="k-zero",
        ),
        pytest.param(
            lambda: diagonalize(heisenberg(Chain(4)), k=17),
            HilbertError,
            "got 17",
            id="k-too-large",
        ),
        pytest.param(
            lambda: diagonalize(heisenberg(Chain(4)), method="davidson"),
            QgenError,
            "expected a method",
            id="method",
        ),
        pytest.param(
            lambda: diagonalize(pauli("Z0 Z1", 36)), MemoryLimitError, "needs about", id="too-large"
        ),
        pytest.param(
            lambda: diagonalize(heisenberg(Chain(14)), method="full", memory_limit=1e6),
            MemoryLimitError,
            "dense diagonalization",
            id="dense-too-large",
        ),
    ],
)
def test_bad_requests_are_refused(call, error, match):
    with pytest.raises(error, match=match):
        call()


@pytest.mark.parametrize(
    ("operator", "sector"),
    [
        pytest.param(heisenberg(Chain(12)), None, id="chain-triplet"),
        pytest.param(heisenberg(Square(3, 4, periodic=False)), None, id="square-multiplets"),
        pytest.param(heisenberg(Chain(12)), 0, id="sector-doublets"),
    ],
)
def test_lanczos_finds_every_copy_of_degenerate_levels(operator, sector):
    lanczos = diagonalize(operator, 6, sector=sector, method="lanczos")
    full = diagonalize(operator, 6, sector=sector, method="full")
    np.testing.assert_allclose(lanczos.energies, full.energies, atol=1e-10)
    overlaps = lanczos.vectors.conj().T @ lanczos.vectors
    np.testing.assert_allclose(overlaps, np.eye(6), atol=1e-10)

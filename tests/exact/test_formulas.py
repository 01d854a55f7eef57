"""Closed-form energies against exact diagonalization and against published values."""

from __future__ import annotations

import itertools
import math

import pytest

from qgen.errors import QgenError
from qgen.exact import bethe_ansatz_energy_per_site, diagonalize, tfim_chain_ground_energy
from qgen.lattice import Chain
from qgen.operators import heisenberg, transverse_field_ising


@pytest.mark.parametrize(
    ("n_sites", "h", "J", "periodic"),
    [
        pytest.param(n, h, J, p, id=f"N{n}-h{h}-J{J}-{'pbc' if p else 'obc'}")
        for n, h, J, p in itertools.product([3, 6, 9], [0.4, 1.0, 2.5], [1.0, -0.8], [True, False])
        if not (p and J < 0 and n % 2)
    ],
)
def test_free_fermions_agree_with_diagonalization(n_sites, h, J, periodic):
    operator = transverse_field_ising(Chain(n_sites, periodic), J=J, h=h)
    exact = diagonalize(operator, return_states=False).ground_energy
    assert tfim_chain_ground_energy(n_sites, h=h, J=J, periodic=periodic) == pytest.approx(
        exact, abs=1e-10
    )


@pytest.mark.parametrize(
    ("n_sites", "energy"),
    [(10, -12.784906443), (20, -25.490989686365), (100, -127.329190612)],
)
def test_free_fermions_reproduce_published_values(n_sites, energy):
    # shared/reference/energies.json (Pfeuty's formula; matches NetKet and QuSpin ED)
    assert tfim_chain_ground_energy(n_sites) == pytest.approx(energy, rel=1e-10)


def test_open_chain_of_the_qucumber_tutorial():
    # QuCumber's tutorial TFIM chain, N = 10, open, h = 1: E0/N = -1.2381 (4 digits given)
    assert tfim_chain_ground_energy(10, periodic=False) / 10 == pytest.approx(-1.2381, abs=5e-5)


def test_free_fermion_formula_refuses_what_it_does_not_cover():
    with pytest.raises(QgenError, match="at least 3"):
        tfim_chain_ground_energy(2)
    with pytest.raises(QgenError, match="J < 0"):
        tfim_chain_ground_energy(5, J=-1.0)


def test_bethe_ansatz_value_and_finite_size_approach():
    e_inf = bethe_ansatz_energy_per_site()
    assert e_inf == pytest.approx(0.25 - math.log(2))
    # Finite periodic chains: e(N) ≈ e_inf - π²/(12 N²) up to logarithmic corrections.
    n = 16
    e_n = diagonalize(heisenberg(Chain(n)), sector=0, return_states=False).ground_energy / n
    assert e_n < e_inf
    assert e_n == pytest.approx(e_inf - math.pi**2 / (12 * n**2), abs=5e-5)
    with pytest.raises(QgenError, match="J > 0"):
        bethe_ansatz_energy_per_site(-1.0)


@pytest.mark.parametrize("n_sites", [3, 5, 6])
@pytest.mark.parametrize("h", [-0.5, -1.0, -2.0])
def test_free_fermions_for_negative_fields(n_sites, h):
    operator = transverse_field_ising(Chain(n_sites), h=h)
    exact = diagonalize(operator, return_states=False).ground_energy
    assert tfim_chain_ground_energy(n_sites, h=h) == pytest.approx(exact, abs=1e-10)

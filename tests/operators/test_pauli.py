"""PauliSum: parsing, algebra, connected elements and sparse matrices against Kronecker products."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from pauli_reference import kron_string, kron_sum

from qgen.errors import MemoryLimitError, NotHermitianError, OperatorError
from qgen.hilbert import MagnetizationSector, configs_to_indices, indices_to_configs
from qgen.operators import PauliSum, pauli


@st.composite
def pauli_sums(draw, min_sites=1, max_sites=6, max_terms=6):
    """Random Pauli sums with random complex coefficients, and their dense labels."""
    n = draw(st.integers(min_sites, max_sites))
    labels = draw(st.lists(st.text("IXYZ", min_size=n, max_size=n), min_size=1, max_size=max_terms))
    parts = st.floats(-2, 2, allow_nan=False, allow_infinity=False)
    coefficients = [complex(draw(parts), draw(parts)) for _ in labels]
    return labels, coefficients


def test_dense_and_indexed_labels_agree():
    indexed = PauliSum(["X0 Y2", "Z3"], [0.5, -1.0], n_sites=4)
    dense = PauliSum(["XIYI", "IIIZ"], [0.5, -1.0])
    assert indexed.allclose(dense)
    assert pauli("Z3", 4).strings == ["IIIZ"]
    assert PauliSum.identity(3, 2.0).strings == ["III"]


@pytest.mark.parametrize(
    ("strings", "kwargs", "match"),
    [
        pytest.param(["X0 Q1"], {"n_sites": 2}, "cannot parse 'Q1'", id="letter"),
        pytest.param(["X5"], {"n_sites": 3}, "site 5, expected sites 0..2", id="site"),
        pytest.param(["X0 Z0"], {"n_sites": 2}, "twice", id="repeat"),
        pytest.param(["X0"], {}, "needs n_sites", id="no-size"),
        pytest.param(["XX", "XXX"], {}, "different lengths", id="lengths"),
        pytest.param(["XXZ"], {"n_sites": 4}, "3 letters, expected 4", id="dense-size"),
        pytest.param([3], {"n_sites": 2}, "expected a Pauli string", id="type"),
    ],
)
def test_malformed_strings_are_refused(strings, kwargs, match):
    with pytest.raises(OperatorError, match=match):
        PauliSum(strings, **kwargs)


def test_coefficients_must_match_and_be_finite():
    with pytest.raises(OperatorError, match="2 strings, 1 coefficients"):
        PauliSum(["XX", "ZZ"], [1.0])
    with pytest.raises(OperatorError, match="finite"):
        PauliSum(["XX"], [float("nan")])
    with pytest.raises(OperatorError, match="3 and 2 sites"):
        _ = pauli("X0", 3) + pauli("X0", 2)


def test_pauli_multiplication_table():
    x, y, z = (pauli(a + "0", 1) for a in "XYZ")
    assert (x @ y).allclose(1j * z)
    assert (y @ z).allclose(1j * x)
    assert (z @ x).allclose(1j * y)
    assert (y @ x).allclose(-1j * z)
    for a in (x, y, z):
        assert (a @ a).allclose(PauliSum.identity(1))


@settings(max_examples=60, deadline=None)
@given(pauli_sums(max_sites=4), st.data())
def test_algebra_matches_dense_matrices(first, data):
    labels, coefficients = first
    n = len(labels[0])
    other_labels = data.draw(
        st.lists(st.text("IXYZ", min_size=n, max_size=n), min_size=1, max_size=3)
    )
    a = PauliSum(labels, coefficients)
    b = PauliSum(other_labels, [1.0 - 0.5j] * len(other_labels))
    dense_a = kron_sum(labels, coefficients)
    dense_b = kron_sum(other_labels, [1.0 - 0.5j] * len(other_labels))
    np.testing.assert_allclose(a.to_dense(), dense_a, atol=1e-12)
    np.testing.assert_allclose((a + b).to_dense(), dense_a + dense_b, atol=1e-12)
    np.testing.assert_allclose((a - 2 * b).to_dense(), dense_a - 2 * dense_b, atol=1e-12)
    np.testing.assert_allclose((a @ b).to_dense(), dense_a @ dense_b, atol=1e-12)
    np.testing.assert_allclose((a * b).to_dense(), dense_a @ dense_b, atol=1e-12)
    np.testing.assert_allclose((b**2).to_dense(), dense_b @ dense_b, atol=1e-12)
    np.testing.assert_allclose(a.adjoint().to_dense(), dense_a.conj().T, atol=1e-12)
    np.testing.assert_allclose((a / 4).to_dense(), dense_a / 4, atol=1e-12)
    # Hermitian means real coefficients (to 1e-12): the dense matrix then is Hermitian to
    # within that tolerance per string, and otherwise it is not.
    anti_hermitian = np.abs(dense_a - dense_a.conj().T).max()
    if a.is_hermitian():
        assert anti_hermitian <= 2e-12 * len(labels)
    else:
        assert anti_hermitian > 1e-13


def test_hermiticity_check_names_the_offending_string():
    op = PauliSum(["XX", "YZ"], [1.0, 0.5j])
    assert not op.is_hermitian()
    with pytest.raises(NotHermitianError, match="YZ"):
        op.require_hermitian("exact diagonalization")
    assert (op + op.adjoint()).is_hermitian()


def test_cancelled_terms_are_dropped():
    op = pauli("X0", 2) + pauli("X0", 2) * -1 + pauli("Z1", 2)
    assert op.strings == ["IZ"]
    assert (pauli("XX") @ pauli("YY") + pauli("ZZ")).n_terms == 0


@settings(max_examples=100, deadline=None)
@given(pauli_sums(), st.data())
def test_connected_elements_agree_with_the_sparse_matrix(operator_data, data):
    labels, coefficients = operator_data
    op = PauliSum(labels, coefficients)
    n = op.n_sites
    rows = data.draw(st.lists(st.integers(0, 2**n - 1), min_size=1, max_size=10))
    x = indices_to_configs(torch.tensor(rows), n)
    x_conn, mels = op.connected(x)
    assert x_conn.shape == (len(rows), op.n_flip_masks, n)
    assert mels.shape == (len(rows), op.n_flip_masks)
    dense = op.to_dense()
    columns = configs_to_indices(x_conn).numpy()
    reconstructed = np.zeros((len(rows), 2**n), dtype=complex)
    np.add.at(reconstructed, (np.arange(len(rows))[:, None], columns), mels.numpy())
    np.testing.assert_allclose(reconstructed, dense[rows], atol=1e-12)


def test_connected_keeps_the_batch_shape_and_dtype():
    op = pauli("X0 X1", 3) + 0.5 * pauli("Z2", 3)
    x = torch.randint(0, 2, (4, 5, 3), dtype=torch.int8)
    x_conn, mels = op.connected(x)
    assert x_conn.shape == (4, 5, 2, 3)
    assert x_conn.dtype == torch.int8
    assert mels.dtype == torch.float64
    with pytest.raises(OperatorError, match="3 sites"):
        op.connected(torch.zeros(2, 4, dtype=torch.long))
    assert pauli("Y0", 1).connected(torch.zeros(1, 1, dtype=torch.long))[1].dtype == (
        torch.complex128
    )


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_connected_runs_on_the_gpu():
    op = pauli("X0 X1", 3) + 0.5 * pauli("Z2", 3)
    x = torch.randint(0, 2, (8, 3), device="cuda")
    x_conn, mels = op.connected(x)
    assert x_conn.device.type == mels.device.type == "cuda"
    cpu_conn, cpu_mels = op.connected(x.cpu())
    torch.testing.assert_close(mels.cpu(), cpu_mels)
    torch.testing.assert_close(x_conn.cpu(), cpu_conn)


def _conserving_operator(n: int, rng: np.random.Generator) -> PauliSum:
    """A random operator that conserves S^z: flip-flops plus diagonal strings."""
    op = PauliSum.zero(n)
    for _ in range(6):
        i, j = rng.choice(n, 2, replace=False)
        c = complex(rng.normal(), rng.normal())
        flip_flop = (
            pauli(f"X{i} X{j}", n)
            + pauli(f"Y{i} Y{j}", n)
            + 1j * (pauli(f"X{i} Y{j}", n) - pauli(f"Y{i} X{j}", n))
        )
        op = op + c * flip_flop + np.conj(c) * flip_flop.adjoint()
        op = op + rng.normal() * pauli(f"Z{i} Z{j}", n) + rng.normal() * pauli(f"Z{j}", n)
    return op


@pytest.mark.parametrize("n_sites", [4, 5, 7])
def test_sector_matrix_is_the_projection_of_the_full_matrix(n_sites):
    op = _conserving_operator(n_sites, np.random.default_rng(n_sites))
    full = op.to_dense()
    for n_down in range(n_sites + 1):
        sector = MagnetizationSector(n_sites, (n_sites - 2 * n_down) / 2)
        block = full[np.ix_(sector.states, sector.states)]
        np.testing.assert_allclose(op.to_dense(sector), block, atol=1e-12)


def test_sector_refuses_operators_that_leave_it():
    with pytest.raises(OperatorError, match="does not conserve the magnetization"):
        pauli("X0", 4).to_sparse(sector=0)
    with pytest.raises(OperatorError, match="does not conserve the magnetization"):
        pauli("X0 X1", 4).apply(np.ones(6), sector=0)


@settings(max_examples=40, deadline=None)
@given(pauli_sums(max_sites=5))
def test_apply_matches_the_dense_product(operator_data):
    labels, coefficients = operator_data
    op = PauliSum(labels, coefficients)
    rng = np.random.default_rng(0)
    vectors = rng.normal(size=(2**op.n_sites, 2)) + 1j * rng.normal(size=(2**op.n_sites, 2))
    np.testing.assert_allclose(op.apply(vectors), op.to_dense() @ vectors, atol=1e-12)
    np.testing.assert_allclose(op.apply(vectors[:, 0]), op.to_dense() @ vectors[:, 0], atol=1e-12)


def test_apply_in_a_sector():
    op = _conserving_operator(6, np.random.default_rng(1))
    sector = MagnetizationSector(6, 1)
    vector = np.random.default_rng(2).normal(size=sector.dimension)
    np.testing.assert_allclose(op.apply(vector, sector), op.to_dense(sector) @ vector, atol=1e-12)


def test_real_operators_give_real_matrices():
    assert pauli("X0 X1", 2).to_sparse().dtype == np.float64
    assert (pauli("Y0 Y1", 2) + pauli("Z0", 2)).to_sparse().dtype == np.float64
    assert pauli("Y0", 2).to_sparse().dtype == np.complex128


def test_rotation_by_z_is_the_conjugation():
    op = PauliSum(["XYZI", "YIXZ", "ZZII", "XXXX"], [1.0, 2.0, -1.0, 0.5])
    sites = [1, 3]
    u = kron_string("IZIZ")
    np.testing.assert_allclose(
        op.rotated_by_z(sites).to_dense(), u @ op.to_dense() @ u.T, atol=1e-12
    )


def test_oversized_matrices_are_refused_before_allocating():
    op = pauli("X0 X1", 40)
    with pytest.raises(MemoryLimitError, match="needs about"):
        op.to_sparse()


def test_small_coefficients_survive_and_only_cancellations_vanish():
    assert PauliSum(["X0"], [1e-15], n_sites=1).n_terms == 1
    small = pauli("X0", 2, 1e-8)
    assert (small @ small).allclose(PauliSum.identity(2, 1e-16), atol=1e-20)
    assert PauliSum(["Z0", "X0"], [1e15, 5.0], n_sites=1).n_terms == 2
    assert (pauli("XX", coefficient=0.1) - pauli("XX", coefficient=0.1)).n_terms == 0
    assert (pauli("XX", coefficient=0.1 + 1e-3j) + pauli("XX", coefficient=-0.1)).strings == ["XX"]


def test_rotation_sites_are_validated():
    with pytest.raises(OperatorError, match=r"site indices in 0\.\.2"):
        pauli("X0", 3).rotated_by_z([3])
    with pytest.raises(OperatorError, match="site indices"):
        pauli("X0", 3).rotated_by_z([-1])


def test_connected_refuses_float_configurations():
    with pytest.raises(OperatorError, match="integer configuration"):
        pauli("X0", 2).connected(torch.zeros(1, 2))


def test_numpy_and_torch_inputs_are_accepted_and_division_by_zero_refused():
    op = PauliSum(["X0", "Z1"], torch.tensor([1.0, 2.0]), n_sites=np.int64(2))
    assert op.allclose(PauliSum(["XI", "IZ"], [1.0, 2.0]))
    with pytest.raises(OperatorError, match="divide an operator by zero"):
        _ = op / 0

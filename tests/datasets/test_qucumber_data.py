"""QuCumber's tutorial data ship inside qgen: each tutorial's folder is a data set
directory that loads with its target, and ``qucumber:N`` names it on the command line."""

from __future__ import annotations

import numpy as np
import pytest

from qgen.datasets import qucumber_tutorial
from qgen.datasets.qucumber import data_location
from qgen.errors import DataError
from qgen.exact import purity
from qgen.tomography import load_measurements, load_povm_data


def test_tutorials_1_and_2_load_with_a_normalized_psi():
    tfim = load_measurements(qucumber_tutorial(1))
    assert (tfim.n_samples, tfim.n_sites, tfim.z_only) == (10_000, 10, True)
    assert np.linalg.norm(tfim.psi) == pytest.approx(1.0, abs=1e-6)
    phases = load_measurements(qucumber_tutorial(2))
    assert (phases.n_samples, phases.n_sites) == (1_000, 2)
    assert sorted(phases.basis_groups()) == ["XZ", "YZ", "ZX", "ZY", "ZZ"]


def test_tutorial_3_is_a_mixed_state_with_its_density_matrix():
    data = load_povm_data(qucumber_tutorial(3))
    assert (data.n_samples, data.n_sites, data.povm) == (9_000, 2, "pauli6")
    assert np.trace(data.rho).real == pytest.approx(1.0, abs=1e-9)
    assert purity(data.rho) < 1 - 1e-3  # mixed


@pytest.mark.parametrize("name", ["qucumber:1", "QuCumber:tutorial1", "qucumber: 1"])
def test_a_shipped_name_is_the_tutorial_folder(name):
    assert data_location(name) == str(qucumber_tutorial(1))


def test_a_path_stays_a_path_and_a_bad_name_is_one_line():
    assert data_location("runs/data.npz") == "runs/data.npz"
    with pytest.raises(DataError, match="expected qucumber:1, qucumber:2 or qucumber:3"):
        data_location("qucumber:4")
    with pytest.raises(DataError, match="expected 1, 2 or 3"):
        qucumber_tutorial(0)

"""Measurement data: QuCumber's tutorial files, round trips, splits and every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from qgen.datasets import qucumber_tutorial
from qgen.errors import DataError, QgenError
from qgen.exact import (
    expectation,
    measurement_probabilities,
    renyi_entropy,
    sample_measurements,
    tfim_chain_ground_energy,
)
from qgen.exact.measurement import BASIS_ROTATIONS
from qgen.hilbert import configs_to_indices
from qgen.operators.observables import correlation
from qgen.system import System
from qgen.tomography import MeasurementData, load_measurements, load_psi, save_measurements
from qgen.tomography.files import load_density_matrix, refuse_existing_dataset, save_dataset
from qgen.tomography.measurements import measure

QUCUMBER = qucumber_tutorial(1).parent


def random_state(n_sites: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    psi = rng.normal(size=1 << n_sites) + 1j * rng.normal(size=1 << n_sites)
    return psi / np.linalg.norm(psi)


def multi_basis_data(n_samples: int = 40) -> MeasurementData:
    psi = random_state(3, 1)
    samples = sample_measurements(psi, ["ZZZ", "XZY", "YYX"], n_samples, seed=3)
    return MeasurementData.from_samples(samples, psi)


def assert_frequencies_match(data: MeasurementData, n_sigma: float = 5.0) -> None:
    """Outcome frequencies in each basis agree with |<s|U_b|psi>|^2 within n_sigma."""
    assert data.psi is not None
    for basis, rows in data.basis_groups().items():
        counts = np.bincount(configs_to_indices(data.outcomes[rows]).numpy(), minlength=1 << 2)
        frequencies = counts / len(rows)
        probabilities = measurement_probabilities(data.psi, basis)
        sigma = np.sqrt(probabilities * (1 - probabilities) / len(rows)) + 1e-3
        assert np.all(np.abs(frequencies - probabilities) < n_sigma * sigma), basis


# --- QuCumber's tutorial data ---------------------------------------------------------------


def test_tutorial1_tfim_chain():
    folder = QUCUMBER / "tutorial1"
    data = load_measurements(folder / "tfim1d_data.txt", psi=folder / "tfim1d_psi.txt")
    assert (data.n_samples, data.n_sites) == (10000, 10)
    assert data.z_only
    assert data.outcomes.dtype == torch.int64
    assert data.bases.dtype == np.dtype("<U1")
    assert data.psi is not None
    assert data.psi.shape == (1024,)
    assert np.linalg.norm(data.psi) == pytest.approx(1, abs=1e-8)
    # The data are samples of |psi|^2: nearest-neighbour <ZZ> agrees within 5 error bars.
    spins = 1 - 2 * data.outcomes.double()
    zz = spins[:, 4] * spins[:, 5]
    exact = expectation(correlation(4, 5, 10, "ZZ"), data.psi)
    assert abs(zz.mean().item() - exact) < 5 * zz.std().item() / np.sqrt(data.n_samples)


def test_tutorial2_complex_state_in_five_bases():
    folder = QUCUMBER / "tutorial2"
    data = load_measurements(
        folder / "qubits_train.txt",
        bases=folder / "qubits_train_bases.txt",
        psi=folder / "qubits_psi.txt",
        format="qucumber",
    )
    assert (data.n_samples, data.n_sites) == (1000, 2)
    assert not data.z_only
    groups = data.basis_groups()
    assert list(groups) == ["ZZ", "XZ", "ZX", "YZ", "ZY"]
    assert all(len(rows) == 200 for rows in groups.values())
    assert np.linalg.norm(data.psi) == pytest.approx(1, abs=1e-8)
    # Frequencies in X and Y bases check the rotation convention (and the site order).
    assert_frequencies_match(data)


def test_tutorial2_list_of_bases_is_not_a_per_sample_bases_file():
    folder = QUCUMBER / "tutorial2"
    with pytest.raises(DataError, match=r"1000 lines but .*qubits_bases.txt has 5.*list of"):
        load_measurements(folder / "qubits_train.txt", bases=folder / "qubits_bases.txt")


@pytest.mark.parametrize("size", [100, 1000])
def test_tutorial3_w_state_in_nine_bases(size):
    folder = QUCUMBER / "tutorial3"
    data = load_measurements(
        folder / f"N2_W_state_{size}_samples_data.txt",
        bases=folder / f"N2_W_state_{size}_samples_bases.txt",
    )
    assert (data.n_samples, data.n_sites) == (9 * size, 2)
    assert data.psi is None
    assert sorted(data.basis_groups()) == sorted(a + b for a in "XYZ" for b in "XYZ")
    assert all(len(rows) == size for rows in data.basis_groups().values())


def test_tutorial3_mixed_state_and_its_data():
    folder = QUCUMBER / "tutorial3"
    rho = load_density_matrix(
        folder / "N2_W_state_target_real.txt", folder / "N2_W_state_target_imag.txt"
    )
    assert rho.shape == (4, 4)
    assert np.trace(rho).real == pytest.approx(1, abs=1e-12)
    assert np.allclose(rho, rho.conj().T)
    assert np.linalg.eigvalsh(rho).min() >= -1e-12
    data = load_measurements(
        folder / "N2_W_state_1000_samples_data.txt",
        bases=folder / "N2_W_state_1000_samples_bases.txt",
    )
    # p_b(s) = <s| U_b rho U_b^dagger |s>: the data are measurements of this rho.
    for basis, rows in data.basis_groups().items():
        rotation = np.kron(BASIS_ROTATIONS[basis[0]], BASIS_ROTATIONS[basis[1]])
        probabilities = np.diag(rotation @ rho @ rotation.conj().T).real
        counts = np.bincount(configs_to_indices(data.outcomes[rows]).numpy(), minlength=4)
        sigma = np.sqrt(probabilities * (1 - probabilities) / len(rows)) + 1e-3
        assert np.all(np.abs(counts / len(rows) - probabilities) < 5 * sigma), basis


def test_tutorial1_psi_is_the_tfim_ground_state():
    psi = load_psi(QUCUMBER / "tutorial1" / "tfim1d_psi.txt")
    system = System.from_mapping({"hamiltonian": "tfim", "size": 10, "boundary": "open"})
    # the free-fermion ground energy (Pfeuty 1970), to the file's 10 decimals
    energy = expectation(system.build_hamiltonian(), psi)
    assert energy == pytest.approx(tfim_chain_ground_energy(10, periodic=False), abs=1e-7)
    # the exact S2 of the first l sites (3 decimals)
    figures = [0.148, 0.201, 0.227, 0.240, 0.245]
    for size, figure in enumerate(figures, start=1):
        assert renyi_entropy(psi, list(range(size))) == pytest.approx(figure, abs=1e-3)


def test_bad_density_matrices(tmp_path):
    real = write(tmp_path, "re.txt", "1 0\n0\n")
    with pytest.raises(DataError, match=r"re.txt, line 2: expected 2 numbers"):
        load_density_matrix(real)
    real = write(tmp_path, "re.txt", "0.5 0.1\n0 0.5\n")
    with pytest.raises(DataError, match="expected a Hermitian matrix"):
        load_density_matrix(real)
    real = write(tmp_path, "re.txt", "0.5 0\n0 0.6\n")
    with pytest.raises(DataError, match=r"expected unit trace, got 1.1 \(off by \+1.00e-01"):
        load_density_matrix(real)
    real = write(tmp_path, "re.txt", "0.5 0.9\n0.9 0.5\n")
    with pytest.raises(DataError, match="positive semi-definite"):
        load_density_matrix(real)
    real = write(tmp_path, "re.txt", "0.5 0\n0 0.5\n")
    imag = write(tmp_path, "im.txt", "0 0 0\n0 0 0\n0 0 0\n")
    with pytest.raises(DataError, match="expected the same size"):
        load_density_matrix(real, imag)


def test_tutorial3_density_matrix_is_not_a_psi_file():
    path = QUCUMBER / "tutorial3" / "N2_W_state_target_real.txt"
    with pytest.raises(DataError, match=r"N2_W_state_target_real.txt, line 1: expected two"):
        load_psi(path)


# --- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("with_psi", [True, False], ids=["psi", "no-psi"])
@pytest.mark.parametrize(("format", "name"), [("npz", "data.npz"), ("qucumber", "data.txt")])
def test_round_trip(tmp_path, format, name, with_psi):
    data = multi_basis_data()
    if not with_psi:
        data = MeasurementData(data.outcomes, data.bases)
    written = save_measurements(data, tmp_path / name, format=format)
    if format == "npz":
        loaded = load_measurements(written["data"])
    else:
        assert written["bases"] == tmp_path / "data_bases.txt"
        loaded = load_measurements(
            written["samples"], bases=written["bases"], psi=written.get("psi")
        )
    assert torch.equal(loaded.outcomes, data.outcomes)
    assert np.array_equal(loaded.bases, data.bases)
    if with_psi:
        assert np.array_equal(loaded.psi, data.psi)  # 17 significant digits: exact
    else:
        assert loaded.psi is None
        assert "psi" not in written


def test_writes_leave_no_temporary_files(tmp_path):
    save_measurements(multi_basis_data(), tmp_path / "d.txt", format="qucumber")
    save_measurements(multi_basis_data(), tmp_path / "d.npz")
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "d.npz",
        "d.txt",
        "d_bases.txt",
        "d_psi.txt",
    ]


def test_trailing_spaces_and_compact_bases_are_read(tmp_path):
    (tmp_path / "s.txt").write_text("\ufeff0 1 1 \r\n1\t0 0 \n\n")  # BOM, CRLF, tab
    (tmp_path / "b.txt").write_text("ZXY\nY Y Z\n")
    data = load_measurements(tmp_path / "s.txt", bases=tmp_path / "b.txt")
    assert data.outcomes.tolist() == [[0, 1, 1], [1, 0, 0]]
    assert data.basis_strings().tolist() == ["ZXY", "YYZ"]


# --- bad input names the file and the line ----------------------------------------------


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("samples", "bases", "psi", "match"),
    [
        pytest.param(
            "0 1 1\n1 0\n", None, None, r"s.txt, line 2: expected 3 outcomes .* got 2", id="short"
        ),
        pytest.param(
            "0 1\n1 0\n0 1 1\n", None, None, r"s.txt, line 3: expected 2 outcomes", id="long"
        ),
        pytest.param(
            "0 1\n1 2\n", None, None, r"s.txt, line 2: expected outcomes 0 or 1, got '2'", id="2"
        ),
        pytest.param(
            "0 1\n-1 1\n",
            None,
            None,
            r"s.txt, line 2: expected outcomes 0 or 1, got '-1'",
            id="minus-one",
        ),
        pytest.param("0 1\n\n1 1\n", None, None, r"s.txt, line 2: empty line", id="blank"),
        pytest.param("", None, None, r"sample file .*s.txt is empty", id="empty-samples"),
        pytest.param("\n \n", None, None, r"s.txt is empty", id="blank-samples"),
        pytest.param(
            "0 1\n1 1\n",
            "Z X\nZ W\n",
            None,
            r"b.txt, line 2: expected basis letters X, Y or Z,"
            r" got 'W'",
            id="letter",
        ),
        pytest.param(
            "0 1\n1 1\n", "Z X\nz x\n", None, r"b.txt, line 2: .* got 'z'", id="lowercase"
        ),
        pytest.param(
            "0 1\n1 1\n",
            "Z X\nZ X Y\n",
            None,
            r"b.txt, line 2: expected 2 basis letters",
            id="bases-row",
        ),
        pytest.param(
            "0 1\n1 1\n1 1\n",
            "Z X\nZ Z\n",
            None,
            r"s.txt has 3 lines but .*b.txt has 2",
            id="fewer-bases",
        ),
        pytest.param(
            "0 1\n", "Z X\nZ Z\n", None, r"s.txt has 1 lines but .*b.txt has 2", id="more-bases"
        ),
        pytest.param("0 1\n", "", None, r"basis file .*b.txt is empty", id="empty-bases"),
        pytest.param(
            "0 1\n",
            None,
            "1 0\n0 0\n",
            r"p.txt: expected 2\^2 = 4 amplitudes .* got 2",
            id="psi-length",
        ),
        pytest.param(
            "0 1\n",
            None,
            "0.5 0\n0.5 0\n0.5 0\n0.4 0\n",
            r"p.txt: expected a normalized state, got <psi\|psi> = 0.91 \(off by -9.00e-02",
            id="psi-norm",
        ),
        pytest.param(
            "0 1\n",
            None,
            "1 0\n0 0\n0\n0 0\n",
            r"p.txt, line 3: expected two numbers",
            id="psi-columns",
        ),
        pytest.param(
            "0 1\n",
            None,
            "1 0\n0 0\n0 x\n0 0\n",
            r"p.txt, line 3: expected two numbers",
            id="psi-number",
        ),
        pytest.param(
            "0 1\n",
            None,
            "1 0\nnan 0\n0 0\n0 0\n",
            r"p.txt, line 2: expected finite",
            id="psi-nan",
        ),
        pytest.param("0 1\n", None, "", r"amplitude file .*p.txt is empty", id="empty-psi"),
    ],
)
def test_bad_text_input(tmp_path, samples, bases, psi, match):
    sample_path = write(tmp_path, "s.txt", samples)
    bases_path = None if bases is None else write(tmp_path, "b.txt", bases)
    psi_path = None if psi is None else write(tmp_path, "p.txt", psi)
    with pytest.raises(DataError, match=match) as raised:
        load_measurements(sample_path, bases=bases_path, psi=psi_path)
    assert isinstance(raised.value, QgenError)


def test_missing_files(tmp_path):
    with pytest.raises(DataError, match=r"sample file .*nothing.txt does not exist"):
        load_measurements(tmp_path / "nothing.txt")
    write(tmp_path, "s.txt", "0 1\n")
    with pytest.raises(DataError, match=r"basis file .*nothing.txt does not exist"):
        load_measurements(tmp_path / "s.txt", bases=tmp_path / "nothing.txt")
    with pytest.raises(DataError, match=r"data file .*nothing.npz does not exist"):
        load_measurements(tmp_path / "nothing.npz")


def test_bad_npz(tmp_path):
    np.savez(tmp_path / "a.npz", outcomes=np.zeros((3, 2), dtype=np.int64))
    with pytest.raises(DataError, match=r"a.npz: expected arrays 'outcomes' and 'bases'"):
        load_measurements(tmp_path / "a.npz")
    np.savez(tmp_path / "b.npz", outcomes=np.full((3, 2), 0.5), bases=np.full((3, 2), "Z"))
    with pytest.raises(DataError, match=r"b.npz: expected integer outcomes"):
        load_measurements(tmp_path / "b.npz")
    np.savez(tmp_path / "c.npz", outcomes=np.full((3, 2), 3), bases=np.full((3, 2), "Z"))
    with pytest.raises(DataError, match=r"c.npz: outcomes: expected 0 or 1, got 3"):
        load_measurements(tmp_path / "c.npz")
    write(tmp_path, "d.npz", "not an archive")
    with pytest.raises(
        DataError, match=r"d.npz: not an .npz archive \(an .npz file is a zip archive\)"
    ):
        load_measurements(tmp_path / "d.npz")
    save_measurements(multi_basis_data(), tmp_path / "e.npz")
    with pytest.raises(DataError, match="holds its own bases"):
        load_measurements(tmp_path / "e.npz", bases=tmp_path / "b.txt")
    with pytest.raises(DataError, match="holds psi already"):
        load_measurements(tmp_path / "e.npz", psi=random_state(3, 0))


def test_unknown_format(tmp_path):
    with pytest.raises(DataError, match=r"expected a format in .* got 'csv'"):
        load_measurements(tmp_path / "x.csv", format="csv")


# --- the dataclass --------------------------------------------------------------------------


def test_validation_of_the_dataclass():
    bases = np.full((2, 2), "Z")
    with pytest.raises(DataError, match="expected an integer tensor"):
        MeasurementData(torch.zeros(2, 2), bases)
    with pytest.raises(DataError, match=r"shape \(n_samples, n_sites\), got shape \(2,\)"):
        MeasurementData(torch.zeros(2, dtype=torch.int64), bases)
    with pytest.raises(DataError, match=r"expected 0 or 1, got 5 in sample 1, site 0"):
        MeasurementData(torch.tensor([[0, 1], [5, 0]]), bases)
    with pytest.raises(DataError, match=r"one letter per outcome, shape \(2, 2\), got shape"):
        MeasurementData(torch.zeros(2, 2, dtype=torch.int64), np.full((2, 3), "Z"))
    with pytest.raises(DataError, match=r"got 'Q' in sample 0, site 1"):
        MeasurementData(torch.zeros(2, 2, dtype=torch.int64), np.array([["Z", "Q"], ["Z", "Z"]]))
    with pytest.raises(DataError, match="numpy array of one-letter strings"):
        MeasurementData(torch.zeros(2, 2, dtype=torch.int64), [["Z", "Z"], ["Z", "Z"]])
    with pytest.raises(DataError, match=r"expected 2\^2 = 4 amplitudes"):
        MeasurementData(torch.zeros(2, 2, dtype=torch.int64), bases, np.ones(8) / np.sqrt(8))
    with pytest.raises(DataError, match="expected a normalized state"):
        MeasurementData(torch.zeros(2, 2, dtype=torch.int64), bases, np.ones(4))


def test_conversions_and_read_only_fields():
    data = MeasurementData(torch.tensor([[0, 1]], dtype=torch.uint8), np.array([["X", "Z"]]))
    assert data.outcomes.dtype == torch.int64
    assert data.bases.dtype == np.dtype("<U1")
    with pytest.raises(ValueError, match="read-only"):
        data.bases[0, 0] = "Y"


def test_basis_groups_and_properties():
    data = MeasurementData(
        torch.zeros(5, 2, dtype=torch.int64),
        np.array([["X", "Z"], ["Z", "Z"], ["X", "Z"], ["Y", "Y"], ["Z", "Z"]]),
    )
    groups = data.basis_groups()
    assert list(groups) == ["XZ", "ZZ", "YY"]
    assert {k: v.tolist() for k, v in groups.items()} == {"XZ": [0, 2], "ZZ": [1, 4], "YY": [3]}
    assert all(v.dtype == torch.int64 for v in groups.values())
    assert (data.n_samples, data.n_sites, data.z_only) == (5, 2, False)


def test_split_is_seeded_disjoint_and_complete():
    data = multi_basis_data(100)
    train, validation = data.split(0.2, seed=5)
    assert (train.n_samples, validation.n_samples) == (240, 60)
    assert train.psi is data.psi

    again_train, again_validation = data.split(0.2, seed=5)
    assert torch.equal(train.outcomes, again_train.outcomes)
    assert np.array_equal(validation.bases, again_validation.bases)
    other_train, _ = data.split(0.2, seed=6)
    assert not (
        torch.equal(train.outcomes, other_train.outcomes)
        and np.array_equal(train.bases, other_train.bases)
    )

    # Every row lands in exactly one part: the (outcomes, basis) rows as multisets.
    def rows(part: MeasurementData) -> list[tuple]:
        return [
            (tuple(o), b) for o, b in zip(part.outcomes.tolist(), part.basis_strings(), strict=True)
        ]

    assert sorted(rows(train) + rows(validation)) == sorted(rows(data))


@pytest.mark.parametrize("fraction", [0, 1, -0.1, 1.5, True, "0.1"])
def test_split_refuses_bad_fractions(fraction):
    with pytest.raises(DataError, match="strictly between 0 and 1"):
        multi_basis_data().split(fraction, seed=0)


def test_split_of_one_sample():
    data = MeasurementData(torch.zeros(1, 2, dtype=torch.int64), np.full((1, 2), "Z"))
    with pytest.raises(DataError, match="cannot split 1 sample"):
        data.split(0.5, seed=0)


# --- data set directories -----------------------------------------------------------------


@pytest.mark.parametrize("format", ["npz", "qucumber"])
def test_data_set_directory_round_trip(tmp_path, format):
    psi = random_state(3, 2)
    data = measure(psi, ["ZZZ", "XYX"], 30, seed=4)
    assert data.n_samples == 60
    files = save_dataset(data, tmp_path / "set", format, info={"note": "test"})
    description = json.loads(files["dataset"].read_text())
    assert description["note"] == "test"
    assert description["bases"] == ["ZZZ", "XYX"]
    assert (tmp_path / "set" / "bases.txt").read_text() == "Z Z Z\nX Y X\n"
    loaded = load_measurements(tmp_path / "set")
    assert torch.equal(loaded.outcomes, data.outcomes)
    assert np.array_equal(loaded.bases, data.bases)
    assert np.array_equal(loaded.psi, data.psi)
    with pytest.raises(DataError, match="already holds a data set"):
        save_dataset(data, tmp_path / "set", format)


def test_measure_is_seeded_and_checks_its_input():
    psi = random_state(2, 0)
    assert torch.equal(measure(psi, "XY", 20, seed=1).outcomes, measure(psi, "XY", 20, 1).outcomes)
    with pytest.raises(DataError, match="basis of 2 letters"):
        measure(psi, "XYZ", 20)


def test_a_truncated_data_set_is_refused(tmp_path):
    files = save_dataset(measure(random_state(2, 0), "ZZ", 10), tmp_path, "qucumber")
    for key in ("measurements", "bases"):
        lines = files[key].read_text().splitlines(keepends=True)
        files[key].write_text("".join(lines[:7]))  # cut at a line boundary
    with pytest.raises(DataError, match=r"describes 10 samples of 2 sites but .* holds 7 of 2"):
        load_measurements(tmp_path)


def test_bad_data_set_directories(tmp_path):
    with pytest.raises(DataError, match=r"directory without dataset\.json"):
        load_measurements(tmp_path)
    write(tmp_path, "dataset.json", "{not json")
    with pytest.raises(DataError, match=r"dataset\.json: not a readable data set description"):
        load_measurements(tmp_path)
    with pytest.raises(DataError, match="holds its own bases and psi"):
        load_measurements(tmp_path, bases=tmp_path / "b.txt")
    with pytest.raises(DataError, match="already holds a data set"):
        refuse_existing_dataset(tmp_path)


@pytest.mark.parametrize("name", ["/etc/passwd", "../outside.npz", "sub/../../outside.npz"])
def test_a_data_set_names_only_files_inside_its_directory(tmp_path, name):
    psi = np.array([1, 0, 0, 1]) / np.sqrt(2)
    outside = tmp_path / "outside.npz"
    save_measurements(measure(psi, ["ZZ"], 10), outside)
    directory = tmp_path / "set"
    save_dataset(measure(psi, ["ZZ"], 10), directory)
    description = json.loads((directory / "dataset.json").read_text())
    description["files"]["measurements"] = name
    (directory / "dataset.json").write_text(json.dumps(description))
    with pytest.raises(DataError, match="lies outside it"):
        load_measurements(directory)

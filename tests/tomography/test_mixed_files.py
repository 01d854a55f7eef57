"""Files of mixed-state tomography: device counts (bit order), POVM archives, target
density matrices, and every malformed input named by file and line."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from qgen.errors import ConfigError, DataError
from qgen.exact import (
    POVMS,
    apply_local_channel,
    density_matrix,
    outcome_probabilities,
    sample_outcomes,
    sample_settings,
)
from qgen.exact.density import depolarizing
from qgen.exact.named_states import ghz_state
from qgen.exact.povm import pauli_string_expectation
from qgen.exact.product_sum import ghz_product_sum
from qgen.tomography.counts import load_counts, save_counts
from qgen.tomography.measurements import MeasurementData
from qgen.tomography.mixed_data import measure_mixed, noisy_state, parse_noise, readout_flips
from qgen.tomography.povm_data import POVMData
from qgen.tomography.povm_files import (
    load_povm_data,
    load_target_rho,
    save_density_matrix,
    save_povm_dataset,
    save_setting_dataset,
)


def noisy_ghz(n: int = 3, p: float = 0.05) -> np.ndarray:
    return apply_local_channel(density_matrix(ghz_state(n)), depolarizing(p))


# --- counts -----------------------------------------------------------------------------------


def test_qiskit_little_endian_counts_put_qubit_0_rightmost(tmp_path):
    """Qubit 0 measured in Z reads 1, qubits 1 and 2 measured in X read 0: Qiskit writes
    the setting 'XXZ' and the bitstring '001' (qubit 0 rightmost)."""
    path = tmp_path / "counts.json"
    path.write_text(json.dumps({"counts": {"XXZ": {"001": 7}}}))
    read = load_counts(path)
    assert read.bit_order == "little"
    assert read.bit_order_source == "assumed (Qiskit)"
    assert read.data.n_samples == 7
    assert "".join(read.data.bases[0]) == "ZXX"
    assert read.data.outcomes[0].tolist() == [1, 0, 0]
    big = load_counts(path, bit_order="big")
    assert "".join(big.data.bases[0]) == "XXZ"
    assert big.data.outcomes[0].tolist() == [0, 0, 1]


def test_counts_round_trip_json_and_csv(tmp_path):
    bases = np.repeat(np.array([list("XYZ"), list("ZZX")]), 40, axis=0)
    record = MeasurementData(sample_settings(noisy_ghz(), bases, seed=3), bases)
    for order in ("little", "big"):
        path = save_counts(record, tmp_path / f"{order}.json", bit_order=order)
        back = load_counts(path).data
        key = lambda d: sorted(  # noqa: E731
            zip(["".join(b) for b in d.bases], map(tuple, d.outcomes.tolist()), strict=True)
        )
        assert key(back) == key(record)
    lines = ["setting,bitstring,count"]
    for setting, counts in json.loads((tmp_path / "big.json").read_text())["counts"].items():
        lines += [f"{setting},{bits},{n}" for bits, n in counts.items()]
    (tmp_path / "c.csv").write_text("\n".join(lines) + "\n")
    csv = load_counts(tmp_path / "c.csv", bit_order="big").data
    assert csv.n_samples == record.n_samples
    assert np.array_equal(np.sort(csv.basis_strings()), np.sort(record.basis_strings()))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"counts": {"XZ": {"011": 3}}}', "expected a bitstring of 2 bits"),
        ('{"counts": {"XQ": {"01": 3}}}', "expected a setting of letters X, Y, Z"),
        ('{"counts": {"XZ": {"0a": 3}}}', "expected a bitstring of 0 and 1"),
        ('{"counts": {"XZ": {"01": -3}}}', "expected a count"),
        ('{"counts": {"XZ": {"01": 2.5}}}', "expected a count"),
        ('{"counts": {"XZ": {"01": 0}}}', "expected some shots"),
        ('{"counts": {"XZ": {"01": 1}, "XZZ": {"011": 1}}}', "expected a setting of 2 qubits"),
        ('{"counts": {"XZ": 5}}', "expected an object of bitstring counts"),
        ('{"bit_order": "middle", "counts": {}}', "expected bit_order 'little' or 'big'"),
        ('{"counts": {"XZ": {"01": 1}}, "extra": 1}', "expected the keys"),
        ("[1, 2]", "expected a JSON object"),
        ('{"counts": {', "line 1: not valid JSON"),
    ],
)
def test_bad_counts_files_are_named(tmp_path, text, message):
    path = tmp_path / "counts.json"
    path.write_text(text)
    with pytest.raises(DataError, match=message) as error:
        load_counts(path)
    assert str(path) in str(error.value)


def test_bad_csv_counts_name_the_line(tmp_path):
    path = tmp_path / "counts.csv"
    path.write_text("setting,bitstring,count\nXZ,01,3\nXZ,011,1\n")
    with pytest.raises(DataError, match=r"line 3: expected a bitstring of 2 bits"):
        load_counts(path)
    path.write_text("basis,bits,n\n")
    with pytest.raises(DataError, match="line 1: expected the header"):
        load_counts(path)


def test_a_stated_bit_order_must_match_the_asked_one(tmp_path):
    path = tmp_path / "counts.json"
    path.write_text('{"bit_order": "big", "counts": {"XZ": {"01": 3}}}')
    assert load_counts(path).bit_order_source == "the file"
    with pytest.raises(DataError, match="states bit_order 'big', but 'little' was asked"):
        load_counts(path, bit_order="little")


# --- POVM archives, data set directories, targets ---------------------------------------


def test_povm_data_set_round_trip(tmp_path):
    rho = noisy_ghz()
    data = POVMData(sample_outcomes(rho, POVMS["tetra"], 500, seed=1), "tetra", rho)
    save_povm_dataset(data, tmp_path / "set")
    back = load_povm_data(tmp_path / "set")
    assert back.povm == "tetra"
    assert torch.equal(back.outcomes, data.outcomes)
    assert np.allclose(back.rho, rho)
    with pytest.raises(DataError, match="already holds a data set"):
        save_povm_dataset(data, tmp_path / "set")
    with pytest.raises(DataError, match="expected pauli6 outcomes, got tetra"):
        load_povm_data(tmp_path / "set", povm="pauli6")


def test_setting_data_set_carries_its_density_matrix(tmp_path):
    rho = noisy_ghz()
    bases = np.repeat(np.array([list("XXX"), list("ZZZ")]), 30, axis=0)
    record = MeasurementData(sample_settings(rho, bases, seed=2), bases)
    data = POVMData.from_measurements(record, rho)
    files = save_setting_dataset(data, tmp_path / "set", format="qucumber")
    assert files["rho"].name == "rho.npy"
    back = load_povm_data(tmp_path / "set")
    assert back.povm == "pauli6"
    assert torch.equal(back.outcomes, data.outcomes)
    assert np.allclose(back.rho, rho)


def test_a_data_set_cannot_name_a_matrix_outside_it(tmp_path):
    rho = noisy_ghz()
    data = POVMData(sample_outcomes(rho, POVMS["pauli4"], 50, seed=1), "pauli4", rho)
    save_povm_dataset(data, tmp_path / "set")
    outside = save_density_matrix(rho, tmp_path / "elsewhere.npy")
    description = json.loads((tmp_path / "set" / "dataset.json").read_text())
    description["files"]["rho"] = str(outside)
    (tmp_path / "set" / "dataset.json").write_text(json.dumps(description))
    with pytest.raises(DataError, match="which lies outside it"):
        load_povm_data(tmp_path / "set")


def test_target_rho_is_checked_and_named(tmp_path):
    good = save_density_matrix(noisy_ghz(2), tmp_path / "good.npy")
    assert load_target_rho(good).shape == (4, 4)
    with pytest.raises(DataError, match="expected a density matrix of 3 sites"):
        load_target_rho(good, n_sites=3)
    bad = np.diag([1.2, -0.2, 0, 0]).astype(complex)
    np.save(tmp_path / "negative.npy", bad)
    with pytest.raises(DataError, match=r"negative.npy: expected a positive semi-definite"):
        load_target_rho(tmp_path / "negative.npy")
    np.save(tmp_path / "trace.npy", np.eye(4) / 2)
    with pytest.raises(DataError, match="expected unit trace"):
        load_target_rho(tmp_path / "trace.npy")
    np.save(tmp_path / "skew.npy", np.array([[0.5, 1j], [0, 0.5]]))
    with pytest.raises(DataError, match="expected a Hermitian matrix"):
        load_target_rho(tmp_path / "skew.npy")
    np.save(tmp_path / "pickled.npy", np.array([{"a": 1}], dtype=object))
    with pytest.raises(DataError, match="without pickles"):
        load_target_rho(tmp_path / "pickled.npy")


def test_outcomes_outside_the_povm_are_named(tmp_path):
    np.savez(tmp_path / "o.npz", outcomes=np.array([[0, 7]]), povm=np.array("pauli6"))
    with pytest.raises(DataError, match=r"o.npz: outcomes: expected values in \[0, 5\].*got 7"):
        load_povm_data(tmp_path / "o.npz")
    np.savez(tmp_path / "q.npz", povm=np.array("pauli6"))
    with pytest.raises(DataError, match=r"q.npz: expected arrays 'outcomes' and 'povm'"):
        load_povm_data(tmp_path / "q.npz")
    (tmp_path / "junk.npz").write_bytes(b"not a zip")
    with pytest.raises(DataError, match=r"not an \.npz archive"):
        load_povm_data(tmp_path / "junk.npz")
    with pytest.raises(DataError, match=r"counts file .* does not exist"):
        load_povm_data(tmp_path / "missing.json")
    np.savez(tmp_path / "p.npz", outcomes=np.array([[0, 1]]), povm=np.array("nonsense"))
    with pytest.raises(DataError, match="povm: expected one of tetra, pauli4, pauli6"):
        load_povm_data(tmp_path / "p.npz")


def test_a_target_of_another_size_is_refused(tmp_path):
    rho = noisy_ghz(3)
    data = POVMData(sample_outcomes(rho, POVMS["pauli4"], 50, seed=1), "pauli4")
    save_povm_dataset(data, tmp_path / "set")
    small = save_density_matrix(noisy_ghz(2), tmp_path / "small.npy")
    with pytest.raises(DataError, match="expected a density matrix of 3 sites"):
        load_povm_data(tmp_path / "set", target_rho=small)


# --- synthetic noisy data ------------------------------------------------------------------


def test_parse_noise_and_its_refusals():
    assert parse_noise("depolarizing:0.05, dephasing:0.1") == [
        ("depolarizing", 0.05),
        ("dephasing", 0.1),
    ]
    for text, message in [
        ("bitflip:0.1", "expected CHANNEL:PROBABILITY"),
        ("depolarizing", "expected CHANNEL:PROBABILITY"),
        ("depolarizing:x", "expected a probability"),
        ("depolarizing:1.5", "expected a probability <= 1"),
        ("depolarizing:-0.1", "expected a finite number"),
    ]:
        with pytest.raises(ConfigError, match=message):
            parse_noise(text)


def test_readout_flips_shrink_every_pauli_expectation_by_one_minus_2q():
    """<X0 X1 X2> of a noisy GHZ, read with bit flips of probability q, is (1 - 2q)^3 times
    the exact value: from 60,000 Pauli-6 outcomes, within 5 standard errors."""
    from qgen.tomography.povm_model import pauli_expectation

    rho = noisy_ghz()
    q = 0.1
    data = measure_mixed(rho, samples=60000, povm="pauli6", readout_error=q, seed=4)
    estimate = pauli_expectation(data.outcomes, POVMS["pauli6"], "XXX")
    expected = (1 - 2 * q) ** 3 * pauli_string_expectation(rho, "XXX")
    assert abs(estimate["value"] - expected) < 5 * estimate["error"]
    with pytest.raises(ConfigError, match="flips the bits of Pauli measurements"):
        readout_flips(POVMData(torch.zeros(3, 2, dtype=torch.long), "tetra"), 0.1)


def test_large_ghz_needs_a_povm_and_its_state_is_exact():
    state = noisy_state(None, [("depolarizing", 0.05)], ghz_sites=20)
    assert state.pauli_expectation("Z" + "I" * 18 + "Z") == pytest.approx(0.95**2)
    assert state.pauli_expectation("X" * 20) == pytest.approx(0.95**20)
    data = measure_mixed(state, samples=10, povm="pauli6", seed=0)
    assert data.outcomes.shape == (10, 20)
    with pytest.raises(ConfigError, match="expected --povm"):
        measure_mixed(state, samples=10, bases=["Z" * 20])
    with pytest.raises(ConfigError, match="expected N <= 12"):
        noisy_state(ghz_state(13), [("depolarizing", 0.1)])


def test_product_sum_pauli_expectation_matches_the_dense_matrix():
    state = ghz_product_sum(4, channels=[("amplitude-damping", 0.2), ("dephasing", 0.1)])
    rho = state.density_matrix()
    for pauli in ("XXXX", "ZIIZ", "YYXX", "IZII", "IIII"):
        assert state.pauli_expectation(pauli) == pytest.approx(
            pauli_string_expectation(rho, pauli), abs=1e-12
        )


def test_probabilities_of_given_outcomes_match_the_table_and_feed_the_monte_carlo_fidelity():
    """Tr(rho M_a) of sampled rows equals the full table's entries; the Monte Carlo
    classical fidelity of a model with such a target agrees with the enumerated one
    within 5 standard errors."""
    from qgen.exact.povm import probabilities_of_outcomes
    from qgen.tomography.povm_model import (
        build_povm_model,
        classical_fidelity,
        classical_fidelity_monte_carlo,
    )

    rho = noisy_ghz(3, 0.2)
    povm = POVMS["pauli6"]
    table = outcome_probabilities(rho, povm)
    rows = np.indices((6,) * 3).reshape(3, -1).T
    assert np.allclose(probabilities_of_outcomes(rho, povm, rows), table, atol=1e-15)
    model = build_povm_model("made", 3, "pauli6", seed=2)

    def target(outcomes):
        return torch.from_numpy(probabilities_of_outcomes(rho, povm, outcomes.numpy())).log()

    estimate = classical_fidelity_monte_carlo(
        model, target, 20000, torch.Generator().manual_seed(0)
    )
    exact = classical_fidelity(model, table)
    assert abs(estimate["value"] - exact) < 5 * estimate["error"]


def test_a_povm_data_set_of_another_size_than_described_is_refused(tmp_path):
    data = POVMData(sample_outcomes(noisy_ghz(), POVMS["tetra"], 40, seed=1), "tetra")
    save_povm_dataset(data, tmp_path / "set")
    description = json.loads((tmp_path / "set" / "dataset.json").read_text())
    description["n_samples"] = 50
    (tmp_path / "set" / "dataset.json").write_text(json.dumps(description))
    with pytest.raises(
        DataError, match=r"describes 50 samples of 3 sites but .*outcomes.npz holds 40"
    ):
        load_povm_data(tmp_path / "set")

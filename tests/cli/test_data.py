"""The ``qgen data`` command: data sets of ground states and named states, refusals."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from qgen.cli.main import main
from qgen.exact import renyi_entropy, tfim_chain_ground_energy
from qgen.exact.named_states import w_state_with_phases
from qgen.tomography import load_measurements, load_psi
from qgen.tomography.bases import pairwise_bases


def run_json(capsys, *argv: str) -> dict:
    assert main(["data", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "exactly one JSON object on stdout"
    return json.loads(out)


def test_ground_state_data_set(tmp_path, capsys):
    out = tmp_path / "tfim6"
    result = run_json(
        capsys, "--hamiltonian", "tfim", "--size", "6", "--obc", "--samples", "300",
        "--out", str(out),
    )  # fmt: skip
    exact_energy = tfim_chain_ground_energy(6, h=1.0, J=1.0, periodic=False)
    assert result["energy"] == pytest.approx(exact_energy, abs=1e-9)
    assert result["bases"] == ["ZZZZZZ"]
    assert (result["n_samples"], result["n_sites"]) == (300, 6)
    assert sorted(p.name for p in out.iterdir()) == [
        "bases.txt",
        "dataset.json",
        "measurements.npz",
        "psi.txt",
    ]
    data = load_measurements(out)  # the directory reads back whole
    assert (data.n_samples, data.n_sites, data.z_only) == (300, 6, True)
    psi = load_psi(out / "psi.txt", 6)
    assert np.array_equal(data.psi, psi)
    for size, value in result["exact"]["renyi2"].items():
        assert value == pytest.approx(renyi_entropy(psi, list(range(int(size)))), abs=1e-12)
    assert json.loads((out / "dataset.json").read_text())["system"]["boundary"] == "open"


def test_named_state_in_pairwise_bases_as_qucumber_text(tmp_path, capsys):
    out = tmp_path / "w4"
    result = run_json(
        capsys, "--state", "w-phases", "--size", "4", "--pairwise", "--samples", "50",
        "--format", "qucumber", "--seed", "3", "--out", str(out),
    )  # fmt: skip
    assert result["bases"] == pairwise_bases(4)
    assert result["system"] is None
    files = {name: out / name for name in ("measurements.txt", "measurements_bases.txt")}
    assert all(path.is_file() for path in files.values())
    data = load_measurements(
        files["measurements.txt"],
        bases=files["measurements_bases.txt"],
        psi=out / "psi.txt",
    )
    assert data.n_samples == 50 * len(pairwise_bases(4))
    assert list(data.basis_groups()) == pairwise_bases(4)
    assert np.allclose(data.psi, w_state_with_phases(4, seed=3), atol=1e-15)
    assert torch.equal(load_measurements(out).outcomes, data.outcomes)


def test_bases_flags(tmp_path, capsys):
    result = run_json(
        capsys, "--state", "product:+", "--size", "3", "--bases", "X,ZZY", "--samples", "20",
        "--out", str(tmp_path / "a"),
    )  # fmt: skip
    assert result["bases"] == ["XXX", "ZZY"]
    # |+++> measured in X gives outcome 0 on every site
    data = load_measurements(tmp_path / "a")
    assert not data.outcomes[data.basis_groups()["XXX"]].any()
    bases_file = tmp_path / "bases.txt"
    bases_file.write_text("X Y Z\nZZZ\n")
    result = run_json(
        capsys, "--state", "ghz", "--size", "3", "--bases-file", str(bases_file), "--samples",
        "5", "--out", str(tmp_path / "b"),
    )  # fmt: skip
    assert result["bases"] == ["XYZ", "ZZZ"]


def test_seeded(tmp_path, capsys):
    for name, seed in (("a", "1"), ("b", "1"), ("c", "2")):
        run_json(capsys, "--state", "w", "--size", "4", "--bases", "X", "--samples", "40",
                 "--seed", seed, "--out", str(tmp_path / name))  # fmt: skip
    a, b, c = (load_measurements(tmp_path / name).outcomes for name in "abc")
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_refuses_to_overwrite_a_data_set(tmp_path, capsys):
    out = tmp_path / "d"
    argv = ["data", "--state", "ghz", "--size", "3", "--samples", "10", "--out", str(out)]
    assert main(argv) == 0
    before = (out / "measurements.npz").read_bytes()
    capsys.readouterr()
    assert main([*argv, "--seed", "5"]) == 2
    error = capsys.readouterr().err
    assert "already holds a data set" in error
    assert error.count("\n") == 1
    assert (out / "measurements.npz").read_bytes() == before


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        pytest.param(["--state", "ghz", "--size", "4", "--hamiltonian", "tfim"], "only --size",
                     id="state-and-hamiltonian"),
        pytest.param(["--state", "ghz"], "needs --size", id="state-without-size"),
        pytest.param(["--state", "bell", "--size", "3"], "expected one of ghz", id="state"),
        pytest.param(["--state", "ghz", "--size", "3", "--bases", "XQ"], "--bases: expected",
                     id="bases-letters"),
        pytest.param(["--state", "ghz", "--size", "3", "--bases", "XX"], "--bases: expected",
                     id="bases-length"),
        pytest.param(["--state", "ghz", "--size", "3", "--samples", "0"], "--samples",
                     id="samples"),
        pytest.param(["--state", "ghz", "--size", "3", "--bases-file", "missing.txt"],
                     "does not exist", id="bases-file"),
    ],
)  # fmt: skip
def test_bad_flags_give_one_line_errors(tmp_path, capsys, argv, match):
    if "--samples" not in argv:
        argv = [*argv, "--samples", "10"]
    assert main(["data", *argv, "--out", str(tmp_path / "x")]) == 2
    error = capsys.readouterr().err
    assert match in error
    assert error.startswith("qgen data: error:")
    assert not (tmp_path / "x").exists()


def test_a_data_set_beyond_memory_is_refused(tmp_path, capsys):
    argv = ["data", "--state", "ghz", "--size", "4", "--samples", "1000000000000"]
    assert main([*argv, "--out", str(tmp_path / "d")]) == 2
    assert "1,000,000,000,000 measurements of 4 sites needs about" in capsys.readouterr().err
    assert not (tmp_path / "d").exists()

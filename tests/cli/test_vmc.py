"""The ``qgen vmc`` command: JSON, run directory, resume, config files and errors."""

from __future__ import annotations

import json
import math

import pytest

from qgen.cli.main import main
from qgen.exact.formulas import tfim_chain_ground_energy

TINY = [
    "--size",
    "6",
    "--hidden",
    "4",
    "--samples",
    "64",
    "--final-samples",
    "256",
    "--no-progress",
]


def run_json(capsys, *argv: str) -> dict:
    assert main(["vmc", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "exactly one JSON object on stdout"
    return json.loads(out)


def error_of(capsys, *argv: str) -> str:
    assert main(["vmc", *argv]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("qgen vmc: error: ")
    return err[-1]


def test_json_summary_and_run_directory(capsys, tmp_path):
    out = tmp_path / "run"
    result = run_json(capsys, *TINY, "--iterations", "4", "--out", str(out))
    for key in (
        "energy",
        "energy_variance",
        "v_score",
        "exact_energy",
        "relative_error",
        "n_parameters",
        "iterations",
        "seconds_per_iteration",
    ):
        assert key in result
    assert result["iterations"] == 4
    # Heisenberg ring of 6 spins: E0 = -(2 + √13)/2 (Bethe ansatz / hand diagonalization).
    assert result["exact_energy"] == pytest.approx(-(2 + math.sqrt(13)) / 2, rel=1e-10)
    energy, relative_error = result["energy"], result["relative_error"]  # {value, error}
    assert result["units"]["energy"] == "J"
    relative = abs(energy["value"] - result["exact_energy"]) / abs(result["exact_energy"])
    assert relative_error["value"] == pytest.approx(relative)
    scale = abs(result["exact_energy"])
    assert relative_error["error"] == pytest.approx(energy["error"] / scale)
    assert result["energy_per_site"]["value"] == pytest.approx(energy["value"] / 6)
    assert result["energy_per_site"]["error"] == pytest.approx(energy["error"] / 6)
    consistent = relative < 2 * relative_error["error"]
    assert result["consistent_with_exact"] is consistent
    if consistent:  # a difference below two error bars is a bound, not an accuracy
        bound = relative + 2 * relative_error["error"]
        assert result["relative_error_bound"] == pytest.approx(bound)
    else:
        assert result["relative_error_bound"] is None
    names = {p.name for p in out.iterdir()}
    assert {
        "config.toml",
        "log.jsonl",
        "summary.json",
        "checkpoint.pt",
        "energy.png",
        "energy.pdf",
    } <= names
    log = [json.loads(line) for line in (out / "log.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in log] == [0, 1, 2, 3]
    assert json.loads((out / "summary.json").read_text()) == result  # the one JSON form


def test_resume_continues_to_the_new_iteration_count(capsys, tmp_path):
    out = str(tmp_path / "run")
    run_json(capsys, *TINY, "--iterations", "2", "--out", out)
    result = run_json(capsys, "--iterations", "5", "--out", out, "--resume", "--no-progress")
    assert result["iterations"] == 5
    log = [json.loads(line) for line in (tmp_path / "run" / "log.jsonl").read_text().splitlines()]
    assert [r["iteration"] for r in log] == [0, 1, 2, 3, 4]


def test_resume_with_a_different_config_is_refused(capsys, tmp_path):
    out = str(tmp_path / "run")
    run_json(capsys, *TINY, "--iterations", "1", "--out", out)
    message = error_of(capsys, *TINY, "--hidden", "8", "--out", out, "--resume")
    assert "vmc.hidden: stored 4, asked 8" in message


def test_an_existing_run_is_never_overwritten(capsys, tmp_path):
    out = str(tmp_path / "run")
    run_json(capsys, *TINY, "--iterations", "1", "--out", out)
    assert "already holds a run" in error_of(capsys, *TINY, "--out", out)


def test_config_file_with_system_and_vmc_tables(capsys, tmp_path):
    config = tmp_path / "run.toml"
    config.write_text(
        '[system]\nhamiltonian = "tfim"\nsize = 6\nh = 1.0\n\n'
        '[vmc]\nhidden = 4\nsamples = 64\niterations = 2\noptimizer = "adam"\n'
        "final_samples = 128\n"
    )
    result = run_json(capsys, str(config), "--out", str(tmp_path / "r"), "--no-progress")
    assert result["config"]["vmc"]["optimizer"] == "adam"
    assert result["config"]["system"]["hamiltonian"] == "tfim"
    assert result["config"]["vmc"]["u1"] is False  # the TFIM does not conserve S^z
    exact = tfim_chain_ground_energy(6, h=1.0, J=1.0, periodic=True)  # free fermions
    assert result["exact_energy"] == pytest.approx(exact, rel=1e-9)


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        pytest.param(["--model", "rnn2d"], "needs a square lattice", id="rnn2d-on-chain"),
        pytest.param(["--sector", "0.5"], "no configuration of 6 spins", id="impossible-sector"),
        pytest.param(
            ["--samples", "0"], "--samples: expected an integer ≥ 2, got 0", id="no-samples"
        ),
        pytest.param(
            ["--hamiltonian", "tfim", "--u1"], "does not conserve; drop --u1", id="u1-on-tfim"
        ),
        pytest.param(["--resume"], "cannot resume: expected a checkpoint", id="resume-empty"),
        pytest.param(["--lr", "-1"], "--lr: expected a finite number > 0", id="negative-lr"),
        pytest.param(
            ["--model", "rbm", "--symmetry", "translations"], "symmetric-rbm", id="symmetric-rbm"
        ),
        pytest.param(["--sector", "1", "--spin-flip"], "maps S^z to -S^z", id="flip-off-zero"),
        pytest.param(
            ["--momentum", "1"], "--momentum: expected a finite number in [0, 1)", id="momentum-1"
        ),
        pytest.param(
            ["--clip-width", "0"], "--clip-width: expected a finite number > 0", id="clip-0"
        ),
        pytest.param(
            ["--optimizer", "adam", "--momentum", "0.9"], "momentum is SPRING's", id="adam-momentum"
        ),
    ],
)
def test_bad_input_gives_one_line_errors(capsys, tmp_path, argv, match):
    message = error_of(capsys, "--size", "6", "--out", str(tmp_path / "r"), *argv)
    assert match in message


def test_symmetrized_model_from_the_command_line(capsys, tmp_path):
    """``--symmetry space --spin-flip`` on the J1-J2 ring: recorded in the config."""
    result = run_json(
        capsys, *TINY, "--hamiltonian", "j1j2", "--J2", "0.5", "--symmetry", "space",
        "--spin-flip", "--iterations", "2", "--out", str(tmp_path / "r"),
    )  # fmt: skip
    assert result["config"]["vmc"]["symmetry"] == "space"
    assert result["config"]["vmc"]["spin_flip"] is True
    assert result["config"]["vmc"]["phase"] is True
    assert math.isfinite(result["energy"]["value"])
    assert result["exact_energy"] is not None


def test_unknown_optimizer_in_a_config_file(capsys, tmp_path):
    config = tmp_path / "bad.toml"
    config.write_text('[system]\nsize = 6\n\n[vmc]\noptimizer = "lbfgs"\n')
    message = error_of(capsys, str(config), "--out", str(tmp_path / "r"))
    assert "[vmc] optimizer: expected one of adam, sgd, sr, minsr" in message
    config.write_text("[system]\nsize = 6\n\n[vmc]\nlearning_rate = 0.1\n")
    assert "[vmc]: unknown key learning_rate; expected keys from model," in error_of(
        capsys, str(config)
    )


def test_unknown_optimizer_flag_is_a_one_line_error(capsys):
    assert error_of(capsys, "--optimizer", "lbfgs") == (
        "qgen vmc: error: --optimizer: expected one of adam, sgd, sr, minsr, got 'lbfgs'"
    )


def test_a_sample_count_beyond_memory_is_refused_before_anything_is_built(capsys):
    assert main(["vmc", "--size", "4", "--samples", "1000000000000", "--iterations", "1"]) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert "1,000,000,000,000 samples of 4 sites needs about" in line


def test_an_allocation_that_fails_anyway_is_one_line(capsys):
    """A model too large to allocate (no estimate knows every model's size): torch's
    allocator error becomes one line, exit 2."""
    argv = ["vmc", "--size", "4", "--hidden", "1000000", "--iterations", "1"]
    assert main(argv) == 2
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.startswith("qgen vmc: error: out of memory")

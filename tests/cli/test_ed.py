"""The ``qgen ed`` command: output, JSON, config files and one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from qgen.cli.main import main


def run_json(capsys, *argv: str) -> dict:
    assert main(["ed", *argv, "--json"]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1, "exactly one JSON object on stdout"
    return json.loads(out)


def test_json_output_of_a_known_system(capsys):
    result = run_json(capsys, "--hamiltonian", "tfim", "--size", "12")
    assert result["energy"] == pytest.approx(-15.322595151081, rel=1e-9)
    assert result["energy_per_site"] == pytest.approx(result["energy"] / 12)
    assert result["n_sites"] == 12
    assert result["dimension"] == 4096
    assert result["sector"] is None
    assert result["reference"]["energy"] == pytest.approx(result["energy"], abs=1e-9)


def test_sector_and_several_states(capsys):
    result = run_json(capsys, "--lattice", "square", "--size", "4x4", "--sector", "0", "--k", "2")
    assert result["energy"] == pytest.approx(-11.228483208429, rel=1e-9)
    assert result["dimension"] == 12870
    assert result["sector"] == 0
    assert len(result["energies"]) == 2


def test_config_file_and_flags(tmp_path, capsys):
    config = tmp_path / "system.toml"
    config.write_text('[system]\nhamiltonian = "heisenberg"\nsize = 12\n\n[ed]\nk = 2\n')
    result = run_json(capsys, str(config), "--sector", "0")
    assert result["energy"] == pytest.approx(-5.387390917445, rel=1e-9)
    assert len(result["energies"]) == 2
    assert result["system"]["size"] == 12


def test_human_output(capsys):
    assert main(["ed", "--size", "8", "--obc"]) == 0
    captured = capsys.readouterr()
    assert "Heisenberg chain of 8 sites, open" in captured.out
    assert "E0 = " in captured.out
    assert "dimension 256" in captured.err


@pytest.mark.parametrize(
    ("argv", "match"),
    [
        pytest.param(["--hamiltonian", "heisenberg", "--h", "1"], "h does not apply", id="param"),
        pytest.param(["--size", "4x4"], "chain takes one length", id="size"),
        pytest.param(
            ["--lattice", "square", "--size", "2x4"], "too small for periodic", id="degenerate"
        ),
        pytest.param(["--sector", "0.5"], "no magnetization sector", id="sector"),
        pytest.param(
            ["--hamiltonian", "tfim", "--size", "6", "--sector", "0"],
            "does not conserve",
            id="not-conserved",
        ),
        pytest.param(
            ["--lattice", "triangular", "--size", "3x3", "--sign-rule"],
            "not bipartite",
            id="sign-rule",
        ),
        pytest.param(["--size", "40"], "needs about", id="memory"),
        pytest.param(["--k", "0"], "--k: expected an integer ≥ 1, got 0", id="k"),
        pytest.param(["missing.toml"], "does not exist", id="missing-file"),
    ],
)
def test_user_errors_are_one_line(capsys, argv, match):
    assert main(["ed", *argv]) == 2
    err = capsys.readouterr().err
    last = err.strip().splitlines()[-1]
    assert last.startswith("qgen ed: error: ")
    assert match in last
    assert "Traceback" not in err


def test_malformed_toml(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("[system]\nsize = = 4\n")
    assert main(["ed", str(config)]) == 2
    assert "not valid TOML" in capsys.readouterr().err


def test_unknown_choice_is_a_one_line_error(capsys):
    assert main(["ed", "--hamiltonian", "hubbard"]) == 2
    err = capsys.readouterr().err
    assert err == (
        "qgen ed: error: --hamiltonian: expected one of tfim, heisenberg, xxz, j1j2, terms, "
        "got 'hubbard'\n"
    )


def test_console_script_version_and_default_job():
    version = subprocess.run(
        [sys.executable, "-m", "qgen", "--version"], capture_output=True, text=True, check=True
    )
    assert version.stdout.startswith("qgen ")
    default = subprocess.run(
        [sys.executable, "-m", "qgen", "ed", "--json"], capture_output=True, text=True, check=True
    )
    result = json.loads(default.stdout)
    assert result["n_sites"] == 16
    assert result["energy"] == pytest.approx(-7.142296360617, rel=1e-9)


def test_ed_table_must_be_a_table(tmp_path, capsys):
    config = tmp_path / "bad.toml"
    config.write_text("ed = 3\n[system]\nsize = 8\n")
    assert main(["ed", str(config)]) == 2
    assert "expected [ed] to be a table" in capsys.readouterr().err


def test_infinite_sector_is_a_one_line_error(capsys):
    assert main(["ed", "--sector", "inf"]) == 2
    assert "--sector: expected a finite number or none, got inf" in capsys.readouterr().err


def test_bad_memory_limit_is_a_one_line_error(capsys, monkeypatch):
    monkeypatch.setenv("QGEN_MEMORY_LIMIT", "lots")
    assert main(["ed", "--size", "8"]) == 2
    assert "QGEN_MEMORY_LIMIT" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--size", "99999999999999999999"], "the space has 2^99999999999999999999 states"),
        (["--size", "100000", "--sector", "0"], "expected N <= 62"),
        (["--size", "44"], "its Lanczos vectors alone) needs about"),
        (["--size", "6", "--J", "1e308"], "the energies overflowed to -inf"),
    ],
)
def test_sizes_and_couplings_beyond_reach_are_refused_in_one_line(capsys, argv, message):
    """No O(N^2) table is built for a size ED cannot hold, and no infinite energy is
    printed (or written as JSON's non-standard -Infinity)."""
    assert main(["ed", *argv, "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert message in captured.err.strip().splitlines()[-1]

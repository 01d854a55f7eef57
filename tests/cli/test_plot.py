"""qgen plot redraws a run's figures from its log and overlays several runs; what is not
a run is one clear line."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qgen.cli.main import main
from qgen.run_figures import running_mean

VMC = ["vmc", "--size", "4", "--hidden", "4", "--samples", "32", "--iterations", "3",
       "--final-samples", "64", "--no-plots", "-q"]  # fmt: skip


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    root = tmp_path_factory.mktemp("plot")
    for name, seed in (("a", "0"), ("b", "1")):
        assert main([*VMC, "--seed", seed, "--out", str(root / name)]) == 0
    return root


def test_one_run_is_redrawn_in_its_directory(two_runs, capsys):
    capsys.readouterr()
    assert main(["plot", str(two_runs / "a"), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["command"] == "plot"
    assert {p.split("/")[-1] for p in result["files"]} == {"energy.png", "energy.pdf"}
    assert (two_runs / "a" / "energy.png").stat().st_size > 0


def test_several_runs_are_overlaid_in_out(two_runs, tmp_path):
    runs = [str(two_runs / "a"), str(two_runs / "b")]
    assert main(["plot", *runs, "--out", str(tmp_path / "cmp"), "-q"]) == 0
    assert (tmp_path / "cmp" / "comparison_energy.pdf").exists()


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda tmp: tmp / "absent", "found no directory"),
        (lambda tmp: tmp, "found no config.toml"),
    ],
)
def test_a_directory_without_a_run_is_one_line(tmp_path, capsys, make, message):
    assert main(["plot", str(make(tmp_path))]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert message in err


def test_several_runs_need_out(two_runs, capsys):
    assert main(["plot", str(two_runs / "a"), str(two_runs / "b")]) == 2
    assert "give --out DIR" in capsys.readouterr().err


def test_running_mean_is_the_mean_of_the_window():
    values = np.array([1.0, np.nan, 3.0, 5.0, 7.0])
    assert running_mean(values, 2)[[0, 2, 3, 4]].tolist() == [1.0, 3.0, 4.0, 6.0]

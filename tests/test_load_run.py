"""qgen.load_run rebuilds a run's system and trained model from its directory: the loaded
model's exact energy agrees with the run's final Monte Carlo estimate."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

import qgen
from qgen.errors import RunDirectoryError
from qgen.exact import expectation
from qgen.system import System
from qgen.tomography.estimators import state_vector
from qgen.vmc.options import VMCOptions
from qgen.vmc.workflow import apply_physics_defaults, run_vmc


@pytest.fixture(scope="module")
def vmc_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("load") / "vmc"
    options = VMCOptions(hidden=8, samples=256, iterations=25, final_samples=4000)
    system, options, _ = apply_physics_defaults(System(size=(6,)), options)  # the sign rule
    run_vmc(system, options, out, plots=False, log=lambda message: None)
    return out


def test_the_loaded_model_has_the_run_s_energy(vmc_run):
    run = qgen.load_run(vmc_run)
    assert run.command == "vmc"
    assert run.system.n_sites == 6
    hamiltonian = run.system.build_hamiltonian(run.system.build_lattice())
    psi = state_vector(run.model, 6)
    assert np.vdot(psi, psi).real == pytest.approx(1.0, abs=1e-10)
    exact_of_model = expectation(hamiltonian, psi).real
    estimate = run.summary["energy"]
    assert abs(exact_of_model - estimate["value"]) < 5 * estimate["error"]
    assert exact_of_model >= run.summary["exact_energy"] - 1e-9  # variational
    table = run.table()
    assert table["iteration"].tolist() == list(range(25))
    assert np.isfinite(table["energy"]).all()
    assert not run.model.training


def test_a_loaded_sampler_draws_from_the_loaded_model(vmc_run):
    run = qgen.load_run(vmc_run)
    samples = run.sampler.sample(64, generator=torch.Generator().manual_seed(0))
    assert samples.shape[-1] == 6


def test_no_run_is_one_clear_error(tmp_path):
    with pytest.raises(RunDirectoryError, match="expected a run directory"):
        qgen.load_run(tmp_path / "nothing")
    with pytest.raises(RunDirectoryError, match=r"found no config\.toml"):
        qgen.load_run(tmp_path)


def test_a_run_of_another_schema_is_refused_by_name(vmc_run, tmp_path):
    import shutil

    copy = tmp_path / "old"
    shutil.copytree(vmc_run, copy)
    summary = json.loads((copy / "summary.json").read_text())
    summary["schema"] = "qgen.result/0"
    (copy / "summary.json").write_text(json.dumps(summary))
    with pytest.raises(RunDirectoryError, match=r"expected a run of schema qgen.result/1"):
        qgen.load_run(copy)


def test_a_foreign_checkpoint_is_refused(vmc_run, tmp_path):
    import shutil

    copy = tmp_path / "foreign"
    shutil.copytree(vmc_run, copy)
    torch.save({"format": 0}, copy / "checkpoint.pt")
    with pytest.raises(RunDirectoryError, match="cannot load the run"):
        qgen.load_run(copy)


def test_a_tomography_run_loads_with_its_fidelity(tmp_path):
    from qgen.cli.main import main
    from qgen.tomography.estimators import fidelity

    out = tmp_path / "tomo"
    argv = ["tomo", "--data", "qucumber:2", "--epochs", "2", "--out", str(out), "--no-plots"]
    assert main([*argv, "-q"]) == 0
    run = qgen.load_run(out)
    assert (run.command, run.system, run.sampler) == ("tomo", None, None)
    target = qgen.tomography.load_measurements(qgen.datasets.qucumber_tutorial(2)).psi
    reported = run.summary["fidelity"]
    assert fidelity(run.model, target).mean == pytest.approx(reported["value"], abs=1e-9)

"""Registries: a Hamiltonian registered from this module (not in qgen) runs through
``qgen ed``, ``qgen vmc`` and ``qgen data``; a Hamiltonian given as Pauli terms in TOML
runs through ``qgen ed`` and ``qgen vmc``; a user's own Metropolis rule and model."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qgen.cli.main import main
from qgen.exact import diagonalize
from qgen.lattice import Chain, Lattice
from qgen.operators import PauliSum, heisenberg
from qgen.system import HAMILTONIANS, Parameter, System, register_hamiltonian


def xy_chain(lattice: Lattice, *, J: float = 1.0) -> PauliSum:
    r"""The XY model :math:`H = J \sum_{\langle ij\rangle} (S^x_i S^x_j + S^y_i S^y_j)`."""
    bonds = lattice.bonds()
    labels = [f"{a}{i} {a}{j}" for i, j in bonds for a in "XY"]
    return (J / 4) * PauliSum(labels, n_sites=lattice.n_sites)


def xy_open_chain_energy(n: int, J: float) -> float:
    """Free fermions (Jordan–Wigner): H = (J/2) Σ (c†_i c_{i+1} + h.c.) on an open chain
    has single-particle energies J cos(πk/(N+1)); the ground state fills the negative ones
    (Lieb, Schultz & Mattis, Ann. Phys. 16, 407 (1961))."""
    levels = J * np.cos(np.pi * np.arange(1, n + 1) / (n + 1))
    return float(levels[levels < 0].sum())


@pytest.fixture
def xy():
    register_hamiltonian(
        "xy-test",
        xy_chain,
        (Parameter("J", 1.0, "XY coupling J"),),
        title="XY",
        conserves_magnetization=True,
        marshall=lambda parameters: parameters["J"] > 0,
        zero_sector_ground_state=True,
    )
    yield
    HAMILTONIANS.unregister("xy-test")


def run_json(capsys, *argv: str) -> dict:
    assert main([*argv, "--json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_a_registered_hamiltonian_runs_through_ed_vmc_and_data(xy, capsys, tmp_path):
    exact = xy_open_chain_energy(8, 1.3)
    system = ["--hamiltonian", "xy-test", "--size", "8", "--obc", "--J", "1.3"]
    ed = run_json(capsys, "ed", *system)
    assert ed["energy"] == pytest.approx(exact, abs=1e-12)
    assert ed["description"].startswith("XY chain of 8 sites, open, J=1.3")

    vmc = run_json(
        capsys,
        "vmc",
        *system,
        "--hidden",
        "8",
        "--samples",
        "256",
        "--iterations",
        "80",
        "--lr",
        "0.1",
        "--final-samples",
        "4000",
        "--out",
        str(tmp_path / "vmc"),
        "--no-progress",
    )
    assert vmc["exact_energy"] == pytest.approx(exact, abs=1e-12)
    assert vmc["config"]["system"]["sign_rule"] is True  # the registered antiferromagnet
    energy = vmc["energy"]  # {value, error}
    assert energy["value"] > exact - 5 * energy["error"]  # the variational bound
    assert abs(energy["value"] - exact) / abs(exact) < 2e-2

    data = run_json(capsys, "data", *system, "--samples", "50", "--out", str(tmp_path / "data"))
    assert data["energy"] == pytest.approx(exact, abs=1e-10)
    assert data["n_samples"] == 50


def test_a_registered_hamiltonian_is_known_to_the_python_api(xy):
    system = System.from_mapping({"hamiltonian": "xy-test", "size": 6, "J": 0.5})
    assert system.build_hamiltonian().allclose(xy_chain(Chain(6), J=0.5))
    assert system.conserves_magnetization


def test_a_taken_name_is_refused():
    with pytest.raises(Exception, match="registered already"):
        register_hamiltonian("heisenberg", heisenberg)


TERMS_TOML = """
[system]
lattice = "chain"
size = 8

[[system.terms]]
coefficient = 0.25
paulis = "XX"
bonds = "nearest"

[[system.terms]]
coefficient = 0.25
paulis = "YY"
bonds = "nearest"

[[system.terms]]
coefficient = 0.25
paulis = "ZZ"
bonds = "nearest"

[[system.terms]]
coefficient = 0.1
paulis = "Z"
sites = [3]
"""


def test_a_toml_hamiltonian_of_pauli_terms_runs_through_ed_and_vmc(capsys, tmp_path):
    """The Heisenberg ring of 8 sites plus a field on site 3, written term by term (with
    the Marshall rule asked for: qgen does not guess sign rules for Pauli terms)."""
    config = tmp_path / "terms.toml"
    config.write_text(TERMS_TOML)
    expected = heisenberg(Chain(8)) + 0.1 * PauliSum("Z3", n_sites=8)
    exact = float(diagonalize(expected, 1, sector=0).energies[0])
    ed = run_json(capsys, "ed", str(config), "--sector", "0")
    assert ed["energy"] == pytest.approx(exact, abs=1e-12)
    assert ed["system"]["hamiltonian"] == "terms"
    assert len(ed["system"]["terms"]) == 4

    vmc = run_json(
        capsys,
        "vmc",
        str(config),
        "--sign-rule",
        "--hidden",
        "8",
        "--samples",
        "256",
        "--iterations",
        "100",
        "--final-samples",
        "2000",
        "--out",
        str(tmp_path / "vmc"),
        "--no-progress",
    )
    assert vmc["exact_energy"] == pytest.approx(exact, abs=1e-12)
    assert vmc["config"]["vmc"]["phase"] is True  # unknown signs: a phase head
    assert vmc["config"]["system"]["sector"] == 0.0  # conserves S^z: projected on 0
    energy = vmc["energy"]
    assert energy["value"] > exact - 5 * energy["error"]
    assert abs(energy["value"] - exact) / abs(exact) < 5e-2
    saved = (tmp_path / "vmc" / "config.toml").read_text()
    assert saved.count("[[system.terms]]") == 4
    resumed = run_json(capsys, "vmc", "--out", str(tmp_path / "vmc"), "--resume")
    assert resumed["iterations"] == 100


@pytest.mark.parametrize(
    ("term", "match"),
    [
        pytest.param('paulis = "XQ"\nbonds = "nearest"', "letters from I, X, Y, Z", id="letter"),
        pytest.param('paulis = "XX"\nsites = [0, 9]', "sites from 0 to 7", id="site"),
        pytest.param('paulis = "XX"\nsites = [0]', "2 distinct sites", id="count"),
        pytest.param('paulis = "XX"', "either sites or bonds", id="neither"),
        pytest.param('paulis = "XXX"\nbonds = "nearest"', "two letters", id="bond-letters"),
        pytest.param('paulis = "XX"\nbonds = "third"', "'nearest' or 'next-nearest'", id="order"),
    ],
)
def test_bad_terms_are_one_line_errors(capsys, tmp_path, term, match):
    config = tmp_path / "bad.toml"
    config.write_text(f"[system]\nsize = 8\n\n[[system.terms]]\ncoefficient = 1.0\n{term}\n")
    assert main(["ed", str(config)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert match in err
    assert "terms[0]" in err


def test_terms_with_couplings_or_a_hamiltonian_name_are_refused(capsys, tmp_path):
    config = tmp_path / "terms.toml"
    config.write_text(TERMS_TOML)
    assert main(["ed", str(config), "--J", "2"]) == 2
    assert "takes no coupling parameters" in capsys.readouterr().err
    assert main(["ed", str(config), "--hamiltonian", "tfim"]) == 2
    assert "the terms give the Hamiltonian" in capsys.readouterr().err


def test_a_registered_toy_density_trains_through_qgen_generative(capsys, tmp_path):
    from qgen.datasets.toy2d import TOY_DENSITIES, ring

    TOY_DENSITIES.register("wide-ring", lambda: ring(radius=3.0, width=0.3))
    try:
        code = main(
            ["generative", "flow", "--dataset", "wide-ring", "--samples", "600", "--epochs", "2",
             "--out", str(tmp_path / "run"), "--json", "--no-progress", "--no-plots"]
        )  # fmt: skip
        assert code == 0
        summary = json.loads(capsys.readouterr().out)
        assert summary["dataset"] == "wide-ring"
        assert summary["epochs_run"] == 2
    finally:
        TOY_DENSITIES.unregister("wide-ring")

"""System descriptions from tables and TOML files."""

from __future__ import annotations

import pytest

from qgen.errors import ConfigError
from qgen.lattice import Square
from qgen.operators import j1j2
from qgen.system import System


def test_defaults_are_the_heisenberg_chain_of_16_sites():
    system = System.from_mapping({})
    assert system.describe() == "Heisenberg chain of 16 sites, periodic, J=1"
    assert system.n_sites == 16
    assert system.sector is None


def test_toml_file_with_overrides(tmp_path):
    path = tmp_path / "system.toml"
    path.write_text(
        '[system]\nhamiltonian = "j1j2"\nlattice = "square"\nsize = "4x4"\nJ2 = 0.5\n'
        "sector = 0\n\n[model]\nname = 'rnn'\n"
    )
    system = System.from_toml(path)
    assert system.build_hamiltonian().allclose(j1j2(Square(4, 4), J2=0.5))
    assert system.sector == 0
    assert System.from_toml(path, overrides={"J2": 0.3, "size": None}).parameters["J2"] == 0.3


def test_table_round_trip():
    system = System.from_mapping(
        {
            "hamiltonian": "xxz",
            "size": [4, 6],
            "lattice": "square",
            "delta": 0.5,
            "boundary": "open",
            "sign_rule": True,
        }
    )
    assert System.from_mapping(system.to_table()) == system


@pytest.mark.parametrize(
    ("table", "match"),
    [
        pytest.param(
            {"hamiltonian": "hubbard"},
            "hamiltonian: expected one of tfim, heisenberg",
            id="hamiltonian",
        ),
        pytest.param(
            {"lattice": "kagome"},
            "lattice: expected one of chain, square, triangular",
            id="lattice",
        ),
        pytest.param({"size": "4xx"}, "lattice size", id="size"),
        pytest.param({"hamiltonian": "heisenberg", "h": 1.0}, "h does not apply", id="h"),
        pytest.param({"hamiltonian": "tfim", "J2": 0.5}, "J2 does not apply", id="J2"),
        pytest.param({"J": "one"}, "J: expected a finite number, got 'one'", id="number"),
        pytest.param(
            {"boundary": "twisted"}, "boundary: expected one of periodic, open", id="boundary"
        ),
        pytest.param({"sign_rule": "yes"}, "true or false", id="sign-rule"),
        pytest.param({"hamiltonain": "tfim"}, "unknown keys \\['hamiltonain'\\]", id="typo"),
    ],
)
def test_bad_tables_are_refused(table, match):
    with pytest.raises(ConfigError, match=match):
        System.from_mapping(table)


def test_bad_files_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        System.from_toml(tmp_path / "missing.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[system\nsize = 4")
    with pytest.raises(ConfigError, match="not valid TOML"):
        System.from_toml(broken)
    empty = tmp_path / "empty.toml"
    empty.write_text("[model]\nname = 'rnn'\n")
    with pytest.raises(ConfigError, match="expected a \\[system\\] table"):
        System.from_toml(empty)


@pytest.mark.parametrize(
    ("table", "match"),
    [
        pytest.param({"hamiltonian": ["tfim"]}, "hamiltonian: expected one of", id="list-name"),
        pytest.param({"lattice": {"a": 1}}, "lattice: expected one of", id="table-lattice"),
        pytest.param(
            {"sector": float("inf")},
            "sector: expected a finite number or none, got inf",
            id="inf-sector",
        ),
        pytest.param(
            {"J": float("nan")}, "J: expected a finite number, got nan", id="nan-coupling"
        ),
        pytest.param({"size": [8.5]}, "lattice size", id="float-size"),
    ],
)
def test_wrongly_typed_values_are_refused(table, match):
    with pytest.raises(ConfigError, match=match):
        System.from_mapping(table)


def test_files_that_are_not_utf8_are_refused(tmp_path):
    path = tmp_path / "latin1.toml"
    path.write_bytes("[system]\n# caf\xe9\n".encode("latin-1"))
    with pytest.raises(ConfigError, match="not UTF-8"):
        System.from_toml(path)

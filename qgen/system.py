"""A physical system, as the ``[system]`` table of a TOML file or command-line flags describe it.

The same table serves ``qgen ed`` and the later ``vmc`` and ``tomo`` commands::

    [system]
    hamiltonian = "j1j2"      # tfim | heisenberg | xxz | j1j2
    lattice = "square"        # chain | square | triangular
    size = "4x4"              # 20, "4x4" or [4, 4]
    boundary = "periodic"     # periodic | open
    J = 1.0                   # nearest-neighbour coupling (J1)
    J2 = 0.5                  # j1j2 only
    # h = 1.0                 # tfim only
    # delta = 1.0             # xxz only
    sign_rule = false         # Marshall sign rule (bipartite lattices)
    sector = 0                # total S^z; leave out for the full space

Parameters that do not belong to the chosen Hamiltonian are refused rather than ignored,
so that a flag never silently does nothing.

Example:
    >>> from qgen.system import System
    >>> system = System.from_mapping({"hamiltonian": "tfim", "lattice": "chain", "size": 10})
    >>> system.describe()
    'transverse-field Ising chain of 10 sites, periodic, J=1, h=1'
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qgen.errors import ConfigError, QgenError
from qgen.lattice import LATTICES, Lattice, lattice_from_name, parse_size
from qgen.operators.hamiltonians import apply_sign_rule, heisenberg, transverse_field_ising
from qgen.operators.pauli import PauliSum

__all__ = ["HAMILTONIANS", "System", "load_toml"]

HAMILTONIANS: dict[str, dict[str, float]] = {
    "tfim": {"J": 1.0, "h": 1.0},
    "heisenberg": {"J": 1.0},
    "xxz": {"J": 1.0, "delta": 1.0},
    "j1j2": {"J": 1.0, "J2": 0.5},
}
"""Each Hamiltonian's parameters and their defaults."""

_NAMES = {
    "tfim": "transverse-field Ising",
    "heisenberg": "Heisenberg",
    "xxz": "XXZ",
    "j1j2": "J1-J2 Heisenberg",
}
_KEYS = (
    "hamiltonian",
    "lattice",
    "size",
    "boundary",
    "sign_rule",
    "sector",
    "J",
    "J2",
    "h",
    "delta",
)


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML file, turning every failure into a :class:`ConfigError` naming the file."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"config file {path} is not valid TOML: {error}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"config file {path} is not UTF-8 text") from None
    except OSError as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None


def _number(key: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(f"expected a finite number for {key}, got {value!r}")
    return float(value)


@dataclass(frozen=True)
class System:
    """A spin-1/2 Hamiltonian on a lattice, with an optional magnetization sector.

    Build one with :meth:`from_mapping` (validated) or :meth:`from_toml`; the fields are
    already-validated values.
    """

    hamiltonian: str = "heisenberg"
    lattice: str = "chain"
    size: tuple[int, ...] = (16,)
    periodic: bool = True
    parameters: dict[str, float] = field(default_factory=lambda: {"J": 1.0})
    sign_rule: bool = False
    sector: float | None = None

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], source: str = "[system]") -> System:
        """Validate a ``[system]`` table (or flags gathered into a dict).

        Args:
            table: keys as in the module docstring; missing keys take their defaults
                (a Heisenberg chain of 16 sites, periodic, J = 1).
            source: where the table came from, for error messages.

        Raises:
            ConfigError: unknown keys, unknown names, parameters that do not belong to the
                Hamiltonian, or values of the wrong type.
        """
        unknown = sorted(set(table) - set(_KEYS))
        if unknown:
            raise ConfigError(f"{source}: unknown keys {unknown}; expected keys from {list(_KEYS)}")
        name = table.get("hamiltonian", "heisenberg")
        if not isinstance(name, str) or name not in HAMILTONIANS:
            raise ConfigError(
                f"{source}: expected hamiltonian in {sorted(HAMILTONIANS)}, got {name!r}"
            )
        lattice = table.get("lattice", "chain")
        if not isinstance(lattice, str) or lattice not in LATTICES:
            raise ConfigError(f"{source}: expected lattice in {sorted(LATTICES)}, got {lattice!r}")
        try:
            size = parse_size(table.get("size", 16))
        except QgenError as error:
            raise ConfigError(f"{source}: {error}") from None
        boundary = table.get("boundary", "periodic")
        if not isinstance(boundary, str) or boundary not in ("periodic", "open"):
            raise ConfigError(f"{source}: expected boundary 'periodic' or 'open', got {boundary!r}")
        parameters = dict(HAMILTONIANS[name])
        for key in ("J", "J2", "h", "delta"):
            if key in table and table[key] is not None:
                if key not in parameters:
                    raise ConfigError(
                        f"{source}: {key} does not apply to the {name} Hamiltonian "
                        f"(its parameters: {', '.join(HAMILTONIANS[name])})"
                    )
                parameters[key] = _number(key, table[key])
        sign_rule = table.get("sign_rule", False)
        if not isinstance(sign_rule, bool):
            raise ConfigError(f"{source}: expected true or false for sign_rule, got {sign_rule!r}")
        sector = table.get("sector")
        if sector is not None:
            sector = _number("sector", sector)
        return cls(
            hamiltonian=name,
            lattice=lattice,
            size=size,
            periodic=boundary == "periodic",
            parameters=parameters,
            sign_rule=sign_rule,
            sector=sector,
        )

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> System:
        """The ``[system]`` table of a TOML file, with ``overrides`` (e.g. flags) on top."""
        document = load_toml(path)
        table = document.get("system")
        if not isinstance(table, dict):
            raise ConfigError(f"config file {path}: expected a [system] table")
        merged = {**table, **{k: v for k, v in (overrides or {}).items() if v is not None}}
        return cls.from_mapping(merged, source=f"{path} [system]")

    # --- building --------------------------------------------------------------------------

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return math.prod(self.size)

    def build_lattice(self) -> Lattice:
        """The lattice (raises :class:`~qgen.errors.LatticeError` for sizes that do not fit)."""
        return lattice_from_name(self.lattice, self.size, periodic=self.periodic)

    def build_hamiltonian(self, lattice: Lattice | None = None) -> PauliSum:
        """The Hamiltonian as a :class:`~qgen.operators.PauliSum`, sign rule applied if asked."""
        lattice = lattice or self.build_lattice()
        p = self.parameters
        if self.hamiltonian == "tfim":
            operator = transverse_field_ising(lattice, J=p["J"], h=p["h"])
            return apply_sign_rule(operator, lattice) if self.sign_rule else operator
        return heisenberg(
            lattice,
            p["J"],
            delta=p.get("delta", 1.0),
            J2=p.get("J2", 0.0),
            sign_rule=self.sign_rule,
        )

    # --- description -----------------------------------------------------------------------

    @property
    def size_label(self) -> str:
        """``"20"`` or ``"4x4"``."""
        return "x".join(str(s) for s in self.size)

    def describe(self) -> str:
        """One line for people: ``'Heisenberg chain of 16 sites, periodic, J=1'``."""
        shape = (
            f"chain of {self.size[0]} sites"
            if self.lattice == "chain"
            else f"{self.size_label} {self.lattice} lattice"
        )
        parameters = ", ".join(f"{k}={v:g}" for k, v in self.parameters.items())
        extras = ", Marshall sign rule" if self.sign_rule else ""
        boundary = "periodic" if self.periodic else "open"
        return f"{_NAMES[self.hamiltonian]} {shape}, {boundary}, {parameters}{extras}"

    def to_table(self) -> dict[str, Any]:
        """The ``[system]`` table that rebuilds this system (TOML- and JSON-ready)."""
        table: dict[str, Any] = {
            "hamiltonian": self.hamiltonian,
            "lattice": self.lattice,
            "size": self.size_label if len(self.size) > 1 else self.size[0],
            "boundary": "periodic" if self.periodic else "open",
            **self.parameters,
            "sign_rule": self.sign_rule,
        }
        if self.sector is not None:
            table["sector"] = self.sector
        return table

"""A physical system, as the ``[system]`` table of a TOML file or command-line flags describe
it, and the registry of the Hamiltonians it can name.

The same table serves ``qgen ed``, ``vmc``, ``data`` and the Python API::

    [system]
    hamiltonian = "j1j2"      # a registered name: tfim | heisenberg | xxz | j1j2 | ...
    lattice = "square"        # chain | square | triangular
    size = "4x4"              # 20, "4x4" or [4, 4]
    boundary = "periodic"     # periodic | open
    J1 = 1.0                  # the Hamiltonian's own parameters, by name
    J2 = 0.5
    sign_rule = false         # Marshall sign rule (bipartite lattices)
    sector = 0                # total S^z; leave out for the full space

or, instead of a registered name, a Hamiltonian given as a list of Pauli-string terms,
one table per term (``paulis`` letters from I, X, Y, Z, one per site listed; ``bonds``
instead of ``sites`` repeats the term on every nearest or next-nearest bond)::

    [[system.terms]]
    coefficient = 0.25
    paulis = "XX"
    bonds = "nearest"

Parameters that do not belong to the chosen Hamiltonian are refused rather than ignored,
so that a flag never silently does nothing.

A Hamiltonian is registered once (:func:`register_hamiltonian`) with its builder, its
parameters and their defaults, whether it conserves :math:`S^z`, its default sign rule,
and where its exact energy comes from; every command then knows it.

Example:
    >>> from qgen.system import System
    >>> system = System.from_mapping({"hamiltonian": "tfim", "lattice": "chain", "size": 10})
    >>> system.describe()
    'transverse-field Ising chain of 10 sites, periodic, J=1, h=1'
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qgen.errors import ConfigError, QgenError
from qgen.exact.formulas import bethe_ansatz_energy_per_site, tfim_chain_ground_energy
from qgen.lattice import LATTICES, Lattice, lattice_from_name, parse_size
from qgen.operators.hamiltonians import (
    apply_sign_rule,
    heisenberg,
    j1j2,
    transverse_field_ising,
    xxz,
)
from qgen.operators.pauli import PauliSum
from qgen.options import Options, option
from qgen.registry import Registry
from qgen.validation import expected, require_float

__all__ = [
    "HAMILTONIANS",
    "TERMS",
    "HamiltonianSpec",
    "Parameter",
    "ReferenceEnergy",
    "System",
    "SystemOptions",
    "Term",
    "load_toml",
    "register_hamiltonian",
]

TERMS = "terms"
"""The ``hamiltonian`` of a system given by its ``[[system.terms]]``."""

Parameters = Mapping[str, float]


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


# --- the registry ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    """A Hamiltonian's parameter: its name (the TOML key and ``--NAME`` flag), default and
    meaning."""

    name: str
    default: float
    help: str


@dataclass(frozen=True)
class ReferenceEnergy:
    """A ground-state energy and where it comes from."""

    energy: float
    source: str

    def as_dict(self) -> dict[str, Any]:
        return {"energy": self.energy, "source": self.source}


@dataclass(frozen=True)
class HamiltonianSpec:
    """Everything qgen knows of a registered Hamiltonian.

    Attributes:
        title: its name for people ("Heisenberg").
        build: ``build(lattice, **parameters)`` → the :class:`~qgen.operators.PauliSum`.
        parameters: its parameters with their defaults.
        conserves_magnetization: it commutes with :math:`S^z` (sectors, the U(1)
            projection and the exchange sampler then apply).
        marshall: ``marshall(parameters)``: whether the Marshall sign rule makes it
            stoquastic on a bipartite lattice (an antiferromagnet); VMC turns the rule on
            by default where it does.
        needs_phase: ``needs_phase(parameters)``: whether its ground state keeps signs
            that a positive model cannot represent even after the default sign rule.
        bond_orders: ``bond_orders(parameters)``: the bond orders it couples (the
            exchange sampler swaps along them).
        zero_sector_ground_state: its ground state lies in :math:`S^z = 0` for an even
            number of sites (Lieb & Mattis), so a full-space reference serves that sector.
        table_key: ``table_key(system)``: the key of its entry in qgen's table of
            reference energies (``qgen/data/reference_energies.json``), or None.
        exact_energy: ``exact_energy(system)``: a closed-form energy of this finite
            system, or None.
        limit: ``limit(system)``: ``(method, energy per site)`` of the infinite system,
            shown beside exact results, or None.
    """

    title: str
    build: Callable[..., PauliSum]
    parameters: tuple[Parameter, ...] = ()
    conserves_magnetization: bool = False
    marshall: Callable[[Parameters], bool] = lambda parameters: False
    needs_phase: Callable[[Parameters], bool] = lambda parameters: False
    bond_orders: Callable[[Parameters], tuple[int, ...]] = lambda parameters: (1,)
    zero_sector_ground_state: bool = False
    table_key: Callable[[System], str | None] | None = None
    exact_energy: Callable[[System], ReferenceEnergy | None] | None = None
    limit: Callable[[System], tuple[str, float] | None] | None = None

    @property
    def defaults(self) -> dict[str, float]:
        return {parameter.name: parameter.default for parameter in self.parameters}


HAMILTONIANS: Registry[HamiltonianSpec] = Registry("hamiltonian")
"""Registered Hamiltonians by name (``--hamiltonian NAME``, ``[system] hamiltonian``)."""


def register_hamiltonian(
    name: str,
    build: Callable[..., PauliSum],
    parameters: Sequence[Parameter] | Mapping[str, float] = (),
    *,
    title: str | None = None,
    replace: bool = False,
    **properties: Any,
) -> HamiltonianSpec:
    """Register a Hamiltonian so that every command and the Python API know it.

    Args:
        name: the name it goes by (``--hamiltonian NAME``).
        build: ``build(lattice, **parameters)`` returning a Hermitian
            :class:`~qgen.operators.PauliSum`.
        parameters: :class:`Parameter` declarations, or ``{name: default}``.
        title: a name for people (default ``name``).
        replace: replace a registered Hamiltonian of the same name.
        **properties: the other fields of :class:`HamiltonianSpec`.

    Example:
        >>> from qgen.operators import PauliSum
        >>> def ising_zz(lattice, J=1.0):
        ...     labels = [f"Z{i} Z{j}" for i, j in lattice.bonds()]
        ...     return J * PauliSum(labels, n_sites=lattice.n_sites)
        >>> spec = register_hamiltonian("zz", ising_zz, {"J": 1.0}, conserves_magnetization=True)
        >>> System.from_mapping({"hamiltonian": "zz", "size": 4}).build_hamiltonian().n_terms
        4
        >>> HAMILTONIANS.unregister("zz")
    """
    if name == TERMS:
        raise ConfigError(f"{TERMS!r} names systems given by their Pauli terms; choose another")
    declared = (
        tuple(
            Parameter(key, float(default), f"{key} ({name})") for key, default in parameters.items()
        )
        if isinstance(parameters, Mapping)
        else tuple(parameters)
    )
    spec = HamiltonianSpec(title or name, build, declared, **properties)
    return HAMILTONIANS.register(name, spec, replace=replace)


def _unit_coupling_key(prefix: str, coupling: str = "J") -> Callable[[System], str | None]:
    """The table key ``{prefix}_{lattice}_{boundary}_{shape}`` for couplings of 1."""

    def key(system: System) -> str | None:
        if system.parameters.get(coupling) != 1.0 or system.lattice not in ("chain", "square"):
            return None
        boundary = "pbc" if system.periodic else "obc"
        shape = f"N{system.size[0]}" if system.lattice == "chain" else system.size_label
        return f"{prefix}_{system.lattice}_{boundary}_{shape}"

    return key


def _tfim_key(system: System) -> str | None:
    base = _unit_coupling_key("tfim")(system)
    return None if base is None else f"{base}_h{system.parameters['h']:g}"


def _j1j2_key(system: System) -> str | None:
    base = _unit_coupling_key("j1j2", "J1")(system)
    return None if base is None else f"{base}_J2_{system.parameters['J2']:g}"


def _tfim_chain_energy(system: System) -> ReferenceEnergy | None:
    if system.lattice != "chain" or system.sign_rule:
        return None
    p = system.parameters
    try:
        energy = tfim_chain_ground_energy(
            system.size[0], h=p["h"], J=p["J"], periodic=system.periodic
        )
    except QgenError:
        return None
    return ReferenceEnergy(energy, "free fermions (Pfeuty 1970)")


def _bethe_limit(system: System) -> tuple[str, float] | None:
    J = system.parameters["J"]
    if system.lattice != "chain" or J <= 0:
        return None
    return "Bethe ansatz, infinite chain (per site)", bethe_ansatz_energy_per_site(J)


def _antiferromagnet(coupling: str) -> Callable[[Parameters], bool]:
    return lambda parameters: parameters[coupling] > 0


_J = Parameter("J", 1.0, "nearest-neighbour coupling J")
register_hamiltonian(
    "tfim",
    transverse_field_ising,
    (_J, Parameter("h", 1.0, "transverse field h")),
    title="transverse-field Ising",
    table_key=_tfim_key,
    exact_energy=_tfim_chain_energy,
)
_HEISENBERG = {
    "conserves_magnetization": True,
    "zero_sector_ground_state": True,
}
register_hamiltonian(
    "heisenberg",
    heisenberg,
    (_J,),
    title="Heisenberg",
    marshall=_antiferromagnet("J"),
    table_key=_unit_coupling_key("heisenberg"),
    limit=_bethe_limit,
    **_HEISENBERG,
)
register_hamiltonian(
    "xxz",
    xxz,
    (_J, Parameter("delta", 1.0, "S^z S^z anisotropy Δ")),
    title="XXZ",
    marshall=_antiferromagnet("J"),
    conserves_magnetization=True,
)
register_hamiltonian(
    "j1j2",
    j1j2,
    (
        Parameter("J1", 1.0, "nearest-neighbour coupling J1"),
        Parameter("J2", 0.5, "next-nearest-neighbour coupling J2"),
    ),
    title="J1-J2 Heisenberg",
    marshall=_antiferromagnet("J1"),
    needs_phase=lambda parameters: parameters["J2"] != 0,
    bond_orders=lambda parameters: (1, 2) if parameters["J2"] != 0 else (1,),
    table_key=_j1j2_key,
    **_HEISENBERG,
)


def coupling_parameters() -> dict[str, list[tuple[str, Parameter]]]:
    """Every parameter name of the registered Hamiltonians with the Hamiltonians that
    take it (the ``--NAME`` flags)."""
    names: dict[str, list[tuple[str, Parameter]]] = {}
    for name, spec in HAMILTONIANS.items():
        for parameter in spec.parameters:
            names.setdefault(parameter.name, []).append((name, parameter))
    return names


# --- Pauli-term Hamiltonians -----------------------------------------------------------------

_BOND_ORDERS = {"nearest": 1, "next-nearest": 2}


@dataclass(frozen=True)
class Term:
    """One ``[[system.terms]]`` table: ``coefficient`` × the Pauli letters ``paulis`` on
    ``sites``, or on every bond of ``bonds`` ("nearest", "next-nearest")."""

    coefficient: float
    paulis: str
    sites: tuple[int, ...] | None = None
    bonds: str | None = None

    @classmethod
    def from_table(cls, table: object, where: str) -> Term:
        if not isinstance(table, Mapping):
            raise expected(where, "a table with coefficient, paulis and sites or bonds", table)
        unknown = sorted(set(table) - {"coefficient", "paulis", "sites", "bonds"})
        if unknown:
            raise ConfigError(
                f"{where}: unknown keys {', '.join(unknown)}; expected coefficient, paulis, "
                "sites or bonds"
            )
        coefficient = require_float(table.get("coefficient"), f"{where}.coefficient")
        paulis = table.get("paulis")
        if not isinstance(paulis, str) or not paulis or set(paulis.upper()) - set("IXYZ"):
            raise expected(f"{where}.paulis", "letters from I, X, Y, Z", paulis)
        paulis = paulis.upper()
        sites, bonds = table.get("sites"), table.get("bonds")
        if (sites is None) == (bonds is None):
            raise ConfigError(f"{where}: expected either sites or bonds, got {dict(table)!r}")
        if bonds is not None:
            if bonds not in _BOND_ORDERS:
                raise expected(f"{where}.bonds", "'nearest' or 'next-nearest'", bonds)
            if len(paulis) != 2:
                raise expected(f"{where}.paulis", "two letters for a bond term", paulis)
            return cls(coefficient, paulis, None, bonds)
        if not isinstance(sites, list) or not all(
            isinstance(site, int) and not isinstance(site, bool) for site in sites
        ):
            raise expected(f"{where}.sites", "a list of site numbers", sites)
        if len(sites) != len(paulis) or len(set(sites)) != len(sites):
            raise expected(
                f"{where}.sites", f"{len(paulis)} distinct sites, one per letter of paulis", sites
            )
        return cls(coefficient, paulis, tuple(sites), None)

    def to_table(self) -> dict[str, Any]:
        table: dict[str, Any] = {"coefficient": self.coefficient, "paulis": self.paulis}
        if self.sites is not None:
            table["sites"] = list(self.sites)
        else:
            table["bonds"] = self.bonds
        return table

    def operator(self, lattice: Lattice, where: str) -> PauliSum:
        """The term on ``lattice`` (sites checked against its size)."""
        n = lattice.n_sites
        if self.sites is not None:
            placements = [self.sites]
        else:
            placements = [tuple(bond) for bond in lattice.bonds(_BOND_ORDERS[str(self.bonds)])]
        for sites in placements:
            if any(not 0 <= site < n for site in sites):
                raise expected(f"{where}.sites", f"sites from 0 to {n - 1}", list(sites))
        labels = [
            " ".join(f"{p}{s}" for p, s in zip(self.paulis, sites, strict=True) if p != "I")
            for sites in placements
        ]
        return PauliSum(labels, [self.coefficient] * len(labels), n_sites=n)


# --- the system ------------------------------------------------------------------------------


def _size_label(value: Any, label: str) -> str:
    """A lattice size (``20``, ``"4x4"``, ``[4, 4]``) as its label ``"20"`` or ``"4x4"``."""
    try:
        return "x".join(str(length) for length in parse_size(value))
    except QgenError:
        raise expected(label, "a lattice size such as 20 or '4x4'", value) from None


@dataclass
class SystemOptions(Options):
    """The keys of ``[system]`` that every system has (the couplings are the chosen
    Hamiltonian's own, and ``terms`` is TOML only)."""

    table = "system"

    hamiltonian: str = option(
        "heisenberg",
        "the Hamiltonian, or 'terms' for the [[system.terms]] of a TOML file",
        choices=lambda: (*HAMILTONIANS.names(), TERMS),
        group="system",
    )
    lattice: str = option("chain", "the lattice", choices=LATTICES.names, group="system")
    size: str = option(
        "16", "sites of a chain (20) or Lx x Ly (4x4)", convert=_size_label, group="system"
    )
    boundary: str = option(
        "periodic",
        "boundary conditions",
        choices=("periodic", "open"),
        constants={"--obc": "open"},
        group="system",
    )
    sign_rule: bool | None = option(
        None,
        "apply the Marshall sign rule (bipartite lattices only)",
        group="system",
        default_help="off; qgen vmc turns it on for antiferromagnets on bipartite lattices",
    )
    sector: float | None = option(
        None, "total S^z sector, e.g. 0 (none: the full space)", group="system"
    )


@dataclass(frozen=True)
class System:
    """A spin-1/2 Hamiltonian on a lattice, with an optional magnetization sector.

    Build one with :meth:`from_mapping` (validated) or :meth:`from_toml`; the fields are
    already-validated values. ``hamiltonian`` is a registered name, or ``"terms"`` with
    the Hamiltonian given by ``terms``. ``sign_rule=None`` is no sign rule, left for a
    workflow to choose (VMC applies the Marshall rule to antiferromagnets).
    """

    hamiltonian: str = "heisenberg"
    lattice: str = "chain"
    size: tuple[int, ...] = (16,)
    periodic: bool = True
    parameters: dict[str, float] = field(default_factory=lambda: {"J": 1.0})
    sign_rule: bool | None = None
    sector: float | None = None
    terms: tuple[Term, ...] = ()

    @classmethod
    def from_sources(cls, *sources: tuple[Mapping[str, Any], str]) -> System:
        """A system from ``(table, where)`` pairs, later ones winning (a TOML table, then
        the flags: ``where="flags"``). See the module docstring for the keys.

        Raises:
            ConfigError: unknown keys, unknown names, parameters that do not belong to
                the Hamiltonian, or values of the wrong type.
        """
        fixed_keys = {declaration.name for declaration in SystemOptions.declarations()}
        couplings = coupling_parameters()
        fixed: list[tuple[dict[str, Any], str]] = []
        given: dict[str, tuple[Any, str]] = {}
        terms: tuple[list[Any], str] | None = None
        for table, where in sources:
            unknown = sorted(set(table) - fixed_keys - set(couplings) - {TERMS})
            if unknown:
                raise ConfigError(
                    f"{where}: unknown keys {unknown}; expected keys from "
                    f"{sorted(fixed_keys | set(couplings) | {TERMS})}"
                )
            fixed.append(({k: v for k, v in table.items() if k in fixed_keys}, where))
            for key, value in table.items():
                if key in couplings:
                    given[key] = (value, f"--{key}" if where == "flags" else f"{where} {key}")
            if TERMS in table:
                terms = (table[TERMS], where)
        options = SystemOptions.from_sources(*fixed)
        name = options.hamiltonian
        explicit = any("hamiltonian" in table for table, _ in fixed)
        if terms is not None and not explicit:
            name = TERMS
        if name == TERMS:
            return cls._from_terms(options, terms, given)
        spec = HAMILTONIANS[name]
        parameters = spec.defaults
        for key, (value, label) in given.items():
            if key not in parameters:
                raise ConfigError(
                    f"{label}: {key} does not apply to the {name} Hamiltonian (its parameters: "
                    f"{', '.join(parameters) or 'none'})"
                )
            parameters[key] = require_float(value, label)
        if terms is not None:
            raise ConfigError(
                f"{terms[1]}: the terms give the Hamiltonian; drop hamiltonian = {name!r}"
            )
        if options.sector is not None and not spec.conserves_magnetization:
            raise ConfigError(
                f"the {name} Hamiltonian does not conserve S^z, so it has no magnetization "
                "sector; drop sector"
            )
        return cls._with(options, name, parameters, ())

    @classmethod
    def _from_terms(
        cls,
        options: SystemOptions,
        terms: tuple[list[Any], str] | None,
        given: Mapping[str, tuple[Any, str]],
    ) -> System:
        if terms is None:
            raise ConfigError("hamiltonian 'terms' needs [[system.terms]] tables in a TOML file")
        entries, where = terms
        if not isinstance(entries, list) or not entries:
            raise expected(
                f"{where} terms", "a non-empty array of [[system.terms]] tables", entries
            )
        if given:
            raise ConfigError(
                f"{next(iter(given.values()))[1]}: a Hamiltonian given by its terms takes no "
                "coupling parameters (put them into the coefficients)"
            )
        parsed = tuple(
            Term.from_table(entry, f"{where} terms[{i}]") for i, entry in enumerate(entries)
        )
        return cls._with(options, TERMS, {}, parsed)

    @classmethod
    def _with(
        cls,
        options: SystemOptions,
        name: str,
        parameters: dict[str, float],
        terms: tuple[Term, ...],
    ) -> System:
        return cls(
            hamiltonian=name,
            lattice=options.lattice,
            size=parse_size(options.size),
            periodic=options.boundary == "periodic",
            parameters=parameters,
            sign_rule=options.sign_rule,
            sector=options.sector,
            terms=terms,
        )

    @classmethod
    def from_mapping(cls, table: Mapping[str, Any], source: str = "[system]") -> System:
        """Validate one ``[system]`` table (see :meth:`from_sources`); missing keys take
        their defaults (a Heisenberg chain of 16 sites, periodic, J = 1)."""
        return cls.from_sources((table, source))

    @classmethod
    def from_toml(cls, path: str | Path, overrides: Mapping[str, Any] | None = None) -> System:
        """The ``[system]`` table of a TOML file, with ``overrides`` (e.g. flags) on top."""
        table = load_toml(path).get("system")
        if not isinstance(table, dict):
            raise ConfigError(f"config file {path}: expected a [system] table")
        given = {k: v for k, v in (overrides or {}).items() if v is not None}
        return cls.from_sources((table, f"{path} [system]"), (given, "flags"))

    # --- what workflows ask --------------------------------------------------------------

    @property
    def spec(self) -> HamiltonianSpec | None:
        """The registered Hamiltonian (None for one given by its terms)."""
        return None if self.hamiltonian == TERMS else HAMILTONIANS[self.hamiltonian]

    @property
    def n_sites(self) -> int:
        """Number of sites."""
        return math.prod(self.size)

    @property
    def conserves_magnetization(self) -> bool:
        """Whether the Hamiltonian commutes with :math:`S^z` (computed for terms)."""
        if self.spec is not None:
            return self.spec.conserves_magnetization
        return self.build_hamiltonian().conserves_magnetization()

    @property
    def bond_orders(self) -> tuple[int, ...]:
        """The bond orders the Hamiltonian couples (the exchange sampler's moves)."""
        if self.spec is not None:
            return self.spec.bond_orders(self.parameters)
        orders = sorted({_BOND_ORDERS[str(term.bonds)] for term in self.terms if term.bonds})
        return tuple(orders) or (1,)

    def marshall_default(self, lattice: Lattice) -> bool:
        """Whether VMC applies the Marshall sign rule by default: an antiferromagnet on a
        bipartite lattice, where the rule makes the Hamiltonian (nearly) stoquastic."""
        return (
            self.spec is not None and self.spec.marshall(self.parameters) and lattice.is_bipartite
        )

    @property
    def needs_phase(self) -> bool:
        """Whether a model needs a phase by default: a frustrated Hamiltonian, or one given
        by terms, whose sign structure qgen does not know."""
        return self.spec is None or self.spec.needs_phase(self.parameters)

    # --- building ----------------------------------------------------------------------------

    def build_lattice(self) -> Lattice:
        """The lattice (raises :class:`~qgen.errors.LatticeError` for sizes that do not fit)."""
        return lattice_from_name(self.lattice, self.size, periodic=self.periodic)

    def build_hamiltonian(self, lattice: Lattice | None = None) -> PauliSum:
        """The Hamiltonian as a :class:`~qgen.operators.PauliSum`, sign rule applied if asked."""
        lattice = lattice or self.build_lattice()
        if self.spec is not None:
            operator = self.spec.build(lattice, **self.parameters)
        else:
            operator = PauliSum.zero(lattice.n_sites)
            for i, term in enumerate(self.terms):
                operator = operator + term.operator(lattice, f"[system] terms[{i}]")
        return apply_sign_rule(operator, lattice) if self.sign_rule else operator

    # --- description -------------------------------------------------------------------------

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
        if self.spec is None:
            title, parameters = f"Hamiltonian of {len(self.terms)} Pauli terms on a", ""
        else:
            title = self.spec.title
            parameters = "".join(f", {k}={v:g}" for k, v in self.parameters.items())
        extras = ", Marshall sign rule" if self.sign_rule else ""
        boundary = "periodic" if self.periodic else "open"
        return f"{title} {shape}, {boundary}{parameters}{extras}"

    def to_table(self) -> dict[str, Any]:
        """The ``[system]`` table that rebuilds this system (TOML- and JSON-ready)."""
        table: dict[str, Any] = {
            "hamiltonian": self.hamiltonian,
            "lattice": self.lattice,
            "size": self.size_label if len(self.size) > 1 else self.size[0],
            "boundary": "periodic" if self.periodic else "open",
            **self.parameters,
        }
        if self.sign_rule is not None:
            table["sign_rule"] = self.sign_rule
        if self.sector is not None:
            table["sector"] = self.sector
        if self.terms:
            table[TERMS] = [term.to_table() for term in self.terms]
        return table

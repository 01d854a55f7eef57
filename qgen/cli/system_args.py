"""Command-line flags that describe a system, shared by every subcommand that needs one."""

from __future__ import annotations

import argparse
from typing import Any

from qgen.errors import ConfigError
from qgen.lattice import LATTICES
from qgen.system import HAMILTONIANS, System, load_toml

__all__ = ["add_system_arguments", "system_from_arguments", "system_table_from_arguments"]


def add_system_arguments(parser: argparse.ArgumentParser) -> None:
    """Add ``[config.toml] --hamiltonian --lattice --size --obc --J --J2 --h --delta
    --sector --sign-rule`` to ``parser``. Unset flags stay ``None`` so that a TOML file's
    values show through."""
    parser.add_argument(
        "config", nargs="?", help="TOML file with a [system] table (flags override it)"
    )
    group = parser.add_argument_group("system")
    group.add_argument("--hamiltonian", choices=sorted(HAMILTONIANS), help="default: heisenberg")
    group.add_argument("--lattice", choices=sorted(LATTICES), help="default: chain")
    group.add_argument("--size", help="sites of a chain (20) or Lx x Ly (4x4); default 16")
    group.add_argument(
        "--obc", action="store_true", default=None, help="open boundaries (default: periodic)"
    )
    group.add_argument("--J", type=float, help="nearest-neighbour coupling J (J1); default 1")
    group.add_argument("--J2", type=float, help="next-nearest coupling (j1j2); default 0.5")
    group.add_argument("--h", type=float, help="transverse field (tfim); default 1")
    group.add_argument("--delta", type=float, help="S^z S^z anisotropy (xxz); default 1")
    group.add_argument(
        "--sector", type=float, help="total S^z sector, e.g. 0 (default: the full space)"
    )
    group.add_argument(
        "--sign-rule",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="apply the Marshall sign rule (bipartite lattices only)",
    )


def system_table_from_arguments(args: argparse.Namespace) -> tuple[dict[str, Any], str]:
    """The ``[system]`` table that flags over an optional TOML file give, unvalidated, and
    where it came from (for messages). Keys that neither sets are absent."""
    flags: dict[str, Any] = {
        "hamiltonian": args.hamiltonian,
        "lattice": args.lattice,
        "size": args.size,
        "boundary": "open" if args.obc else None,
        "J": args.J,
        "J2": args.J2,
        "h": args.h,
        "delta": args.delta,
        "sector": args.sector,
        "sign_rule": args.sign_rule,
    }
    given = {k: v for k, v in flags.items() if v is not None}
    if args.config is None:
        return given, "command line"
    document = load_toml(args.config)
    table = document.get("system")
    if not isinstance(table, dict):
        raise ConfigError(f"config file {args.config}: expected a [system] table")
    return {**table, **given}, f"{args.config} [system]"


def system_from_arguments(args: argparse.Namespace) -> System:
    """The :class:`~qgen.system.System` that the flags (over an optional TOML file) describe."""
    table, source = system_table_from_arguments(args)
    return System.from_mapping(table, source=source)

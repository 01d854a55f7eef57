"""Entry point of the ``qgen`` command."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from qgen._version import __version__
from qgen.cli import data, ebm, ed, generative, tomo, vmc
from qgen.errors import QgenError

__all__ = ["build_parser", "main"]

SUBCOMMANDS = {
    "ed": ed,
    "vmc": vmc,
    "generative": generative,
    "data": data,
    "ebm": ebm,
    "tomo": tomo,
}


def build_parser() -> argparse.ArgumentParser:
    """The argument parser with every subcommand."""
    parser = argparse.ArgumentParser(
        prog="qgen",
        description="Generative models for quantum many-body physics.",
    )
    parser.add_argument("--version", action="version", version=f"qgen {__version__}")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name, module in SUBCOMMANDS.items():
        module.add_parser(subparsers, name)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``qgen``; user errors print one line on stderr and return exit code 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.run(args))
    except QgenError as error:
        print(f"qgen {args.command}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"qgen {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())

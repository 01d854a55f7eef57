"""Options declared once: from one dataclass field come the command-line flag, the TOML
key, the validation, the value saved in a run's ``config.toml`` and the check that a
resumed run asks for the same run.

A workflow's options are a dataclass deriving from :class:`Options` whose fields are
made by :func:`option`::

    @dataclass
    class VMCOptions(Options):
        table = "vmc"
        samples: int = option(1024, "samples per iteration", minimum=1, group="sampling")

The field's annotation gives the type (``int``, ``float``, ``str``, ``bool``, each
optionally ``| None``), its default the default; the :func:`option` metadata says the
rest: help, range, choices, unit, flags, whether a resumed run may change it.
Constructing the dataclass validates every field, so a Python user gets the same error
as a command-line user: ``"--samples: expected an integer ≥ 1, got 0"``.

Values may come from three places, in rising precedence: the defaults, a TOML table
(a config file, or a resumed run's ``config.toml``), and the flags given.
:meth:`Options.from_sources` layers them and names, for a bad value, where it came from.
TOML has no null: a ``None`` is written as the string ``"none"``, which reads back as
``None`` for an option that takes it (and ``--patience none`` on the command line).
"""

from __future__ import annotations

import argparse
import dataclasses
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Self

from qgen.errors import ConfigError
from qgen.validation import (
    describe_range,
    expected,
    require_bool,
    require_choice,
    require_float,
    require_int,
)

__all__ = ["NONE", "Declaration", "Option", "Options", "option"]

NONE = "none"
"""How ``None`` is spelled in TOML files and on the command line."""

Choices = Sequence[Any] | Callable[[], Sequence[Any]]


@dataclass(frozen=True)
class Option:
    """What a field declares besides its name, type and default (see :func:`option`)."""

    help: str
    minimum: float | None = None
    maximum: float | None = None
    inclusive: bool = True
    choices: Choices | None = None
    unit: str | None = None
    flags: tuple[str, ...] = ()
    constants: Mapping[str, Any] = field(default_factory=dict)
    group: str | None = None
    resumable: bool = False
    default_help: str | None = None
    positional: bool = False
    convert: Callable[[Any, str], Any] | None = None
    negatable: bool = True


def option(
    default: Any,
    help: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    inclusive: bool = True,
    choices: Choices | None = None,
    unit: str | None = None,
    flags: Sequence[str] = (),
    constants: Mapping[str, Any] | None = None,
    group: str | None = None,
    resumable: bool = False,
    default_help: str | None = None,
    positional: bool = False,
    convert: Callable[[Any, str], Any] | None = None,
    negatable: bool = True,
) -> Any:
    """A dataclass field that declares an option.

    Args:
        default: the default value.
        help: one line for ``--help`` (the default is appended to it).
        minimum: the least value of a number (excluded when not ``inclusive``).
        maximum: the bound above: at most ``maximum`` for an integer, below it for a float.
        inclusive: whether ``minimum`` itself is allowed.
        choices: the allowed values, or a function returning them (a registry's names).
        unit: the unit of the value, shown in the help.
        flags: the command-line spellings (default ``--name-with-dashes``).
        constants: extra flags that set a constant, e.g. ``{"--no-early-stopping": None}``.
        group: the heading the flag is listed under in ``--help``.
        resumable: whether ``--resume`` may change it (how long to run, how loud).
        default_help: the words for the default where the value alone does not say it
            (``None`` meaning "chosen by the model", say).
        positional: a positional argument instead of a flag.
        convert: ``convert(value, label)`` turns a raw value into the option's value
            (a lattice size given as ``20``, ``"4x4"`` or ``[4, 4]``), raising
            :class:`~qgen.errors.ConfigError`.
        negatable: a boolean gets ``--no-NAME`` besides ``--NAME`` (off for a switch such
            as ``--resume`` that only turns something on).
    """
    spec = Option(
        help,
        minimum,
        maximum,
        inclusive,
        choices,
        unit,
        tuple(flags),
        dict(constants or {}),
        group,
        resumable,
        default_help,
        positional,
        convert,
        negatable,
    )
    return field(default=default, metadata={"option": spec})


@dataclass(frozen=True)
class Declaration:
    """One option of an :class:`Options` class: name, type, default and :class:`Option`."""

    table: str
    name: str
    kind: type
    nullable: bool
    default: Any
    spec: Option

    @property
    def key(self) -> str:
        """``table.name``, how the option is named when it comes from Python."""
        return f"{self.table}.{self.name}"

    @property
    def flags(self) -> tuple[str, ...]:
        return self.spec.flags or ("--" + self.name.replace("_", "-"),)

    @property
    def label(self) -> str:
        """How messages name the option: ``--samples (vmc.samples)``."""
        if self.spec.positional:
            return self.key
        return f"{self.flags[0]} ({self.key})"

    def choices(self) -> list[Any] | None:
        choices = self.spec.choices
        if choices is None:
            return None
        return list(choices() if callable(choices) else choices)

    def what(self) -> str:
        """The expected value in words: ``an integer ≥ 1``, ``one of rnn, made``."""
        choices = self.choices()
        if choices is not None:
            words = "one of " + ", ".join(str(choice) for choice in choices)
        elif self.kind is bool:
            words = "true or false"
        elif self.kind is int:
            words = "an integer"
        elif self.kind is float:
            words = "a finite number"
        else:
            words = "a string"
        spec = self.spec
        if self.kind is int and spec.minimum is not None and spec.maximum is not None:
            words += f" in [{spec.minimum:g}, {spec.maximum:g}]"
        elif self.kind in (int, float):
            bounds = describe_range(spec.minimum, spec.maximum, spec.inclusive)
            words += " " + bounds if bounds else ""
        return words + (" or none" if self.nullable else "")

    def parse(self, value: Any, label: str) -> Any:
        """``value`` from TOML (typed) or from the command line (a string), checked."""
        if value == NONE and self.nullable and NONE not in (self.choices() or ()):
            return None
        if isinstance(value, str) and self.kind in (int, float):
            try:
                value = self.kind(value.strip())
            except ValueError:
                raise expected(label, self.what(), value) from None
        return self.check(value, label)

    def check(self, value: Any, label: str) -> Any:
        """``value`` if it is one this option takes (numbers in their canonical type)."""
        if value is None:
            if self.nullable:
                return None
            raise expected(label, self.what(), value)
        if self.spec.convert is not None:
            value = self.spec.convert(value, label)
        spec = self.spec
        if self.kind is bool:
            require_bool(value, label)
        elif self.kind is int:
            minimum = None if spec.minimum is None else int(spec.minimum)
            maximum = None if spec.maximum is None else int(spec.maximum)
            if not spec.inclusive and minimum is not None:
                minimum += 1
            try:
                value = require_int(value, label, minimum=minimum, maximum=maximum)
            except ConfigError:
                raise expected(label, self.what(), value) from None
        elif self.kind is float:
            try:
                value = require_float(
                    value,
                    label,
                    minimum=spec.minimum,
                    maximum=spec.maximum,
                    inclusive=spec.inclusive,
                )
            except ConfigError:
                raise expected(label, self.what(), value) from None
        elif not isinstance(value, str):
            raise expected(label, self.what(), value)
        choices = self.choices()
        if choices is not None:
            try:
                require_choice(value, label, choices)
            except ConfigError:
                raise expected(label, self.what(), value) from None
        return value

    def default_text(self) -> str:
        """The default in words, as ``--help`` shows it: ``on``, ``1e-05``, ``none``."""
        if self.spec.default_help is not None:
            return self.spec.default_help
        if self.kind is bool:
            return "on" if self.default else "off"
        if self.default is None:
            return NONE
        if isinstance(self.default, float):
            return f"{self.default:g}"
        return str(self.default)

    def help_text(self) -> str:
        """The help line with the default (and the unit) appended."""
        unit = f", in {self.spec.unit}" if self.spec.unit else ""
        return f"{self.spec.help}{unit} (default: {self.default_text()})".replace("%", "%%")


def _kind(hint: Any, where: str) -> tuple[type, bool]:
    """``(int, True)`` for ``int | None`` and so on."""
    nullable = False
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        arguments = [argument for argument in typing.get_args(hint) if argument is not type(None)]
        nullable = len(arguments) < len(typing.get_args(hint))
        if len(arguments) != 1:
            raise TypeError(f"{where}: an option has one type (or that type | None)")
        hint = arguments[0]
    if hint not in (int, float, str, bool):
        raise TypeError(f"{where}: options are int, float, str or bool, not {hint!r}")
    return hint, nullable


@dataclass
class Options:
    """Base of every declared set of options: one TOML table (:attr:`table`)."""

    table: ClassVar[str] = ""

    def __post_init__(self) -> None:
        self.validate()

    @classmethod
    def declarations(cls) -> tuple[Declaration, ...]:
        """The declared options, in the order of the fields."""
        if cls not in _DECLARATIONS:
            _DECLARATIONS[cls] = _declarations(cls)
        return _DECLARATIONS[cls]

    @classmethod
    def declaration(cls, name: str) -> Declaration:
        for declaration in cls.declarations():
            if declaration.name == name:
                return declaration
        raise KeyError(name)

    def validate(self) -> None:
        """Check every field (raising :class:`~qgen.errors.ConfigError` naming the option),
        then the combinations (:meth:`check`)."""
        for declaration in self.declarations():
            value = declaration.check(getattr(self, declaration.name), declaration.label)
            object.__setattr__(self, declaration.name, value)
        self.check()

    def check(self) -> None:
        """Refuse combinations of values that cannot run (subclasses override)."""

    # --- TOML ------------------------------------------------------------------------------

    def to_table(self) -> dict[str, Any]:
        """The options as a table (``None`` stays ``None``; the TOML writer spells it
        ``"none"``)."""
        return {
            declaration.name: getattr(self, declaration.name) for declaration in self.declarations()
        }

    @classmethod
    def from_sources(cls, *sources: tuple[Mapping[str, Any], str]) -> Self:
        """Options from ``(table, where)`` pairs, later ones winning; ``where`` names the
        source in messages (``"config.toml [vmc]"``, or ``"flags"`` for a table of flag
        values keyed by option name).

        Raises:
            ConfigError: an unknown key, or a value the option does not take.
        """
        by_name = {declaration.name: declaration for declaration in cls.declarations()}
        values: dict[str, Any] = {}
        for table, where in sources:
            unknown = sorted(set(table) - set(by_name))
            if unknown:
                raise ConfigError(
                    f"{where}: unknown key{'s' if len(unknown) > 1 else ''} "
                    f"{', '.join(unknown)}; expected keys from {', '.join(by_name)}"
                )
            for name, value in table.items():
                declaration = by_name[name]
                label = declaration.flags[0] if where == "flags" else f"{where} {name}"
                if declaration.spec.positional and where == "flags":
                    label = name
                values[name] = declaration.parse(value, label)
        return cls(**values)

    def changes(self, stored: Options) -> list[str]:
        """The options, other than the resumable ones, whose values differ from
        ``stored``'s: ``["vmc.samples: stored 1024, asked 2048"]``."""
        return [
            f"{declaration.key}: stored {getattr(stored, declaration.name)!r}, asked "
            f"{getattr(self, declaration.name)!r}"
            for declaration in self.declarations()
            if not declaration.spec.resumable
            and getattr(stored, declaration.name) != getattr(self, declaration.name)
        ]

    # --- the command line -----------------------------------------------------------------

    @classmethod
    def add_arguments(
        cls,
        parser: argparse.ArgumentParser,
        skip: Iterable[str] = (),
        groups: dict[str | None, Any] | None = None,
    ) -> dict[str | None, Any]:
        """Add a flag (or positional argument) per option to ``parser``, under the
        options' groups (``groups``: those made so far, by title, shared between several
        classes), and return the groups. Unset flags stay absent from the namespace, so
        that a config file's values show through."""
        groups = {None: parser} if groups is None else groups
        skipped = set(skip)
        for declaration in cls.declarations():
            if declaration.name in skipped:
                continue
            title = declaration.spec.group
            if title not in groups:
                groups[title] = parser.add_argument_group(title)
            target = groups[title]
            if declaration.spec.positional:
                target.add_argument(
                    declaration.name,
                    nargs="?" if declaration.default is not None else None,
                    default=argparse.SUPPRESS,
                    metavar=declaration.name.upper(),
                    help=declaration.help_text(),
                )
                continue
            common: dict[str, Any] = {
                "dest": declaration.name,
                "default": argparse.SUPPRESS,
                "help": declaration.help_text(),
            }
            if declaration.kind is bool:
                action = (
                    argparse.BooleanOptionalAction if declaration.spec.negatable else "store_true"
                )
                target.add_argument(*declaration.flags, action=action, **common)
            else:
                choices = declaration.choices()
                metavar = "{" + ",".join(map(str, choices)) + "}" if choices else None
                target.add_argument(*declaration.flags, metavar=metavar, **common)
            for flag, constant in declaration.spec.constants.items():
                target.add_argument(
                    flag,
                    dest=declaration.name,
                    action="store_const",
                    const=NONE if constant is None else constant,
                    default=argparse.SUPPRESS,
                    help=f"set {declaration.flags[0]} to {NONE if constant is None else constant}",
                )
        return groups

    @classmethod
    def flag_values(cls, args: argparse.Namespace) -> dict[str, Any]:
        """The options given on the command line, by name, unparsed."""
        given = vars(args)
        return {d.name: given[d.name] for d in cls.declarations() if d.name in given}


_DECLARATIONS: dict[type, tuple[Declaration, ...]] = {}


def _declarations(cls: type[Options]) -> tuple[Declaration, ...]:
    hints = typing.get_type_hints(cls)
    declarations = []
    for entry in dataclasses.fields(cls):
        spec = entry.metadata.get("option")
        if spec is None:
            continue
        kind, nullable = _kind(hints[entry.name], f"{cls.__name__}.{entry.name}")
        declarations.append(Declaration(cls.table, entry.name, kind, nullable, entry.default, spec))
    return tuple(declarations)

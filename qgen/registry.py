"""Names that map to things: one :class:`Registry` per kind (Hamiltonians, lattices, models,
Metropolis rules, datasets, named states), so that no module switches on strings.

A registry is filled where its entries are defined; a user adds their own from Python
with :meth:`Registry.register`, and every command that asks for a name of that kind
then knows it:

>>> colours = Registry("colour")
>>> colours.register("red", (255, 0, 0))
(255, 0, 0)
>>> colours["red"]
(255, 0, 0)
>>> colours["blue"]
Traceback (most recent call last):
...
qgen.errors.ConfigError: colour: expected one of red, got 'blue'
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Generic, TypeVar

from qgen.errors import ConfigError

__all__ = ["Registry"]

T = TypeVar("T")


class Registry(Generic[T]):
    """Entries of one kind by name, in the order they were registered."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T, *, replace: bool = False) -> T:
        """Add ``entry`` under ``name`` and return it; a taken name is refused unless
        ``replace``, so that two definitions never shadow each other silently."""
        if not isinstance(name, str) or not name:
            raise ConfigError(f"{self.kind}: expected a non-empty name, got {name!r}")
        if name in self._entries and not replace:
            raise ConfigError(
                f"{self.kind} {name!r} is registered already; pass replace=True to replace it"
            )
        self._entries[name] = entry
        return entry

    def unregister(self, name: str) -> None:
        """Remove ``name`` (a test that registered its own entry cleans up with this)."""
        self[name]
        del self._entries[name]

    def __getitem__(self, name: str) -> T:
        if not isinstance(name, str) or name not in self._entries:
            raise ConfigError(
                f"{self.kind}: expected one of {', '.join(self._entries)}, got {name!r}"
            )
        return self._entries[name]

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def names(self) -> tuple[str, ...]:
        """The registered names, in order."""
        return tuple(self._entries)

    def items(self) -> list[tuple[str, T]]:
        return list(self._entries.items())

    def __repr__(self) -> str:
        return f"Registry({self.kind!r}: {', '.join(self._entries)})"

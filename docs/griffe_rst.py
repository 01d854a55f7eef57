"""A griffe extension that turns the reStructuredText markup of qgen's docstrings into the
Markdown that mkdocstrings renders.

qgen's docstrings are Google style (``Args:``, ``Returns:``, ``Raises:``) with Sphinx
markup inside; mkdocstrings reads docstrings as Markdown. Once the package is loaded this
rewrites, in every docstring of qgen's own objects:

- ``:class:`~qgen.x.Y```, ``:func:``, ``:meth:``, ``:attr:``, ``:data:``, ``:mod:`` into
  links to the object's API entry. A target is looked up as Sphinx looks it up (in the
  object itself, then in each object around it, then from ``qgen``), and a short name
  that is found nowhere around it links to the one object of qgen that ends with it, if
  there is one. A ``qgen.…`` target that names nothing is a docstring mistake and a
  warning (an error under ``mkdocs build --strict``). Anything else unresolved (a torch
  method such as ``state_dict``, ``torch.Tensor``) is shown as code, as is an object that
  has no entry on the site (a private helper).
- ``:math:`x``` into inline math and ``.. math::`` into display math (arithmatex, MathJax).
- doctest blocks (``>>>`` lines) into Python code blocks.
- ``text::`` before a literal block into ``text:`` (the indented block is code already).

Loaded from ``mkdocs.yml`` (``extensions: [docs/griffe_rst.py]``).
"""

from __future__ import annotations

import html
import logging
import re
from typing import Any

import griffe

__all__ = ["SphinxMarkup"]

_LOG = logging.getLogger("mkdocs.plugins.qgen.griffe_rst")

_ROLE = re.compile(r":(?P<role>class|meth|func|attr|data|mod|exc|obj):`(?P<body>[^`]+)`")
_MATH = re.compile(r":math:`(?P<body>[^`]+)`")
_MATH_BLOCK = re.compile(r"^(?P<indent>[ \t]*)\.\. math::[ \t]*(?P<first>.*)$")
_PACKAGE = "qgen"


class SphinxMarkup(griffe.Extension):
    """Rewrites Sphinx markup in the docstrings of a package, once it is loaded."""

    def on_package(self, *, pkg: griffe.Module, loader: griffe.GriffeLoader, **kwargs: Any) -> None:
        if pkg.name != _PACKAGE:
            return
        objects = _objects(pkg)
        paths = [obj.path for obj in objects]
        for obj in objects:
            if obj.docstring is not None:
                obj.docstring.value = convert(obj.docstring.value, obj, pkg, paths)


def _objects(obj: griffe.Object) -> list[griffe.Object]:
    """``obj`` and every object defined in it (aliases, re-exports, left out)."""
    found = [obj]
    for member in obj.members.values():
        if not member.is_alias:
            found += _objects(member)  # type: ignore[arg-type]
    return found


def convert(
    text: str, obj: griffe.Object, pkg: griffe.Module, paths: list[str] | None = None
) -> str:
    """``text`` (a docstring of ``obj``) with its Sphinx markup as Markdown; ``paths``:
    every object of ``pkg``, for the short names found nowhere around ``obj``."""
    text = _math_blocks(text)
    text = _doctest_blocks(text)
    text = re.sub(r"(?m)^(?P<text>\s*\S.*?)::$", r"\g<text>:", text)
    text = re.sub(r"(?m)^\s*::$", "", text)
    text = _MATH.sub(lambda match: rf"\({match['body']}\)", text)
    return _ROLE.sub(lambda match: _reference(match, obj, pkg, paths or []), text)


def _math_blocks(text: str) -> str:
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        match = _MATH_BLOCK.match(lines[index])
        if match is None:
            out.append(lines[index])
            index += 1
            continue
        indent = match["indent"]
        body = [match["first"].strip()] if match["first"].strip() else []
        index += 1
        while index < len(lines) and (
            (not lines[index].strip() and not body)
            or len(lines[index]) - len(lines[index].lstrip()) > len(indent)
        ):
            if lines[index].strip():
                body.append(lines[index].strip())
            index += 1
        out += ["", indent + "$$", *(indent + line for line in body), indent + "$$", ""]
    return "\n".join(out)


def _doctest_blocks(text: str) -> str:
    """Each run of lines from a ``>>>`` line to the next blank line, fenced as Python code
    at its own indentation (within a section such as ``Example:`` too)."""
    lines = text.splitlines()
    out: list[str] = []
    index = 0
    while index < len(lines):
        line = lines[index]
        if not line.lstrip().startswith(">>>"):
            out.append(line)
            index += 1
            continue
        indent = line[: len(line) - len(line.lstrip())]
        block = []
        while index < len(lines) and lines[index].strip():
            block.append(lines[index])
            index += 1
        out += [indent + "```pycon", *block, indent + "```"]
    return "\n".join(out)


def _reference(
    match: re.Match[str], obj: griffe.Object, pkg: griffe.Module, paths: list[str]
) -> str:
    role, body = match["role"], match["body"].strip()
    title_match = re.fullmatch(r"(?P<title>.+?)\s*<(?P<target>[^>]+)>", body, re.DOTALL)
    if title_match:
        title, target = " ".join(title_match["title"].split()), title_match["target"]
    else:
        target = body.lstrip("~")
        title = target.rsplit(".", 1)[-1] if body.startswith("~") else target
        if role in ("func", "meth"):
            title += "()"
    target = re.sub(r"\s+", "", target)  # a role wrapped over two lines
    title = re.sub(r"\s+", "", title) if not title_match else title
    found = _resolve(target, obj, pkg, paths)
    code = f"<code>{html.escape(title)}</code>"
    if found is None:
        if target.split(".")[0] == _PACKAGE:
            _LOG.warning("qgen docstring of %s: :%s:`%s` names nothing", obj.path, role, body)
        else:
            _LOG.debug("qgen docstring of %s: :%s:`%s` shown as code", obj.path, role, body)
        return code
    return f'<autoref identifier="{found}" optional>{code}</autoref>'


def _resolve(target: str, obj: griffe.Object, pkg: griffe.Module, paths: list[str]) -> str | None:
    """The path of what ``target`` names, seen from ``obj``, or None."""
    if target.split(".")[0] == _PACKAGE:
        return _lookup(target, pkg)
    scope: griffe.Object | None = obj if obj.is_class or obj.is_module else obj.parent
    while scope is not None:
        found = _lookup(scope.path + "." + target, pkg)
        if found is not None:
            return found
        scope = scope.parent
    matches = [path for path in paths if path.endswith("." + target)]
    return _lookup(matches[0], pkg) if len(matches) == 1 else None


def _lookup(path: str, pkg: griffe.Module) -> str | None:
    parts = path.split(".")
    if parts[0] != pkg.name:
        return None
    current: Any = pkg
    for part in parts[1:]:
        try:
            members = current.all_members if current.is_class else current.members
            current = members[part]
            if current.is_alias:
                current = current.final_target
        except (KeyError, griffe.AliasResolutionError, griffe.CyclicAliasError):
            return None
    # A package that imports a function over its submodule of the same name
    # (qgen.exact.diagonalize): griffe keeps the module, Python the function.
    if current.is_module and parts[-1] in current.members:
        inner = current.members[parts[-1]]
        if not inner.is_module:
            current = inner
    return str(current.path)

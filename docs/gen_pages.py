"""The mkdocs hook that writes the generated pages of the site at build time.

- ``commands/<name>.md``: a page per ``qgen`` command, from its declared options
  (:func:`qgen.cli.reference.command_markdown`), and ``commands/index.md``.
- ``api/<module>.md``: a page per public module of qgen (every ``qgen.<name>`` that
  declares ``__all__``), rendered from the docstrings by mkdocstrings, and ``api/index.md``
  with the names that ``qgen`` itself exports.
- The nav entries ``commands/index.md`` and ``api/index.md`` of ``mkdocs.yml`` become
  sections with these pages, so that a new command or module needs no edit here.
- Links from the pages to files outside ``docs/`` that the site includes
  (``../benchmarks/RESULTS.md``, ``../CHANGELOG.md``) point to the pages that include them.

Registered in ``mkdocs.yml`` (``hooks: [docs/gen_pages.py]``); nothing is written into
``docs/``.
"""

from __future__ import annotations

import ast
import posixpath
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "qgen"

LAYERS = [
    "lattice",
    "hilbert",
    "operators",
    "exact",
    "models",
    "sampling",
    "estimators",
    "vmc",
    "tomography",
    "ebm",
    "generative",
    "datasets",
    "system",
    "reference",
    "registry",
    "options",
    "driver",
    "workflow",
    "runs",
    "distributed",
    "plotting",
    "provenance",
    "validation",
    "errors",
    "cli",
]
"""The module pages in the order of the layers (DESIGN.md), bottom first, then the engine
and the utilities; a module not listed comes after them, by name."""

INCLUDED = {"benchmarks/RESULTS.md": "benchmarks.md", "CHANGELOG.md": "changelog.md"}
"""Files outside ``docs/`` (from the repository root) and the pages that include them."""


def _declares_all(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(target, ast.Name) and target.id == "__all__"
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
        for node in tree.body
    )


def _exports(path: Path) -> list[str]:
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            return [str(ast.literal_eval(element)) for element in node.value.elts]  # type: ignore[attr-defined]
    return []


def _source(name: str) -> Path:
    """The file of ``qgen.<name>`` (a module, or a package's ``__init__.py``)."""
    module = PACKAGE.joinpath(*name.split("."))
    return module / "__init__.py" if module.is_dir() else module.with_suffix(".py")


def api_modules() -> list[str]:
    """The public modules of qgen with a page, ``"lattice"`` for ``qgen.lattice``."""
    names = []
    for path in sorted(PACKAGE.iterdir()):
        name = path.stem if path.suffix == ".py" else path.name
        if name.startswith("_") or not (path.suffix == ".py" or (path / "__init__.py").exists()):
            continue
        if name == "cli" or _declares_all(_source(name)):
            names.append(name)
    return sorted(names, key=lambda name: (LAYERS.index(name) if name in LAYERS else 99, name))


def cli_modules() -> list[str]:
    """The modules of ``qgen.cli`` that are a library (the commands' own are pages of
    their own): ``command``, ``main``, ``reference``."""
    return [
        path.stem
        for path in sorted((PACKAGE / "cli").glob("[!_]*.py"))
        if _exports(path) not in ([], ["COMMAND"])
    ]


def shadowed(name: str) -> list[str]:
    """The names that package ``qgen.<name>`` exports over its submodule of the same name
    (``qgen.exact.diagonalize``, the function of ``qgen/exact/diagonalize.py``). mkdocstrings
    sees the submodule there, so their entries are rendered from their own module."""
    source = _source(name)
    if source.name != "__init__.py":
        return []
    return [
        alias.asname or alias.name
        for node in ast.parse(source.read_text(encoding="utf-8")).body
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
        if node.module == f"qgen.{name}.{alias.name}"
        and (alias.asname or alias.name) == alias.name
        and alias.name in _exports(source)
    ]


def _identifier(module: str, name: str) -> str:
    """The identifier of the API entry of ``name``, exported by ``qgen.<module>``."""
    return f"qgen.{module}.{name}" + (f".{name}" if name in shadowed(module) else "")


def _summary(name: str) -> str:
    docstring = ast.get_docstring(ast.parse(_source(name).read_text(encoding="utf-8"))) or ""
    return " ".join(docstring.split("\n\n")[0].split()).replace("|", "\\|")


def _api_page(name: str) -> str:
    if name == "cli":
        lines = ["# qgen.cli", "", "::: qgen.cli", "    options:", "      members: false", ""]
        lines.append("The commands themselves: [Command line](../commands/index.md).")
        lines.append("")
        for module in cli_modules():
            lines += [f"::: qgen.cli.{module}", "    options:", "      show_root_heading: true"]
            lines.append("")
        return "\n".join(lines)
    lines = [f"# qgen.{name}", "", f"::: qgen.{name}", ""]
    for member in shadowed(name):
        lines += [f"::: {_identifier(name, member)}", "    options:"]
        lines += ["      show_root_heading: true", ""]
    return "\n".join(lines)


def _api_index() -> str:
    modules = api_modules()
    lines = ["# API reference", "", "::: qgen", "    options:", "      members: false", ""]
    lines += ["## What `qgen` exports", "", "| name | documented in |", "|---|---|"]
    homes = {}
    for module in modules:
        if module != "cli":
            for name in _exports(_source(module)):
                homes.setdefault(name, module)
    for name in _exports(PACKAGE / "__init__.py"):
        home = homes.get(name)
        if home is None:
            lines.append(f"| `{name}` | `qgen` |")
        else:
            lines.append(f"| [`{name}`][{_identifier(home, name)}] | [qgen.{home}]({home}.md) |")
    lines += ["", "## Modules", "", "| module | what |", "|---|---|"]
    lines += [f"| [qgen.{name}]({name}.md) | {_summary(name)} |" for name in modules]
    return "\n".join([*lines, ""])


def _commands_index(commands: list[Any]) -> str:
    lines = [
        "# Command line",
        "",
        "`qgen COMMAND --help` lists a command's options; each page below lists the same "
        "options, written from the same declarations, with the TOML table each belongs to.",
        "",
        "| command | what |",
        "|---|---|",
    ]
    lines += [f"| [qgen {c.name}]({c.name}.md) | {c.help} |" for c in commands]
    return "\n".join([*lines, ""])


def _commands() -> list[Any]:
    from qgen.cli.reference import commands

    return commands()


def on_config(config: MkDocsConfig, **kwargs: Any) -> MkDocsConfig:
    """Expand the nav entries ``commands/index.md`` and ``api/index.md`` into sections."""
    sections = {
        "commands/index.md": [{f"qgen {c.name}": f"commands/{c.name}.md"} for c in _commands()],
        "api/index.md": [{f"qgen.{name}": f"api/{name}.md"} for name in api_modules()],
    }
    nav = config.nav or []
    for position, entry in enumerate(nav):
        if isinstance(entry, dict) and len(entry) == 1:
            ((title, target),) = entry.items()
            if isinstance(target, str) and target in sections:
                nav[position] = {title: [target, *sections[target]]}
    return config


def on_files(files: Files, config: MkDocsConfig, **kwargs: Any) -> Files:
    """Add the generated pages."""
    commands = _commands()
    pages = {"commands/index.md": _commands_index(commands), "api/index.md": _api_index()}
    from qgen.cli.reference import command_markdown

    pages.update({f"commands/{c.name}.md": command_markdown(c) for c in commands})
    pages.update({f"api/{name}.md": _api_page(name) for name in api_modules()})
    for uri, content in pages.items():
        files.append(File.generated(config, uri, content=content))
    return files


def on_page_markdown(markdown: str, page: Page, **kwargs: Any) -> str:
    """Point links to included files outside ``docs/`` at the pages that include them."""
    directory = posixpath.dirname(page.file.src_uri)
    for outside, inside in INCLUDED.items():
        link = posixpath.relpath(outside, posixpath.join("docs", directory) or ".")
        target = posixpath.relpath(inside, directory or ".")
        markdown = markdown.replace(f"]({link})", f"]({target})")
        markdown = markdown.replace(f"]({link}#", f"]({target}#")
    return markdown

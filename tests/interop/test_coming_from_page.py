"""The Python blocks of docs/coming-from.md run as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

PAGE = Path(__file__).resolve().parents[2] / "docs" / "coming-from.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), re.S)


@pytest.mark.parametrize("code", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_the_page_s_code_runs(code, capsys):
    for library in re.findall(r"^import (netket|qutip)", code, re.M):
        pytest.importorskip(library, reason=f"{library} (the crosscheck extra) runs this block")
    exec(compile(code, str(PAGE), "exec"), {})  # our own documentation, not a sent file
    printed = [line.split() for line in capsys.readouterr().out.splitlines()]
    for numbers in printed:  # every printed pair of energies agrees
        values = [float(n) for n in numbers]
        assert max(values) - min(values) < 1e-8, numbers

"""Shared test settings: torch on one thread, each test in its own temporary directory.

The models under test are small: on one thread they run fastest, and they do not fight
other jobs for the cores (on a loaded 2-core machine two threads were many times slower).
"""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(autouse=True)
def work_in_a_temporary_directory(tmp_path, monkeypatch):
    """Commands that default to ``runs/…`` write there, never into the checkout."""
    monkeypatch.chdir(tmp_path)

"""The relative error of a VMC estimate: with its uncertainty, and a bound when the
difference from the exact energy is below two error bars (issue: "relative error 5.74e-07"
from |ΔE| = 4.1e-6 with an error bar of 4.1e-4)."""

from __future__ import annotations

import pytest

from qgen.vmc.workflow import relative_error_summary


def test_a_difference_below_two_error_bars_is_reported_as_a_bound():
    exact = -7.14230
    record = {"relative_error": 4.1e-6 / 7.14230, "relative_error_error": 4.1e-4 / 7.14230}
    summary = relative_error_summary(record)
    assert summary["consistent_with_exact"] is True
    assert summary["relative_error_bound"] == pytest.approx((4.1e-6 + 8.2e-4) / abs(exact))


def test_a_resolved_difference_keeps_its_value_and_error():
    summary = relative_error_summary({"relative_error": 1e-2, "relative_error_error": 1e-4})
    assert summary["consistent_with_exact"] is False
    assert summary["relative_error_bound"] is None
    assert (summary["relative_error"], summary["relative_error_error"]) == (1e-2, 1e-4)


def test_no_exact_energy_no_statement():
    assert relative_error_summary({})["consistent_with_exact"] is None

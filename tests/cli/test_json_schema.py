"""Every command's ``--json`` object follows the one result schema (qgen.result/1): the
same envelope, quantities with their error bars as {value, error}, and for runs the same
object in summary.json."""

from __future__ import annotations

import contextlib
import io
import json

import pytest

from qgen.cli import CATALOG
from qgen.cli.main import main
from qgen.report import SCHEMA, fold_errors, result_schema

jsonschema = pytest.importorskip("jsonschema", reason="jsonschema (the test extra) validates")

EBM = ["--size", "4x4", "--samples", "200", "--test-samples", "100", "--hidden", "5",
       "--epochs", "1", "--batch-size", "50", "--model-samples", "100", "--gibbs-steps", "5",
       "--bins", "8"]  # fmt: skip


def command_lines(tmp: str) -> dict[str, list[str]]:
    """One small run of every command and variant, in an order that makes the data sets
    the later ones read."""
    return {
        "ed": ["ed", "--size", "6"],
        "vmc": ["vmc", "--size", "6", "--hidden", "4", "--samples", "64", "--iterations", "2",
                "--final-samples", "128", "--out", f"{tmp}/vmc"],
        "data": ["data", "--hamiltonian", "tfim", "--size", "4", "--samples", "200",
                 "--out", f"{tmp}/pure"],
        "data-mixed": ["data", "--state", "ghz", "--size", "2", "--noise", "depolarizing:0.1",
                       "--samples", "50", "--out", f"{tmp}/mixed"],
        "tomo": ["tomo", "--data", f"{tmp}/pure", "--epochs", "1", "--estimate-samples", "200",
                 "--out", f"{tmp}/tomo"],
        "tomo-mixed-model": ["tomo", "--mixed", "--model", "made", "--data", f"{tmp}/mixed",
                             "--epochs", "1", "--out", f"{tmp}/tomo-mixed"],
        "tomo-mixed-mle": ["tomo", "--mixed", "--baseline", "mle", "--data", "qucumber:3",
                           "--out", f"{tmp}/mle"],
        "ebm": ["ebm", *EBM, "--out", f"{tmp}/ebm"],
        "generative": ["generative", "flow", "--dataset", "ring", "--samples", "200",
                       "--epochs", "1", "--batch-size", "100", "--out", f"{tmp}/flow"],
        "plot": ["plot", f"{tmp}/tomo", "--out", f"{tmp}/figures"],
    }  # fmt: skip


def flat_error_pairs(value, where: str = "") -> list[str]:
    """The keys ``k_error`` beside a ``k``: an error bar outside its quantity's object."""
    if isinstance(value, list):
        return [p for i, item in enumerate(value) for p in flat_error_pairs(item, f"{where}[{i}]")]
    if not isinstance(value, dict):
        return []
    pairs = [f"{where}.{k}" for k in value if isinstance(k, str) and k + "_error" in value]
    return pairs + [p for k, v in value.items() for p in flat_error_pairs(v, f"{where}.{k}")]


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, dict]:
    tmp = str(tmp_path_factory.mktemp("json"))
    captured = {}
    for name, argv in command_lines(tmp).items():
        out = io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            assert main([*argv, "--json"]) == 0, name
        text = out.getvalue()
        assert text.count("\n") == 1, f"{name}: exactly one JSON object on stdout"
        captured[name] = json.loads(text)
    return captured


def test_every_command_is_covered():
    assert {argv[0] for argv in command_lines("t").values()} == set(CATALOG)


@pytest.mark.parametrize("name", list(command_lines("t")))
def test_the_output_validates_against_the_schema(results, name):
    result = results[name]
    jsonschema.Draft202012Validator(result_schema()).validate(result)
    assert result["schema"] == SCHEMA
    assert flat_error_pairs(result) == [], "error bars belong in {value, error} objects"


@pytest.mark.parametrize(
    "name", [n for n, argv in command_lines("t").items() if argv[0] not in ("ed", "data", "plot")]
)
def test_a_run_s_summary_json_is_the_printed_object(results, name):
    result = results[name]
    with open(f"{result['run_directory']}/summary.json", encoding="utf-8") as file:
        assert json.load(file) == result


def test_the_schema_refuses_a_bare_estimate_and_a_missing_envelope(results):
    validator = jsonschema.Draft202012Validator(result_schema())
    vmc = results["vmc"]
    assert validator.is_valid(vmc)
    flat = {**vmc, "energy": vmc["energy"]["value"], "energy_error": vmc["energy"]["error"]}
    assert not validator.is_valid(flat)
    assert not validator.is_valid({k: v for k, v in vmc.items() if k != "schema"})
    assert not validator.is_valid({**vmc, "command": "no-such-command"})


def test_fold_errors_pairs_numbers_only_and_keeps_a_missing_value_null():
    folded = fold_errors(
        {"a": 1.0, "a_error": 0.1, "b": None, "b_error": None, "c": {"d": 2, "d_error": 0},
         "readout_error": 0.02, "kind": "x", "kind_error": "not a number"}
    )  # fmt: skip
    assert folded == {
        "a": {"value": 1.0, "error": 0.1},
        "b": None,
        "c": {"d": {"value": 2, "error": 0}},
        "readout_error": 0.02,
        "kind": "x",
        "kind_error": "not a number",
    }

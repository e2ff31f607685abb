"""Property: whatever bytes a submission holds, the grader gives a result with a reason.

Random bytes, random text and randomly damaged notebooks (keys dropped, values replaced by
random JSON, text cut short, bytes flipped) go to the loader, and what it accepts runs in a
Sandbox. The loader either returns code cells or raises SubmissionError with a message;
the sandbox either loads (every failed cell with a reason) or raises ChildLost with one,
and a call returns an Answer with a value or a reason. Nothing else may escape.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_adversarial import CORPUS

from autograder.core.loader import SubmissionError, read_cells
from autograder.sandbox import Limits, Sandbox, Zygote
from autograder.sandbox.proxy import ChildLost

NOTEBOOK = json.loads((CORPUS / "correct_notebook.ipynb").read_text())
SCRIPT = (CORPUS / "correct_script.py").read_text()
LIMITS = Limits(cell_seconds=0.5, call_seconds=0.5, grace_seconds=0.5, submission_seconds=10)
SETTINGS = settings(max_examples=40, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner,
                                                                 max_size=4),
    max_leaves=12)


def paths(node, prefix=()):
    """Every path (tuple of keys/indices) into a JSON value."""
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from paths(value, (*prefix, index))


@st.composite
def damaged_notebooks(draw) -> bytes:
    nb = json.loads(json.dumps(NOTEBOOK))
    for _ in range(draw(st.integers(1, 4))):
        where = draw(st.sampled_from(list(paths(nb))[1:]))
        parent = nb
        for key in where[:-1]:
            parent = parent[key]
        if draw(st.booleans()):
            del parent[where[-1]]
        else:
            parent[where[-1]] = draw(json_values)
    data = json.dumps(nb).encode()
    how = draw(st.sampled_from(["as is", "cut", "flip"]))
    if how == "cut":
        data = data[:draw(st.integers(0, len(data)))]
    elif how == "flip":
        rnd = random.Random(draw(st.integers(0, 2**32)))
        data = bytearray(data)
        for _ in range(draw(st.integers(1, 20))):
            data[rnd.randrange(len(data))] = rnd.randrange(256)
        data = bytes(data)
    return data


@st.composite
def damaged_scripts(draw) -> bytes:
    lines = SCRIPT.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 5))):
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = draw(st.sampled_from(["", "%time\n", "!ls\n", "    return\n", "def f(:\n",
                                         "# %%\n", "raise SystemExit\n", lines[i][::-1],
                                         "import os; os._exit(3)\n", "\x00\n", "\ufeff"]))
    return "".join(lines).encode("utf-8", errors="replace")


@pytest.fixture(scope="module")
def zygote():
    with Zygote() as z:
        yield z


def load(tmp_path: Path, data: bytes, suffix: str) -> list[str] | None:
    path = tmp_path / f"submission{suffix}"
    path.write_bytes(data)
    try:
        cells = read_cells(path)
    except SubmissionError as err:
        assert str(err).strip()
        return None
    assert isinstance(cells, list) and all(isinstance(c, str) for c in cells)
    return cells


def run(zygote: Zygote, cells: list[str]) -> None:
    with Sandbox(zygote, cells, limits=LIMITS) as sandbox:
        try:
            reports = sandbox.start()
        except ChildLost as lost:
            assert str(lost).strip()
            return
        assert len(reports) == len(cells)
        assert all(r.ok or r.error.strip() for r in reports)
        answer = sandbox.call("sigmoid", np.array([0.0, 1.0]))
        assert answer.ok or answer.error.strip()
        if answer.ok:
            assert isinstance(answer.value, (np.ndarray, dict))


@SETTINGS
@given(data=st.binary(max_size=3000), suffix=st.sampled_from([".py", ".ipynb"]))
def test_random_bytes_never_crash_the_loader(tmp_path, data, suffix):
    load(tmp_path, data, suffix)


@SETTINGS
@given(text=st.text(max_size=2000))
def test_random_text_notebooks_are_refused_with_a_reason(tmp_path, text):
    load(tmp_path, text.encode("utf-8", errors="surrogatepass"), ".ipynb")


@settings(SETTINGS, max_examples=30)
@given(data=damaged_notebooks())
def test_damaged_notebooks_load_or_are_refused_and_run_to_a_result(tmp_path, zygote, data):
    cells = load(tmp_path, data, ".ipynb")
    if cells:
        run(zygote, cells)


@settings(SETTINGS, max_examples=25)
@given(data=damaged_scripts())
def test_damaged_scripts_run_to_a_result(tmp_path, zygote, data):
    cells = load(tmp_path, data, ".py")
    if cells:
        run(zygote, cells)

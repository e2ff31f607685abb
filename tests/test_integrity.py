"""Integrity signals (docs/integrity.md): a generated class graded once by ``autograder grade``,
its planted copies found in "Pairs worth a look", its independent work not; the signals in
report.html (headless Chromium) and similarity.csv, and in no student's output.

The class, from the realistic corpus (tests/submissions/realistic, whose expected.toml says
each file's style). Most of that corpus is one base solution exported in different formats
(nbconvert, Colab, %%time) or with one line changed (the ``wrong_*`` files): copies by
construction, so they are not independent work and are left out. Independent here:

- 29 correct solutions in styles no other file of the class shares (loops, einsum, lists,
  a Network class, column vectors, float32, a Layer class, recursion over layers, reduce
  over zip, tensordot, pure Python, ...) and the bundled example (the reference): 30;
- 10 wrong ones, each a different mistake: three of the corpus written on their own (δ² with
  W², σ' as σ(1 + σ), Nielsen's update adding the gradient) and seven more independent
  correct solutions with one mistake in ``update`` planted by ``patch()`` (five written by
  no catalogue, two catalogued), no two giving the same numbers;
- planted copies: ``copy_renamed`` (correct_einsum with its variables renamed),
  ``copy_comments`` (wrong_delta2_uses_W2 with its comments changed) and ``copy_reordered``
  (correct_loops with its functions in the reverse order).

By hand: δ² computed with W² instead of W³ changes δ², ∂C/∂W² = δ² (a¹)ᵀ and ∂C/∂b² = δ²
and nothing else backward returns, and no catalogued mistake is that: so the wrong copy
shares exactly these three unexplained wrong answers with its original; copies of correct
solutions share none (right answers never count).
"""

from __future__ import annotations

import ast
import csv
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import patch
from test_class_report import Page, browse, chromium  # noqa: F401 - the fixture

from autograder.core.config import load_assignment
from autograder.engine.probes import INTEGRITY_NAME, MISTAKE, NONE, RIGHT, WRONG
from autograder.formats.classroom import part_result
from autograder.formats.gradescope import read_all_students
from autograder.instructor.integrity import (
    SHARED,
    SIMILAR,
    each_record,
    shared_wrong_answers,
    wrong_answers,
)
from autograder.instructor.similarity import (
    COMMON,
    boilerplate_code,
    fingerprints,
    similarities,
    solution_code,
)

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "submissions" / "realistic"
EXAMPLE = ROOT / "assignments" / "backprop" / "examples" / "submissions" / "correct.ipynb"
CORRECT = ["correct_backward_a_one_minus_a.ipynb", "correct_class_network.py",
           "correct_column_vectors.py", "correct_debug_leftovers.py", "correct_einsum.py",
           "correct_float32.ipynb", "correct_lists.py", "correct_loops.py",
           "correct_naive_exp.py", "correct_np_dot.ipynb", "correct_plain_module.py",
           "correct_scipy_expit.ipynb",
           # written on their own, each in a style of its own (expected.toml says which)
           "correct_broadcast_sums.py", "correct_dataclass_network.py", "correct_dot_reshape.py",
           "correct_functional_zip.py", "correct_generator_layers.py",
           "correct_jupytext_matmul.py", "correct_lambda_dispatch.py", "correct_layer_class.py",
           "correct_layer_list.py", "correct_namedtuple_cache.py",
           "correct_nested_layer_dicts.py", "correct_outer_dot.py", "correct_pure_python_fsum.py",
           "correct_recursive_layers.py", "correct_tensordot.py", "correct_vectorize_scalar.py",
           "correct_while_jk.py"]
WRONG_OWN = ["wrong_delta2_uses_W2.py", "wrong_sigmoid_prime_plus.py",
             "nielsen_update_adds_gradient.py"]
UPDATE_MISTAKES = {  # an independent correct solution -> one mistake in its update
    "correct_column_flatten.ipynb": ("params[k] - lr * grads[k]", "params[k] - lr * lr * grads[k]"),
    "correct_cost_mse_two_outputs.py": ("params[name] - lr * grads[name]",
                                        "params[name] + lr * grads[name]"),  # catalogued
    "correct_dict_comprehension.py": ("value - lr * grads[name]", "value - 0.5 * lr * grads[name]"),
    "correct_matmul_jupytext.py": ("params[key] - lr * grads[key]",
                                   "params[key] - grads[key]"),  # catalogued
    "correct_prints_and_plot.ipynb": ("params[name] - lr * grads[name]",
                                      "params[name] - lr * grads[name] ** 2"),
    "correct_tanh.py": ("params[k] - lr * grads[k]", "params[k] * (1 - lr) - lr * grads[k]"),
    "correct_stable_where.ipynb": ("params[k] - lr * grads[k]",
                                   "params[k] - lr * grads[k] - lr"),
}
RENAMES = {"delta3": "err_out", "delta2": "err_hidden", "a1": "inp", "z2": "pre_h",
           "a2": "act_h", "z3": "pre_o", "a3": "act_o", "grads": "result", "new": "fresh",
           "s": "sg"}
PLANTED = {("copy_renamed", "correct_einsum"), ("copy_comments", "wrong_delta2_uses_W2"),
           ("copy_reordered", "correct_loops")}


def renamed(source: str) -> str:
    """Every variable of RENAMES renamed where it is a name (never inside quotes)."""
    for old, new in RENAMES.items():
        source = re.sub(rf'(?<![\w"\'.]){old}(?![\w"\'])', new, source)
    return source


def recommented(source: str) -> str:
    """Every comment but the cell markers (# %%) said in other words."""
    return re.sub(r"#(?! %%)[^\n]*", "# my own note on this", source)


def reordered(source: str) -> str:
    """The module's statements first, then its functions in the reverse order."""
    tree, lines = ast.parse(source), source.splitlines()
    blocks = {"def": [], "other": []}
    for node in tree.body:
        text = "\n".join(lines[node.lineno - 1:node.end_lineno])
        blocks["def" if isinstance(node, ast.FunctionDef) else "other"].append(text)
    calls = [b for b in blocks["other"] if "step_table(" in b]  # the call uses the functions
    rest = [b for b in blocks["other"] if b not in calls]
    return "\n\n\n".join([*rest, *blocks["def"][::-1], *calls]) + "\n"


def build_class(folder: Path) -> Path:
    folder.mkdir()
    for name in [*CORRECT, *WRONG_OWN]:
        shutil.copy(CORPUS / name, folder / name)
    shutil.copy(EXAMPLE, folder / "example_correct.ipynb")
    for name, (old, new) in UPDATE_MISTAKES.items():
        text = (CORPUS / name).read_text(encoding="utf-8")
        stem, suffix = name.rsplit(".", 1)
        out = folder / f"{stem.replace('correct_', 'update_')}.{suffix}"
        out.write_text(patch(text, [(old, new)], name), encoding="utf-8")
    read = {name: (CORPUS / f"{name}.py").read_text(encoding="utf-8")
            for name in ("correct_einsum", "wrong_delta2_uses_W2", "correct_loops")}
    (folder / "copy_renamed.py").write_text(renamed(read["correct_einsum"]), encoding="utf-8")
    (folder / "copy_comments.py").write_text(recommented(read["wrong_delta2_uses_W2"]),
                                             encoding="utf-8")
    (folder / "copy_reordered.py").write_text(reordered(read["correct_loops"]),
                                              encoding="utf-8")
    return folder


def grade(paths: list[Path], out: Path, *args: str) -> None:
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--assignment",
                          "backprop", *map(str, paths), "--out", str(out), "--jobs", "2", *args],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]


@pytest.fixture(scope="module")
def graded(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("integrity")
    out = base / "out"
    grade([build_class(base / "class")], out)
    return out


def similarity_rows(out: Path) -> list[dict]:
    with open(out / "similarity.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def pair(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


# ------------------------------------------------------------------ the generated class


def test_the_class_is_what_the_docstring_says(graded):
    results = read_all_students(graded)
    assert len(CORRECT) + 1 == 30
    assert len(results) == 30 + 10 + 3
    full = {s for s, r in results.items() if r.score == 16}
    assert full == {Path(n).stem for n in CORRECT} | {"example_correct", "copy_renamed",
                                                      "copy_reordered"}


def test_every_planted_pair_and_no_independent_pair_is_worth_a_look(graded):
    flagged = {pair(r["student_a"], r["student_b"]) for r in similarity_rows(graded)
               if r["worth_a_look"] == "1"}
    assert flagged == {pair(*p) for p in PLANTED}


def test_the_signals_of_the_planted_pairs(graded):
    rows = {pair(r["student_a"], r["student_b"]): r for r in similarity_rows(graded)}
    wrong = rows[pair("copy_comments", "wrong_delta2_uses_W2")]
    assert wrong["quantities"].split("; ") == ["backward: delta2", "backward: W2",
                                               "backward: b2"]
    for copy, original in PLANTED:
        row = rows[pair(copy, original)]
        assert float(row["similarity"]) >= SIMILAR
        assert int(row["shared_wrong_answers"]) == (3 if copy == "copy_comments" else 0)
    independent = [r for p, r in rows.items() if p not in {pair(*q) for q in PLANTED}]
    assert all(int(r["shared_wrong_answers"]) < SHARED for r in independent)


def test_the_probe_answers_are_judged_as_by_hand(graded):
    def statuses(student):
        record = json.loads((graded / student / INTEGRITY_NAME).read_text(encoding="utf-8"))
        return {q: a["status"] for q, a in record["probes"].items()}

    assert set(statuses("correct_loops").values()) == {RIGHT}
    assert {q for q, s in statuses("wrong_delta2_uses_W2").items() if s != RIGHT} == {
        "backward: delta2", "backward: W2", "backward: b2"}
    assert {q: s for q, s in statuses("update_matmul_jupytext").items() if s != RIGHT} == {
        f"update: new_{k}": MISTAKE for k in ("W2", "b2", "W3", "b3")}  # η forgotten
    assert {q: s for q, s in statuses("update_tanh").items() if s != RIGHT} == {
        f"update: new_{k}": WRONG for k in ("W2", "b2", "W3", "b3")}  # weight decay


def test_the_candidate_pairs_give_what_comparing_every_pair_gives(graded):
    """The inverted index and the bound leave out no pair that can be flagged: the pairs of
    60 % or more, and their scores, are those of compare_files on every pair of the same
    fingerprints; and each pair asked for (``also``) has its exact score too."""
    from copydetect import compare_files

    code = {s: solution_code(r["cells"]) for s, r in each_record(graded)}
    boilerplate = boilerplate_code(load_assignment("backprop"))
    prints = fingerprints(code, boilerplate)
    every = {}
    names = sorted(prints)
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            _, (share_a, share_b), _ = compare_files(prints[a], prints[b])
            every[a, b] = float(min(share_a, share_b))
    also = {("copy_renamed", "correct_loops"), ("correct_loops", "correct_tensordot")}
    found = similarities(code, boilerplate, SIMILAR, also)
    assert {p: v for p, v in found.items() if v >= SIMILAR} == {
        p: v for p, v in every.items() if v >= SIMILAR}
    assert {p: found[p] for p in also} == {p: every[p] for p in also}
    assert set(found) - also == {pair(*p) for p in PLANTED}
    assert len(names) > COMMON  # a class where passages can be common


# ------------------------------------------------------------------ the report


def test_chromium_shows_the_pairs_worth_a_look(chromium, graded, tmp_path):  # noqa: F811
    shutil.copy(graded / "report.html", tmp_path / "report.html")
    page = Page(browse(chromium, tmp_path / "report.html", "--dump-dom"))
    text = " ".join("".join(page.text).split())
    assert "Pairs worth a look" in text
    assert "signals for a person to review, not verdicts" in text
    rows = page.tables["pairs"]
    assert rows[0][:4] == ["student", "student", "shared wrong answers", "code similarity"]
    assert {pair(r[0], r[1]) for r in rows[1:]} == {pair(*p) for p in PLANTED}
    assert rows[1][:2] == ["copy_comments", "wrong_delta2_uses_W2"]  # most shared first
    assert all("def backward" in r[4] for r in rows[1:])  # both solutions, side by side


# ------------------------------------------------------------------ instructors only


def test_no_student_output_holds_the_signals(graded):
    record = json.loads((graded / "copy_comments" / INTEGRITY_NAME).read_text(encoding="utf-8"))
    numbers = [f"{v:.6g}" for v in record["probes"]["backward: delta2"]["values"]]
    results = read_all_students(graded)
    for student, result in results.items():
        for name in ("results.json", "feedback.md", "report.json"):
            text = (graded / student / name).read_text(encoding="utf-8")
            assert INTEGRITY_NAME not in text and "probe" not in text.lower()
            if student == "copy_comments":
                assert not any(n in text for n in numbers), name
        classroom = json.dumps([part_result(2.0, [c]) for c in result.checks])
        assert "probe" not in classroom.lower()
        assert not any(n in classroom for n in numbers)


def test_no_integrity_leaves_every_signal_out(tmp_path):
    out = tmp_path / "out"
    grade([CORPUS / "correct_loops.py", CORPUS / "wrong_delta2_uses_W2.py"], out,
          "--no-integrity")
    assert not (out / "similarity.csv").exists()
    assert not list(out.glob(f"*/{INTEGRITY_NAME}"))
    assert "Pairs worth a look" not in (out / "report.html").read_text(encoding="utf-8")


def test_a_regrade_whose_probes_fail_leaves_no_stale_record(tmp_path):
    """Graded once with probes; graded again (--regrade) with an oracle whose probes raise:
    the record is replaced by one with the cells and no probe answers, never kept."""
    out = tmp_path / "out"
    paths = [CORPUS / "wrong_delta2_uses_W2.py", CORPUS / "correct_loops.py"]
    grade(paths, out)
    before = json.loads((out / "wrong_delta2_uses_W2" / INTEGRITY_NAME).read_text("utf-8"))
    assert before["probes"]["backward: delta2"]["status"] == WRONG
    hidden = tmp_path / "hidden"
    shutil.copytree(ROOT / "assignments" / "backprop" / "hidden", hidden)
    with open(hidden / "oracle.py", "a", encoding="utf-8") as f:
        f.write("\n\ndef _fails(self, rng):\n    raise RuntimeError('no probes')\n\n\n"
                "ReferenceOracle.probes = _fails\n")
    grade(paths, out, "--regrade", "--reference", str(hidden))
    after = json.loads((out / "wrong_delta2_uses_W2" / INTEGRITY_NAME).read_text("utf-8"))
    assert after == {"probes": {}, "cells": before["cells"]}
    grade(paths, out, "--regrade", "--no-integrity")
    assert not list(out.glob(f"*/{INTEGRITY_NAME}"))


AUTODIFF = ROOT / "assignments" / "autodiff" / "examples" / "submissions"
EXP_TWICE = [("            self.grad += out.data * out.grad",  # ∂e^a/∂a doubled: no catalogue
              "            self.grad += 2.0 * out.data * out.grad")]


def test_autodiff_probes_share_a_copied_wrong_answer_and_no_catalogued_one(tmp_path):
    """autodiff's probes: a copy of an unexplained wrong answer (e^a's chain rule doubled)
    shares it with its original; a copy of a catalogued mistake (n·a^n) shares none.

    By hand: doubling ∂e^a/∂a changes no value, and the chain rule of e^a given out.grad
    (autodiff_local: grads, on the probe's e^a case); the catalogue has ∂e^a/∂a as a,
    never 2e^a, so the answer is unexplained."""
    folder = tmp_path / "class"
    folder.mkdir()
    correct = (AUTODIFF / "correct_script.py").read_text(encoding="utf-8")
    wrong = patch(correct, EXP_TWICE, "correct_script.py")
    (folder / "correct_script.py").write_text(correct, encoding="utf-8")
    (folder / "exp_twice.py").write_text(wrong, encoding="utf-8")
    (folder / "exp_twice_copy.py").write_text(recommented(wrong), encoding="utf-8")
    for name in ("power_rule_n_a_to_the_n", "power_rule_copy"):
        shutil.copy(AUTODIFF / "power_rule_n_a_to_the_n.ipynb", folder / f"{name}.ipynb")
    out = tmp_path / "out"
    run = subprocess.run([sys.executable, "-m", "autograder.cli", "grade", "--assignment",
                          "autodiff", str(folder), "--out", str(out), "--jobs", "2"],
                         capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert run.returncode == 0, run.stderr[-3000:]
    records = dict(each_record(out))
    statuses = {s: {q: a["status"] for q, a in r["probes"].items()} for s, r in records.items()}
    assert set(statuses["correct_script"].values()) == {RIGHT}
    assert statuses["exp_twice"]["autodiff_local: grads"] == WRONG
    assert statuses["exp_twice"]["autodiff_value: value"] == RIGHT
    assert statuses["power_rule_copy"]["autodiff_local: grads"] == MISTAKE
    assert WRONG not in statuses["power_rule_copy"].values()
    shared = shared_wrong_answers({s: wrong_answers(r) for s, r in records.items()})
    assert set(shared) == {("exp_twice", "exp_twice_copy")}
    assert "autodiff_local: grads" in shared["exp_twice", "exp_twice_copy"]


# ------------------------------------------------------------------ the rules, by hand


def test_wrong_answers_agree_to_1e_12_relative_and_only_wrong_ones_count():
    def record(**answers):
        return {"probes": {q: ({"status": WRONG, "values": v} if isinstance(v, list)
                               else {"status": v}) for q, v in answers.items()}}

    records = {
        "ann": record(b3=[1.0, -2.0], W2=[3.0], a3=RIGHT),
        "bob": record(b3=[1.0 + 5e-13, -2.0], W2=[3.0 + 1e-9], a3=RIGHT),  # b3 agrees
        "cat": record(b3=[1.0, -2.0], W2=[3.0], a3=RIGHT),  # both agree with ann's
        "dan": record(b3=MISTAKE, W2=NONE, a3=RIGHT),
    }
    wrong = {student: wrong_answers(r) for student, r in records.items()}
    assert shared_wrong_answers(wrong) == {("ann", "bob"): ("b3",), ("ann", "cat"): ("b3", "W2"),
                                           ("bob", "cat"): ("b3",)}
    assert np.isclose(1.0 + 5e-13, 1.0, rtol=1e-12, atol=0)  # the hand check of bob's b3


def test_only_the_definitions_of_the_students_cells_are_compared():
    cells = ["import numpy as np\nx = 3\n", "def f(a):\n    return a + 1\n\nprint(f(2))\n",
             "check('f')", "def broken(:\n", "@decorate\nclass N:\n    pass\n"]
    assert solution_code(cells) == ("def f(a):\n    return a + 1\n\n\n"
                                    "@decorate\nclass N:\n    pass\n")

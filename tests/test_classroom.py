"""The GitHub Classroom workflow of the release, and what its steps publish.

Oracles: formats.md (GitHub Classroom section) for the workflow's shape; a JSON Schema
written from it (``schemas/classroom_reporter.schema.json``) for the reporter JSON; the
reporter's own rule for the points (sum of ``tests[].score`` over runners with a
``max_score``, sum of ``max_score``); and points worked out by hand for a solved, a stubbed
and a half-solved notebook (``student_kit.HALF_SOLVED_SCORES``). Each part's step command
is run as written in the workflow, with bash, in a copy of the installed release.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest
import yaml
from student_kit import (
    ASSIGNMENT,
    HALF_SOLVED,
    HALF_SOLVED_FAILS,
    HALF_SOLVED_SCORES,
    ROOT,
    copy_public_files,
    installed_release,
    solved_notebook,
    stub_notebook,
    with_cells,
    write,
)

from autograder.cli import main
from autograder.config import load_assignment

SCHEMA = json.loads((Path(__file__).parent / "schemas" / "classroom_reporter.schema.json")
                    .read_text(encoding="utf-8"))
RUNNERS = re.compile(r"^([a-zA-Z0-9]+,)*[a-zA-Z0-9]+$")  # the reporter's check of `runners`
REPORTER = "classroom-resources/autograding-grading-reporter@v1"
POINTS = load_assignment(ASSIGNMENT).points


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    return installed_release(tmp_path_factory.mktemp("installed"))


@pytest.fixture(scope="module")
def workflow(installed) -> dict:
    return yaml.safe_load((installed.release / ".github/workflows/classroom.yml").read_text())


def part_steps(workflow: dict) -> list[dict]:
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    return [s for s in steps if "id" in s]


def reporter_step(workflow: dict) -> dict:
    (step,) = [s for s in workflow["jobs"]["run-autograding-tests"]["steps"]
               if s.get("uses") == REPORTER]
    return step


# -- the workflow file -------------------------------------------------------------------


def test_workflow_shape(workflow):
    assert workflow["name"] == "Autograding Tests"
    assert workflow.get("on", workflow.get(True)) == ["push", "repository_dispatch"]  # YAML 1.1
    assert workflow["permissions"] == {"checks": "write", "actions": "read", "contents": "read"}
    assert list(workflow["jobs"]) == ["run-autograding-tests"]
    job = workflow["jobs"]["run-autograding-tests"]
    assert job["runs-on"] == "ubuntu-latest"
    assert job["if"] == "github.actor != 'github-classroom[bot]'"
    steps = job["steps"]
    # current majors (node24), the same the kit's own CI uses: checkout@v5, setup-python@v6
    ci = (ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8")
    assert steps[0]["uses"] == "actions/checkout@v5" and "actions/checkout@v5" in ci
    (python,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/setup-python@")]
    assert python["uses"] == "actions/setup-python@v6" and "actions/setup-python@v6" in ci
    assert python["with"]["cache"] == "pip"
    (install,) = [s for s in steps if "pip install" in str(s.get("run", ""))]
    assert steps.index(python) < steps.index(install) < steps.index(part_steps(workflow)[0])
    assert steps[-1] == reporter_step(workflow)


def test_workflow_has_one_step_per_part_and_the_reporter_reads_them_all(workflow):
    steps = part_steps(workflow)
    ids = [s["id"] for s in steps]
    assert ids == ["sigmoid", "sigmoidprime", "forward", "cost", "backward", "update", "fullstep"]
    assert len(steps) == len(POINTS)
    for step, part in zip(steps, POINTS):
        assert re.fullmatch(r"[a-zA-Z0-9]+", step["id"])
        run = step["run"].strip()
        assert run == (f'echo "result=$(autograder classroom-result {part} --from '
                       'autograder-checks.json | base64 -w0)" >> "$GITHUB_OUTPUT"')
        assert step["if"] == "always()" and step["timeout-minutes"] <= 2
    reporter = reporter_step(workflow)
    runners = reporter["with"]["runners"]
    assert RUNNERS.fullmatch(runners)
    assert runners.split(",") == ids
    assert reporter["env"] == {f"{i.upper()}_RESULTS": f"${{{{ steps.{i}.outputs.result }}}}"
                               for i in ids}


# -- what the steps publish --------------------------------------------------------------


def checks_step(workflow: dict) -> dict:
    (step,) = [s for s in workflow["jobs"]["run-autograding-tests"]["steps"]
               if "autograder check" in str(s.get("run", ""))]
    return step


def run_script(installed, step: dict, folder: Path, name: str) -> subprocess.CompletedProcess:
    """A step's ``run`` as the runner runs it: ``bash -e``, with $GITHUB_OUTPUT and
    $GITHUB_STEP_SUMMARY as files in the repository's folder."""
    script = folder / f".step_{name}.sh"
    script.write_text(step["run"])
    env = {**installed.env(), "GITHUB_OUTPUT": str(folder / f".github_output_{name}"),
           "GITHUB_STEP_SUMMARY": str(folder / f".github_summary_{name}")}
    done = subprocess.run(["bash", "-e", str(script)], cwd=folder, env=env, capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    return done


def run_step(installed, step: dict, folder: Path) -> dict:
    """Run a part step, read its ``result`` output and its log."""
    done = run_script(installed, step, folder, step["id"])
    lines = (folder / f".github_output_{step['id']}").read_text().splitlines()
    (line,) = [ln for ln in lines if ln.startswith("result=")]
    return {"encoded": line.removeprefix("result="), "id": step["id"], "log": done.stderr}


def reporter_points(workflow: dict, encoded: dict[str, str]) -> tuple[float, float, dict]:
    """What the reporter does: read <ID>_RESULTS of every runner, decode, add up."""
    env = {name: value.replace("${{ steps.", "").replace(".outputs.result }}", "")
           for name, value in reporter_step(workflow)["env"].items()}
    results = {}
    for runner in reporter_step(workflow)["with"]["runners"].split(","):
        step_id = env[f"{runner.strip().upper()}_RESULTS"]
        results[runner] = json.loads(base64.b64decode(encoded[step_id]).decode("utf-8"))
    total = sum(t["score"] for r in results.values() if r["max_score"] for t in r["tests"])
    most = sum(r["max_score"] for r in results.values() if r["max_score"])
    return total, most, results


@pytest.fixture(scope="module")
def published(installed, workflow, tmp_path_factory) -> dict[str, dict]:
    """Every part step run on a solved, a stubbed and a half-solved notebook."""
    notebooks = {"solved": solved_notebook(), "stubbed": stub_notebook(),
                 "half": with_cells(solved_notebook(), **HALF_SOLVED)}
    folders = {}
    for kind, nb in notebooks.items():
        folder = tmp_path_factory.mktemp(f"repo-{kind}")
        shutil.copytree(installed.release, folder, dirs_exist_ok=True)
        write(nb, folder / "backprop.ipynb")
        folders[kind] = folder
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        list(pool.map(lambda f: run_script(installed, checks_step(workflow), f, "checks"),
                      folders.values()))  # the checks once per push, then the part steps
    jobs = [(kind, step) for kind in notebooks for step in part_steps(workflow)]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        runs = list(pool.map(lambda job: (job[0], run_step(installed, job[1], folders[job[0]])),
                             jobs))
    out: dict[str, dict] = {kind: {"logs": {}, "folder": folders[kind]} for kind in notebooks}
    for kind, run in runs:
        out[kind][run["id"]] = run["encoded"]
        out[kind]["logs"][run["id"]] = run["log"]
    return out


def test_every_step_publishes_valid_reporter_json(published, workflow):
    for kind, encoded in published.items():
        _, _, results = reporter_points(workflow, encoded)
        for runner, result in results.items():
            jsonschema.validate(result, SCHEMA)
            part = list(POINTS)[[s["id"] for s in part_steps(workflow)].index(runner)]
            assert result["max_score"] == POINTS[part], (kind, runner)
            assert sum(t["score"] for t in result["tests"]) <= result["max_score"]
            assert len(result["tests"]) == len(HALF_SOLVED_SCORES[part])


def test_solved_notebook_gets_every_point(published, workflow):
    total, most, results = reporter_points(workflow, published["solved"])
    assert (total, most) == (16, 16) == (sum(POINTS.values()),) * 2
    for result in results.values():
        assert result["status"] == "pass"
        assert all(t["status"] == "pass" and t["message"] == "" for t in result["tests"])


def test_stubbed_notebook_gets_nothing_and_says_not_implemented(published, workflow):
    total, most, results = reporter_points(workflow, published["stubbed"])
    assert (total, most) == (0, 16)
    for result in results.values():
        assert result["status"] == "fail"
        for test in result["tests"]:
            assert test["status"] == "fail" and test["score"] == 0
            assert "not implemented yet" in test["message"]


def test_half_solved_notebook_gets_the_points_worked_out_by_hand(published, workflow):
    total, most, results = reporter_points(workflow, published["half"])
    by_part = dict(zip(POINTS, results.values()))
    for part, scores in HALF_SOLVED_SCORES.items():
        assert [t["score"] for t in by_part[part]["tests"]] == scores, part
        fails = HALF_SOLVED_FAILS.get(part, [])
        assert [t["status"] for t in by_part[part]["tests"]] == [
            "fail" if i in fails else "pass" for i in range(len(scores))], part
        assert by_part[part]["status"] == ("fail" if fails else "pass"), part
    assert (total, most) == (11, 16)
    # the reporter's log: (checks passed ÷ checks) × max_score per runner, then the sum
    log = {part: sum(t["status"] == "pass" for t in r["tests"]) / len(r["tests"])
           * r["max_score"] for part, r in zip(POINTS, results.values())}
    assert log == {part: sum(scores) for part, scores in HALF_SOLVED_SCORES.items()}
    assert sum(log.values()) == total
    assert "∂C/∂W³" in by_part["backward"]["tests"][2]["message"]
    assert "relative error" in by_part["backward"]["tests"][2]["message"]
    assert all("in place" not in t["message"] for t in by_part["update"]["tests"])


# -- the command itself ------------------------------------------------------------------


def test_classroom_result_without_a_notebook_is_an_error_result(tmp_path, capsys,
                                                                monkeypatch):
    copy_public_files(tmp_path)
    monkeypatch.chdir(tmp_path)
    assert main(["classroom-result", "backward"]) == 0
    result = json.loads(capsys.readouterr().out)
    jsonschema.validate(result, SCHEMA)
    assert result["status"] == "error" and result["max_score"] == POINTS["backward"]
    assert sum(t["score"] for t in result["tests"]) == 0
    assert "backprop.ipynb" in result["tests"][0]["message"]
    assert main(["classroom-result", "no_such_part"]) == 0
    result = json.loads(capsys.readouterr().out)
    jsonschema.validate(result, SCHEMA)
    assert result["status"] == "error" and "unknown part" in result["tests"][0]["message"]


@pytest.mark.parametrize("damage", ["no config", "invalid config", "no checks"])
def test_a_broken_config_still_prints_reporter_json_with_the_reason(tmp_path, capsys,
                                                                   monkeypatch, damage):
    """Whatever goes wrong, the reporter gets JSON: status error, zero points, the reason."""
    copy_public_files(tmp_path)
    if damage == "no config":
        (tmp_path / "exercise.toml").unlink()
    elif damage == "invalid config":
        (tmp_path / "exercise.toml").write_text("[assignment\n", encoding="utf-8")
    else:
        (tmp_path / "checks.py").unlink()
    monkeypatch.chdir(tmp_path)
    assert main(["classroom-result", "backward", "--assignment", str(tmp_path)]) == 0
    result = json.loads(capsys.readouterr().out)
    jsonschema.validate(result, SCHEMA)
    assert result["status"] == "error" and result["max_score"] == 0
    assert sum(t["score"] for t in result["tests"]) == 0
    why = result["tests"][0]["message"]
    assert {"no config": "exercise.toml", "invalid config": "not valid TOML",
            "no checks": "no checks"}[damage] in why, why


def test_every_assignments_release_publishes_reporter_json_for_each_part(tmp_path, capsys,
                                                                          monkeypatch):
    """The second assignment works with the Classroom steps unchanged: its release's
    workflow has one step per part, and each step prints valid reporter JSON (the stub
    notebook: no points, a reason)."""
    from autograder.config import list_assignments
    from autograder.release import build_release

    for folder in list_assignments():
        assignment = load_assignment(folder)
        out = tmp_path / assignment.name
        build_release(assignment, out)
        workflow = yaml.safe_load((out / ".github" / "workflows" / "classroom.yml").read_text())
        steps = workflow["jobs"]["run-autograding-tests"]["steps"]
        monkeypatch.chdir(out)
        for part, points in assignment.points.items():
            assert any(part.replace("_", "") in str(s.get("id", "")) for s in steps), part
            assert main(["classroom-result", part]) == 0
            result = json.loads(capsys.readouterr().out)
            jsonschema.validate(result, SCHEMA)
            assert result["max_score"] == points
            assert sum(t["score"] for t in result["tests"]) == 0


def test_the_run_shows_every_check_and_its_message_in_the_log_and_the_summary(published):
    """The reporter shows no message of a failed check: the step log and the run's summary
    do (the half-solved notebook: BP4 transposed, an update in place)."""
    half = published["half"]
    log = half["logs"]["backward"]
    assert "∂C/∂W³" in log and "relative error" in log and "FAILED" in log
    summary = (half["folder"] / ".github_summary_checks").read_text(encoding="utf-8")
    rows = [line for line in summary.splitlines() if line.startswith("| ") and "---" not in line]
    assert rows[0] == "| part | check | points | message |"
    assert len(rows) - 1 == 19  # one row per check, the 0-point ones too
    assert any("∂C/∂W³" in r and "| 0 / 1 |" in r for r in rows)
    assert any("in place" in r for r in rows)  # feedback-only checks are seen here
    assert "11 / 16 points" in summary

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
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import jsonschema
import pytest
import yaml
from reporter import model, real_reporter, run_real
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
from autograder.core.config import load_assignment

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
        run = step["run"].strip().splitlines()
        assert run[0] == (f"result=$(autograder classroom-result {part} --from "
                          f"autograder-checks.json --points {POINTS[part]:g}) || true")
        assert run[-1] == ('echo "result=$(printf \'%s\' "$result" | base64 -w0)"'
                           ' >> "$GITHUB_OUTPUT"')
        # when the autograder prints nothing (not installed), the step publishes a zero
        fallback = json.loads(run[1].split("result=\'", 1)[1].rstrip("\'"))
        jsonschema.validate(fallback, SCHEMA)
        assert fallback["status"] == "error" and fallback["max_score"] == POINTS[part]
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
    # the reporter's log and notice, as its source computes them: every line is the grade
    report = model(results)
    assert report.notice == "Points 11/16"
    assert report.runner_totals == {
        runner: f"{sum(HALF_SOLVED_SCORES[part]):.2f}/{POINTS[part]:g}"
        for runner, part in zip(results, POINTS)}
    assert report.table_total == ("11", "16")
    assert report.failed == "Some tests failed."
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
    from autograder.core.config import list_assignments
    from autograder.instructor.release import build_release

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


# -- the reporter's log and notice: the grade in every line ----------------------------------


def runner_results(workflow: dict, published: dict, kind: str) -> dict[str, dict]:
    return reporter_points(workflow, published[kind])[2]


@pytest.mark.parametrize("kind, total", [("solved", "16"), ("stubbed", "0"), ("half", "11")])
def test_the_reporters_notice_log_and_table_say_the_grade(published, workflow, kind, total):
    results = runner_results(workflow, published, kind)
    report = model(results)
    assert report.notice == f"Points {total}/16"
    assert report.table_total == (total, "16")
    for runner, result in results.items():  # each runner's log line is its points
        got = sum(t["score"] for t in result["tests"])
        assert report.runner_totals[runner] == f"{got:.2f}/{result['max_score']:g}"
    assert report.failed == (None if kind == "solved" else "Some tests failed.")


def test_a_step_whose_autograder_is_missing_still_posts_a_zero(workflow, tmp_path):
    """The install step failed: each part's step publishes its fallback JSON (0 of its points,
    and why), so the reporter still posts 0/16 instead of failing on empty input."""
    runners = {}
    for step in part_steps(workflow):
        script = tmp_path / f"{step['id']}.sh"
        script.write_text(step["run"])
        output = tmp_path / f"output_{step['id']}"
        done = subprocess.run(["bash", "-e", str(script)], cwd=tmp_path, capture_output=True,
                              env={"PATH": "/usr/bin:/bin", "GITHUB_OUTPUT": str(output)},
                              text=True, timeout=60)
        assert done.returncode == 0 and "autograder: command not found" in done.stderr
        encoded = output.read_text().strip().removeprefix("result=")
        runners[step["id"]] = json.loads(base64.b64decode(encoded))
    report = model(runners)
    assert report.notice == "Points 0/16" and report.failed == "Some tests errored."
    assert report.shown.count("the autograder did not run (did the install step fail?): "
                              "see the log of this run") == len(POINTS)


def test_a_broken_config_posts_zero_out_of_the_workflows_points(tmp_path, capsys, monkeypatch):
    """exercise.toml is gone: every step still publishes JSON, with the points the workflow
    passes, so the reporter posts 0/16 and shows the reason."""
    copy_public_files(tmp_path)
    (tmp_path / "exercise.toml").unlink()
    monkeypatch.chdir(tmp_path)
    runners = {}
    for part, points in POINTS.items():
        assert main(["classroom-result", part, "--from", "autograder-checks.json",
                     "--points", f"{points:g}"]) == 0
        runners[part.replace("_", "")] = json.loads(capsys.readouterr().out)
    report = model(runners)
    assert report.notice == "Points 0/16" and report.failed == "Some tests errored."
    assert all("exercise.toml" in line for line in report.shown)


UNEVEN = {"sigmoid": 1, "sigmoid_prime": 1, "forward": 3, "cost": 2.5, "backward": 10,
          "update": 2, "full_step": 2}  # 21.5: backward's 10 do not divide among 7 checks


@pytest.fixture(scope="module")
def uneven(tmp_path_factory) -> dict[str, dict]:
    """A config whose points do not divide evenly; each notebook checked once, then every
    part's reporter JSON read from the saved checks, as the workflow does."""
    folder = tmp_path_factory.mktemp("uneven")
    copy_public_files(folder)
    text = (folder / "exercise.toml").read_text(encoding="utf-8")
    for part, points in POINTS.items():
        text = text.replace(f"\n{part} = {points:g}\n", f"\n{part} = {UNEVEN[part]}\n")
    (folder / "exercise.toml").write_text(text, encoding="utf-8")
    assert load_assignment(folder).points == UNEVEN
    out = {}
    for kind, nb in {"solved": solved_notebook(),
                     "half": with_cells(solved_notebook(), **HALF_SOLVED)}.items():
        path = folder / f"{kind}.ipynb"
        write(nb, path)
        saved = folder / f"{kind}.json"
        done = subprocess.run([sys.executable, "-m", "autograder.cli", "check", str(path),
                               "--json"], cwd=folder, capture_output=True, text=True,
                              timeout=300)
        saved.write_text(done.stdout, encoding="utf-8")
        runners = {}
        for part in UNEVEN:
            done = subprocess.run([sys.executable, "-m", "autograder.cli", "classroom-result",
                                   part, str(path), "--from", str(saved)], cwd=folder,
                                  capture_output=True, text=True, timeout=60)
            runners[part.replace("_", "")] = json.loads(done.stdout)
        out[kind] = {"check": json.loads(saved.read_text(encoding="utf-8")), "runners": runners}
    return out


def test_points_that_do_not_divide_evenly_still_sum_exactly(uneven):
    """backward = 10 over 7 checks: shares of 1.5 (five checks) and 1.25 (two), by largest
    remainder in quarter points (autograder/core/shares.py); a solved notebook gets 21.5/21.5,
    not 21.499999999999996, and every log line, the notice and ``check`` agree."""
    solved = model(uneven["solved"]["runners"])
    assert solved.notice == "Points 21.5/21.5" and solved.table_total == ("21.5", "21.5")
    assert solved.runner_totals["backward"] == "10.00/10"
    backward = [r["max_score"] for r in uneven["solved"]["check"]["results"]
                if r["part"] == "backward" and r["max_score"] > 0]
    assert backward == [1.5, 1.5, 1.5, 1.5, 1.5, 1.25, 1.25]
    # the half-solved notebook fails backward's checks 3, 5 and 7 and full_step (by hand):
    # backward 1.5 + 1.5 + 1.5 + 1.25 = 5.75; 1 + 1 + 3 + 2.5 + 5.75 + 2 + 0 = 15.25
    half = model(uneven["half"]["runners"])
    assert half.notice == "Points 15.25/21.5" and half.table_total == ("15.25", "21.5")
    assert half.runner_totals["backward"] == "5.75/10"
    assert half.runner_totals["forward"] == "3.00/3" and half.runner_totals["cost"] == "2.50/2.5"
    assert uneven["half"]["check"]["score"] == 15.25
    published = uneven["half"]["runners"]["backward"]["tests"]
    assert len(published) == 40  # 10 points in tests of a quarter: the log's count is the grade
    assert {t["score"] for t in published} == {0, 0.25}


def test_the_model_is_the_real_reporter(published, workflow, uneven, tmp_path, capsys,
                                        monkeypatch):
    """With $AUTOGRADING_REPORTER naming the reporter's dist/main.js (tag v1), node runs it on
    every case above and prints what the model says."""
    main_js = real_reporter()
    if main_js is None:
        pytest.skip("set AUTOGRADING_REPORTER to the reporter's dist/main.js (tag v1) to run it")
    cases = {kind: runner_results(workflow, published, kind)
             for kind in ("solved", "stubbed", "half")}
    cases |= {f"uneven {kind}": uneven[kind]["runners"] for kind in ("solved", "half")}
    for kind, runners in cases.items():
        assert run_real(main_js, runners) == model(runners), kind

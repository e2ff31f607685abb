"""CI runs the README's test command on every Python the kit claims."""

import re

import yaml
from conftest import REPO_ROOT

from autograder.core.config import list_assignments, read_toml


def test_ci_runs_the_readme_test_command_verbatim():
    readme = (REPO_ROOT / "README.md").read_text()
    command = re.search(r"# 2\. .*\n(.+)\n", readme).group(1)
    assert command in (REPO_ROOT / ".ci" / "run").read_text().splitlines()


def test_the_workflow_covers_every_claimed_python_with_current_actions():
    claimed = read_toml(REPO_ROOT / "pyproject.toml")["project"]["requires-python"]
    lowest = int(re.fullmatch(r">=3\.(\d+)", claimed).group(1))
    job = yaml.safe_load((REPO_ROOT / ".github/workflows/ci.yml").read_text())["jobs"]["test"]
    assert job["strategy"]["matrix"]["python-version"] == [f"3.{m}" for m in range(lowest, 14)]
    steps = job["steps"]
    assert [s.get("uses") for s in steps[:2]] == ["actions/checkout@v5", "actions/setup-python@v6"]
    assert steps[1]["with"]["python-version"] == "${{ matrix.python-version }}"
    assert steps[-1]["run"].endswith("bash .ci/run")


def test_students_systems_run_check_from_the_release():
    """macOS and Windows get the process-only tier: the release's check, solved and stubbed."""
    job = yaml.safe_load((REPO_ROOT / ".github/workflows/ci.yml").read_text())["jobs"][
        "student-check"]
    assert job["strategy"]["matrix"]["os"] == ["macos-latest", "windows-latest"]
    assert job["strategy"]["matrix"]["assignment"] == [p.name for p in list_assignments()]
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert "release --assignment ${{ matrix.assignment }} --out dist/student" in script
    assert "answer-key --assignment ${{ matrix.assignment }}" in script
    assert "check ../../solved.ipynb" in script
    assert "if $PY -m autograder.cli check; then" in script  # the stubs must fail

"""The docs: a README a newcomer reads in five minutes, and docs/ built as a site.

The site is built by MkDocs itself with ``--strict`` (a broken link or anchor, a missing
included file, a page missing from the nav fails it); the nav is also read here, so that no
page of docs/ is left out of it.
"""

from __future__ import annotations

import os
import subprocess
import sys

import yaml
from conftest import REPO_ROOT

README_MOST_LINES = 150


class _ConfigLoader(yaml.SafeLoader):
    """mkdocs.yml with its tags (``!relative``) read as plain values."""


_ConfigLoader.add_multi_constructor("!", lambda loader, tag, node: None)


def _nav_pages(nav: object) -> list[str]:
    """Every page path of a MkDocs nav, however deep."""
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for item in nav for page in _nav_pages(item)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in _nav_pages(value)]
    return []


def test_the_readme_is_short():
    lines = (REPO_ROOT / "README.md").read_text(encoding="utf-8").splitlines()
    assert len(lines) <= README_MOST_LINES


def test_every_page_of_docs_is_in_the_nav():
    config = yaml.load((REPO_ROOT / "mkdocs.yml").read_text(encoding="utf-8"),
                       Loader=_ConfigLoader)
    docs = REPO_ROOT / config["docs_dir"]
    pages = {p.relative_to(docs).as_posix() for p in docs.rglob("*.md")}
    nav = _nav_pages(config["nav"])
    assert sorted(pages - set(nav)) == []
    assert len(nav) == len(set(nav))


def test_the_site_builds_strictly(tmp_path):
    run = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})
    assert run.returncode == 0, run.stdout + run.stderr
    assert (tmp_path / "index.html").is_file()
    assert "Parts and checks" in (tmp_path / "assignment-backprop" / "index.html").read_text(
        encoding="utf-8")

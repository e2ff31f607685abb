"""Submission files -> the code cells the child will run, and submission discovery.

A notebook (nbformat 4, 3, or older when nbformat can upgrade it) gives its code cells, less those
tagged ``autograder-skip`` (pictures and tables the grader does not need). A ``.py`` file
gives one cell per section between cell markers: ``# %%`` (Jupytext, VS Code, Spyder) or
``# In[3]:`` (Jupyter's "Download as Python", nbconvert); without markers (a plain
module, Colab's "Download .py") the file is one cell. IPython magics and ``!`` shell lines
cannot run in plain Python, so they are neutralised here, in the trusted process, as plain
text; nbconvert's ``get_ipython().run_line_magic(...)`` calls are answered in the child.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

SKIP_TAG = "autograder-skip"
SUFFIXES = (".ipynb", ".py")
MAX_BYTES = 5 << 20
_MAGIC = re.compile(r"^(\s*)(?:[%!]|\w[\w.]*\s*=\s*[%!])")
_CELL_MAGICS_KEPT = ("%%time", "%%timeit", "%%capture")
_CELL_MARKER = re.compile(r"^(?:# %%.*|# In\[[ \d]*\]:[ \t]*)$", re.MULTILINE)


class SubmissionError(Exception):
    """The submission file cannot be read as code (the reason is for the student)."""


@dataclass(frozen=True)
class Submission:
    """One student's file: ``student`` is the file or folder name."""

    student: str
    path: Path


def neutralise(source: str) -> str:
    """Replace IPython-only lines (``%magic``, ``!cmd``, ``x = !cmd``) by ``pass``.

    A cell magic that only times or captures its cell (``%%time``) is dropped and its code
    kept; any other cell (``%%bash``, ``%%html``) is not Python and is dropped whole.
    """
    stripped = source.lstrip()
    if stripped.startswith("%%"):
        first, _, rest = stripped.partition("\n")
        if first.split()[0] not in _CELL_MAGICS_KEPT:
            return ""
        source = rest
    lines = source.splitlines()
    return "\n".join(
        m.group(1) + "pass  # IPython-only line removed by the grader" if (m := _MAGIC.match(ln))
        else ln
        for ln in lines
    ) + "\n"


def read_cells(path: Path) -> list[str]:
    """The code cells of a submission, ready to run in order; SubmissionError if unreadable."""
    try:
        data = path.read_bytes()
    except OSError as err:
        raise SubmissionError(f"cannot read the file ({err.strerror})") from None
    if not data.strip():
        raise SubmissionError("the file is empty")
    if len(data) > MAX_BYTES:
        raise SubmissionError(f"the file is larger than {MAX_BYTES >> 20} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError("the file is not UTF-8 text (a binary file?)") from None
    if "\x00" in text:
        raise SubmissionError("the file is not text (it contains NUL bytes)")
    text = text.removeprefix("\ufeff")  # a byte order mark, as some editors write
    if path.suffix == ".py":
        return [neutralise(c) for c in _CELL_MARKER.split(text) if _has_code(c)] or [""]
    return _notebook_cells(text)


def _has_code(section: str) -> bool:
    """Whether a section of a script holds more than comments (a markdown cell, a header)."""
    return any(line.strip() and not line.lstrip().startswith("#") for line in section.splitlines())


def _notebook(text: str) -> dict:
    """The notebook as nbformat 4 JSON (its ``cells``); older versions are upgraded.

    Version 3 (worksheets of cells whose code is in ``input``) is upgraded here; versions 1
    and 2 with nbformat, imported only then: its import alone takes seconds.
    """
    try:
        nb = json.loads(text)
    except ValueError as err:
        raise SubmissionError(f"not a Jupyter notebook: invalid JSON ({err})") from None
    except RecursionError:
        raise SubmissionError("not a Jupyter notebook: JSON nested too deeply") from None
    if not isinstance(nb, dict) or type(nb.get("nbformat")) is not int:
        raise SubmissionError("not a Jupyter notebook: no nbformat version")
    if nb["nbformat"] == 3:
        worksheets = nb.get("worksheets")
        if not isinstance(worksheets, list):
            raise SubmissionError("not a Jupyter notebook: nbformat 3 without worksheets")
        cells = [c for ws in worksheets if isinstance(ws, dict)
                 and isinstance(ws.get("cells"), list) for c in ws["cells"]]
        return {"cells": [{**c, "source": c.get("input", "")} if isinstance(c, dict)
                          and c.get("cell_type") == "code" else c for c in cells]}
    if nb["nbformat"] < 3:
        import nbformat

        try:
            nb = nbformat.convert(nbformat.from_dict(nb), 4)
        except Exception as err:  # noqa: BLE001 - nbformat raises many kinds for bad input
            raise SubmissionError(f"cannot upgrade this old notebook ({err})") from None
    if not isinstance(nb.get("cells"), list):
        raise SubmissionError("not a Jupyter notebook: no list of cells")
    return nb


def _notebook_cells(text: str) -> list[str]:
    nb = _notebook(text)
    cells = []
    for cell in nb["cells"]:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        metadata = cell.get("metadata")
        tags = metadata.get("tags", []) if isinstance(metadata, dict) else []
        if isinstance(tags, list) and SKIP_TAG in tags:
            continue
        source = cell.get("source", "")
        if isinstance(source, list) and all(isinstance(line, str) for line in source):
            source = "".join(source)
        if not isinstance(source, str):  # a damaged cell fails alone, with a reason
            source = "raise ValueError('this code cell of the notebook file has no text')\n"
        cells.append(neutralise(source))
    if not cells:
        raise SubmissionError("the notebook has no code cells")
    return cells


def discover(paths: list[Path], notebook: str | None = None) -> list[Submission]:
    """Submissions under ``paths``: files, folders of files, or folders of student folders.

    A folder holding a notebook or .py directly is one student's (named after it) when it
    is not the folder given; a given folder's files are one student each (named after
    the file), and its sub-folders one student each: the file named ``notebook`` (the
    assignment's) inside, at any depth (nbgrader's ``<student>/<assignment>/``), else the
    first notebook inside, else the first .py.
    """
    found: list[Submission] = []
    for path in paths:
        if path.is_file():
            found.append(Submission(path.stem, path))
            continue
        for entry in sorted(path.iterdir()):
            if entry.is_file() and entry.suffix in SUFFIXES:
                found.append(Submission(entry.stem, entry))
            elif entry.is_dir() and not entry.name.startswith("."):
                inner = _pick(entry, notebook)
                if inner is not None:
                    found.append(Submission(entry.name, inner))
    return _unique(found)


def _unique(found: list[Submission]) -> list[Submission]:
    """One submission per file, and one name per student: names that collide (two folders'
    ``backprop.ipynb``, ``alice.py`` beside ``alice.ipynb``) get their folder or suffix."""
    by_path = {s.path.resolve(): s for s in reversed(found)}
    found = [s for s in found if by_path.get(s.path.resolve()) is s]
    names = Counter(s.student for s in found)
    renamed = []
    for sub in found:
        if names[sub.student] == 1:
            renamed.append(sub)
            continue
        group = [t.path for t in found if t.student == sub.student]
        for name in (lambda p: p.parent.name, lambda p: p.name.replace(".", "_"),
                     lambda p: f"{p.parent.name}-{p.name}".replace(".", "_")):
            if len({name(p) for p in group}) == len(group) and names[name(sub.path)] == 0:
                renamed.append(Submission(name(sub.path), sub.path))
                break
        else:
            renamed.append(sub)
    taken = Counter(s.student for s in renamed)
    seen: Counter = Counter()
    unique = []
    for sub in renamed:
        seen[sub.student] += 1
        name = sub.student if taken[sub.student] == 1 else f"{sub.student}-{seen[sub.student]}"
        unique.append(Submission(name, sub.path))
    return unique


def _pick(folder: Path, notebook: str | None = None) -> Path | None:
    """The student's file inside their folder: the one named ``notebook``, else a notebook,
    else a .py; recursive."""
    for pattern in ([notebook] if notebook else []) + [f"*{suffix}" for suffix in SUFFIXES]:
        files = sorted((p for p in folder.rglob(pattern)
                        if ".ipynb_checkpoints" not in p.parts and not p.name.startswith(".")),
                       key=lambda p: (len(p.parts), p))
        if files:
            return files[0]
    return None

"""Submission files -> the code cells the child will run, and submission discovery.

A notebook (nbformat 4, 3, or older when nbformat can upgrade it) gives its code cells, less those
tagged ``autograder-skip`` (pictures and tables the grader does not need). A ``.py`` file
gives one cell per section between cell markers: ``# %%`` (Jupytext, VS Code, Spyder) or
``# In[3]:`` (Jupyter's "Download as Python", nbconvert); without markers (a plain
module, Colab's "Download .py") the file is one cell. Line ends may be LF, CRLF or CR.
IPython magics and ``!`` shell lines cannot run in plain Python, so they are neutralised
here, in the trusted process, as plain text; nbconvert's ``get_ipython().run_line_magic(...)``
calls are answered in the child.

Submission files and names are the students' data: a file is read only when it is a regular
file itself (never through a symbolic link, never a FIFO or a device), and a student's name
is made safe for every path and cell the grader writes.
"""

from __future__ import annotations

import errno
import json
import os
import re
import stat
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path

from autograder.core.errors import SubmissionError

SKIP_TAG = "autograder-skip"
SUFFIXES = (".ipynb", ".py")
MAX_BYTES = 5 << 20  # of code: what the child runs (a notebook's outputs do not count)
MAX_FILE_BYTES = 200 << 20  # of the file as it is, outputs included
_MAGIC = re.compile(r"^(\s*)(?:[%!]|\w[\w.]*\s*=\s*[%!])")
_CELL_MAGICS_KEPT = ("%%time", "%%timeit", "%%capture")
_CELL_MARKER = re.compile(r"^(?:# %%.*|# In\[[ \d]*\]:[ \t]*)$", re.MULTILINE)
_NEWLINE = re.compile(r"\r\n?")
LINK = "a symbolic link, not a file: submit the notebook itself"
_KINDS = {stat.S_IFDIR: "a folder", stat.S_IFIFO: "a FIFO", stat.S_IFSOCK: "a socket",
          stat.S_IFCHR: "a character device", stat.S_IFBLK: "a block device"}



def student_name(raw: str) -> str:
    """A file or folder name as a student's name, safe as one folder name and in a CSV.

    Characters that are not printable (controls, NUL, lone surrogates of undecodable bytes)
    and path separators become ``_``, so do leading dots (``.``, ``..``, hidden folders);
    an empty name is ``_``; at most 200 bytes of UTF-8. Applying it twice changes nothing.
    """
    name = "".join(c if c.isprintable() and c not in "/\\" else "_" for c in raw)
    name = "_" * (len(name) - len(name.lstrip("."))) + name.lstrip(".")
    return name.encode("utf-8")[:200].decode("utf-8", "ignore") or "_"


@dataclass(frozen=True)
class Submission:
    """One student's file: ``student`` is the file or folder name, made safe here (the one
    place every Submission is made, so every writer gets the safe name)."""

    student: str
    path: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "student", student_name(self.student))


def read_submission(path: Path) -> bytes:
    """The bytes of a submission file; SubmissionError (with the reason) when it is not a
    regular file of at most MAX_FILE_BYTES.

    ``lstat`` first, so that nothing but a regular file is opened (opening a FIFO blocks, a
    device may act); then the open with ``O_NOFOLLOW`` and ``fstat`` of what was opened, so
    that a file swapped for a link or a FIFO in between is refused too.
    """
    try:
        _regular(os.lstat(path))
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY
                     | os.O_CLOEXEC)
    except OSError as err:
        why = LINK if err.errno == errno.ELOOP else f"cannot read the file ({err.strerror})"
        raise SubmissionError(why) from None
    with open(fd, "rb") as file:
        size = _regular(os.fstat(fd)).st_size
        if size > MAX_FILE_BYTES:
            raise SubmissionError(f"the file is larger than {MAX_FILE_BYTES >> 20} MB")
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:  # it grew since fstat
        raise SubmissionError(f"the file is larger than {MAX_FILE_BYTES >> 20} MB")
    return data


def _regular(info: os.stat_result) -> os.stat_result:
    if stat.S_ISLNK(info.st_mode):
        raise SubmissionError(LINK)
    if not stat.S_ISREG(info.st_mode):
        kind = _KINDS.get(stat.S_IFMT(info.st_mode), "a special file")
        raise SubmissionError(f"not a regular file ({kind}): submit the notebook itself")
    return info


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
    data = read_submission(path)
    script = path.name.endswith(".py")  # ".py" too, where pathlib sees no suffix
    if not data.strip():
        raise SubmissionError("the file is empty")
    if script and len(data) > MAX_BYTES:  # all code: no need to decode it
        raise SubmissionError(f"the code is larger than {MAX_BYTES >> 20} MB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise SubmissionError("the file is not UTF-8 text (a binary file?)") from None
    del data  # a notebook of plots may be large: one copy at a time
    if "\x00" in text:
        raise SubmissionError("the file is not text (it contains NUL bytes)")
    text = text.removeprefix("\ufeff")  # a byte order mark, as some editors write
    if script:
        text = _NEWLINE.sub("\n", text)
        cells = [neutralise(c) for c in _CELL_MARKER.split(text) if _has_code(c)] or [""]
    else:
        cells = _notebook_cells(text)
    if sum(map(len, cells)) > MAX_BYTES:
        raise SubmissionError(f"the code is larger than {MAX_BYTES >> 20} MB")
    return cells


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
    """The code cells' sources; the rest (outputs, pictures, markdown) is dropped here."""
    nb = _notebook(text)
    del text
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
    first notebook inside, else the first .py. Symbolic links are never followed: a link
    (to a file or to a student's folder), a FIFO or a device where a file or a student
    folder is expected is that student's submission, and reading it fails with the reason.
    """
    found: list[Submission] = []
    for path in paths:
        if not path.is_dir():  # given as a file: whatever it is, it is one student's
            found.append(Submission(_stem(path.name), path))
            continue
        for entry in sorted(os.scandir(path), key=lambda e: e.name):
            if entry.is_dir(follow_symlinks=False):
                inner = None if entry.name.startswith(".") else _pick(Path(entry), notebook)
                if inner is not None:
                    found.append(Submission(entry.name, inner))
            elif entry.name.endswith(SUFFIXES):
                found.append(Submission(_stem(entry.name), Path(entry)))
            elif entry.is_symlink() and entry.is_dir() and not entry.name.startswith("."):
                found.append(Submission(entry.name, Path(entry)))  # a student folder as a link
    return _unique(found)


def _stem(name: str) -> str:
    """``alice.ipynb`` -> ``alice``; ``.py`` -> ``''`` (pathlib sees no suffix there)."""
    return next((name[:-len(s)] for s in SUFFIXES if name.endswith(s)), Path(name).stem)


def _unique(found: list[Submission]) -> list[Submission]:
    """One submission per file given (the same path twice is graded once; paths are never
    resolved: a link is not the file it points to), and one name per student: names that
    collide (two folders' ``backprop.ipynb``, ``alice.py`` beside ``alice.ipynb``) get their
    folder or suffix."""
    by_path = {os.path.abspath(s.path): s for s in reversed(found)}
    found = [s for s in found if by_path[os.path.abspath(s.path)] is s]
    names = Counter(s.student for s in found)
    renamed = []
    for sub in found:
        if names[sub.student] == 1:
            renamed.append(sub)
            continue
        group = [t.path for t in found if t.student == sub.student]
        for name in (lambda p: student_name(p.parent.name),
                     lambda p: student_name(p.name.replace(".", "_")),
                     lambda p: student_name(f"{p.parent.name}-{p.name}".replace(".", "_"))):
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
    else a .py; recursive, not into linked folders (a link or FIFO so named is picked, and
    refused when read)."""
    files = list(_walk(folder))
    for pattern in ([notebook] if notebook else []) + [f"*{suffix}" for suffix in SUFFIXES]:
        matches = [p for p in files if fnmatchcase(p.name, pattern)]
        if matches:
            return min(matches, key=lambda p: (len(p.parts), p))
    return None


def _walk(folder: Path) -> Iterator[Path]:
    """Every non-folder entry under ``folder`` (links included, never entered) but hidden
    ones and those in ``.ipynb_checkpoints``."""
    for root, dirs, files in os.walk(folder):  # followlinks=False
        dirs[:] = [d for d in dirs if d != ".ipynb_checkpoints"]
        links = [d for d in dirs if os.path.islink(os.path.join(root, d))]
        yield from (Path(root, f) for f in files + links if not f.startswith("."))

"""Authoring helpers for an assignment's generators (``make_notebook.py``,
``examples/make_examples.py``): nbgrader cells, function stubs and signatures, and the
command that writes or checks an assignment's generated examples. Part of the assignments'
contract (``autograder/contract``, which gives these names on first use) and released with
it: none of it holds a solution (the answer key that fills solution cells is the
instructors' alone, ``autograder/instructor/answer_key.py``).

A solution cell is a code cell whose nbgrader metadata has ``solution: true``; its
``grade_id`` names the function it defines.
"""

from __future__ import annotations

import ast
import inspect
from collections.abc import Mapping
from pathlib import Path
from types import FunctionType, ModuleType
from typing import TYPE_CHECKING

from autograder.core.modules import load_module

if TYPE_CHECKING:  # nbformat is imported by the functions that build cells: it is slow to
    from nbformat import NotebookNode  # import (jsonschema), and reading one is not

__all__ = ["load_module"]  # the generators load the hidden reference from its path

BEGIN_SOLUTION = "### BEGIN SOLUTION"
END_SOLUTION = "### END SOLUTION"


def public_functions(module: ModuleType) -> dict[str, FunctionType | type]:
    """The functions and classes defined (not imported) in ``module`` without a leading
    ``_``, in the order of the file."""
    found = [
        obj for name, obj in vars(module).items()
        if (inspect.isfunction(obj) or inspect.isclass(obj))
        and obj.__module__ == module.__name__ and not name.startswith("_")
    ]
    found.sort(key=lambda f: inspect.getsourcelines(f)[1])
    return {f.__name__: f for f in found}


def plain_signature(func: FunctionType) -> inspect.Signature:
    """``func``'s signature without annotations: names, kinds and defaults only."""
    signature = inspect.signature(func)
    return signature.replace(
        parameters=[p.replace(annotation=p.empty) for p in signature.parameters.values()],
        return_annotation=signature.empty,
    )


def _signature_from_ast(args: ast.arguments) -> inspect.Signature:
    """The plain signature of a ``def``; defaults must be literals (``ast.literal_eval``)."""
    P = inspect.Parameter
    positional = [(a, P.POSITIONAL_ONLY) for a in args.posonlyargs]
    positional += [(a, P.POSITIONAL_OR_KEYWORD) for a in args.args]
    defaults = [P.empty] * (len(positional) - len(args.defaults)) + args.defaults
    params = [P(a.arg, kind, default=d if d is P.empty else ast.literal_eval(d))
              for (a, kind), d in zip(positional, defaults, strict=True)]
    if args.vararg:
        params.append(P(args.vararg.arg, P.VAR_POSITIONAL))
    params += [P(a.arg, P.KEYWORD_ONLY, default=P.empty if d is None else ast.literal_eval(d))
               for a, d in zip(args.kwonlyargs, args.kw_defaults, strict=True)]
    if args.kwarg:
        params.append(P(args.kwarg.arg, P.VAR_KEYWORD))
    return inspect.Signature(params)


def nbgrader_metadata(grade_id: str, solution: bool = False) -> dict:
    """nbgrader (schema 3) cell metadata: a solution cell, or a locked read-only cell."""
    return {"grade": False, "solution": solution, "locked": not solution, "task": False,
            "grade_id": grade_id, "schema_version": 3}


def nbgrader_cell(kind: str, source: str, grade_id: str, solution: bool = False,
                  tags: tuple[str, ...] = ()) -> NotebookNode:
    """A markdown or code cell with nbgrader metadata; its id is the grade_id."""
    from nbformat.v4 import new_code_cell, new_markdown_cell

    new = new_markdown_cell if kind == "markdown" else new_code_cell
    return new(source, id=grade_id, metadata={
        "nbgrader": nbgrader_metadata(grade_id, solution), "tags": list(tags)})


def is_solution_cell(cell: Mapping) -> bool:
    """A code cell marked ``solution: true`` in its nbgrader metadata (a cell of nbformat or
    of a notebook's JSON read as it is)."""
    metadata = cell.get("metadata")
    nbgrader = metadata.get("nbgrader") if isinstance(metadata, Mapping) else None
    return cell.get("cell_type") == "code" and isinstance(nbgrader, Mapping) and \
        bool(nbgrader.get("solution"))


def stub_functions(nb: NotebookNode) -> dict[str, inspect.Signature]:
    """Every top-level function defined in the notebook's solution cells, by name."""
    return {
        node.name: _signature_from_ast(node.args)
        for cell in nb.cells if is_solution_cell(cell)
        for node in ast.parse(cell.source).body if isinstance(node, ast.FunctionDef)
    }


def split_function(func: FunctionType) -> tuple[list[str], list[str]]:
    """``func``'s source lines (a function's or a class's), split into its head (the def or
    class line and docstring) and the rest."""
    lines = inspect.getsource(func).splitlines()
    node = ast.parse("\n".join(lines)).body[0]
    assert isinstance(node, (ast.FunctionDef, ast.ClassDef))
    has_docstring = ast.get_docstring(node) is not None
    body = node.body[1:] if has_docstring else node.body
    if not body:
        raise ValueError(f"{func.__name__}: nothing after the docstring")
    first = body[0]
    # ast line numbers are 1-based: the rest starts after the docstring's last line or,
    # without a docstring, at the first statement (or its first decorator)
    start = (node.body[0].end_lineno if has_docstring else
             min([first.lineno, *(d.lineno for d in getattr(first, "decorator_list", []))]) - 1)
    return lines[:start], lines[start:]


# ------------------------------------------------------------------ example generators


def stale_files(files: dict[str, str], out: Path) -> list[str]:
    """The files of ``out`` that are missing, differ from ``files``, or are not in it."""
    wrong = [name for name, text in files.items()
             if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text]
    extra = [p.name for p in out.glob("*") if p.is_file() and p.name not in files]
    return sorted(wrong + extra)


def write_files(files: dict[str, str], out: Path) -> list[Path]:
    """Write ``files`` (name -> text) into ``out``, byte for byte."""
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, text in files.items():
        (out / name).write_text(text, encoding="utf-8", newline="")
        written.append(out / name)
    return written


def examples_main(generate, out: Path, root: Path, script: Path, doc: str,
                  argv: list[str] | None = None) -> int:
    """The command of an assignment's ``examples/make_examples.py``: write the examples that
    ``generate()`` makes, or with ``--check`` exit 1 if the committed ones are stale."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="do not write; exit 1 if the committed examples are stale")
    parser.add_argument("--out", type=Path, default=out, help="output folder")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files(generate(), args.out)
        if stale:
            print(f"stale examples in {args.out}: {', '.join(stale)}; "
                  f"run python {script.relative_to(root)}", file=sys.stderr)
            return 1
        return 0
    for path in write_files(generate(), args.out):
        print(path.relative_to(root) if path.is_relative_to(root) else path)
    return 0

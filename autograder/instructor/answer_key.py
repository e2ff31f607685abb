"""The answer key: a notebook whose solution cells hold the reference's functions.

A solution cell is a code cell whose nbgrader metadata has ``solution: true``; its
``grade_id`` names the function it defines. ``solve_notebook`` swaps each such cell for
the reference function's source, the body after the docstring between nbgrader's
``### BEGIN SOLUTION`` / ``### END SOLUTION`` markers, so the solved notebook is also an
nbgrader source notebook.

The reference is loaded from its path and never put on ``sys.path``: student code must
not be able to import it. The solved cells see only what the notebook's own cells
define (e.g. ``np`` from a setup cell), not the reference's module-level imports.
"""

from __future__ import annotations

import copy
from pathlib import Path
from types import FunctionType, ModuleType

import nbformat
from nbformat import NotebookNode

from autograder.contract.authoring import (
    BEGIN_SOLUTION,
    END_SOLUTION,
    is_solution_cell,
    public_functions,
    split_function,
)
from autograder.core.config import load_assignment
from autograder.core.modules import load_module


def solution_source(func: FunctionType) -> str:
    """``func``'s source with everything after its docstring between the solution markers."""
    head, body = split_function(func)
    first = next(line for line in body if line.strip())
    indent = first[: len(first) - len(first.lstrip())]
    return "\n".join([*head, indent + BEGIN_SOLUTION, *body, indent + END_SOLUTION])


def solve_notebook(nb: NotebookNode, reference: ModuleType) -> NotebookNode:
    """A copy of ``nb`` whose solution cells named after a reference function hold its source."""
    functions = public_functions(reference)
    solved = copy.deepcopy(nb)
    for cell in solved.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if is_solution_cell(cell) and grade_id in functions:
            cell.source = solution_source(functions[grade_id])
            cell.outputs, cell.execution_count = [], None
    return solved


def write_answer_key(assignment_folder: Path | str, reference_path: Path | str,
                     out_path: Path | str) -> Path:
    """Write the assignment's notebook solved with the reference at ``reference_path``."""
    notebook = nbformat.read(load_assignment(assignment_folder).notebook, as_version=4)
    name = f"answer_key_{Path(reference_path).stem}"  # registered: a class's source is found
    solved = solve_notebook(notebook, load_module(reference_path, name, register=True))
    out_path = Path(out_path)
    nbformat.write(solved, out_path)
    return out_path

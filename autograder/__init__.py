"""Sandboxed autograder for the backpropagation course kit.

In a notebook, ``from autograder import check`` then ``check("backward")`` runs the public
checks of that part on the saved notebook and shows them as a table.
"""


def check(part=None, notebook=None):
    """Show the public checks of ``part`` (default: all) on the saved notebook file.

    See :func:`autograder.student.notebook.check`.
    """
    from autograder.student.notebook import check as _check

    return _check(part, notebook)


__all__ = ["check"]

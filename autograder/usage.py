"""The one error every command reports as a line of usage (exit status 2).

Its own module, so that ``python -m autograder.cli`` (where the CLI module is ``__main__``)
and the commands it imports raise and catch the same class.
"""


class Misuse(Exception):
    """A bad path or option: one line for the user, exit status 2."""

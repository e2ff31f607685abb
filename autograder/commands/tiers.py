"""The ``--sandbox`` choices the parsers offer.

The sandbox's own list is ``autograder/sandbox/host.py``'s ``CHOICES``; it is named again
here because importing any part of the sandbox package imports numpy (its proxy), which
``--help`` should not pay for. tests/test_layers.py keeps the two equal.
"""

SANDBOX_CHOICES = ("auto", "namespaces", "unprivileged", "uid", "process")

"""The ``--sandbox`` choices the parsers offer.

The sandbox's own list is ``autograder/sandbox/host.py``'s ``CHOICES``; it is named again
here because importing the sandbox's modules (its proxy, zygote and links) costs a third of
what ``--help`` may take. tests/test_layers.py keeps the two equal.
"""

SANDBOX_CHOICES = ("auto", "namespaces", "unprivileged", "uid", "process")

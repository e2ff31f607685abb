"""The trusted side of the sandbox: start the zygote, fork children, talk plain JSON to them."""

from autograder.sandbox.limits import Limits
from autograder.sandbox.proxy import Answer, CellReport, Sandbox
from autograder.sandbox.zygote import Zygote

__all__ = ["Answer", "CellReport", "Limits", "Sandbox", "Zygote"]

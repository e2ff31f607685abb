"""The hidden oracle of the autodiff checks: the reference solution and the catalogue of
mistakes (hidden: never released).

``autograder grade`` runs the assignment's one check suite with this oracle; the public
checks run it with the lecture's calculus (``assignments/autodiff/lecture.py``). The
reference's ``Value`` runs every expression through the same driver as the student's code
(the assignment's ``driver.py``, loaded here with the reference's class in place of the
student's), so both answer exactly the same question. Only this oracle can name a
mistake: the catalogue holds the reference with one switch flipped.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

from autograder.contract import load_module, matches

HERE = Path(__file__).resolve().parent
PARAMS = ("W2", "b2", "W3", "b3")


def _driver(folder: Path, tag: str, value_class: type | None, network_gradients=None,
            backprop_any=None) -> object:
    """The assignment's driver as a module of its own, running the given code in place of a
    student's."""
    driver = load_module(folder / "driver.py", f"autodiff_driver_{tag}")
    driver.Value, driver.network_gradients = value_class, network_gradients
    driver.backprop_any = backprop_any
    return driver


def _call(driver, kind: str, args: tuple) -> dict:
    """One of the driver's answers, as the grader receives it (float arrays)."""
    if kind == "network":
        raw = driver.autodiff_network(*args)
    elif kind == "any_depth":
        raw = driver.autodiff_backprop_any(*args)
    elif kind == "value":
        raw = driver.autodiff_value(args[0].graph())
    elif kind == "local":
        raw = driver.autodiff_local(args[0].graph(), args[0].upstream)
    else:
        raw = driver.autodiff_gradients(args[0].graph())
    return {k: np.asarray(v, dtype=np.float64) for k, v in raw.items()}


def flat(answer: object, keys: tuple[str, ...]) -> np.ndarray | None:
    """The entries ``keys`` of an answer as one vector, None when it has no such entries."""
    if not isinstance(answer, dict) or any(k not in answer for k in keys):
        return None
    try:
        return np.concatenate([np.ravel(np.asarray(answer[k], dtype=np.float64))
                               for k in keys])
    except (TypeError, ValueError):
        return None


class ReferenceOracle:
    """The reference's answers; ``mistakes`` recognises catalogued wrong variants."""

    hidden = True

    def __init__(self, folder: Path) -> None:
        ref = load_module(HERE / "autodiff.py", "autodiff_reference")
        self._driver = _driver(folder, "reference", ref.Value, ref.network_gradients,
                               ref.backprop_any)
        module = load_module(HERE / "misconceptions.py", "autodiff_misconceptions",
                             register=True)
        self.catalogue = []
        for i, misconception in enumerate(module.CATALOGUE):
            variant = load_module(HERE / "autodiff.py", f"autodiff_variant_{i}")
            variant.Value = module.value_class(misconception.mistake)
            self.catalogue.append((misconception, _driver(folder, f"variant_{i}",
                                                          variant.Value,
                                                          variant.network_gradients)))
        self.deep_catalogue = [
            (misconception, _driver(folder, f"deep_variant_{i}", None, None,
                                    functools.partial(module.deep_backprop,
                                                      misconception.mistake)))
            for i, misconception in enumerate(module.DEEP_CATALOGUE)]

    def value(self, expression) -> dict:
        return _call(self._driver, "value", (expression,))

    def local(self, expression) -> dict:
        return _call(self._driver, "local", (expression,))

    def gradients(self, expression) -> dict:
        return _call(self._driver, "gradients", (expression,))

    def network(self, x, y, params) -> dict:
        return _call(self._driver, "network", (x, y, params))

    def any_depth(self, x, y, params) -> dict:
        return _call(self._driver, "any_depth", (x, y, params))

    def mistakes(self, kind: str, args: tuple, value: object) -> list[str]:
        """' This looks like <mistake> (<rule>).' for every catalogued mistake whose answer
        on these inputs the student's matches (in the catalogue's order). Runs only once a
        check has failed."""
        expected = _call(self._driver, kind, args)
        keys = ("value",) if kind == "value" else ("value", "grads") if kind in (
            "local", "gradients") else tuple(expected)
        given, expected = flat(value, keys), flat(expected, keys)
        if given is None:
            return []
        found = []
        catalogue = self.deep_catalogue if kind == "any_depth" else self.catalogue
        for misconception, driver in catalogue:
            try:
                candidate = flat(_call(driver, kind, args), keys)
            except (ArithmeticError, RuntimeError, TypeError, ValueError, RecursionError):
                continue
            if candidate is None or candidate.shape != expected.shape:
                continue
            if np.allclose(candidate, expected, rtol=1e-9, atol=1e-12):
                continue  # this mistake changes nothing here
            if matches(given, candidate):
                found.append(f" This looks like {misconception.name} ({misconception.rule}).")
        return found


def make_oracle(assignment) -> ReferenceOracle:
    return ReferenceOracle(Path(assignment.folder))

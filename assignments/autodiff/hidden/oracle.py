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

from autograder.contract import close, load_module, matches

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
            if close(candidate, expected, 1e-9, 1e-12):
                continue  # this mistake changes nothing here
            if matches(given, candidate):
                found.append(f" This looks like {misconception.name} ({misconception.rule}).")
        return found


# ------------------------------------------------------------------ integrity probes

PROBED = {"autodiff_value": "value", "autodiff_local": "local",  # the driver's function
          "autodiff_gradients": "gradients", "autodiff_network": "network",  # -> the kind
          "autodiff_backprop_any": "any_depth"}


class _Graph:
    """An expression as the driver receives it (``graph`` and ``upstream``), for ``_call``."""

    def __init__(self, graph: dict, upstream: float = 1.0) -> None:
        self._graph, self.upstream = graph, upstream

    def graph(self) -> dict:
        return self._graph


def _inputs(fn: str, args: tuple) -> tuple:
    """A probe's arguments (plain data, as the child got them) as ``_call`` takes them."""
    return (_Graph(*args),) if PROBED[fn] in ("value", "local", "gradients") else args


class ProbingOracle(ReferenceOracle):
    """The reference oracle with the integrity probes (``autograder/engine/probes.py``):
    it answers the driver's functions on plain data, as the probes ask the child, and
    names a catalogued mistake for one quantity of such an answer."""

    def autodiff_value(self, graph) -> dict:
        return _call(self._driver, "value", _inputs("autodiff_value", (graph,)))

    def autodiff_local(self, graph, upstream) -> dict:
        return _call(self._driver, "local", _inputs("autodiff_local", (graph, upstream)))

    def autodiff_gradients(self, graph) -> dict:
        return _call(self._driver, "gradients", _inputs("autodiff_gradients", (graph,)))

    def autodiff_network(self, x, y, params) -> dict:
        return self.network(x, y, params)

    def autodiff_backprop_any(self, x, y, params) -> dict:
        return self.any_depth(x, y, params)

    def name_mistake(self, fn: str, args: tuple, quantity: str, value: object,
                     expected) -> str:
        """' This looks like <mistake> (<rule>).' when ``value`` is what a catalogued
        mistake gives for ``quantity`` on these inputs (one that changes it), else ''."""
        kind, inputs = PROBED[fn], _inputs(fn, args)
        expected = np.asarray(expected, dtype=np.float64)
        for misconception, driver in (self.deep_catalogue if kind == "any_depth"
                                      else self.catalogue):
            try:
                candidate = np.asarray(_call(driver, kind, inputs)[quantity],
                                       dtype=np.float64)
            except (ArithmeticError, RuntimeError, TypeError, ValueError, RecursionError,
                    KeyError):
                continue
            if candidate.shape == expected.shape and close(candidate, expected, 1e-9, 1e-12):
                continue  # this mistake does not change this quantity here
            if matches(value, candidate):
                return f" This looks like {misconception.name} ({misconception.rule})."
        return ""

    def probes(self, rng: np.random.Generator) -> list:
        """The integrity probes, from ``rng`` alone: every operation once (its value, and
        its chain rule given out.grad), a random tree and a random DAG of every operation
        (f.backward()), two 2-2-2 networks (network_gradients) and one 3-4-2 network
        (backprop_any); one round trip for each function of the driver."""
        from cases import (
            ALL_OPS,
            deep_network,
            one_operation,
            random_expression,
            random_network,  # the checks' own generators (prefer_folders)
        )

        from autograder.contract import Probe

        ones = [one_operation(rng, name, 2.0 if name == "pow" else None) for name in ALL_OPS]
        trees = [random_expression(rng, ALL_OPS, 6, shared, f"probe {i + 1}")
                 for i, shared in enumerate((False, True))]
        nets = [random_network(rng) for _ in range(2)]
        deep = deep_network(rng, [3, 4, 2])
        keys = tuple((k, k) for k in PARAMS)
        return [
            Probe("autodiff_value", [(e.graph(),) for e in ones], ("graph",),
                  (("value", "value"),)),
            Probe("autodiff_local", [(e.graph(), e.upstream) for e in ones],
                  ("graph", "upstream"), (("grads", "grads"),)),
            Probe("autodiff_gradients", [(e.graph(),) for e in trees], ("graph",),
                  (("value", "value"), ("grads", "grads"))),
            Probe("autodiff_network", [(n["x"], n["y"], n["params"]) for n in nets],
                  ("x", "y", "params"), keys),
            Probe("autodiff_backprop_any", [(deep["x"], deep["y"], deep["params"])],
                  ("x", "y", "params"), keys),
        ]


def make_oracle(assignment) -> ReferenceOracle:
    return ProbingOracle(Path(assignment.folder))

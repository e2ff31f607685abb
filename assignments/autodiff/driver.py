"""The driver of the autodiff checks: run in the sandboxed child, beside your code.

The grader runs this file as one more cell after your notebook's cells, in the same
namespace, so its functions use *your* ``Value`` and ``network_gradients``. The checks call
them by name and get back plain numbers only (floats and lists of floats), never objects.

An expression travels as plain data, ``{"leaves": [floats], "nodes": [[op, a, b], ...]}``:
leaf ``i`` is operand ``i``, node ``j`` is operand ``len(leaves) + j``; ``op`` indexes
``AUTODIFF_OPS``; ``b`` is a second operand, a number (a constant or an exponent) or unused,
as the op says. The last node is the output. Every name here starts with ``autodiff`` so
that none of yours is replaced.
"""
# ruff: noqa: F821 - Value, network_gradients and backprop_any are the student's, defined
# in the cells before this one

import numbers as _autodiff_numbers

# op: (how it is written, which method of Value it calls, what b is)
AUTODIFF_OPS = (
    ("add", "a + b", "__add__", "value"),
    ("sub", "a − b", "__sub__", "value"),
    ("mul", "a · b", "__mul__", "value"),
    ("truediv", "a / b", "__truediv__", "value"),
    ("add_number", "a + c", "__add__", "number"),
    ("radd", "c + a", "__radd__", "number"),
    ("sub_number", "a − c", "__sub__", "number"),
    ("rsub", "c − a", "__rsub__", "number"),
    ("mul_number", "a · c", "__mul__", "number"),
    ("rmul", "c · a", "__rmul__", "number"),
    ("truediv_number", "a / c", "__truediv__", "number"),
    ("rtruediv", "c / a", "__rtruediv__", "number"),
    ("neg", "−a", "__neg__", "unused"),
    ("pow", "a ** n", "__pow__", "number"),
    ("exp", "a.exp()", "exp", "unused"),
    ("sigmoid", "a.sigmoid()", "sigmoid", "unused"),
)


def _autodiff_apply(name, a, b):
    """One operation of the expression, written as a student's code would write it."""
    if name == "add":
        return a + b
    if name == "sub":
        return a - b
    if name == "mul":
        return a * b
    if name == "truediv":
        return a / b
    if name == "add_number":
        return a + b
    if name == "radd":
        return b + a
    if name == "sub_number":
        return a - b
    if name == "rsub":
        return b - a
    if name == "mul_number":
        return a * b
    if name == "rmul":
        return b * a
    if name == "truediv_number":
        return a / b
    if name == "rtruediv":
        return b / a
    if name == "neg":
        return -a
    if name == "pow":
        return a ** b
    if name == "exp":
        return a.exp()
    if name == "sigmoid":
        return a.sigmoid()
    raise ValueError(f"unknown operation {name!r}")


def _autodiff_number(value, what):
    """``value`` as a float, or a clear error: .data and .grad must be plain numbers."""
    if isinstance(value, bool) or not isinstance(value, _autodiff_numbers.Real):
        if isinstance(value, Value):
            raise TypeError(f"{what} is a Value, not a number: an operation wrapped a Value "
                            "in a Value (wrap numbers only: other if isinstance(other, Value) "
                            "else Value(other))")
        raise TypeError(f"{what} is a {type(value).__name__}, not a number")
    return float(value)


def _autodiff_build(graph):
    """The expression made with your Value: the leaves (Values) and the output."""
    leaves = [Value(float(v)) for v in graph["leaves"]]
    operands = list(leaves)
    for row in graph["nodes"]:
        name, written, method, kind = AUTODIFF_OPS[int(row[0])]
        a = operands[int(row[1])]
        if kind == "value":
            b = operands[int(row[2])]
        elif name == "pow" and float(row[2]).is_integer():
            b = int(row[2])  # an int exponent, as a ** 2 is written
        else:
            b = float(row[2])
        try:
            out = _autodiff_apply(name, a, b)
        except Exception as err:
            _autodiff_note_none(err)
            raise
        if not isinstance(out, Value):
            err = TypeError(f"{written} gave a {type(out).__name__}, not a Value: "
                            f"Value.{method} must return a new Value")
            _autodiff_note_none(err)
            raise err
        operands.append(out)
    return leaves, operands[-1]


def _autodiff_note_none(err):
    """Note on ``err`` every operation of your Value that returns None on plain operands
    (``Value.__pow__ returned None``): an operation built from it fails with a NoneType
    error far from the cause. The checks read these notes (nothing else is run)."""
    found = []
    for name, _, method, kind in AUTODIFF_OPS:
        if method in found:
            continue
        try:
            a = Value(1.5)
            b = Value(0.5) if kind == "value" else 2
            if _autodiff_apply(name, a, b) is None:
                found.append(method)
        except Exception:  # noqa: BLE001 - an operation that raises is its own check's
            continue
    notes = getattr(err, "__notes__", None)
    if found and isinstance(notes, list):
        notes += [f"Value.{m} returned None" for m in found]
    elif found:
        err.__notes__ = [f"Value.{m} returned None" for m in found]


def _autodiff_topological(output):
    """Every node reachable from ``output`` through ``_prev``, children before parents
    (iterative: no recursion limit)."""
    order, seen, stack = [], set(), [(output, False)]
    while stack:
        node, finished = stack.pop()
        if finished:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in node._prev:
            if id(child) not in seen:
                stack.append((child, False))
    return order


def _autodiff_answer(leaves, output):
    return {"value": _autodiff_number(output.data, "the output's .data"),
            "grads": [_autodiff_number(leaf.grad, f"the .grad of leaf {i + 1}")
                      for i, leaf in enumerate(leaves)]}


def autodiff_value(graph):
    """The expression's value (forward only): {"value": float}."""
    _, output = _autodiff_build(graph)
    return {"value": _autodiff_number(output.data, "the output's .data")}


def autodiff_local(graph, upstream):
    """Your operations' chain rules alone: ``output.grad = upstream``, then each node's
    ``_backward`` once, output first (the driver's own order, not your ``backward``):
    {"value", "grads": the leaves' .grad}."""
    leaves, output = _autodiff_build(graph)
    output.grad = float(upstream)
    for node in reversed(_autodiff_topological(output)):
        node._backward()
    return _autodiff_answer(leaves, output)


def autodiff_gradients(graph):
    """Your ``output.backward()``: {"value", "grads": the leaves' .grad}."""
    leaves, output = _autodiff_build(graph)
    output.backward()
    return _autodiff_answer(leaves, output)


def autodiff_network(x, y, params):
    """Your ``network_gradients(x, y, params)``, its entries checked to be numbers."""
    try:
        grads = network_gradients(x, y, params)
    except Exception as err:
        _autodiff_note_none(err)
        raise
    if not isinstance(grads, dict):
        raise TypeError(f"network_gradients returned a {type(grads).__name__}, not a dict")
    plain = {}
    for key, entry in grads.items():
        rows = entry.tolist() if hasattr(entry, "tolist") else entry
        rows = rows if isinstance(rows, (list, tuple)) else [rows]
        flat = [v for row in rows for v in (row if isinstance(row, (list, tuple)) else [row])]
        if any(isinstance(v, Value) for v in flat):
            raise TypeError(f"network_gradients returned Values in {key!r}: return their "
                            ".grad, as floats")
        plain[str(key)] = [[_autodiff_number(v, f"an entry of {key!r}") for v in row]
                           if isinstance(row, (list, tuple))
                           else _autodiff_number(row, f"an entry of {key!r}") for row in rows]
    return plain


def autodiff_backprop_any(x, y, params):
    """Your ``backprop_any(x, y, weights, biases)`` with weights [W², ..., W^L] and biases
    [b², ..., b^L] from ``params`` ({"W2", "b2", ..., "WL", "bL"}); its two lists back as
    {"W2", "b2", ...}."""
    layers = sorted(int(key[1:]) for key in params if key.startswith("W"))
    weights = [params[f"W{layer}"] for layer in layers]
    biases = [params[f"b{layer}"] for layer in layers]
    result = backprop_any(x, y, weights, biases)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise TypeError(f"backprop_any returned a {type(result).__name__}, not the pair "
                        "(grads_W, grads_b)")
    grads_W, grads_b = (list(part) for part in result)
    if len(grads_W) != len(layers) or len(grads_b) != len(layers):
        raise ValueError(f"backprop_any returned {len(grads_W)} weight and {len(grads_b)} "
                         f"bias gradients for {len(layers)} layers")
    plain = {}
    for layer, gW, gb in zip(layers, grads_W, grads_b):
        plain[f"W{layer}"], plain[f"b{layer}"] = gW, gb
    return plain

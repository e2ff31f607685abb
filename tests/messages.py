"""The rules every feedback message keeps: complete sentences, each thing said once.

A message is what a student reads for one check that did not pass. Three exact rules,
each a regular expression or a bracket count over the whole message:

1. **No repeated call.** A *call* is a name, possibly dotted, then a parenthesised list of
   plain names (``backward(y, params, cache)``, ``Value.backward()``, ``sigmoid(z)``), or a
   method of Value then how it is written (``Value.__add__ (a + b)``). The same call twice
   in one message says the same thing twice (``… goes wrong in backward(y, params,
   cache): backward(y, params, cache) returned …``).
2. **A full stop between sentences.** A lowercase letter, a digit or a closing quote or
   bracket, then one space, then a capitalised word (an uppercase letter and only lowercase
   letters after it) starts a new sentence without ending the last one (``… 'b3' entry The
   checks …``), unless the word is a name that is always capitalised (``PROPER``).
3. **Brackets matched.** Every ``(``, ``[`` and ``{`` is closed by its own kind, in order,
   and nothing is closed that was not opened.

The student's own words inside a message (an exception's text) are held to the rules too:
the corpora's errors keep them, and a rule broken there would read as ours.
"""

from __future__ import annotations

import re

CALL = re.compile(r"(?<![\w.])(?:Value\.\w+ \([^()]*\)|[A-Za-z_][\w.]*\((?:[A-Za-z_]\w*"
                  r"(?:, [A-Za-z_]\w*)*)?\))", re.ASCII)
RUN_ON = re.compile(r"[a-z0-9'\")\]] ([A-Z][a-z]+)\b")
PROPER = {"None", "True", "False", "Value", "Values", "Python", "Jupyter", "Colab", "Gradescope"}
PAIRS = {")": "(", "]": "[", "}": "{"}


def problems(message: str) -> list[str]:
    """What in ``message`` breaks the rules above ([] when none)."""
    found = []
    calls = CALL.findall(message)
    found += [f"the call {c!r} said twice" for c in sorted(set(calls)) if calls.count(c) > 1]
    found += [f"no full stop before {m.group(1)!r}: …{message[max(0, m.start() - 30):m.end()]}"
              for m in RUN_ON.finditer(message) if m.group(1) not in PROPER]
    stack = []
    for char in message:
        if char in "([{":
            stack.append(char)
        elif char in PAIRS and (not stack or stack.pop() != PAIRS[char]):
            found.append(f"an unmatched {char!r}")
            break
    if stack:
        found.append(f"an unclosed {stack[-1]!r}")
    return found

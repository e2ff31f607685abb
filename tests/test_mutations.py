"""The mutation list stays applicable: each `old` occurs once and each named test exists."""

import re

from mutations import ROOT, load


def test_every_mutation_still_applies_to_the_code():
    for mutation in load():
        text = (ROOT / mutation["file"]).read_text()
        assert text.count(mutation["old"]) == 1, mutation["name"]
        assert mutation["new"] != mutation["old"], mutation["name"]


def test_every_named_test_exists():
    for mutation in load():
        for test in mutation["tests"]:
            path, _, name = test.partition("::")
            source = (ROOT / path).read_text()
            assert re.search(rf"^def {name}\(", source, re.M) if name else source, test

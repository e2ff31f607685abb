"""The comparison of generated with committed files: numbers up to rounding, text exactly."""

from generated import same, stale


def test_last_bit_differences_are_the_same_file():
    assert same(b"d2 = [-0.01942610643537472, 1.5]", b"d2 = [-0.019426106435374717, 1.5]")


def test_real_differences_are_not():
    assert not same(b"x = 0.0194261", b"x = 0.0194262")  # 5e-6 relative
    assert not same(b"cell 3, line 4", b"cell 3, line 5")  # integers are exact
    assert not same(b"np.dot(a, b)", b"np.outer(a, b)")
    assert not same(b"x = 1.0", b"x = 1.0, 2.0")
    assert not same(b"x", None) and same(None, None)


def test_stale_names_what_differs_or_is_missing():
    built = {"a.py": b"1.0", "b.py": b"2.0", "c.py": b"3"}
    on_disk = {"a.py": b"1.0000000000001", "b.py": b"2.1", "d.py": b""}
    assert stale(built, on_disk) == ["b.py", "c.py", "d.py"]

"""The mutation table of tests/mutants.py stays applicable; the full check on request."""

from __future__ import annotations

import pytest

from tests import mutants


def test_every_mutant_find_text_occurs_exactly_once():
    assert mutants.check_mutants() == []


def test_every_sector_has_a_mutant_with_tests_that_exist():
    assert {m.module for m in mutants.MUTANTS} == set(mutants.SECTORS)
    for m in mutants.MUTANTS:
        assert m.tests, m.description
        for node in m.tests:
            path, _, name = node.partition("::")
            text = (mutants.ROOT / path).read_text(encoding="utf-8")
            assert f"def {name}(" in text, node


def test_check_refuses_a_find_text_that_is_not_unique():
    twice = mutants.Mutant("price", "ambiguous", "price", "cost", ("tests/test_housing.py",))
    absent = mutants.Mutant("rental", "absent", "no such text", "x", ("tests/test_housing.py",))
    problems = mutants.check_mutants(mutants.ROOT, (twice, absent))
    assert any("occurs" in p and "ambiguous" in p for p in problems)
    assert any("occurs 0 times" in p for p in problems)
    assert any("no mutant for sector population" in p for p in problems)


@pytest.mark.slow
def test_every_mutant_is_caught():
    """Runs the whole mutation check (about a minute): python tests/mutants.py."""
    assert mutants.main([]) == 0

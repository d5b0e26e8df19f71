"""The allowlist pattern the OpenAPI document publishes never admits an entry the server refuses."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from intentbid.domain import cidr

PATTERN = re.compile(cidr.PATTERN)


@settings(max_examples=400, deadline=None)
@given(st.from_regex(cidr.PATTERN))
def test_every_entry_the_pattern_admits_is_accepted(entry: str) -> None:
    assert cidr.normalise([entry])


@pytest.mark.parametrize("entry", ["203.0.113.7", "203.0.113.0/24", "0.0.0.0/0", "::1", "2001:db8::/32", "::"])
def test_usual_entries_match(entry: str) -> None:
    assert PATTERN.match(entry)


@pytest.mark.parametrize("entry", ["", "^S", "46", "01.2.3.4", "1.2.3.4/33", "1:2:3:4:5:6:7:8:9", "::1/129", "a b"])
def test_refused_entries_do_not_match(entry: str) -> None:
    assert not PATTERN.match(entry)

"""Preference profiles: weights for every version, balanced = the defaults, category fallback, unknown names."""

from __future__ import annotations

from decimal import Decimal

import pytest

from intentbid.domain import scoring, scoring_profiles
from intentbid.domain.errors import ValidationFailed

NAMES = ("cheapest", "fastest", "balanced", "reliable")


def test_the_four_profiles_exist_with_weights_for_every_registered_version() -> None:
    assert set(scoring_profiles.PROFILES) == set(NAMES) == set(scoring_profiles.PROFILE_DESCRIPTIONS)
    for name in NAMES:
        assert set(scoring_profiles.PROFILES[name]) == set(scoring.VERSIONS), name
        for version in scoring.VERSIONS:
            w = scoring_profiles.profile_weights(name, version)
            assert set(w) == set(scoring.get_version(version).components)
            assert sum(w.values()) == Decimal(1)
            assert all(v == v.quantize(scoring.Q) and v >= 0 for v in w.values())


@pytest.mark.parametrize("version", sorted(scoring.VERSIONS))
def test_balanced_is_the_versions_default_and_profiles_lean_as_named(version: str) -> None:
    v = scoring.get_version(version)
    weights = {n: scoring_profiles.profile_weights(n, v) for n in NAMES}
    assert weights["balanced"] == scoring.normalise_weights(v, None)
    assert max(weights, key=lambda n: weights[n]["price"]) == "cheapest"
    assert max(weights, key=lambda n: weights[n]["delivery"]) == "fastest"
    if "reliability" in v.components:
        assert max(weights, key=lambda n: weights[n]["reliability"]) == "reliable"


def test_unknown_profile_and_unknown_version() -> None:
    with pytest.raises(ValidationFailed) as exc:
        scoring_profiles.profile_weights("greedy", "v2")
    assert [(e.field, e.code) for e in exc.value.errors] == [("profile", "unknown_profile")]
    with pytest.raises(ValidationFailed) as exc:
        scoring_profiles.profile_weights("cheapest", "v9")
    assert [(e.field, e.code) for e in exc.value.errors] == [("scoring_version", "unknown_scoring_version")]


def test_category_defaults_fall_back_to_balanced() -> None:
    assert set(scoring_profiles.CATEGORY_PROFILES.values()) <= set(NAMES)
    assert scoring_profiles.profile_for_category("perishables") == "fastest"
    assert scoring_profiles.profile_for_category("office-supplies") == "cheapest"
    assert scoring_profiles.profile_for_category("garden-gnomes") == "balanced"
    assert scoring_profiles.profile_for_category(None) == scoring_profiles.DEFAULT_PROFILE == "balanced"
    assert scoring_profiles.category_weights("medical-supplies", "v2") == scoring_profiles.profile_weights(
        "reliable", "v2"
    )
    assert scoring_profiles.category_weights("unknown", scoring.get_version("v1")) == scoring.normalise_weights(
        scoring.get_version("v1"), None
    )

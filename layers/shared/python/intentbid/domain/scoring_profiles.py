"""Named preference profiles: ready-made weights per scoring version, and a default profile per RFO category.

A profile is a starting point, not a version: an RFO still pins ``scoring_version`` and the (normalised) weights
it was created with, so editing a profile here never changes an existing RFO's ranking. Every registered scoring
version must have weights in every profile (a unit test enforces it when a version is added).

    cheapest  price first                    fastest   delivery first
    balanced  the version's default weights  reliable vendor track record and on-time delivery first
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from intentbid.domain.errors import FieldError, ValidationFailed
from intentbid.domain.scoring import ScoringVersion, get_version, normalise_weights

DEFAULT_PROFILE = "balanced"

_V2 = {
    "cheapest": {"price": "0.70", "delivery": "0.10", "availability": "0.10", "reliability": "0.10"},
    "fastest": {"price": "0.25", "delivery": "0.50", "availability": "0.10", "reliability": "0.15"},
    "balanced": {"price": "0.45", "delivery": "0.25", "availability": "0.15", "reliability": "0.15"},
    "reliable": {"price": "0.30", "delivery": "0.20", "availability": "0.15", "reliability": "0.35"},
}

# profile -> scoring version -> raw weights (normalised by normalise_weights on the way out).
PROFILES: dict[str, dict[str, Mapping[str, str]]] = {
    "cheapest": {"v1": {"price": "0.85", "delivery": "0.15"}, "v2": _V2["cheapest"], "v2-relative": _V2["cheapest"]},
    "fastest": {"v1": {"price": "0.30", "delivery": "0.70"}, "v2": _V2["fastest"], "v2-relative": _V2["fastest"]},
    "balanced": {"v1": {"price": "0.6", "delivery": "0.4"}, "v2": _V2["balanced"], "v2-relative": _V2["balanced"]},
    # v1 has no reliability component: on-time delivery weighs as much as price.
    "reliable": {"v1": {"price": "0.5", "delivery": "0.5"}, "v2": _V2["reliable"], "v2-relative": _V2["reliable"]},
}

PROFILE_DESCRIPTIONS: dict[str, str] = {
    "cheapest": "Lowest price first; delivery, availability and track record break near-ties.",
    "fastest": "Earliest delivery first; price still counts.",
    "balanced": "The scoring version's default weights.",
    "reliable": "Vendors with a record of on-time delivery and full quantities first.",
}

# RFO category (lower-case slug) -> default profile; anything else gets DEFAULT_PROFILE.
CATEGORY_PROFILES: dict[str, str] = {
    "office-supplies": "cheapest",
    "raw-materials": "cheapest",
    "packaging": "cheapest",
    "perishables": "fastest",
    "spare-parts": "fastest",
    "logistics": "fastest",
    "medical-supplies": "reliable",
    "safety-equipment": "reliable",
    "electronics": "balanced",
}


def _unknown_profile(name: str) -> ValidationFailed:
    known = ", ".join(sorted(PROFILES))
    return ValidationFailed(
        f"Unknown profile; known: {known}.",
        errors=[
            FieldError("profile", "unknown_profile", f"profile must be one of: {known}", {"allowed": sorted(PROFILES)})
        ],
    )


def profile_weights(name: str, version: ScoringVersion | str | None) -> dict[str, Decimal]:
    """The profile's weights for ``version``, validated and normalised to sum exactly 1 (6 places).

    Raises ValidationFailed: field ``profile`` / code ``unknown_profile`` for an unknown name; field
    ``scoring_version`` / ``unknown_scoring_version`` for an unknown version."""
    v = version if isinstance(version, ScoringVersion) else get_version(version)
    by_version = PROFILES.get(name)
    if by_version is None:
        raise _unknown_profile(name)
    raw = by_version.get(v.version)
    if raw is None:  # a version registered without profile weights (the unit tests forbid it)
        return normalise_weights(v, None)
    return normalise_weights(v, raw, field_name="profile")


def profile_for_category(category: str | None) -> str:
    """The default profile name for an RFO category (``balanced`` when the category has none)."""
    return CATEGORY_PROFILES.get(category or "", DEFAULT_PROFILE)


def category_weights(category: str | None, version: ScoringVersion | str | None) -> dict[str, Decimal]:
    """Default weights for a new RFO of ``category`` under ``version`` (when the buyer sends none)."""
    return profile_weights(profile_for_category(category), version)


def choose_weights(
    version: ScoringVersion, weights: dict[str, float] | None, profile: str | None, category: str
) -> dict[str, Decimal]:
    """Explicit weights win; else a named profile; else the category's default profile."""
    if weights is not None and profile is not None:
        raise ValidationFailed(
            "Give weights or a profile, not both.",
            errors=[
                FieldError(
                    "profile",
                    "conflicting_fields",
                    "give weights or profile, not both",
                    {"fields": ["weights", "profile"]},
                )
            ],
        )
    if weights is not None:
        return normalise_weights(version, weights)
    if profile is not None:
        return profile_weights(profile, version)
    return category_weights(category, version)

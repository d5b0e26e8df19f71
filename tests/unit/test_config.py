"""Typed configuration: defaults, environment loading, validation naming the variable, documented knobs."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from intentbid import config


def test_defaults() -> None:
    s = config.load({})
    assert s == config.Settings()
    assert s.offers.price_min_ratio == Decimal("0.05") and s.offers.price_max_ratio == Decimal("1.5")
    assert s.offers.quantity_max_over_ratio == 10 and s.offers.enforce_need_by is True
    assert (s.limits.max_offers_per_vendor_per_rfo, s.limits.max_revisions_per_offer) == (3, 10)
    assert (s.limits.revision_min_interval_s, s.limits.max_offers_per_vendor_per_hour) == (30, 60)
    assert s.limits.min_improvement_pct == 0
    assert (s.cooldown.cooldown_violation_threshold, s.cooldown.cooldown_violation_window_s) == (5, 600)
    assert (s.cooldown.cooldown_base_s, s.cooldown.cooldown_max_s) == (60, 3600)
    assert s.cooldown.cooldown_manual_max_s == 30 * 86400
    assert s.flags.flag_outlier_z == Decimal("3.5") and s.flags.flag_outlier_min_offers == 5


def test_environment_overrides_with_the_prefix() -> None:
    s = config.load(
        {
            "INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO": "5",
            "INTENTBID_PRICE_MAX_RATIO": " 2.5 ",
            "INTENTBID_ENFORCE_NEED_BY": "off",
            "INTENTBID_MIN_IMPROVEMENT_PCT": "0.5",
            "INTENTBID_FLAG_LAST_SECOND_S": "0",
            "INTENTBID_REVISION_MIN_INTERVAL_S": "",  # empty: the default
            "INTENTBID_CLOCK_OFFSET_S": "12",  # someone else's: ignored
        }
    )
    assert s.limits.max_offers_per_vendor_per_rfo == 5
    assert s.offers.price_max_ratio == Decimal("2.5")
    assert s.offers.enforce_need_by is False
    assert s.limits.min_improvement_pct == Decimal("0.5")
    assert s.flags.flag_last_second_s == 0
    assert s.limits.revision_min_interval_s == 30


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO": "three"}, "INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO"),
        ({"INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO": "2.5"}, "INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO"),
        ({"INTENTBID_MAX_REVISIONS_PER_OFFER": "-1"}, "INTENTBID_MAX_REVISIONS_PER_OFFER: must be >= 0"),
        ({"INTENTBID_PRICE_MIN_RATIO": "abc"}, "INTENTBID_PRICE_MIN_RATIO"),
        ({"INTENTBID_PRICE_MIN_RATIO": "NaN"}, "INTENTBID_PRICE_MIN_RATIO"),
        ({"INTENTBID_PRICE_MIN_RATIO": "2"}, "INTENTBID_PRICE_MIN_RATIO: must be below INTENTBID_PRICE_MAX_RATIO"),
        ({"INTENTBID_ENFORCE_NEED_BY": "maybe"}, "INTENTBID_ENFORCE_NEED_BY"),
        ({"INTENTBID_MIN_IMPROVEMENT_PCT": "101"}, "INTENTBID_MIN_IMPROVEMENT_PCT: must be <= 100"),
        ({"INTENTBID_COOLDOWN_BASE_S": "7200"}, "INTENTBID_COOLDOWN_MAX_S"),
        ({"INTENTBID_COOLDOWN_MANUAL_MAX_S": "0"}, "INTENTBID_COOLDOWN_MANUAL_MAX_S"),
        ({"INTENTBID_FLAG_OUTLIER_MIN_OFFERS": "2"}, "INTENTBID_FLAG_OUTLIER_MIN_OFFERS"),
        ({"INTENTBID_FLAG_IDENTICAL_MIN_VENDORS": "1"}, "INTENTBID_FLAG_IDENTICAL_MIN_VENDORS"),
        ({"INTENTBID_FLAG_LAST_SECOND_FRACTION": "1.5"}, "INTENTBID_FLAG_LAST_SECOND_FRACTION"),
        ({"INTENTBID_FLAG_BURST_WINDOW_S": "0"}, "INTENTBID_FLAG_BURST_WINDOW_S"),
    ],
)
def test_bad_values_raise_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config.load(env)


def test_zero_disables_and_is_accepted_everywhere_a_limit_lives() -> None:
    zeros = {
        k.variable: "0"
        for k in config.knobs()
        if k.kind == "integer" and k.variable != "INTENTBID_COOLDOWN_MANUAL_MAX_S"
    }
    s = config.load(zeros)
    assert s.limits == config.Limits(0, 0, 0, Decimal(0), 0, 0)
    assert s.cooldown.cooldown_violation_threshold == 0


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match="INTENTBID_REVISION_MIN_INTERVAL_S"):
        config.Limits(revision_min_interval_s=-5)
    with pytest.raises(ValueError, match="INTENTBID_PRICE_MAX_RATIO"):
        config.OfferPolicy(price_max_ratio=1.5)  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.Limits().max_revisions_per_offer = 1  # type: ignore[misc]


def test_settings_is_loaded_once_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    config.settings.cache_clear()
    monkeypatch.setenv("INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR", "7")
    try:
        first = config.settings()
        monkeypatch.setenv("INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR", "8")
        assert config.settings() is first and first.limits.max_offers_per_vendor_per_hour == 7
    finally:
        config.settings.cache_clear()


def test_every_knob_is_documented_with_its_default() -> None:
    documented = {k.variable: k for k in config.knobs()}
    for group in config.GROUPS.values():
        for f in dataclasses.fields(group):
            var = config.env_name(f.name)
            assert var in documented, f"{var} is not documented in {group.__name__}'s docstring"
            default = f.default
            expected = str(default).lower() if isinstance(default, bool) else str(default)
            assert documented[var].default == expected, var
            assert documented[var].doc
    assert len(documented) == sum(len(dataclasses.fields(g)) for g in config.GROUPS.values())
    table = config.markdown_table()
    assert table.count("\n") == len(documented) + 1
    assert "| `INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO` | `3` |" in table

"""The one settings object: defaults, environment loading, validation naming the variable, documented knobs, the
README's generated tables."""

from __future__ import annotations

import dataclasses
import os
from decimal import Decimal
from pathlib import Path

import pytest

from intentbid import config, settings_doc
from intentbid.domain import clock, ratelimit

README = Path(__file__).resolve().parents[2] / "README.md"


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
        ({"INTENTBID_RATE_LIMIT_VENDOR": "abc"}, r"INTENTBID_RATE_LIMIT_VENDOR: expected <quota>/<window_s>"),
        ({"INTENTBID_RATE_LIMIT_VENDOR": "-1/60"}, "INTENTBID_RATE_LIMIT_VENDOR: expected"),
        ({"INTENTBID_RATE_LIMIT_BUYER": "10/0"}, r"INTENTBID_RATE_LIMIT_BUYER: .*window_s > 0"),
        ({"INTENTBID_RATE_LIMIT_PUBLIC": "10/60/5"}, "INTENTBID_RATE_LIMIT_PUBLIC"),
        ({"INTENTBID_RATE_LIMIT_REGISTER": "10"}, "INTENTBID_RATE_LIMIT_REGISTER"),
        (
            {"INTENTBID_RATE_LIMIT_ADMIN_ACCOUNT": "100/3600"},
            r"INTENTBID_RATE_LIMIT_ADMIN_ACCOUNT: must use the window of INTENTBID_RATE_LIMIT_ADMIN \(60 s\)",
        ),
        ({"INTENTBID_RATE_LIMIT_WRITE": "abc"}, r"INTENTBID_RATE_LIMIT_WRITE: unknown rate limit; known: .*VENDOR"),
        ({"INTENTBID_AUTH_FAILURES_PER_MINUTE": "-3"}, "INTENTBID_AUTH_FAILURES_PER_MINUTE: must be >= 0"),
        ({"INTENTBID_AUTH_FAILURES_PER_MINUTE": "many"}, "INTENTBID_AUTH_FAILURES_PER_MINUTE: expected a whole"),
        ({"INTENTBID_CLOCK_OFFSET_S": "soon"}, "INTENTBID_CLOCK_OFFSET_S: expected a decimal"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL: expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL, got 'LOUD'"),
        ({"EXPIRY_STATE_MACHINE_ARN": "my-machine"}, r"EXPIRY_STATE_MACHINE_ARN: expected an ARN"),
        ({"PUBLIC_BASE_URL": "example.com"}, r"PUBLIC_BASE_URL: expected an http\(s\):// URL"),
    ],
)
def test_bad_values_raise_naming_the_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        config.load(env)


def test_zero_disables_and_is_accepted_everywhere_a_limit_lives() -> None:
    zeros = {
        k.variable: "0"
        for k in settings_doc.knobs()
        if k.kind in ("integer", "rate")
        and k.variable
        not in (
            "INTENTBID_COOLDOWN_MANUAL_MAX_S",
            "INTENTBID_WEBHOOK_CONNECT_TIMEOUT_S",
            "INTENTBID_WEBHOOK_TIMEOUT_S",
            "INTENTBID_REALTIME_TICKET_TTL_S",
            "INTENTBID_REALTIME_CONNECTION_TTL_S",
        )
    }  # a timeout or a lifetime is no limit: 0 would mean none (the outbound guard, a ticket that never works)
    s = config.load(zeros)
    assert s.limits == config.Limits(0, 0, 0, Decimal(0), 0, 0)
    assert s.cooldown.cooldown_violation_threshold == 0
    assert s.auth.auth_failures_per_minute == 0
    assert all(getattr(s.rate_limits, f.name) == config.OFF for f in dataclasses.fields(s.rate_limits))


def test_direct_construction_is_validated_too() -> None:
    with pytest.raises(ValueError, match="INTENTBID_REVISION_MIN_INTERVAL_S"):
        config.Limits(revision_min_interval_s=-5)
    with pytest.raises(ValueError, match="INTENTBID_PRICE_MAX_RATIO"):
        config.OfferPolicy(price_max_ratio=1.5)  # type: ignore[arg-type]
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.Limits().max_revisions_per_offer = 1  # type: ignore[misc]


def test_rate_limits_deployment_and_the_clock_come_from_the_environment() -> None:
    s = config.load(
        {
            "INTENTBID_RATE_LIMIT_VENDOR": " 10/30 ",
            "INTENTBID_RATE_LIMIT_VENDOR_ACCOUNT": "0",  # off: any window
            "INTENTBID_RATE_LIMIT_PUBLIC": "0/60",  # a zero quota is off too
            "INTENTBID_AUTH_FAILURES_PER_MINUTE": "0",
            "INTENTBID_CLOCK_OFFSET_S": "-90.5",  # either way
            "TABLE_PREFIX": "intentbid-prod-",
            "AWS_DEFAULT_REGION": "eu-west-1",
            "LOG_LEVEL": "debug",
            "EXPIRY_STATE_MACHINE_ARN": "arn:aws:states:eu-west-1:123456789012:stateMachine:x",
            "PUBLIC_BASE_URL": "https://api.example.com",
            "INTENTBID_TEST_SINK": "/tmp/x",  # the tests' own: ignored
        }
    )
    assert s.rate_limits.rate_limit_vendor == config.Rate(10, 30) and str(s.rate_limits.rate_limit_vendor) == "10/30"
    assert s.rate_limits.rate_limit_vendor_account == config.OFF and str(config.OFF) == "0"
    assert not s.rate_limits.rate_limit_public.enabled and s.rate_limits.rate_limit_register == config.Rate(10, 3600)
    assert s.auth.auth_failures_per_minute == 0 and s.clock.clock_offset_s == Decimal("-90.5")
    d = s.deployment
    assert (d.table_prefix, d.region, d.log_level) == ("intentbid-prod-", "eu-west-1", "DEBUG")
    assert d.expiry_state_machine_arn.endswith(":x") and d.public_base_url == "https://api.example.com"
    assert (
        config.load({"AWS_REGION": "ap-south-1", "AWS_DEFAULT_REGION": "eu-west-1"}).deployment.region == "ap-south-1"
    )
    assert config.load({}).deployment.region == "us-east-1"


def test_the_domain_takes_the_rate_limits_as_an_argument() -> None:
    limits = config.load(
        {"INTENTBID_RATE_LIMIT_BUYER": "7/60", "INTENTBID_RATE_LIMIT_BUYER_ACCOUNT": "9/60"}
    ).rate_limits
    assert ratelimit.policy_for("buyer", limits) == ratelimit.Policy("default", 7, 60)
    assert ratelimit.account_policy_for("buyer", limits) == ratelimit.Policy("account", 9, 60)
    assert ratelimit.policy_for("register", limits) == ratelimit.Policy("register", 10, 3600)
    assert ratelimit.policy_for("public", config.RateLimits()) == ratelimit.Policy("public", 60, 60)


def test_cold_start_validates_and_shifts_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_CLOCK_OFFSET_S", "3600")
    try:
        before = clock.now_s()
        assert config.cold_start().clock.clock_offset_s == 3600
        assert 3599 < clock.now_s() - before < 3700
        monkeypatch.setenv("INTENTBID_RATE_LIMIT_ADMIN", "lots")
        with pytest.raises(ValueError, match="INTENTBID_RATE_LIMIT_ADMIN: expected <quota>/<window_s>"):
            config.cold_start()
    finally:
        clock.set_offset(0.0)


def test_settings_is_loaded_once_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR", "7")
    first = config.settings()
    os.environ["INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR"] = "8"  # behind the settings' back: not seen
    assert config.settings() is first and first.limits.max_offers_per_vendor_per_hour == 7
    config.reload()  # what tests/conftest.py's monkeypatch does on every setenv
    assert config.settings().limits.max_offers_per_vendor_per_hour == 8
    monkeypatch.setenv("INTENTBID_MAX_OFFERS_PER_VENDOR_PER_HOUR", "9")
    assert config.settings().limits.max_offers_per_vendor_per_hour == 9


def test_every_knob_is_documented_with_its_default() -> None:
    documented = {k.variable: k for k in settings_doc.knobs()}
    for group in config.GROUPS.values():
        for f in dataclasses.fields(group):
            var = config.variable(group, f.name)
            assert var in documented, f"{var} is not documented in {group.__name__}'s docstring"
            default = f.default
            expected = str(default).lower() if isinstance(default, bool) else str(default)
            assert documented[var].default == expected, var
            knob = documented[var]
            assert knob.marker == (None if knob.kind in settings_doc.UNMARKED else knob.kind), var
            assert knob.doc
    assert len(documented) == sum(len(dataclasses.fields(g)) for g in config.GROUPS.values())
    table = settings_doc.markdown_table()
    assert table.count("\n") == len(documented) + 1
    assert "| `INTENTBID_MAX_OFFERS_PER_VENDOR_PER_RFO` | `3` |" in table
    assert "| `INTENTBID_RATE_LIMIT_VENDOR` | `120/60` (rate) |" in table
    assert "| `EXPIRY_STATE_MACHINE_ARN` | (unset) |" in table


def test_every_group_is_in_exactly_one_readme_section() -> None:
    sections = [g for groups in settings_doc.SECTIONS.values() for g in groups]
    assert sorted(sections) == sorted(config.GROUPS)


def test_the_readme_tables_are_generated_from_the_settings() -> None:
    text = README.read_text(encoding="utf-8")
    assert text == settings_doc.readme(text), "README.md's configuration tables are stale: run `make config-docs`"
    for section in settings_doc.SECTIONS:
        assert settings_doc.markdown_table(section) in text


def test_a_readme_without_a_generated_block_is_refused() -> None:
    with pytest.raises(ValueError, match="settings:antigaming"):
        settings_doc.readme("no tables here")

"""The dashboard mirrors two server rules in JavaScript (it has no build step to generate them): the currencies'
minor-unit exponents and the offer price band it shows before a vendor submits. These tests keep them equal."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from intentbid.config import OfferPolicy
from intentbid.domain.money import CURRENCIES
from intentbid.domain.offer_rules import RfoBounds, unit_price_band

FORMAT_JS = (Path(__file__).resolve().parents[2] / "dashboard" / "format.js").read_text()


def test_the_dashboard_knows_every_currency_with_its_exponent() -> None:
    block = re.search(r"export const CURRENCIES = \{(.*?)\};", FORMAT_JS, re.S)
    assert block is not None
    mirrored = {code: int(exp) for code, exp in re.findall(r"([A-Z]{3}): (\d)", block.group(1))}
    assert mirrored == CURRENCIES


def test_the_dashboards_price_band_uses_the_default_ratios() -> None:
    band = re.search(r"PRICE_BAND = \{minPercent: (\d+)n, maxPercent: (\d+)n\}", FORMAT_JS)
    assert band is not None
    policy = OfferPolicy()
    assert (Decimal(band.group(1)), Decimal(band.group(2))) == (
        policy.price_min_ratio * 100,
        policy.price_max_ratio * 100,
    )
    # the browser test's RFO (500 boxes, EUR 5,000.00) shows the band the server enforces: 0.50 to 15.00
    rfo = RfoBounds(quantity=500, budget_max=500_000, need_by=datetime.now(UTC))
    assert unit_price_band(rfo, policy) == (50, 1500)

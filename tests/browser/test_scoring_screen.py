"""Scoring in the dashboard: the weights editor re-ranks at once (profile picker and custom weights), and the
explain view's bars add up to the score: contributions minus penalties, exactly."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from dashboard_ui import EXPLAIN_SCREENSHOT, open_rfo, row, sign_in
from playwright.sync_api import expect

pytestmark = [pytest.mark.browser, pytest.mark.xdist_group("e2e")]


def _values(locator: Any) -> dict[str, Decimal]:
    pairs = locator.evaluate_all("els => els.map(e => [e.dataset.component || e.dataset.penalty, e.dataset.value])")
    return {name: Decimal(value) for name, value in pairs}


def test_weights_rerank_at_once_and_explain_adds_up(page: Any, api: Any) -> None:
    # Given an RFO (100 units, budget 1,000.00) with a cheap, slow offer and a dear, fast, partial one
    buyer, cheap_vendor, fast_vendor = api.register("buyer"), api.register("vendor"), api.register("vendor")
    rfo = api.create_rfo(buyer, title="Safety gloves", quantity=100, budget_max=100_000)
    cheap = api.submit_offer(cheap_vendor, rfo["id"], unit_price=500, quantity_available=100, eta_days=10)
    fast = api.submit_offer(fast_vendor, rfo["id"], unit_price=900, quantity_available=80, eta_days=1)

    page.goto("/")
    sign_in(page, buyer.key, "buyer")
    open_rfo(page, rfo["id"])
    ranked = page.get_by_test_id("ranking-row").get_by_test_id("offer-id")
    expect(ranked).to_have_text([cheap["id"], fast["id"]])  # v2's balanced default weights favour price

    # The editor shows the RFO's version's components and the matching profile
    editor = page.get_by_test_id("weights-editor")
    picker = editor.get_by_test_id("profile-picker")
    expect(picker).to_have_value("balanced")
    expect(editor.locator("input[type=number]")).to_have_count(4)
    expect(editor.get_by_test_id("weight-price")).to_have_value("0.45")
    expect(editor.get_by_test_id("share-price")).to_have_text("45 %")

    # Picking the "fastest" profile and applying it re-ranks at once
    picker.select_option("fastest")
    expect(editor.get_by_test_id("weight-delivery")).to_have_value("0.5")
    expect(editor.get_by_test_id("profile-description")).to_contain_text("Earliest delivery")
    editor.get_by_test_id("save-weights").click()
    expect(ranked).to_have_text([fast["id"], cheap["id"]])
    expect(page.get_by_test_id("ranking-weights")).to_contain_text("delivery 0.50")
    expect(page.get_by_test_id("rfo-detail")).to_contain_text("delivery 0.50")

    # A negative weight is refused next to its input
    editor.get_by_test_id("weight-price").fill("-1")
    editor.get_by_test_id("save-weights").click()
    expect(editor.get_by_test_id("error-weights.price")).to_contain_text("out_of_range")
    expect(editor.get_by_test_id("weight-price")).to_have_attribute("aria-invalid", "true")
    expect(ranked).to_have_text([fast["id"], cheap["id"]])

    # Custom weights (price only): the slider follows the number, the order flips back
    for name, value in (("price", "3"), ("delivery", "0"), ("availability", "0"), ("reliability", "1")):
        editor.get_by_test_id(f"weight-{name}").fill(value)
    expect(picker).to_have_value("")  # custom
    expect(editor.get_by_test_id("share-price")).to_have_text("75 %")
    expect(editor.get_by_test_id("weight-range-reliability")).to_have_value("1")
    editor.get_by_test_id("save-weights").click()
    expect(ranked).to_have_text([cheap["id"], fast["id"]])
    expect(editor.get_by_test_id("error-weights.price")).to_be_hidden()
    expect(editor.get_by_test_id("weight-price")).to_have_value("0.75")  # normalised by the API
    expect(page.get_by_test_id("rfo-history").locator("[data-action=weights]")).to_have_count(2)

    # Back to "fastest"; explain the fast offer: a bar per component and per penalty, adding up to its score
    picker.select_option("fastest")
    editor.get_by_test_id("save-weights").click()
    expect(ranked).to_have_text([fast["id"], cheap["id"]])
    row(page, "ranking-row", fast["id"]).get_by_test_id("explain-offer").click()
    view = page.get_by_test_id("explain-view")
    expect(view).to_have_attribute("data-offer-id", fast["id"])
    expect(view.get_by_test_id("explain-vendor-id")).to_have_text(fast_vendor.id)
    bars = view.get_by_test_id("contribution-bar")
    expect(bars).to_have_count(4)
    contributions = _values(bars)
    penalties = _values(view.get_by_test_id("penalty-bar"))
    assert set(contributions) == {"price", "delivery", "availability", "reliability"}
    assert contributions["delivery"] == Decimal("0.475000")  # weight 0.5 x (20 - 1) / 20 days
    assert set(penalties) == {"late", "partial", "expiry"}
    assert penalties["partial"] > 0 and penalties["expiry"] > 0  # 80 of 100 units; valid 3 days of 5
    score = Decimal(view.get_by_test_id("explain-score").inner_text())
    assert sum(contributions.values()) - sum(penalties.values()) == score
    assert score == Decimal(row(page, "ranking-row", fast["id"]).get_by_test_id("score").get_attribute("title"))
    assert Decimal(view.get_by_test_id("score-bar").get_attribute("data-value")) == score
    expect(view.get_by_test_id("explain-check")).to_have_text("✓ adds up exactly")
    # Each bar is as long as its value, on one scale; penalties in their own colour
    widths = bars.evaluate_all("els => els.map(e => [e.dataset.component, e.getAttribute('width')])")
    scale = {Decimal(w) / contributions[c] for c, w in widths}
    assert max(scale) - min(scale) < Decimal("0.001")
    expect(view.locator(".bar.penalty").first).to_have_css("fill", "rgb(179, 38, 30)")
    expect(view.get_by_test_id("explain-formula")).to_contain_text("score = sum(")
    expect(view.get_by_test_id("explain-tie-break").locator("li")).to_have_count(5)
    expect(view.get_by_test_id("explain-flags")).to_contain_text("None on this RFO.")
    page.get_by_test_id("explain").screenshot(path=str(EXPLAIN_SCREENSHOT))

    # New weights re-explain the open offer at once
    editor.get_by_test_id("weight-delivery").fill("0")
    editor.get_by_test_id("save-weights").click()
    expect(view.locator("[data-component=delivery]")).to_have_attribute("data-value", "0.000000")
    expect(view.get_by_test_id("explain-check")).to_have_text("✓ adds up exactly")

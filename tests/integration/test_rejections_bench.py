"""Refused submissions cost the same however many rejections the vendor already has (issue 9, finding 6):
``bench/rejections.py`` at a reduced size, asserting its deterministic facts (calls and items read per request),
never its timings. Before the fix every refusal re-read the vendor's whole last hour of rejections (a Query
whose items grew with each rejection: 1,000 rejections made one refusal take a second)."""

from __future__ import annotations

import pytest
import rejections as bench

from intentbid import config
from intentbid.store.models.accounts import AccountModel

pytestmark = pytest.mark.usefixtures("aws")


def test_a_refused_submission_does_not_grow_with_earlier_rejections() -> None:
    config.settings.cache_clear()
    counter = bench.calls.CallCounter()
    counter.install()
    try:
        fresh, busy, accepted = bench.run(counter, rejections=25, samples=3)
    finally:
        counter.uninstall()
    assert (fresh.status, busy.status, accepted.status) == (400, 400, 201)
    # rate limit, GetItem(RFO), then the rejection: GetItem(vendor) + one transaction (state + log entry)
    assert fresh.ops == busy.ops == ["UpdateItem", "GetItem", "GetItem", "TransactWriteItems"]
    assert fresh.items_read == busy.items_read == 2
    # the vendor's state stays bounded: the flag window holds at most its threshold of rejections
    (vendor,) = [a for a in AccountModel.scan() if a.name == "Busy"]
    assert vendor.antigaming_live is not None
    assert len(vendor.antigaming_live.recent_rejections) == config.settings().flags.flag_rejections_threshold

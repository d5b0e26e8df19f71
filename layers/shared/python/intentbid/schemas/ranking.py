from __future__ import annotations

from typing import Literal

from pydantic import Field

from intentbid.schemas.common import Out, Timestamp


class RankingRow(Out):
    rank: int
    offer_id: str
    vendor_id: str
    score: str = Field(description="Fixed-point decimal string in [0, 1], e.g. '0.735000'")
    components: dict[str, str]
    penalties: dict[str, str]
    unit_price: int
    total_price: int
    delivery_date: Timestamp


class Ranking(Out):
    object: Literal["ranking"] = "ranking"
    rfo_id: str
    scoring_version: str
    weights: dict[str, str]
    data: list[RankingRow]

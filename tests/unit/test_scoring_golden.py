"""Golden vectors: checked-in inputs -> expected weights, scores, components, contributions, penalties and order,
one file per scoring version in ``tests/unit/golden/<version>.json`` (see the README there).

The tests read ONLY the JSON files (inputs and expectations); the ``CASES`` below are the source a new version's
file is generated from, once:

    .venv/bin/python tests/unit/test_scoring_golden.py --write v3

which refuses to overwrite a released file. A released file never changes; its SHA-256 is pinned in ``RELEASED``.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from intentbid.domain import scoring

GOLDEN = Path(__file__).parent / "golden"

# Released versions: the SHA-256 of their golden file. Never edit an entry; add one when a version is released
# (first used by an RFO in any environment), in the same commit that flips "released" to true in its file.
RELEASED: dict[str, str] = {
    "v1": "3f1efb718e72c793b3bfa4cf0a0c6e700a3fc891189671866a9d30f2eab2bb56",
    "v2": "408b8d521fa626032430c44bcc3b04d9c717e2e1d3163b1b29cee3d17222c6a9",  # the default of new RFOs
}

# --- the source of new golden files (the JSON, once written, is the truth) ------------------------------------

T = "2026-03-01T00:00:00.000000Z"


def at(days: float = 0, hours: float = 0) -> str:
    return scoring.iso(datetime.fromisoformat(T) + timedelta(days=days, hours=hours)) or ""


def _offer(
    offer_id: str,
    vendor_id: str,
    unit_price: int,
    quantity_available: int,
    delivery_days: float,
    submitted_hours: float,
    valid_days: float | None = None,
    stats: dict[str, int] | None = None,
) -> dict[str, Any]:
    return {
        "offer_id": offer_id,
        "vendor_id": vendor_id,
        "unit_price": unit_price,
        "quantity_available": quantity_available,
        "delivery_date": at(delivery_days),
        "submitted_at": at(hours=submitted_hours),
        "valid_until": None if valid_days is None else at(valid_days),
        "vendor_stats": stats,
    }


_RFO = {
    "rfo_id": "rfo_01JGOLDEN000000000000000001",
    "quantity": 100,
    "budget_max": 1_000_000,
    "need_by": at(20),
    "created_at": at(0),
    "expires_at": at(5),
}
_HISTORY_GOOD = {"offers": 40, "awarded": 10, "delivered_on_time": 9, "delivered_late": 1, "defaulted": 0}
_HISTORY_BAD = {"offers": 5, "awarded": 3, "delivered_on_time": 0, "delivered_late": 0, "defaulted": 3}

CASES: list[dict[str, Any]] = [
    {
        "name": "mixed offers, default weights: budget, horizon, partial quantity, expiry, lateness, history, ties",
        "rfo": _RFO,
        "weights": {},
        "offers": [
            _offer("off_A", "ven_a", 5_000, 100, 10, 1, 10),
            _offer("off_B", "ven_b", 4_000, 60, 15, 2, 4, _HISTORY_GOOD),
            _offer("off_C", "ven_c", 12_000, 100, 25, 3, 30, _HISTORY_BAD),
            _offer("off_D", "ven_d", 5_000, 100, 10, 1, 10),  # A's twin from another vendor: sha256 decides
            _offer("off_E", "ven_e", 5_000, 100, 10, 0.5, 10),  # A's twin, submitted earlier
            _offer("off_F", "ven_f", 4_500, 100, 11.8, 4, 10),  # v2: A's score, lower price
        ],
    },
    {
        "name": "custom weights, normalised with the rounding remainder on the heaviest component",
        "rfo": _RFO,
        "weights": {
            "v1": {"price": 1, "delivery": 3},
            "v2": {"price": "1", "delivery": "1", "availability": "1", "reliability": "0"},
            "v2-relative": {"price": "1", "delivery": "1", "availability": "1", "reliability": "0"},
        },
        "offers": [
            _offer("off_A", "ven_a", 5_000, 100, 10, 1, 10),
            _offer("off_B", "ven_b", 4_000, 60, 15, 2, 4, _HISTORY_GOOD),
            _offer("off_G", "ven_g", 9_000, 100, 2, 5, 5),
        ],
    },
    {
        "name": "edges: zero horizon, no deadline, free, nothing available, very late",
        "rfo": {
            "rfo_id": "rfo_01JGOLDEN000000000000000002",
            "quantity": 7,
            "budget_max": 70_000,
            "need_by": at(3),
            "created_at": at(3),
            "expires_at": None,
        },
        "weights": {},
        "offers": [
            _offer("off_H", "ven_h", 0, 7, 3, 1, 1),
            _offer("off_I", "ven_i", 10_000, 0, 2, 1),
            _offer("off_J", "ven_j", 3_333, 3, 40, 1, None, {"offers": 1, "awarded": 1, "delivered_on_time": 1}),
        ],
    },
    {
        "name": "half-even rounding of contributions (0.5 * 0.000001 -> 0, 0.5 * 0.000003 -> 0.000002)",
        "rfo": {
            "rfo_id": "rfo_01JGOLDEN000000000000000003",
            "quantity": 1,
            "budget_max": 1_000_000,
            "need_by": at(10),
            "created_at": at(0),
            "expires_at": at(1),
        },
        "weights": {
            "v1": {"price": 1, "delivery": 1},
            "v2": {"price": 1, "delivery": 1},
            "v2-relative": {"price": 1, "delivery": 1},
        },
        "offers": [
            _offer("off_K", "ven_k", 999_999, 1, 10, 1, 2),
            _offer("off_L", "ven_l", 999_997, 1, 10, 1, 2),
            _offer("off_N", "ven_n", 999_995, 1, 10, 1, 2),
        ],
    },
]


# --- JSON <-> inputs ------------------------------------------------------------------------------------------


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def rfo_of(raw: dict[str, Any]) -> scoring.RfoTerms:
    return scoring.RfoTerms(
        raw["rfo_id"],
        raw["quantity"],
        raw["budget_max"],
        datetime.fromisoformat(raw["need_by"]),
        datetime.fromisoformat(raw["created_at"]),
        _dt(raw.get("expires_at")),
    )


def offer_of(raw: dict[str, Any]) -> scoring.OfferInput:
    stats = raw.get("vendor_stats")
    return scoring.OfferInput(
        raw["offer_id"],
        raw["vendor_id"],
        raw["unit_price"],
        raw["quantity_available"],
        datetime.fromisoformat(raw["delivery_date"]),
        datetime.fromisoformat(raw["submitted_at"]),
        _dt(raw.get("valid_until")),
        None if stats is None else scoring.VendorStats(**stats),
    )


def compute(version: str, case: dict[str, Any]) -> dict[str, Any]:
    """What a version gives for a case's inputs, in the golden file's shape."""
    v = scoring.get_version(version)
    weights = scoring.normalise_weights(v, case["weights"])
    rfo = rfo_of(case["rfo"])
    offers = [offer_of(o) for o in case["offers"]]
    explained = [e.as_dict() for e in scoring.explain(v, rfo, offers, weights)]
    keep = ("rank", "offer_id", "score", "components", "contributions", "penalties", "tie_break_key")
    return {
        "weights": {k: scoring.fmt(x) for k, x in weights.items()},
        "anchors": explained[0]["anchors"] if explained else {},
        "ranking": [{k: d[k] for k in keep} for d in explained],
    }


def build_file(version: str) -> dict[str, Any]:
    v = scoring.get_version(version)
    lo, hi = v.bounds
    cases = []
    for case in CASES:
        raw_weights = case["weights"].get(version) if case["weights"] else None
        inputs = {"name": case["name"], "rfo": case["rfo"], "weights": raw_weights, "offers": case["offers"]}
        cases.append({**inputs, "expected": compute(version, inputs)})
    return {
        "version": v.version,
        "released": False,
        "relative": v.relative,
        "formula": v.formula,
        "components": list(v.components),
        "default_weights": {k: str(x) for k, x in v.default_weights.items()},
        "penalties": {k: scoring.fmt(x) for k, x in v.penalties.items()},
        "bounds": [scoring.fmt(lo), scoring.fmt(hi)],
        "cases": cases,
    }


def dumps(doc: dict[str, Any]) -> str:
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def load(version: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((GOLDEN / f"{version}.json").read_text(encoding="utf-8"))
    return doc


# --- tests ----------------------------------------------------------------------------------------------------


def test_every_registered_version_has_a_golden_file_and_every_file_a_version() -> None:
    files = {p.stem for p in GOLDEN.glob("*.json")}
    assert files == set(scoring.VERSIONS)


@pytest.mark.parametrize("version", sorted(scoring.VERSIONS))
def test_golden_vectors(version: str) -> None:
    doc = load(version)
    v = scoring.get_version(version)
    lo, hi = v.bounds
    assert doc["version"] == v.version
    assert doc["formula"] == scoring.formula(version)
    assert doc["relative"] == v.relative
    assert doc["components"] == list(v.components)
    assert doc["default_weights"] == {k: str(x) for k, x in v.default_weights.items()}
    assert doc["penalties"] == {k: scoring.fmt(x) for k, x in v.penalties.items()}
    assert doc["bounds"] == [scoring.fmt(lo), scoring.fmt(hi)]
    assert doc["cases"], "a golden file needs cases"
    for case in doc["cases"]:
        got = compute(version, case)
        assert got == case["expected"], case["name"]
        # the ranking itself (not only explain) gives the same order and numbers
        weights = scoring.normalise_weights(v, case["weights"])
        ranked = scoring.rank(v, rfo_of(case["rfo"]), [offer_of(o) for o in case["offers"]], weights)
        assert [s.offer.offer_id for s in ranked] == [r["offer_id"] for r in case["expected"]["ranking"]]
        assert [scoring.fmt(s.score) for s in ranked] == [r["score"] for r in case["expected"]["ranking"]]
        for row in case["expected"]["ranking"]:
            contributions = sum(Decimal(x) for x in row["contributions"].values())
            penalties = sum(Decimal(x) for x in row["penalties"].values())
            assert contributions - penalties == Decimal(row["score"])


@pytest.mark.parametrize("version", sorted(RELEASED))
def test_a_released_golden_file_never_changes(version: str) -> None:
    raw = (GOLDEN / f"{version}.json").read_bytes()
    assert json.loads(raw)["released"] is True
    assert hashlib.sha256(raw).hexdigest() == RELEASED[version], (
        f"golden/{version}.json changed, but {version} is released: its results must never change. Add a new "
        "version instead."
    )


def test_unreleased_files_are_marked_unreleased() -> None:
    for version in scoring.VERSIONS:
        if version not in RELEASED:
            assert load(version)["released"] is False, f"{version} is marked released: pin its hash in RELEASED"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] != "--write":
        print(__doc__)
        return 2
    version = argv[1]
    path = GOLDEN / f"{version}.json"
    if version in RELEASED or (path.exists() and json.loads(path.read_text(encoding="utf-8")).get("released")):
        print(f"{version} is released: its golden file never changes.", file=sys.stderr)
        return 1
    path.write_text(dumps(build_file(version)), encoding="utf-8")
    print(f"wrote {path}; now review a few offers by hand before committing")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""Load test: many vendors submit and revise offers concurrently against the local runtime over real HTTP
(loopback only), and every single answer is checked against the rules.

    python bench/load.py [--vendors 50] [--requests 40] [--seed 1] [--url http://127.0.0.1:8080]

Without ``--url`` it starts its own runtime (``python -m intentbid_local.run``) with the rule settings below
in its environment, and stops it at the end. With ``--url`` the runtime must run with the same settings:
``python bench/load.py --print-env`` prints them (``env $(python bench/load.py --print-env) make dev``).

What it does, bounded in count (``--vendors x --requests``) and time (``--max-seconds``):

1. Setup: one buyer posts ``--rfos`` OPEN RFOs (USD, quantity 10, budget 100000, need_by in 10 days), one
   CLOSED and one EXPIRED RFO; a separate vendor makes one offer (the "foreign" offer for the 404 probe);
   the vendors register. Each vendor has its own API key and its own keep-alive connection.
2. Mixed load: every vendor runs its own seeded plan (``--seed``; per vendor ``Random(f"{seed}:{i}")``) of
   ``--requests`` offers and revisions: valid ones, invalid ones (price below and above the band, currency,
   quantity, delivery after need_by, delivery in the past, valid_until in the past, availability not
   confirmed, several rules at once, two schema errors, malformed JSON, unknown RFO, CLOSED RFO, EXPIRED
   RFO - in one rotation across the run, so every rule is hit once there are 15 invalid submissions - plus
   someone else's offer and an empty revision) and over-limit ones (a 4th offer on an RFO, revisions faster
   than the interval, more revisions than allowed). About one vendor in five is a "spammer" whose plan leans
   on over-limit requests, so automatic cooldowns happen too. Requests are sequential within a vendor and
   concurrent across vendors (all start at one barrier).
3. Expectations: before each request the vendor's model of the rules (its offers per RFO, revisions and last
   change per offer, violations, strikes and cooldown) gives the EXPECTED status and code (and the fields of
   a 400); the answer must be exactly that. Only time can make two answers legal: when the server's clock at
   the request (somewhere between sending and receiving) may fall either side of a revision interval, a
   cooldown end or an hour boundary, both answers are allowed, checked exactly afterwards from the server's
   timestamps where the answer carries them, and counted as "timing-ambiguous" in the table.
4. Races: several vendors, each with several connections, submit at once on one fresh RFO (each vendor must
   get exactly ``max_offers_per_rfo`` admitted); several connections of one vendor revise one offer at once
   (exactly one revision admitted).
5. Verification through the API: each vendor's offers (``GET /v1/vendors/{id}/offers``) are exactly the
   accepted ones, and every accepted offer is in the buyer's ranking of its RFO with its last accepted price
   (nothing lost, nothing extra).

Checks: zero 5xx, zero transport errors, every answer as expected, accepted offers == what the rules allow
(no overshoot under concurrency), nothing lost. Prints a table: requests, duration, throughput, p50/p95/p99
latency, counts by status/code and by intent. Exits 1 when a check fails.

Per-key rate limits stay at the product default (120 requests/min per key): each vendor key sends at most
``--requests`` + 2 requests in the run, and ``--requests`` is refused above 110 unless the runtime is ours
(then ``INTENTBID_RATE_LIMIT_VENDOR`` is raised to fit and the table says so).

Connections: every vendor keeps one HTTP/1.1 connection alive, and connections are opened one after another
before the barrier. The local gateway listens with a backlog of 5 (``socketserver``'s default), so a burst
of simultaneous new connections overflows it and some are reset by the kernel before the gateway reads
them; a real SDK keeps connections alive anyway. See bench/README.md.

Importable (``bench/loadtest/``: ``model`` the rules, ``scenario`` the world and plans, ``runner`` the run):
``runner.run(url, LoadConfig(...), Rules(...))`` returns a ``LoadReport`` (``problems`` is empty when every check
passed; ``table()`` is the printout). ``tests/e2e/test_load.py`` runs a reduced size.
"""

from __future__ import annotations

import sys

from loadtest.runner import main

if __name__ == "__main__":
    sys.exit(main(description=__doc__ or ""))

"""Webhook chaos through the real pipeline of a local runtime (``intentbid_local.chaos``): a receiver that fails,
times out and answers 429 with ``Retry-After`` on a seeded schedule, a dedicated endpoint answering 410, and a
compressed retry schedule. Each delivery ends ``succeeded`` or ``dead`` (none lost), every attempt recorded
reached the receiver, duplicates carry the same ``webhook-id``, and the dead ones are delivered once the
receiver heals: by DLQ redrive (first run) or the recover route (second run, whose delivery worker is killed
mid-batch). 20 RFOs x 3 endpoints per run here; ``bench/webhook_chaos.py`` runs 1,000 deliveries."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from intentbid_local import chaos

pytestmark = pytest.mark.xdist_group("chaos")

N_RFOS = 20  # x 3 chaotic endpoints = 60 deliveries per run; seeds 13 and 29 make 4 of them dead (chaos.fate)


def start(runtime_factory: Callable[..., Any], faults: str = "") -> Any:
    env = {**chaos.RUNTIME_ENV, **({"INTENTBID_LOCAL_FAULTS": faults} if faults else {})}
    return runtime_factory("--visibility-timeout", str(chaos.VISIBILITY_TIMEOUT_S), env=env)


def test_chaos_every_delivery_succeeds_or_is_dead_and_redrive_delivers_the_dead(
    runtime_factory: Callable[..., Any],
) -> None:
    rt = start(runtime_factory)
    report = chaos.run(rt.url, rt.aws("sqs"), n_rfos=N_RFOS, seed=13, again="redrive")
    print("\n".join(report.lines()))
    assert report.dead_first_pass > 0 and report.succeeded_first_pass > 0
    assert report.attempts > report.deliveries  # failures were retried
    assert report.redelivered == report.dead_first_pass


def test_chaos_with_the_delivery_worker_killed_mid_batch(runtime_factory: Callable[..., Any]) -> None:
    # Twice bench's crash share: a third of its deliveries still meet a dozen crashes.
    rt = start(runtime_factory, faults="worker_crash=0.3,worker_crash_only=webhook_deliver,seed=5")
    report = chaos.run(
        rt.url,
        rt.aws("sqs"),
        n_rfos=N_RFOS,
        seed=29,
        again="recover",
        crash_count=lambda: rt.log().count("fault injected: worker_crash"),
    )
    print("\n".join(report.lines()))
    assert report.crashes > 0
    assert report.dead_first_pass > 0 and report.redelivered == report.dead_first_pass

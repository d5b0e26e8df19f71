"""One synthesis per stage per session (per xdist worker; the infra tests share one xdist group), shared by every
infra test: ``synth`` is dev, ``synth_of("staging")`` / ``synth_of("prod")`` synthesize those on first use."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from infra_synth import STAGE, Synth, synthesize


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def synth_of(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Synth]:
    cache = {STAGE: synth}

    def of(stage: str) -> Synth:
        if stage not in cache:
            cache[stage] = synthesize(tmp_path_factory.mktemp(f"cdk.out-{stage}"), stage)
        return cache[stage]

    return of

"""One synthesis of the dev stage per session (per xdist worker), shared by every infra test."""

from __future__ import annotations

import pytest
from infra_synth import Synth, synthesize


@pytest.fixture(scope="session")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    return synthesize(tmp_path_factory.mktemp("cdk.out"))

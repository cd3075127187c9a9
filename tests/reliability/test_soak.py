"""Item 15, short form for CI: 40 s of producer, two workers, random failures and kills (``make soak`` runs longer)."""

from __future__ import annotations

import os

import pytest
import soak


@pytest.mark.slow
def test_soak_short(db_url, tmp_path):
    seconds = float(os.environ.get("SOAK_SECONDS", "40"))
    f = soak.run(db_url, seconds, tmp_path, seed=5)
    print(f)
    assert f.enqueued > 500
    assert f.worker_sigkills + f.worker_sigterms >= 4, "too few faults were injected to mean anything"
    assert f.lost == 0, f
    assert f.completed_twice == 0, f
    assert f.ran_after_terminal == 0, f
    assert f.completed + f.dead_lettered == f.enqueued
    assert f.dead_lettered > 0 and f.failed_attempts > 0

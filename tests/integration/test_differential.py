"""The differential test: the model-based test's random operation sequences replayed on moto and on AWS's
DynamoDB Local at once, comparing every result, every error and the consumed capacity (our computed units
on both, and DynamoDB Local's reported units against them). Bounded here (``make test``); ``make model``
runs it longer. Skipped, saying why, where java or DynamoDB Local is missing."""

from __future__ import annotations

import os

import pytest

from tests import differential
from tests.unit.test_model_based import run_model

pytestmark = pytest.mark.integration

EXAMPLES = int(os.environ.get("SINGLETABLE_DIFF_EXAMPLES", "10"))
STEPS = int(os.environ.get("SINGLETABLE_DIFF_STEPS", "12"))


def test_moto_and_dynamodb_local_agree_call_by_call() -> None:
    differential.SEEN.clear()
    run_model("differential", EXAMPLES, STEPS)
    print("differential: " + ", ".join(f"{k} {v}" for k, v in sorted(differential.SEEN.items())))
    assert differential.SEEN["calls"] > EXAMPLES  # it did compare

"""Shared fixtures: a small generated sample set (in a tmp dir, never committed) and the real
engines (no mocks)."""
from __future__ import annotations

import os

import pytest

os.environ.setdefault("OMP_THREAD_LIMIT", "1")
# the product gives up after 30 s per page; a test box shared with other suites may be slower
os.environ.setdefault("JINCAI_OCR_TIMEOUT", "240")


@pytest.fixture(scope="session")
def sample_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("ocr_samples")


@pytest.fixture(scope="session")
def make(sample_dir):
    """make(kind, condition, seed=1) -> generator.Sample (cached per session)."""
    from tests.app.ocr.generator import make_sample

    cache = {}

    def _make(kind: str, condition: str = "clean", seed: int = 1):
        key = (kind, condition, seed)
        if key not in cache:
            cache[key] = make_sample(kind, condition, seed, sample_dir)
        return cache[key]

    return _make


def field_accuracy(result, truth: dict) -> tuple[int, int, list]:
    wrong = []
    for name, expected in truth.items():
        got = result.fields.get(name)
        if got is None or got.value != expected:
            wrong.append((name, expected, None if got is None else got.value))
    return len(truth) - len(wrong), len(truth), wrong

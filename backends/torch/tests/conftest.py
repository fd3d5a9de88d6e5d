"""Shared fixtures: the Swift `scalpel` binary (SCALPEL_BIN; tests comparing against it are skipped without
it), the committed tiny models, and generated ones."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.abspath(os.path.join(HERE, "..", "..", ".."))
FIXTURES = os.path.join(ROOT, "Tests", "ScalpelModelsTests", "Fixtures", "models")
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.dirname(HERE))

os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import tiny  # noqa: E402


def fixture_model(name: str) -> str:
    return os.path.join(FIXTURES, name)


@pytest.fixture(scope="session")
def scalpel() -> str:
    path = os.environ.get("SCALPEL_BIN")
    if not path or not os.access(path, os.X_OK):
        pytest.skip("SCALPEL_BIN (the Swift scalpel binary) is not set")
    return path


def run_scalpel(binary: str, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    p = subprocess.run([binary, *args], capture_output=True, text=True, timeout=600)
    if check and p.returncode != 0:
        raise AssertionError(f"scalpel {' '.join(args)} failed ({p.returncode}):\n{p.stderr}\n{p.stdout}")
    return p


def scalpel_json(binary: str, *args: str) -> dict:
    return json.loads(run_scalpel(binary, *args).stdout)


@pytest.fixture(scope="session")
def work(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("conformance"))


@pytest.fixture(scope="session")
def m6(work) -> str:
    """A 6-block LLaMA with a char-level tokenizer."""
    return tiny.make_llama(os.path.join(work, "m6"))


@pytest.fixture(scope="session")
def text(work) -> str:
    return tiny.write_text(os.path.join(work, "domain.txt"), seed=0)


@pytest.fixture(scope="session")
def general_text(work) -> str:
    return tiny.write_text(os.path.join(work, "general.txt"), seed=5)

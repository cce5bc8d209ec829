"""pytest setup: gotrace must be built and the fixture binaries present (make test does both). Nothing here
skips: a test that cannot load BPF or find a toolchain fails."""
import os

import pytest

from gotrace_harness import GOTRACE, MANIFEST


def pytest_sessionstart(session):
    missing = [str(p) for p in (GOTRACE, MANIFEST) if not p.exists()]
    if missing:
        raise pytest.UsageError(f"missing {', '.join(missing)}: run `make test`")
    if os.geteuid() != 0:
        raise pytest.UsageError("the integration tests load BPF programs: run them as root")

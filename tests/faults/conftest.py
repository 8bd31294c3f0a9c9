"""The fault tests' private stack, started once for the tests of this package.

Needs redis-server and PostgreSQL's initdb/pg_ctl on this machine. Without them the tests are
skipped with the reason, unless SMALLBATCH_REQUIRE_FAULT_TESTS=1 (set by .ci/run), which turns
the skip into a failure so that CI cannot pass without them. .ci/run runs them in its first
pass and sets SMALLBATCH_FAULT_STACK_DONE=1 in the second (the stack does not depend on it).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from tests.faults.harness import Stack, missing_programs, running_stack


def _require() -> bool:
    return os.environ.get("SMALLBATCH_REQUIRE_FAULT_TESTS", "") in {"1", "true", "yes"}


# Package scope: the stack stops after the last fault test, not at the end of the whole run.
@pytest.fixture(scope="package")
def stack() -> Iterator[Stack]:
    if os.environ.get("SMALLBATCH_FAULT_STACK_DONE") == "1":
        pytest.skip("the fault tests already ran in this CI run (SMALLBATCH_FAULT_STACK_DONE=1)")
    reason = missing_programs()
    if reason is not None:
        message = f"fault tests need their own Redis and PostgreSQL: {reason}"
        if _require():
            pytest.fail(f"{message} (SMALLBATCH_REQUIRE_FAULT_TESTS=1)")
        pytest.skip(message)
    with running_stack() as started:
        yield started


@pytest.fixture
def fresh(stack: Stack) -> Iterator[Stack]:
    """The stack with every service up and no path searches left from another test."""
    if not stack.redis.service.running():
        stack.redis.start()
    if not stack.worker.running():
        stack.start_worker()
    stack.clear_searches()
    yield stack

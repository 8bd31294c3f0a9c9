"""The configuration contract: every variable is documented, and production settings are safe."""

from __future__ import annotations

import ast
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CODE_DIRS = ("network_app", "people", "causes")
ENV_HELPERS = {"env_str", "env_bool", "env_int", "env_float", "env_list"}


def _is_os_environ(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "environ"
        and isinstance(node.value, ast.Name)
        and node.value.id == "os"
    )


def _variable_read_by(node: ast.AST) -> str | None:
    """The variable name when ``node`` reads the environment with a literal name, else None.

    Recognizes the settings helpers (``env_str("X")`` ...), ``os.environ.get("X")``,
    ``os.getenv("X")`` and ``os.environ["X"]``.
    """
    if isinstance(node, ast.Call) and node.args:
        func = node.func
        first = node.args[0]
        if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
            return None
        if isinstance(func, ast.Name) and func.id in ENV_HELPERS:
            return first.value
        if isinstance(func, ast.Attribute) and (
            (func.attr == "get" and _is_os_environ(func.value))
            or (
                func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"
            )
        ):
            return first.value
    if (
        isinstance(node, ast.Subscript)
        and _is_os_environ(node.value)
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value
    return None


def variables_read_by_the_code() -> dict[str, str]:
    """Every environment variable the project code reads, mapped to the first file reading it."""
    found: dict[str, str] = {}
    for directory in CODE_DIRS:
        for path in sorted((ROOT / directory).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            tree = ast.parse(path.read_text(), filename=str(path))
            for node in ast.walk(tree):
                name = _variable_read_by(node)
                if name is not None:
                    found.setdefault(name, str(path.relative_to(ROOT)))
    return found


def variables_documented_in_env_example() -> set[str]:
    """Names assigned in .env.example, commented out (``# NAME=default``) or not."""
    text = (ROOT / ".env.example").read_text()
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def test_the_scanner_finds_the_settings_variables() -> None:
    # Guards the test below against passing because the scan found nothing.
    found = variables_read_by_the_code()

    assert {"DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "TESTING"} <= found.keys()


def test_every_variable_read_by_the_code_is_documented_in_env_example() -> None:
    documented = variables_documented_in_env_example()

    missing = {
        name: where
        for name, where in variables_read_by_the_code().items()
        if name not in documented
    }

    assert not missing, f"add these to .env.example with a one-line comment: {missing}"


def test_every_variable_in_env_example_has_a_comment_above_it() -> None:
    lines = (ROOT / ".env.example").read_text().splitlines()
    assignment = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=")

    uncommented = [
        match.group(1)
        for index, line in enumerate(lines)
        if (match := assignment.match(line))
        and (
            index == 0 or not lines[index - 1].startswith("#") or assignment.match(lines[index - 1])
        )
    ]

    assert not uncommented, f"these lines of .env.example have no comment: {uncommented}"


def test_env_example_holds_no_secret_values() -> None:
    text = (ROOT / ".env.example").read_text()

    for name in ("SECRET_KEY", "EMAIL_HOST_PASSWORD"):
        for value in re.findall(rf"^#?\s*{name}=(.*)$", text, flags=re.MULTILINE):
            assert value == "", f"{name} must be empty in .env.example"


def _production_env(**overrides: str) -> dict[str, str]:
    """The environment of a production deploy: a real key, DEBUG and TESTING unset."""
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "TESTING", "SECRET_KEY", "ALLOWED_HOSTS"}
        and not key.startswith(("SECURE_", "SESSION_", "CSRF_"))
    }
    env.update(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="example.org")
    env.update(overrides)
    return env


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_deploy_check_reports_no_issue_with_production_settings() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_deploy_check_fails_when_debug_is_on_in_production() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env(DEBUG="1"))

    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr


def test_production_refuses_to_start_without_a_secret_key() -> None:
    env = _production_env()
    del env["SECRET_KEY"]

    result = _manage("check", env=env)

    assert result.returncode != 0
    assert "Set SECRET_KEY" in result.stderr

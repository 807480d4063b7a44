"""Helpers for the command tests: run `famille-tui` in this process (`cli`) or as a real
program (`famille_tui_process`), against the real portal of `tests/conftest.py`."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from famille_tui.cli import main

#: The console script installed in the venv that runs the tests.
FAMILLE_TUI = str(Path(sys.executable).with_name("famille-tui"))
MARTIN_PASSWORD = "demo-martin"
DURAND_PASSWORD = "demo-durand"


@dataclass
class Result:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)

    @property
    def err_lines(self) -> list[str]:
        return [line for line in self.err.splitlines() if line.strip()]


Cli = Callable[..., Result]


@pytest.fixture
def cli(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Cli:
    """`cli(*argv, stdin="", password=None)`: famille_tui.cli.main in this process, stdin a
    pipe (not a terminal), FAMILLE_TUI_PASSWORD set to `password` (unset when None)."""

    def run(*argv: str, stdin: str = "", password: str | None = None) -> Result:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        if password is None:
            monkeypatch.delenv("FAMILLE_TUI_PASSWORD", raising=False)
        else:
            monkeypatch.setenv("FAMILLE_TUI_PASSWORD", password)
        capsys.readouterr()
        code = main(list(argv))
        out, err = capsys.readouterr()
        return Result(code, out, err)

    return run


@pytest.fixture
def martin(cli: Cli, chambon_url: str) -> Cli:
    """`martin("invoices", "--json")`: a command as martin on Le Chambon-Feugerolles."""

    def run(*argv: str, stdin: str = "", password: str | None = MARTIN_PASSWORD) -> Result:
        return cli("--portal", chambon_url, "--login", "martin", *argv, stdin=stdin,
                   password=password)

    return run


def process_env(**extra: str) -> dict[str, str]:
    """The environment of a real famille-tui process: the test's directories (set by
    `isolated_dirs`), and keyring's `fail` backend so that no real keyring is touched."""
    env = dict(os.environ)
    env.pop("FAMILLE_TUI_PASSWORD", None)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    env["NO_COLOR"] = "1"
    env.update(extra)
    return env


def famille_tui_process(
    args: Sequence[str], *, timeout: float = 60, stdin: int | None = subprocess.DEVNULL,
    **env: str,
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [FAMILLE_TUI, *args], capture_output=True, text=True, timeout=timeout, stdin=stdin,
        env=process_env(**env),
    )

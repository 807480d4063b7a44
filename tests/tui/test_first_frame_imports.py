"""The login screen's first frame is drawn before pydantic, httpx, the keyring or any model of
the Famille API is imported (issue 18: they were ≈ 120 ms of a 475 ms start, where the bare
Textual app pays none of them): the real `famille-tui --portal URL` start, in a process of its
own, its modules listed at the moment the login screen's first frame is on screen."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import json, sys
from textual.app import App
from famille_tui import cli
import famille_tui.tui.screens.login as login

seen = {}

def first_frame(self):
    seen["modules"] = sorted(sys.modules)
    self.app.exit(0)

login.LoginScreen._after_first_frame = first_frame
original = App.run

def headless(self, *args, **kwargs):
    kwargs["headless"] = True
    return original(self, *args, **kwargs)

App.run = headless
cli.main(["--portal", "http://127.0.0.1:9/le-chambon-feugerolles/"])
print(json.dumps(seen.get("modules")))
"""

#: What the first frame must not wait for (their packages, or these modules of the project).
NOT_BEFORE = ("pydantic", "pydantic_core", "httpx", "httpcore", "keyring", "segno", "fastapi",
              "selectolax", "famille_tui.portal", "famille_tui.api.invoices",
              "famille_tui.api.base", "famille_tui.client.portal_client",
              "famille_tui.client.credentials")


def test_the_first_frame_imports_no_model_no_http_no_keyring(tmp_path: Path) -> None:
    env = dict(os.environ)
    for name in ("CONFIG", "STATE", "DATA", "DOWNLOAD"):
        env[f"FAMILLE_TUI_{name}_DIR"] = str(tmp_path / name.lower())
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True,
                          env=env, timeout=120, check=True)
    modules = json.loads(done.stdout.strip().splitlines()[-1])
    assert modules, "the login screen's first frame never came"
    assert "famille_tui.tui.screens.login" in modules
    early = [m for m in modules
             if any(m == name or m.startswith(name + ".") for name in NOT_BEFORE)]
    assert early == []

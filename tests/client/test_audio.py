"""The spoken captcha: played by a system player, else saved (0600) and its path said."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from famille_tui.client.audio import play_or_save

WAV = b"RIFF\x24\x00\x00\x00WAVEfmt " + b"\x00" * 28


def test_without_a_player_the_sound_is_saved_and_its_path_said(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path / "no-players"))
    outcome = play_or_save(WAV)
    assert not outcome.played and outcome.path is not None
    assert outcome.path.read_bytes() == WAV
    assert stat.S_IMODE(outcome.path.stat().st_mode) == 0o600
    assert str(outcome.path) in outcome.message


def test_what_is_not_a_sound_is_not_saved(tmp_path: Path) -> None:
    target = tmp_path / "sons"
    outcome = play_or_save(b"<html>erreur</html>", directory=target)
    assert not outcome.played and outcome.path is None
    assert "nouveau code" in outcome.message
    assert not target.exists()

"""The spoken captcha, for a parent who cannot read the image.

    outcome = play_or_save(wav)     # AudioOutcome: played, path, message (French)

The WAV the portal serves is played through the system's player when there is one
(`pw-play`, `paplay`, `aplay`, `afplay`, `play`), with no shell and a time limit; where
none is found or it fails (no sound device), the file is saved in the download directory,
readable by the user alone, and its path is said, so that the parent opens it another way.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from famille_tui.client.config import download_dir

__all__ = ["PLAYERS", "AudioOutcome", "play_or_save"]

#: System players tried in this order (PipeWire, PulseAudio, ALSA, macOS, SoX).
PLAYERS: tuple[tuple[str, ...], ...] = (
    ("pw-play",), ("paplay",), ("aplay", "-q"), ("afplay",), ("play", "-q"),
)
#: A captcha is a few seconds long.
PLAY_TIMEOUT_SECONDS = 30.0


@dataclass(frozen=True, slots=True)
class AudioOutcome:
    played: bool
    path: Path | None
    message: str


def play_or_save(wav: bytes, *, directory: Path | None = None) -> AudioOutcome:
    """Play the captcha's sound, else save it; never raises for a missing player."""
    if not wav.startswith(b"RIFF"):
        return AudioOutcome(False, None, "Le son envoyé par le portail n'est pas lisible : "
                                         "demandez un nouveau code.")
    with tempfile.NamedTemporaryFile(prefix="famille-tui-code-", suffix=".wav") as sound:
        sound.write(wav)
        sound.flush()
        for player in PLAYERS:
            program = shutil.which(player[0])
            if program is None:
                continue
            try:
                done = subprocess.run([program, *player[1:], sound.name],
                                      stdin=subprocess.DEVNULL, capture_output=True,
                                      timeout=PLAY_TIMEOUT_SECONDS, check=False)
            except (OSError, subprocess.SubprocessError):
                continue
            if done.returncode == 0:
                return AudioOutcome(True, None, "Le code de sécurité a été lu à voix haute.")
    target_dir = directory or download_dir()
    try:
        target_dir.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="code-de-securite-", suffix=".wav", dir=target_dir)
        with os.fdopen(fd, "wb") as file:
            file.write(wav)
    except OSError as error:
        return AudioOutcome(False, None, "Aucun lecteur audio ici, et le son n'a pas pu être "
                                         f"enregistré ({error.strerror or error}).")
    path = Path(name)
    return AudioOutcome(False, path, "Aucun lecteur audio trouvé : le code de sécurité parlé "
                                     f"est enregistré dans {path}. Ouvrez ce fichier pour "
                                     "l'écouter.")

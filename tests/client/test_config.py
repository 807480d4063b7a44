"""config.toml as every face reads it: the settings are checked by hand (no pydantic at start),
so what pydantic refused is refused here too, said in French with where it is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from famille_tui.client.config import (
    PortalProfile,
    Settings,
    dump_settings,
    load_settings,
    save_settings,
)
from famille_tui.client.errors import ConfigError


def test_a_written_config_reads_back_the_same(tmp_path: Path) -> None:
    settings = Settings(
        portals=[PortalProfile(name="Le Chambon-Feugerolles",
                               url="http://127.0.0.1:8765/le-chambon-feugerolles"),
                 PortalProfile(name="Testville", url="https://portail.example.fr/",
                               dialect="noethysweb")],
        theme="high-contrast", animations=False, kiosk_idle_seconds=300,
        kiosk_browser="chromium --incognito",
    )
    path = tmp_path / "config.toml"
    save_settings(settings, path)
    assert load_settings(path) == settings
    # The address is normalised as the portal profile always did (a final « / »).
    assert load_settings(path).portals[0].url == "http://127.0.0.1:8765/le-chambon-feugerolles/"
    # Only what differs from the defaults is written.
    assert "screen_reader" not in dump_settings(settings)


def test_no_file_gives_the_defaults(tmp_path: Path) -> None:
    assert load_settings(tmp_path / "absent.toml") == Settings()


@pytest.mark.parametrize(("toml", "where", "reason"), [
    ('theme = "sombre"\n', "theme", "« default » ou « high-contrast » attendu"),
    ("animation = false\n", "animation", "réglage inconnu"),
    ('animations = "non"\n', "animations", "true ou false attendu"),
    ("kiosk_idle_seconds = 2\n", "kiosk_idle_seconds", "entre 5 et 3600"),
    ("still_waiting_interval = true\n", "still_waiting_interval", "nombre entier attendu"),
    ('kiosk_browser = "' + "x" * 401 + '"\n', "kiosk_browser", "400 caractères au plus"),
    ('[[portals]]\nname = ""\nurl = "https://a.example.fr/"\n', "portals.0.name",
     "ce champ est obligatoire"),
    ('[[portals]]\nname = "A"\n', "portals.0.url", "ce champ est obligatoire"),
    ('[[portals]]\nname = "A"\nurl = "https://a.example.fr/"\ncolour = 1\n',
     "portals.0.colour", "réglage inconnu"),
    ('[[portals]]\nname = "A"\nurl = "http://a.example.fr/"\n', "portals.0.url",
     "seule une adresse https://"),
])
def test_a_wrong_value_is_refused_saying_where(tmp_path: Path, toml: str, where: str,
                                                reason: str) -> None:
    path = tmp_path / "config.toml"
    path.write_text(toml, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_settings(path)
    assert caught.value.message.startswith(f"Le fichier {path} est invalide ({where} : ")
    assert reason in caught.value.message


def test_a_broken_toml_is_said(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text("theme = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="n'est pas un TOML valide"):
        load_settings(path)


def test_model_copy_keeps_the_rest_and_checks_the_change() -> None:
    settings = Settings(theme="high-contrast")
    assert settings.model_copy(update={"demo": True}) == Settings(theme="high-contrast",
                                                                   demo=True)
    with pytest.raises(ValueError, match="theme"):
        settings.model_copy(update={"theme": "sombre"})

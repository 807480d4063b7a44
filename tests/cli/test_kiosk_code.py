"""The kiosk staff code: scrypt hashing and checking (client/kiosk.py), `kiosk-code`."""

from __future__ import annotations

import tomllib

import pytest

from famille_tui.client.config import Settings
from famille_tui.client.kiosk import (
    StaffCodeError,
    hash_staff_code,
    parse_staff_code_hash,
    verify_staff_code,
)
from tests.cli.conftest import Cli


def test_hash_and_verify() -> None:
    stored = hash_staff_code("creche-2026")
    assert stored.startswith("scrypt$16384$8$1$")
    assert "creche-2026" not in stored
    assert verify_staff_code("creche-2026", stored)
    assert not verify_staff_code("creche-2027", stored)
    assert not verify_staff_code("", stored)
    # A random salt: the same code never gives the same line twice.
    assert hash_staff_code("creche-2026") != stored


@pytest.mark.parametrize(
    "stored",
    [None, "", "creche-2026", "bcrypt$x", "scrypt$16384$8$1$c2FsdA",
     "scrypt$16385$8$1$c2FsdHNhbHQ$" + "A" * 43,  # N not a power of two
     "scrypt$1073741824$8$1$c2FsdHNhbHQ$" + "A" * 43,  # N far too large for a config
     "scrypt$16384$8$1$!!!$???"],
)
def test_malformed_hashes_never_match(stored: str | None) -> None:
    assert not verify_staff_code("creche-2026", stored)
    if stored:
        assert parse_staff_code_hash(stored) is None


def test_short_codes_are_refused() -> None:
    with pytest.raises(StaffCodeError):
        hash_staff_code("1234")


def test_kiosk_code_prints_a_config_line(cli: Cli) -> None:
    result = cli("kiosk-code", stdin="creche-2026\ncreche-2026\n")
    assert result.code == 0, result.err
    settings = Settings.model_validate(tomllib.loads(result.out))
    assert verify_staff_code("creche-2026", settings.kiosk_staff_code_hash)
    assert "creche-2026" not in result.out + result.err
    as_json = cli("kiosk-code", "--json", stdin="creche-2026\ncreche-2026\n")
    assert verify_staff_code("creche-2026", as_json.json()["kiosk_staff_code_hash"])


@pytest.mark.parametrize(
    ("stdin", "words"),
    [("creche-2026\ncreche-2027\n", "diffèrent"), ("abc\nabc\n", "au moins"),
     ("", "Code du personnel : ce champ est obligatoire ; rien n'a été fait.")],
)
def test_kiosk_code_refusals(cli: Cli, stdin: str, words: str) -> None:
    result = cli("kiosk-code", stdin=stdin)
    assert result.code == 2
    assert words in result.err and result.out == ""


def test_the_line_appended_to_a_file_listing_portals_is_read(cli: Cli) -> None:
    """docs/kiosk.md's `famille-tui kiosk-code >> config.toml` on a file that already lists
    portals (as `famille-tui demo` writes it): TOML gives the appended line to the last
    `[[portals]]`; it is read as the desk's code all the same, and the desk may start."""
    from famille_tui.client.config import (
        PortalProfile,
        config_path,
        launch_options,
        load_settings,
        save_settings,
    )
    from famille_tui.client.session import SessionPolicy

    save_settings(Settings(portals=[
        PortalProfile(name="Chaponost", url="http://127.0.0.1:8765/chaponost/"),
        PortalProfile(name="Le Chambon-Feugerolles", dialect="espace-citoyens",
                      url="http://127.0.0.1:8765/lechambonfeugerolles/espace-citoyens/"),
    ]))
    result = cli("kiosk-code", stdin="creche-2026\ncreche-2026\n")
    assert result.code == 0, result.err
    with config_path().open("a", encoding="utf-8") as config:
        config.write(result.out)
    assert config_path().read_text(encoding="utf-8").rstrip().endswith(result.out.rstrip())

    settings = load_settings()
    assert verify_staff_code("creche-2026", settings.kiosk_staff_code_hash)
    assert [p.dialect for p in settings.portals] == [None, "espace-citoyens"]
    options = launch_options(settings, kiosk=True)
    assert SessionPolicy.from_options(options).start_refusal() is None


def test_an_unknown_setting_is_said_in_french() -> None:
    from famille_tui.client.config import config_path, load_settings
    from famille_tui.client.errors import ConfigError

    config_path().parent.mkdir(parents=True, exist_ok=True)
    config_path().write_text('kiosk_idle = 60\n\n[[portals]]\nname = "A"\n'
                             'url = "http://127.0.0.1:8765/a/"\n', encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_settings()
    assert refused.value.message.endswith("est invalide (kiosk_idle : réglage inconnu).")


def test_on_a_terminal_it_says_where_the_line_goes(cli: Cli,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """`famille-tui kiosk-code` alone (as the desk's refusal says to run it) prints the line
    on the screen: it also says which file it goes to (on stderr, never in the answer)."""
    from famille_tui.client.config import config_path
    from famille_tui.commands.base import CommandContext

    monkeypatch.setattr(CommandContext, "stdout_is_tty", lambda self: True)
    result = cli("kiosk-code", stdin="creche-2026\ncreche-2026\n")
    assert result.code == 0, result.err
    assert result.out.startswith("kiosk_staff_code_hash = ")
    assert f"famille-tui kiosk-code >> {config_path()}" in " ".join(result.err.split())
    monkeypatch.setattr(CommandContext, "stdout_is_tty", lambda self: False)  # `>> file`
    piped = cli("kiosk-code", stdin="creche-2026\ncreche-2026\n")
    assert "Ajoutez" not in piped.err

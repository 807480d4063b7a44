"""Shell completion: generated from the parser, committed in completions/, and working in bash."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from famille_tui.cli import build_parser
from famille_tui.commands.completion import bash_script, zsh_script
from famille_tui.commands.parsing import subcommand_names
from tests.cli.conftest import Cli

ROOT = Path(__file__).resolve().parents[2]
BASH_FILE = ROOT / "completions" / "famille-tui.bash"
ZSH_FILE = ROOT / "completions" / "_famille-tui"


def test_committed_scripts_are_up_to_date(cli: Cli) -> None:
    bash = cli("completion", "bash")
    zsh = cli("completion", "zsh")
    assert bash.code == zsh.code == 0
    assert BASH_FILE.read_text(encoding="utf-8") == bash.out, \
        "regenerate: famille-tui completion bash > completions/famille-tui.bash"
    assert ZSH_FILE.read_text(encoding="utf-8") == zsh.out, \
        "regenerate: famille-tui completion zsh > completions/_famille-tui"


def complete(words: list[str], tmp_path: Path) -> list[str]:
    """COMPREPLY of the bash function for the command line `words` (the last one is being
    typed), in a real bash."""
    line = " ".join(f"'{w}'" for w in words)
    script = (
        f"source {BASH_FILE}\n"
        f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}\n"
        "_famille_tui\n"
        "printf '%s\\n' \"${COMPREPLY[@]}\"\n"
    )
    result = subprocess.run(["bash", "--norc", "-c", script], capture_output=True, text=True,
                            cwd=tmp_path, timeout=20, check=True)
    return [w for w in result.stdout.splitlines() if w]


@pytest.mark.parametrize(
    ("words", "expected", "absent"),
    [
        (["famille-tui", "inv"], {"invoices", "invoice"}, {"pay"}),
        (["famille-tui", "--login", "martin", "p"], {"pay", "payments", "profile"}, set()),
        (["famille-tui", "invoices", "--"], {"--unpaid", "--paid", "--since", "--json"},
         {"--pdf"}),
        (["famille-tui", "pay", "2026100042", "--n"], {"--no-browser"}, set()),
        (["famille-tui", "completion", ""], {"bash", "zsh"}, set()),
        (["famille-tui", "--commune", ""], set(), {"invoices"}),
    ],
)
def test_bash_completes(words: list[str], expected: set[str], absent: set[str],
                        tmp_path: Path) -> None:
    got = set(complete(words, tmp_path))
    assert expected <= got
    assert not absent & got


def test_bash_completes_file_names_after_pdf(tmp_path: Path) -> None:
    (tmp_path / "facture.pdf").write_bytes(b"%PDF")
    assert complete(["famille-tui", "invoice", "2026100042", "--pdf", "fac"], tmp_path) == [
        "facture.pdf"
    ]


def test_zsh_script_names_every_command_and_option() -> None:
    parser = build_parser()
    script = zsh_script(parser)
    assert script.startswith("#compdef famille-tui")
    for name, sub in subcommand_names(parser).items():
        assert f"        {name})" in script
        for action in sub._actions:
            for option in action.option_strings:
                assert f"'{option}[" in script
    assert "'--pdf[" in script and ":_files'" in script
    # Every quote is closed: an odd number of unescaped quotes would break the whole file.
    assert script.replace("'\\''", "").count("'") % 2 == 0
    assert bash_script(parser).rstrip().endswith("complete -F _famille_tui famille-tui")

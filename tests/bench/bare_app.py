"""The yardstick of the start-up row: a bare Textual app showing one label."""

from textual.app import App, ComposeResult
from textual.widgets import Label


class Bare(App[None]):
    def compose(self) -> ComposeResult:
        yield Label("Identifiant")


if __name__ == "__main__":
    Bare().run()

"""The detail pane of « Mes factures »: every field of the invoice under the cursor.

Wide terminals get one labelled line per field (a column beside the table); narrow ones a few
dense lines under the table, so that 80×24 still shows the table, the detail and the keys.
"""

from __future__ import annotations

from datetime import date

from rich.text import Text
from textual.widgets import Static

from famille_tui.api import Invoice, InvoiceStatus
from famille_tui.client.rules import PaymentProof
from famille_tui.tui.widgets.invoice_rows import (
    detail_lines,
    offline_reason,
    proof_lines,
    tick_refusal,
)


class InvoiceDetail(Static):
    """Shows one invoice; `wide` picks one line per field."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__("", id=id)
        self.border_title = "Détail"

    def show(self, invoice: Invoice | None, today: date, *, wide: bool,
             proof: PaymentProof | None = None) -> None:
        if invoice is None:
            self.update("Aucune facture dans cette liste.")
            return
        lines = detail_lines(invoice, today, proof)
        text = Text()
        if wide:
            for label, value in lines:
                text.append(f"{label} : ", style="bold")
                text.append(value + "\n")
        else:
            fields = dict(lines)
            text.append(f"{invoice.number} · {invoice.label}\n", style="bold")
            text.append(
                f"Enfants : {fields['Enfants']} · {fields['Période']} · "
                f"échéance {fields['Échéance']}\n"
            )
            text.append(
                f"Montant {fields['Montant']} · déjà payé {fields['Déjà payé']} · "
                f"reste à payer {fields['Reste à payer']} · {fields['État']}"
            )
            if invoice.status is InvoiceStatus.A_PAYER and tick_refusal(invoice):
                text.append(f"\nPaiement en ligne impossible : {offline_reason(invoice)}")
            elif invoice.status is InvoiceStatus.EN_COURS:
                text.append("\nUn paiement est en cours : Entrée pour le suivre.")
            for label, line in proof_lines(proof) if proof is not None else []:
                # The note (« … : non proposé par ce portail. ») is a sentence of its own.
                text.append(f"\nPayé le {line}" if label == "Payé le" else f"\n{line}")
        text.rstrip()
        self.update(text)

"""« Mes factures »: the list, one invoice, its PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from famille_tui.api import Invoice as InvoiceModel
from famille_tui.api import InvoiceFilter, InvoiceList, InvoiceStatus
from famille_tui.portal.billing import expire_due, family_invoice, family_invoices, to_pay
from famille_tui.portal.deps import CommuneRow, Db, RowId, State, User
from famille_tui.portal.pdf import invoice_pdf

router = APIRouter(tags=["factures"])


@router.get("/invoices", response_model=InvoiceList)
def invoices(
    db: Db,
    state: State,
    user: User,
    status: Annotated[InvoiceFilter, Query()] = InvoiceFilter.ALL,
) -> InvoiceList:
    expire_due(db, state.watch)
    every = family_invoices(db, user.family_id)
    if status is InvoiceFilter.UNPAID:
        shown = [i for i in every if i.status is not InvoiceStatus.REGLEE]
    elif status is InvoiceFilter.PAID:
        shown = [i for i in every if i.status is InvoiceStatus.REGLEE]
    else:
        shown = every
    return InvoiceList(invoices=shown, total_remaining_cents=to_pay(every))


@router.get("/invoices/{invoice_id}", response_model=InvoiceModel)
def invoice(invoice_id: RowId, db: Db, state: State, user: User) -> InvoiceModel:
    expire_due(db, state.watch)
    return family_invoice(db, user.family_id, invoice_id)


@router.get(
    "/invoices/{invoice_id}/pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "La facture en PDF"}},
)
def invoice_document(
    invoice_id: RowId, db: Db, state: State, user: User, commune: CommuneRow
) -> Response:
    expire_due(db, state.watch)
    item = family_invoice(db, user.family_id, invoice_id)
    family = db.execute("SELECT name FROM families WHERE id = ?", (user.family_id,)).fetchone()
    content = invoice_pdf(item, family_name=family["name"], commune=commune)
    return Response(
        content,
        media_type="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="facture-{item.number}.pdf"'},
    )

"""« Mes factures »: the list, one invoice, its PDF."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response

from famille_tui.api import Invoice as InvoiceModel
from famille_tui.api import InvoiceFilter, InvoiceList
from famille_tui.portal.billing import expire_due, family_invoice, family_invoices
from famille_tui.portal.deps import CommuneRow, Db, RowId, State, User
from famille_tui.portal.pdf import invoice_pdf
from famille_tui.portal.routers.reservations import issue_due_invoices

router = APIRouter(tags=["factures"])


@router.get("/invoices", response_model=InvoiceList)
def invoices(
    db: Db,
    state: State,
    user: User,
    status: Annotated[InvoiceFilter, Query()] = InvoiceFilter.ALL,
) -> InvoiceList:
    expire_due(db, state.watch)
    issue_due_invoices(db, state, user.family_id, user.commune)
    return InvoiceList.of(family_invoices(db, user.family_id), status)


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

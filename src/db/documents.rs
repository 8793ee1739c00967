//! Documents parties upload for the reviewer.

use super::models::PartyDocumentRow;
use super::schema::party_documents;
use super::DbConnection;
use crate::domain::id::{AnyParty, DocumentId};
use diesel::prelude::*;

pub fn insert(conn: &mut DbConnection, row: &PartyDocumentRow) -> QueryResult<()> {
    diesel::insert_into(party_documents::table).values(row).execute(conn).map(|_| ())
}

/// A party's documents, newest first.
pub fn of_party(conn: &mut DbConnection, party: &AnyParty) -> QueryResult<Vec<PartyDocumentRow>> {
    party_documents::table
        .filter(party_documents::party_kind.eq(party.kind()))
        .filter(party_documents::party_id.eq(party.id()))
        .order(party_documents::uploaded_at.desc())
        .then_order_by(party_documents::id.desc())
        .load(conn)
}

pub fn get(conn: &mut DbConnection, id: &DocumentId) -> QueryResult<Option<PartyDocumentRow>> {
    party_documents::table.find(id).first(conn).optional()
}

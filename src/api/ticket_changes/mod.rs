//! Agents changing tickets: attributes (PATCH), internal notes, replies,
//! opening outbound tickets, participants, and (admins) deleting them.
pub(crate) mod assist;
pub(crate) mod compose;
pub(crate) mod create;
mod delete;
pub(crate) mod notes;
pub(crate) mod origin;
pub(crate) mod participants;
pub(crate) mod patch;
mod replies;
pub(crate) mod transfer;
pub(crate) mod undo;
pub(crate) mod validate;

use super::AppState;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(create::create_ticket))
        .routes(routes!(patch::patch_ticket, delete::delete_ticket))
        .routes(routes!(delete::bulk_delete))
        .routes(routes!(replies::post_reply))
        .routes(routes!(undo::undo_reply))
        .routes(routes!(transfer::transfer_ticket))
        .routes(routes!(assist::assist_draft))
        .routes(routes!(notes::create_note))
        .routes(routes!(notes::patch_note, notes::delete_note))
        .routes(routes!(participants::get_recipients))
        .routes(routes!(participants::accept_participant))
        .routes(routes!(participants::remove_participant))
}

//! Postdesk: an email-thread ticketing gateway.
pub mod commands;
pub mod domain;
pub mod inbound;
pub mod ingest;
pub mod mail;
pub mod store;

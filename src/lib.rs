//! Postdesk: an email-thread ticketing gateway.
pub mod api;
pub mod commands;
pub mod config;
pub mod devstack;
pub mod domain;
pub mod inbound;
pub mod ingest;
pub mod mail;
pub mod metrics;
pub mod outbound;
pub mod service;
pub mod store;
pub mod web;

//! Integration tests: one binary, a module per feature.
mod api;
mod cli;
mod crash;
mod delivery;
mod demo;
mod gateway;
mod harness;
mod imap;
mod import;
mod mail;
mod mailstack;
mod migrations;
mod properties;
mod secrets;
mod sender;
mod sla;
mod support;

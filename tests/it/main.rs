//! Integration tests: one binary, a module per feature.
mod cli;
mod import;
mod properties;
mod support;

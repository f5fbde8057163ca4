//! Shared helpers for the workspace's end-to-end tests (`tests/*.rs`).
//!
//! The end-to-end tests drive the real station pipeline against the virtual fixture on real
//! pseudo-terminals and a real SQLite file; nothing here replaces a component with a mock.

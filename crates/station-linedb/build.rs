//! The schema migrations are embedded at compile time (`refinery::embed_migrations!`): a new
//! or changed file under migrations/ must rebuild the crate, or a binary built before it would
//! refuse a line database migrated by a newer one ("missing from the filesystem").
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}

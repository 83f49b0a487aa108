//! A throwaway PostgreSQL cluster for the browser tests: prints
//! `postgres://…` on its first line, then keeps the cluster until its
//! standard input closes (the test ends), and removes it.
//!
//! ```text
//! cargo run -q -p verification-www --example pg_cluster
//! ```

use std::io::{Read as _, Write as _};

fn main() -> std::process::ExitCode {
    let pg = match verification_gateway::testing::Postgres::start() {
        Ok(pg) => pg,
        Err(e) => {
            eprintln!("error: {e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    println!("{}", pg.url());
    let _ = std::io::stdout().flush();
    let mut sink = Vec::new();
    let _ = std::io::stdin().read_to_end(&mut sink);
    drop(pg);
    std::process::ExitCode::SUCCESS
}

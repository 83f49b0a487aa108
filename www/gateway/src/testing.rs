//! A throwaway PostgreSQL cluster for tests: `initdb` and `pg_ctl` from
//! Debian's `postgresql` (installed by `make tools`), in a temporary
//! directory, on a free port of 127.0.0.1, trusting local connections.
//! Machines here run as root and `initdb` refuses root, so as root the
//! commands run as the `postgres` user. Dropping the value stops the
//! cluster and removes its directory. Not part of the gateway's API.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A running cluster.
#[derive(Debug)]
pub struct Postgres {
    dir: PathBuf,
    bin: PathBuf,
    port: u16,
    as_postgres: bool,
}

/// Where Debian keeps the server's programs.
fn bin_dir() -> Option<PathBuf> {
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .flatten()
        .map(|e| e.path().join("bin"))
        .filter(|b| b.join("initdb").exists() && b.join("pg_ctl").exists())
        .collect();
    found.sort();
    found.pop()
}

fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"))
}

impl Postgres {
    /// Starts a new cluster with an empty database `gateway`.
    ///
    /// # Errors
    /// PostgreSQL is not installed (the message says how to get it), or
    /// the cluster did not start (with its log).
    pub fn start() -> Result<Postgres, String> {
        let bin = bin_dir().ok_or(
            "PostgreSQL is not installed: the PostgreSQL store's tests need Debian's \
             `postgresql` (initdb, pg_ctl); `make tools` installs it",
        )?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let dir = std::env::temp_dir().join(format!("pg-test-{}-{port}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let as_postgres = is_root();
        if as_postgres {
            let ok = Command::new("chown")
                .args(["postgres:postgres", dir.to_str().unwrap_or_default()])
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err("cannot give the test cluster's directory to `postgres`".into());
            }
        }
        let pg = Postgres { dir, bin, port, as_postgres };
        let data = pg.dir.join("data");
        pg.run(
            "initdb",
            &[
                "-D",
                data.to_str().unwrap_or_default(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "-E",
                "UTF8",
                "--no-sync",
            ],
        )?;
        pg.restart()?;
        pg.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &port.to_string(), "-U", "postgres", "gateway"],
        )?;
        Ok(pg)
    }

    fn run(&self, program: &str, args: &[&str]) -> Result<(), String> {
        let path = self.bin.join(program);
        let mut cmd = if self.as_postgres {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]).arg(&path);
            c
        } else {
            Command::new(&path)
        };
        let out = cmd
            .args(args)
            .current_dir(&self.dir)
            .output()
            .map_err(|e| format!("{program}: {e}"))?;
        if out.status.success() {
            Ok(())
        } else {
            Err(format!("{program} failed: {}", String::from_utf8_lossy(&out.stderr)))
        }
    }

    /// The database URL of `gateway`.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/gateway", self.port)
    }

    /// A new empty database on the cluster; its URL.
    ///
    /// # Errors
    /// `createdb` failed.
    pub fn database(&self, name: &str) -> Result<String, String> {
        self.run(
            "createdb",
            &["-h", "127.0.0.1", "-p", &self.port.to_string(), "-U", "postgres", name],
        )?;
        Ok(format!("postgres://postgres@127.0.0.1:{}/{name}", self.port))
    }

    /// Stops the server (immediately), keeping the data.
    pub fn stop(&self) {
        let data = self.dir.join("data");
        let _ = self.run(
            "pg_ctl",
            &["-D", data.to_str().unwrap_or_default(), "-m", "immediate", "-w", "stop"],
        );
    }

    /// Starts the (stopped) server on its port.
    ///
    /// # Errors
    /// It did not start (with its log).
    pub fn restart(&self) -> Result<(), String> {
        let data = self.dir.join("data");
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=200",
            self.port,
            self.dir.display()
        );
        let log = self.dir.join("log");
        let (data_dir, log_path) =
            (data.to_str().unwrap_or_default(), log.to_str().unwrap_or_default());
        self.run("pg_ctl", &["-D", data_dir, "-o", &options, "-l", log_path, "-w", "start"])
            .map_err(|e| format!("{e}\n{}", std::fs::read_to_string(&log).unwrap_or_default()))
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

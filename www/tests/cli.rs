//! The command line as an operator meets it: a bare configuration file
//! name, `log export` into a closed pipe, and a page of an origin the
//! configuration does not list.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_verification-www");

fn temp(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

const CONFIG: &str = r#"
listen = "127.0.0.1:0"
allowed_origins = ["https://panel.example"]
database = "sqlite://state/gateway.db"
[tokens]
audience = "registrant-verification"
hs256_secret = "env:CLI_TEST_SECRET"
"#;

#[test]
fn serve_takes_a_bare_file_name_and_logs_a_refused_origin_once() {
    let dir = temp("serve");
    std::fs::write(dir.join("gateway.toml"), CONFIG).unwrap();
    let mut child = Command::new(BIN)
        .args(["serve", "--config", "gateway.toml"])
        .current_dir(&dir)
        .env("CLI_TEST_SECRET", "c".repeat(40))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let base = line.trim().strip_prefix("Gateway listening on ").expect(&line).to_owned();
    // Database relative to the file, created owner-only.
    assert!(dir.join("state/gateway.db").exists());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let client = reqwest::Client::new();
        for _ in 0..3 {
            let res = client
                .get(format!("{base}/api/openprovider/status?contact=x"))
                .header("origin", "https://other.example")
                .send()
                .await
                .unwrap();
            assert!(!res.headers().contains_key("access-control-allow-origin"));
        }
    });
    std::thread::sleep(Duration::from_millis(200));
    let _ = child.kill();
    let mut logs = String::new();
    child.stderr.take().unwrap().read_to_string(&mut logs).unwrap();
    let _ = child.wait();
    let warned: Vec<&str> = logs.lines().filter(|l| l.contains("allowed_origins")).collect();
    assert_eq!(warned.len(), 1, "once a minute per origin: {logs}");
    assert!(
        warned[0].contains("https://other.example") && warned[0].contains("\"level\":\"WARN\""),
        "{}",
        warned[0]
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn log_export_needs_no_secret_and_ends_quietly_on_a_closed_pipe() {
    let dir = temp("export");
    std::fs::write(dir.join("gateway.toml"), CONFIG).unwrap();
    // No secret in the environment: `log export` reads `database` alone.
    let out = Command::new(BIN)
        .args(["log", "export", "--config", "gateway.toml"])
        .current_dir(&dir)
        .env_remove("CLI_TEST_SECRET")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("id,created_at,"));
    // The reader goes away before the first line: no "Broken pipe" error.
    let mut child = Command::new(BIN)
        .args(["log", "export", "--config", "gateway.toml"])
        .current_dir(&dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let status = child.wait().unwrap();
    let mut err = String::new();
    child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
    assert!(status.success(), "{err}");
    assert!(!err.contains("Broken pipe"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}

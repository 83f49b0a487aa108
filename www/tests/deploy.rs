//! The deployment files in `www/deploy/` are what the README says: the
//! systemd unit passes `systemd-analyze verify` (where systemd is on the
//! machine) with no warning, the container file builds the profile the
//! workspace defines and copies what exists, and both start the binary
//! with arguments it accepts.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn deploy(name: &str) -> String {
    std::fs::read_to_string(root().join("www/deploy").join(name)).unwrap()
}

/// Runs the built binary with `args` (whose `--config` file is missing)
/// and returns its stderr: clap accepted the arguments when the error is
/// the configuration's.
fn run_with(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_verification-www")).args(args).output().unwrap();
    assert!(!out.status.success());
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn the_systemd_unit_verifies_and_starts_serve() {
    let unit = deploy("verification-gateway.service");
    let exec = unit.lines().find_map(|l| l.strip_prefix("ExecStart=")).expect("ExecStart");
    let mut words = exec.split_whitespace();
    assert_eq!(words.next(), Some("/usr/local/bin/verification-www"));
    let args: Vec<&str> = words.collect();
    assert_eq!(args, ["serve", "--config", "/etc/verification-gateway/gateway.toml"]);
    let err = run_with(&args);
    assert!(err.contains("cannot read /etc/verification-gateway/gateway.toml"), "{err}");
    for key in ["User=verification", "StateDirectoryMode=0700", "UMask=0077", "KillSignal=SIGTERM"]
    {
        assert!(unit.lines().any(|l| l == key), "{key}");
    }

    let analyze = Command::new("systemd-analyze").arg("--version").output();
    if analyze.is_err() {
        eprintln!("systemd-analyze is not on this machine: the unit was read, not verified");
        return;
    }
    // The same unit, with the paths of this machine (verify checks that
    // the program and the environment file exist).
    let dir = std::env::temp_dir().join(format!("unit-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let env = dir.join("secrets.env");
    std::fs::write(&env, "GATEWAY_TOKEN_SECRET=x\n").unwrap();
    let here = unit
        .replace("/usr/local/bin/verification-www", env!("CARGO_BIN_EXE_verification-www"))
        .replace("/etc/verification-gateway/secrets.env", env.to_str().unwrap());
    let file = dir.join("verification-gateway.service");
    std::fs::write(&file, here).unwrap();
    let out = Command::new("systemd-analyze").arg("verify").arg(&file).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{stderr}");
    // A misspelt key or value is only a warning to systemd: none allowed.
    let warnings: Vec<&str> =
        stderr.lines().filter(|l| l.contains("verification-gateway.service")).collect();
    assert!(warnings.is_empty(), "{stderr}");
}

#[test]
fn the_container_file_builds_the_server_profile_and_copies_what_exists() {
    let file = deploy("Containerfile");
    let lines: Vec<&str> =
        file.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')).collect();
    const KNOWN: &[&str] = &[
        "FROM",
        "WORKDIR",
        "COPY",
        "RUN",
        "USER",
        "VOLUME",
        "EXPOSE",
        "STOPSIGNAL",
        "ENTRYPOINT",
        "CMD",
        "&&",
    ];
    for l in &lines {
        let word = l.split_whitespace().next().unwrap();
        assert!(KNOWN.contains(&word), "unknown instruction: {l}");
    }
    // The build's profile is the workspace's `server` profile, and the
    // binary is copied from where that profile puts it.
    let cargo = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    assert!(cargo.contains("[profile.server]"), "Cargo.toml defines the server profile");
    assert!(cargo.contains("panic = \"unwind\""));
    assert!(file.contains(
        "cargo build --locked --profile server -p verification-www --bin verification-www"
    ));
    assert!(file.contains(
        "COPY --from=build /src/target/server/verification-www /usr/local/bin/verification-www"
    ));
    // Every other COPY takes a path of the repository (widget/pkg is what
    // `make package` writes: widget/build.sh).
    for l in lines.iter().filter(|l| l.starts_with("COPY ") && !l.contains("--from")) {
        let source = l.split_whitespace().nth(1).unwrap();
        match source {
            "." => {}
            "widget/pkg" => {
                let build = std::fs::read_to_string(root().join("widget/build.sh")).unwrap();
                assert!(build.contains("into widget/pkg"), "{l}");
            }
            other => assert!(root().join(other).exists(), "{l}: {other} is missing"),
        }
    }
    assert!(lines.contains(&"EXPOSE 8443"));
    let entry = lines.iter().find_map(|l| l.strip_prefix("CMD ")).unwrap();
    let args: Vec<String> = serde_json::from_str(entry).unwrap();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let err = run_with(&args);
    assert!(err.contains("cannot read /etc/verification-gateway/gateway.toml"), "{err}");
}

#[test]
fn the_docs_link_only_inside_the_repository_and_use_no_internal_words() {
    let mut docs = vec!["README.md".to_owned(), "ARCHITECTURE.md".to_owned()];
    for e in std::fs::read_dir(root().join("docs")).unwrap().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            docs.push(format!("docs/{name}"));
        }
    }
    assert!(docs.len() >= 8, "{docs:?}");
    for doc in &docs {
        let text = std::fs::read_to_string(root().join(doc)).unwrap();
        let dir = root().join(doc).parent().unwrap().to_path_buf();
        // Markdown links to files: `](path)` that is not a URL or an anchor.
        for (i, _) in text.match_indices("](") {
            let rest = &text[i + 2..];
            let Some(end) = rest.find(')') else { continue };
            let target = rest[..end].split('#').next().unwrap();
            if target.is_empty() || target.contains("://") || target.starts_with("mailto:") {
                continue;
            }
            assert!(dir.join(target).exists(), "{doc}: the link {target} leads nowhere");
        }
        for word in ["../shared", "seed 0", "issue 1", "issue 2", "Part 2"] {
            assert!(!text.contains(word), "{doc} says `{word}`, which a reseller cannot know");
        }
    }
}

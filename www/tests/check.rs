//! `verification-www check`, the binary, against the sandbox as the
//! registrars: every check passing, then each failure a reseller meets
//! (a wrong password at each registrar, an unreachable host, DNA's field
//! namespace set wrong, a secret used twice, a bad file), each naming what to change.
//! Read-only: no email, no resend, no verification.

mod common;

use std::process::Command;

use serde_json::Value;
use verification_sandbox as sandbox;
use verification_www::mailcatcher::MailCatcher;

const BIN: &str = env!("CARGO_BIN_EXE_verification-www");
const SECRET: &str = "check-test-token-secret-0123456789-abcdef";

struct Run {
    code: i32,
    stdout: String,
}

/// Runs `check` on `config` (written to a fresh folder) with `args`.
async fn check(name: &str, config: String, args: &[&str]) -> Run {
    let dir = std::env::temp_dir().join(format!("check-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("gateway.toml"), config).unwrap();
    let args: Vec<String> = args.iter().map(|s| (*s).to_owned()).collect();
    let out = tokio::task::spawn_blocking(move || {
        Command::new(BIN)
            .args(["check", "--config", "gateway.toml"])
            .args(&args)
            .current_dir(&dir)
            .env("CHECK_TEST_SECRET", SECRET)
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    Run { code: out.status.code().unwrap_or(-1), stdout: String::from_utf8(out.stdout).unwrap() }
}

fn config(sandbox_url: &str, smtp: &str, edit: impl FnOnce(String) -> String) -> String {
    let registrars =
        sandbox::gateway_registrars(sandbox_url, "http://127.0.0.1:9/webhooks/namecom", 600);
    edit(format!(
        r#"
listen = "127.0.0.1:0"
allowed_origins = ["https://panel.example"]
database = "sqlite://gateway.db"

[tokens]
audience = "registrant-verification"
hs256_secret = "env:CHECK_TEST_SECRET"
{registrars}
[namecom.own_verification]
enabled = true
smtp_url = "smtp://{smtp}"
from = "verify@acme.example"
public_url = "https://gateway.example"
link_secret = "check-test-link-secret-0123456789-abcdefgh"
"#
    ))
}

/// The line of `area` / `check` in `--format json`'s output.
fn line<'a>(json: &'a Value, area: &str, check: &str) -> &'a Value {
    json["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["area"] == area && l["check"] == check)
        .unwrap_or_else(|| panic!("no {area}/{check} in {json}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_good_configuration_passes_every_check_and_changes_nothing() {
    let s = common::start().await;
    let mail = MailCatcher::start(0, None).await.unwrap();
    let c = config(&s.base, &mail.addr.to_string(), |t| t);
    let run = check("good", c.clone(), &["--email", "pending@dna.example"]).await;
    assert_eq!(run.code, 0, "{}", run.stdout);
    assert!(run.stdout.contains("ok    dna              wsdl"), "{}", run.stdout);
    assert!(run.stdout.contains("pending@dna.example is Pending"), "{}", run.stdout);
    assert!(run.stdout.contains("the unverified list has"), "{}", run.stdout);
    assert!(run.stdout.contains("200 resends an hour, none used yet"), "{}", run.stdout);
    assert!(run.stdout.contains("read in UTC (the default"), "{}", run.stdout);
    assert!(run.stdout.contains("nothing sent"), "{}", run.stdout);
    assert!(run.stdout.trim_end().ends_with("checks passed"), "{}", run.stdout);
    let json = check("good-json", c, &["--format", "json"]).await;
    assert_eq!(json.code, 0);
    let v: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["ok"], true);
    let ns = line(&v, "dna", "namespaces")["detail"].as_str().unwrap().to_owned();
    assert!(ns.contains("ContactEmail in http://schemas.datacontract.org/2004/07/Olipso.ExternalApi.Core.DataContracts.ContactApiContracts (wsdl)"), "{ns}");
    assert!(line(&v, "openprovider", "login")["ok"] == true);
    // Read-only: no email (registrar or relay), no resend, no verification.
    assert_eq!(s.emails().await, 0);
    assert!(mail.messages().is_empty());
    let requests = s.get_json("/sandbox/control/requests").await.to_string();
    for call in
        [":resend", "ResendContactVerificationNotice", "emails/start", "emails/restart", ":verify"]
    {
        assert!(!requests.contains(call), "{call} in {requests}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_wrong_password_fails_its_check_and_says_what_to_change() {
    let s = common::start().await;
    let mail = MailCatcher::start(0, None).await.unwrap();
    let c = config(&s.base, &mail.addr.to_string(), |t| {
        t.replace(sandbox::OPENPROVIDER_PASSWORD, "wrong-op-password")
            .replace(sandbox::DNA_PASSWORD, "wrong-dna-password")
            .replace(sandbox::NAMECOM_TOKEN, "wrong-namecom-token")
    });
    let run = check("passwords", c, &["--format", "json"]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    assert_eq!(v["ok"], false);
    for (area, check, key) in [
        ("openprovider", "login", "`openprovider.password`"),
        ("dna", "credentials", "`dna.password`"),
        ("namecom", "credentials", "`namecom.token`"),
    ] {
        let l = line(&v, area, check);
        assert_eq!(l["ok"], false, "{l}");
        assert!(l["fix"].as_str().unwrap().contains(key), "{l}");
    }
    assert!(
        !run.stdout.contains("wrong-op-password") && !run.stdout.contains("wrong-dna-password")
    );
    // One Openprovider login, however many checks.
    let logins = s.get_json("/sandbox/control/requests").await["byPath"]
        ["/sandbox/openprovider/v1beta/auth/login"]
        .as_u64();
    assert_eq!(logins, Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_and_a_wrong_namespace_are_named() {
    let s = common::start().await;
    let mail = MailCatcher::start(0, None).await.unwrap();
    // A closed port for DNA.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap();
    let c = config(&s.base, &mail.addr.to_string(), |t| {
        t.replace(&format!("{}/sandbox/dna", s.base), &format!("http://{closed}/sandbox/dna"))
    });
    let run = check("unreachable", c, &[]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains(&format!("FAIL  dna              host         TCP {closed}")),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("-> check `dna.base_url`"), "{}", run.stdout);

    let c = config(&s.base, &mail.addr.to_string(), |t| {
        t.replace(
            &format!("password = \"{}\"\n", sandbox::DNA_PASSWORD),
            &format!(
                "password = \"{}\"\nfields_namespace = \"http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts\"\n",
                sandbox::DNA_PASSWORD
            ),
        )
    });
    let run = check("namespace", c, &["--email", "pending@dna.example", "--format", "json"]).await;
    assert_eq!(run.code, 1, "{}", run.stdout);
    let v: Value = serde_json::from_str(&run.stdout).unwrap();
    let l = line(&v, "dna", "contract");
    assert_eq!(l["detail"], "field `ContactEmail`'s namespace is `http://schemas.datacontract.org/2004/07/Olipso.Core.DataContracts` (from `fields_namespace`), the WSDL says `http://schemas.datacontract.org/2004/07/Olipso.ExternalApi.Core.DataContracts.ContactApiContracts`");
    assert_eq!(l["fix"], "remove `fields_namespace` from the config");
    let l = line(&v, "dna", "credentials");
    assert!(l["detail"].as_str().unwrap().contains("DNA saw no contact"), "{l}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_secret_used_twice_and_a_bad_configuration_fail() {
    let s = common::start().await;
    let mail = MailCatcher::start(0, None).await.unwrap();
    // The operations token is DNA's password.
    let c = config(&s.base, &mail.addr.to_string(), |t| {
        t.replace("database = ", &format!("ops_token = \"{}\"\ndatabase = ", sandbox::DNA_PASSWORD))
    });
    let run = check("secrets", c, &[]).await;
    assert_eq!(run.code, 1);
    assert!(
        run.stdout.contains("FAIL  secrets          distinct     `ops_token` is `dna.password`"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(sandbox::DNA_PASSWORD), "{}", run.stdout);
    let run = check("typo", "listen = 1".into(), &[]).await;
    assert_eq!(run.code, 1);
    assert!(run.stdout.starts_with("FAIL  config"), "{}", run.stdout);
}

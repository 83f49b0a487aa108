//! What the core makes of a registrar payload.
//!
//! ```text
//! cargo run -q -p verification-core --example evaluate -- \
//!     --provider dna|namecom|openprovider --now <RFC 3339> \
//!     [--changed-at <RFC 3339>] [--subject <email or verificationId>] \
//!     [--status <HTTP status>] [--resend] [--cooldown <seconds>] < payload.json
//! ```
//!
//! Prints the JSON array of normalized records (with `--resend`: the resend
//! outcome). Rows that could not be read are reported on stderr as
//! warnings; the other records are still printed. A registrar error or bad
//! input prints a message on stderr and exits 1; a usage error exits 2.

use chrono::{DateTime, TimeDelta, Utc};
use std::{io::Read, process::ExitCode};
use verification_core::{
    evaluate_response, interpret_resend, Context, Provider, Response, Subject,
};

const USAGE: &str = "usage: evaluate --provider dna|namecom|openprovider --now <RFC 3339> \
[--changed-at <RFC 3339>] [--subject <email or verificationId>] [--status <HTTP status>] \
[--resend] [--cooldown <seconds>] < payload.json";

struct Args {
    provider: Provider,
    ctx: Context,
    status: u16,
    resend: bool,
}

fn time(flag: &str, value: &str) -> Result<DateTime<Utc>, String> {
    DateTime::parse_from_rfc3339(value)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| format!("{flag}: `{value}` is not an RFC 3339 timestamp ({e})"))
}

fn parse_args(mut args: impl Iterator<Item = String>) -> Result<Args, String> {
    let (mut provider, mut now, mut changed_at, mut subject) = (None, None, None, None);
    let (mut status, mut resend, mut cooldown) = (200u16, false, None);
    while let Some(flag) = args.next() {
        if flag == "--resend" {
            resend = true;
            continue;
        }
        if flag == "-h" || flag == "--help" {
            return Err(String::new());
        }
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--provider" => provider = Some(value.parse::<Provider>().map_err(|e| e.to_string())?),
            "--now" => now = Some(time("--now", &value)?),
            "--changed-at" => changed_at = Some(time("--changed-at", &value)?),
            "--subject" => subject = Some(value),
            "--status" => {
                status = value
                    .parse()
                    .map_err(|_| format!("--status: `{value}` is not an HTTP status"))?
            }
            "--cooldown" => {
                let secs: i64 = value
                    .parse()
                    .map_err(|_| format!("--cooldown: `{value}` is not a number of seconds"))?;
                cooldown = Some(TimeDelta::try_seconds(secs).ok_or("--cooldown: out of range")?);
            }
            other => return Err(format!("unknown option `{other}`")),
        }
    }
    let provider = provider.ok_or("--provider is required")?;
    let now = now.ok_or("--now is required")?;
    let mut ctx = Context::new(now).changed_at(changed_at);
    if let Some(cooldown) = cooldown {
        ctx.policy.cooldown = cooldown;
    }
    ctx.subject = match subject {
        Some(s) if s.contains('@') => Some(Subject { email: Some(s), ..Subject::default() }),
        Some(s) => Some(Subject { verification_id: Some(s), ..Subject::default() }),
        // Knowing when the contact changed means asking about one contact.
        None if changed_at.is_some() => Some(Subject::default()),
        None => None,
    };
    Ok(Args { provider, ctx, status, resend })
}

fn main() -> ExitCode {
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(args) => args,
        Err(message) => {
            if !message.is_empty() {
                eprintln!("error: {message}");
            }
            eprintln!("{USAGE}");
            return ExitCode::from(2);
        }
    };
    let mut body = String::new();
    if let Err(e) = std::io::stdin().read_to_string(&mut body) {
        eprintln!("error: cannot read the payload from stdin: {e}");
        return ExitCode::from(1);
    }
    let response = Response::new(args.status, &body);
    let printed = if args.resend {
        interpret_resend(args.provider, &response, &args.ctx)
            .map(|outcome| serde_json::to_string_pretty(&outcome))
    } else {
        evaluate_response(args.provider, &response, &args.ctx).map(|evaluation| {
            for row in &evaluation.row_errors {
                eprintln!("warning: skipped {row}");
            }
            serde_json::to_string_pretty(&evaluation.records)
        })
    };
    match printed {
        Ok(Ok(json)) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Ok(Err(e)) => {
            eprintln!("error: cannot print the result: {e}");
            ExitCode::from(1)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(1)
        }
    }
}

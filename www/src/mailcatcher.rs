//! A mail catcher: an SMTP server that keeps what it is sent, for the demo
//! (in process, behind its mailbox page) and for trying own verification
//! locally (`verification-www mailcatcher`). It speaks enough SMTP for any
//! client (EHLO/HELO, MAIL, RCPT, DATA with dot-stuffing, RSET, NOOP,
//! QUIT), with no TLS or authentication: loopback only.
//!
//! Its mode can be changed while it runs, to test what a sender does with
//! a relay that refuses (`451` to `MAIL FROM`) or never answers. With a
//! directory, each message is also written as `<n>.eml`, and the mode is
//! read from the file `mode` (`accept`, `refuse`, `hang`) at each command.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// How the catcher answers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Takes every message.
    Accept,
    /// Answers `451` (try again later) to `MAIL FROM`.
    Refuse,
    /// Greets, then never answers a command.
    Hang,
}

/// One caught message.
#[derive(Clone, Debug)]
pub struct Caught {
    /// Its number, from 1.
    pub id: usize,
    /// When it arrived.
    pub at: DateTime<Utc>,
    /// The envelope's recipients.
    pub to: Vec<String>,
    /// The message as sent (headers and body).
    pub raw: Vec<u8>,
}

/// A message, read.
#[derive(Clone, Debug, Default)]
pub struct Read {
    /// `Subject`.
    pub subject: String,
    /// `From`, as written.
    pub from: String,
    /// `To` addresses.
    pub to: Vec<String>,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// `Content-Language`.
    pub language: String,
}

impl Caught {
    /// The message's headers and parts, decoded.
    pub fn read(&self) -> Read {
        let Some(m) = mail_parser::MessageParser::default().parse(&self.raw) else {
            return Read::default();
        };
        let addresses = |a: Option<&mail_parser::Address<'_>>| -> Vec<String> {
            a.map(|a| a.iter().filter_map(|x| x.address().map(str::to_owned)).collect())
                .unwrap_or_default()
        };
        Read {
            subject: m.subject().unwrap_or_default().to_owned(),
            from: addresses(m.from()).join(", "),
            to: addresses(m.to()),
            text: m.body_text(0).map(|t| t.into_owned()).unwrap_or_default(),
            html: m.body_html(0).map(|t| t.into_owned()).unwrap_or_default(),
            language: m
                .header_raw("Content-Language")
                .map(|v| v.trim().to_owned())
                .unwrap_or_default(),
        }
    }
}

/// A running catcher.
#[derive(Clone, Debug)]
pub struct MailCatcher {
    /// `127.0.0.1:port`.
    pub addr: std::net::SocketAddr,
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    caught: Mutex<Vec<Caught>>,
    mode: Mutex<Mode>,
    dir: Option<PathBuf>,
}

impl Inner {
    fn mode(&self) -> Mode {
        if let Some(dir) = &self.dir {
            if let Ok(text) = std::fs::read_to_string(dir.join("mode")) {
                return match text.trim() {
                    "refuse" => Mode::Refuse,
                    "hang" => Mode::Hang,
                    _ => Mode::Accept,
                };
            }
        }
        *self.mode.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl MailCatcher {
    /// Listens on `127.0.0.1:port` (0: any free port); with `dir`, writes
    /// each message there and reads the mode from `dir/mode`.
    ///
    /// # Errors
    /// The port cannot be bound.
    pub async fn start(port: u16, dir: Option<PathBuf>) -> std::io::Result<MailCatcher> {
        let listener = TcpListener::bind(("127.0.0.1", port)).await?;
        let addr = listener.local_addr()?;
        if let Some(d) = &dir {
            std::fs::create_dir_all(d)?;
        }
        let inner =
            Arc::new(Inner { caught: Mutex::default(), mode: Mutex::new(Mode::Accept), dir });
        let serving = inner.clone();
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let inner = serving.clone();
                tokio::spawn(async move {
                    let _ = session(stream, &inner).await;
                });
            }
        });
        Ok(MailCatcher { addr, inner })
    }

    /// Every message so far, oldest first.
    pub fn messages(&self) -> Vec<Caught> {
        self.inner.caught.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Changes how it answers.
    pub fn set_mode(&self, mode: Mode) {
        *self.inner.mode.lock().unwrap_or_else(|e| e.into_inner()) = mode;
    }
}

async fn session(stream: TcpStream, inner: &Inner) -> std::io::Result<()> {
    let (read, mut write) = stream.into_split();
    let mut lines = BufReader::new(read);
    write.write_all(b"220 mailcatcher ESMTP ready\r\n").await?;
    let (mut from, mut to): (Option<String>, Vec<String>) = (None, Vec::new());
    let mut line = String::new();
    loop {
        line.clear();
        if lines.read_line(&mut line).await? == 0 {
            return Ok(());
        }
        let mode = inner.mode();
        if mode == Mode::Hang {
            // Holds the connection, answering nothing.
            std::future::pending::<()>().await;
        }
        let command = line.trim_end().to_owned();
        let verb = command.split_whitespace().next().unwrap_or("").to_ascii_uppercase();
        let reply: &[u8] = match verb.as_str() {
            "EHLO" => b"250-mailcatcher\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n250 SIZE 10485760\r\n",
            "HELO" => b"250 mailcatcher\r\n",
            "MAIL" if mode == Mode::Refuse => b"451 4.3.0 Mailbox temporarily unavailable\r\n",
            "MAIL" => {
                from = Some(command.clone());
                to.clear();
                b"250 2.1.0 OK\r\n"
            }
            "RCPT" if from.is_some() => {
                let addr = command
                    .split_once(':')
                    .map(|(_, a)| a.split_whitespace().next().unwrap_or(""))
                    .unwrap_or("")
                    .trim_matches(['<', '>'])
                    .to_owned();
                to.push(addr);
                b"250 2.1.5 OK\r\n"
            }
            "DATA" if !to.is_empty() => {
                write.write_all(b"354 End data with <CR><LF>.<CR><LF>\r\n").await?;
                let mut raw = Vec::new();
                loop {
                    let mut l = Vec::new();
                    if lines.read_until(b'\n', &mut l).await? == 0 {
                        return Ok(());
                    }
                    if l == b".\r\n" || l == b".\n" {
                        break;
                    }
                    // Dot-stuffing: a leading `..` was a `.`.
                    let l = if l.starts_with(b"..") { &l[1..] } else { &l[..] };
                    raw.extend_from_slice(l);
                }
                let id = {
                    let mut caught = inner.caught.lock().unwrap_or_else(|e| e.into_inner());
                    let id = caught.len() + 1;
                    caught.push(Caught { id, at: Utc::now(), to: to.clone(), raw: raw.clone() });
                    id
                };
                if let Some(dir) = &inner.dir {
                    let tmp = dir.join(format!("{id}.eml.tmp"));
                    std::fs::write(&tmp, &raw)?;
                    std::fs::rename(&tmp, dir.join(format!("{id}.eml")))?;
                }
                from = None;
                to.clear();
                write.write_all(format!("250 2.0.0 OK queued as {id}\r\n").as_bytes()).await?;
                continue;
            }
            "RCPT" | "DATA" => b"503 5.5.1 Bad sequence of commands\r\n",
            "RSET" => {
                from = None;
                to.clear();
                b"250 2.0.0 OK\r\n"
            }
            "NOOP" => b"250 2.0.0 OK\r\n",
            "QUIT" => {
                write.write_all(b"221 2.0.0 Bye\r\n").await?;
                return Ok(());
            }
            _ => b"502 5.5.2 Command not implemented\r\n",
        };
        write.write_all(reply).await?;
    }
}

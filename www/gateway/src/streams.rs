//! Open event streams, bounded: at most `event_streams_per_token` per token
//! (a new one closes that token's oldest: a reloaded page never waits) and
//! `event_streams_max` on the instance (a new one past it is 503). Each
//! stream also ends at its token's `exp`; the widget then reconnects with
//! a new token.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

/// The open streams.
#[derive(Debug)]
pub struct Streams {
    per_token: usize,
    max: usize,
    open: Mutex<Open>,
}

#[derive(Debug, Default)]
struct Open {
    next: u64,
    total: usize,
    by_token: HashMap<String, VecDeque<(u64, watch::Sender<bool>)>>,
}

/// One open stream: closed (its receiver turns `true`) when its token opens
/// one too many; unregistered when dropped.
#[derive(Debug)]
pub struct Ticket {
    streams: Arc<Streams>,
    token: String,
    id: u64,
    /// Turns `true` when the stream must end.
    pub closed: watch::Receiver<bool>,
}

impl Streams {
    /// At most `per_token` streams per token and `max` in all.
    pub fn new(per_token: usize, max: usize) -> Arc<Self> {
        Arc::new(Streams { per_token: per_token.max(1), max, open: Mutex::default() })
    }

    /// Opens a stream for `token` (its key): `None` when the instance has
    /// `max` open. Closes the token's oldest past `per_token`.
    pub fn open(self: &Arc<Self>, token: &str) -> Option<Ticket> {
        let mut open = self.open.lock().unwrap_or_else(|e| e.into_inner());
        if open.total >= self.max {
            return None;
        }
        open.next += 1;
        let id = open.next;
        let (tx, rx) = watch::channel(false);
        let list = open.by_token.entry(token.to_owned()).or_default();
        list.push_back((id, tx));
        let mut closed = 0;
        while list.len() > self.per_token {
            if let Some((_, oldest)) = list.pop_front() {
                let _ = oldest.send(true);
                closed += 1;
            }
        }
        open.total = open.total + 1 - closed;
        Some(Ticket { streams: self.clone(), token: token.to_owned(), id, closed: rx })
    }

    /// Streams open now.
    pub fn total(&self) -> usize {
        self.open.lock().unwrap_or_else(|e| e.into_inner()).total
    }
}

impl Drop for Ticket {
    fn drop(&mut self) {
        let mut open = self.streams.open.lock().unwrap_or_else(|e| e.into_inner());
        let mut gone = false;
        if let Some(list) = open.by_token.get_mut(&self.token) {
            let before = list.len();
            list.retain(|(id, _)| *id != self.id);
            gone = list.len() < before;
            if list.is_empty() {
                open.by_token.remove(&self.token);
            }
        }
        // A stream closed as the oldest was counted out then.
        if gone {
            open.total = open.total.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_keeps_its_newest_streams_and_the_instance_its_maximum() {
        let s = Streams::new(2, 3);
        let a1 = s.open("a").unwrap();
        let a2 = s.open("a").unwrap();
        let a3 = s.open("a").unwrap();
        assert!(*a1.closed.borrow(), "the oldest closed");
        assert!(!*a2.closed.borrow() && !*a3.closed.borrow());
        assert_eq!(s.total(), 2);
        let _b = s.open("b").unwrap();
        assert!(s.open("c").is_none(), "three open: the maximum");
        drop(a1);
        assert_eq!(s.total(), 3, "a closed stream was counted out already");
        drop(a2);
        assert_eq!(s.total(), 2);
        assert!(s.open("c").is_some());
    }
}

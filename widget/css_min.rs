//! The widget's stylesheets as shipped: comments dropped and whitespace cut
//! where CSS does not need it (around `{`, `}`, `;`, `,` and at the ends),
//! the last `;` of a block dropped. Quoted strings are copied as they are;
//! whitespace between words, and around `:` `+` `>` (selectors, `calc()`),
//! stays, one space. Used by `build.rs` and by a test that compares the
//! result with the source.
//!
//! Hand-written (about 40 lines) rather than a CSS crate: these are our
//! own small stylesheets, and a full CSS parser as a build dependency
//! would add to every build for under a kilobyte.

/// `css` with its comments and needless whitespace removed.
pub fn minify(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut space = false;
    while let Some(c) = chars.next() {
        match c {
            '/' if chars.peek() == Some(&'*') => {
                chars.next();
                let mut last = ' ';
                for c in chars.by_ref() {
                    if last == '*' && c == '/' {
                        break;
                    }
                    last = c;
                }
                space = true;
            }
            c if c.is_whitespace() => space = true,
            '"' | '\'' => {
                push_space(&mut out, &mut space);
                out.push(c);
                let mut escaped = false;
                for s in chars.by_ref() {
                    out.push(s);
                    match s {
                        '\\' if !escaped => escaped = true,
                        s if s == c && !escaped => break,
                        _ => escaped = false,
                    }
                }
            }
            '{' | '}' | ';' | ',' => {
                space = false;
                if c == '}' && out.ends_with(';') {
                    out.pop();
                }
                out.push(c);
                // Whitespace after these is never needed.
                while chars.peek().is_some_and(|c| c.is_whitespace()) {
                    chars.next();
                }
            }
            c => {
                push_space(&mut out, &mut space);
                out.push(c);
            }
        }
    }
    out
}

/// Writes the pending space, unless `out` is empty or ends where a space is
/// never needed.
fn push_space(out: &mut String, space: &mut bool) {
    if std::mem::take(space) && !out.is_empty() && !out.ends_with(['{', '}', ';', ',']) {
        out.push(' ');
    }
}

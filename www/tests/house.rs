//! The house's shape, read from the source: no circle between files (in
//! `core/`, `widget/` and each crate of `www/`), the core's three floors with arrows
//! only downwards, and no file over about 600 lines outside tests and
//! tables.
//!
//! An arrow is a path a file names (`crate::x::…`, `super::…`, `use`
//! lists included) outside its tests and comments. A module naming its own
//! children (declaring and re-exporting them) is structure, not an arrow.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_owned()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// `a/b.rs` and `a/b/mod.rs` → `a::b`; `lib.rs`, `main.rs` → ``.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> =
        rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|l| l == "mod") {
        parts.pop();
    }
    if parts.len() == 1 && (parts[0] == "lib" || parts[0] == "main") {
        parts.clear();
    }
    parts.join("::")
}

/// The code without its test modules (a `#[cfg(test)]` module, by
/// convention at the end of the file) and its line comments.
fn code(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    let end = (0..lines.len())
        .find(|&i| {
            lines[i].trim() == "#[cfg(test)]"
                && lines[i + 1..].iter().take(3).any(|l| {
                    let l = l.trim_start();
                    l.starts_with("mod ")
                        || l.starts_with("pub mod ")
                        || l.starts_with("pub(crate) mod ")
                })
        })
        .unwrap_or(lines.len());
    lines[..end]
        .iter()
        .map(|l| if l.trim_start().starts_with("//") { "" } else { l })
        .collect::<Vec<_>>()
        .join("\n")
}

/// For each byte of `code`, whether it is inside an inline `mod name { … }`
/// (where `super::` names the file's own module).
fn inside_inline_module(code: &str) -> Vec<bool> {
    let bytes = code.as_bytes();
    let mut inside = vec![false; bytes.len()];
    let mut from = 0;
    while let Some(i) = code[from..].find("mod ") {
        let at = from + i;
        from = at + 4;
        let rest = &code[from..];
        let name_end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_')).unwrap_or(0);
        if name_end == 0 || !rest[name_end..].trim_start().starts_with('{') {
            continue;
        }
        let open = from + name_end + rest[name_end..].find('{').unwrap();
        let mut depth = 0;
        for (j, b) in bytes.iter().enumerate().skip(open) {
            match b {
                b'{' => depth += 1,
                b'}' => {
                    depth -= 1;
                    if depth == 0 {
                        inside[open..=j].iter_mut().for_each(|x| *x = true);
                        break;
                    }
                }
                _ => {}
            }
        }
    }
    inside
}

/// The paths named after each `crate::` / `super::` (a `{…}` list gives
/// one path per item), as written: `("crate", "a::b")`.
fn named_paths(code: &str) -> Vec<(&'static str, String)> {
    let inline = inside_inline_module(code);
    let mut out = Vec::new();
    for (anchor, kind) in [("crate::", "crate"), ("super::", "super")] {
        let mut from = 0;
        while let Some(i) = code[from..].find(anchor) {
            let at = from + i;
            from = at + anchor.len();
            let before = code[..at].chars().next_back();
            if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                continue;
            }
            // `super::` inside an inline module names this file's module.
            if kind == "super" && inline[at] {
                continue;
            }
            let rest = &code[from..];
            if let Some(list) = rest.strip_prefix('{') {
                // Items at depth 0 of the list.
                let mut depth = 0;
                let mut item = String::new();
                for c in list.chars() {
                    match c {
                        '{' => {
                            depth += 1;
                            item.push(c);
                        }
                        '}' if depth == 0 => break,
                        '}' => {
                            depth -= 1;
                            item.push(c);
                        }
                        ',' if depth == 0 => {
                            out.push((kind, std::mem::take(&mut item)));
                        }
                        _ => item.push(c),
                    }
                }
                out.push((kind, item));
            } else if rest.starts_with('*') {
                out.push((kind, "*".to_owned()));
            } else {
                let end = rest
                    .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
                    .unwrap_or(rest.len());
                out.push((kind, rest[..end].to_owned()));
            }
        }
    }
    out.into_iter()
        .filter(|(_, p)| !p.trim().is_empty())
        .map(|(k, p)| {
            let p: String = p.split_whitespace().collect::<Vec<_>>().join("");
            let p = if p == "*" { String::new() } else { p };
            let p = p.split("::{").next().unwrap_or("").trim_end_matches("::").to_owned();
            (k, p)
        })
        .collect()
}

/// Module → the modules it names (longest known prefix), for the crate
/// whose sources are in `src`.
fn arrows(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let modules: BTreeMap<String, PathBuf> =
        files.iter().map(|f| (module_of(src, f), f.clone())).collect();
    let resolve = |path: &str| -> String {
        let parts: Vec<&str> = path.split("::").filter(|s| !s.is_empty()).collect();
        (0..=parts.len())
            .rev()
            .map(|n| parts[..n].join("::"))
            .find(|m| modules.contains_key(m))
            .unwrap_or_default()
    };
    let mut out = BTreeMap::new();
    for (m, file) in &modules {
        let text = std::fs::read_to_string(file).unwrap();
        let parent = m.rsplit_once("::").map_or("", |(p, _)| p);
        let mut to = BTreeSet::new();
        for (kind, path) in named_paths(&code(&text)) {
            let full = match kind {
                "crate" => path,
                _ if parent.is_empty() => path,
                _ => format!("{parent}::{path}"),
            };
            let target = resolve(&full);
            let own_child = m.is_empty() || target.starts_with(&format!("{m}::"));
            if target != *m && !own_child {
                to.insert(target);
            }
        }
        out.insert(m.clone(), to);
    }
    out
}

/// Every circle: a path from a module back to itself.
fn circles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    for start in graph.keys() {
        // Depth-first from `start`, looking for `start`.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((at, path)) = stack.pop() {
            for next in graph.get(&at).into_iter().flatten() {
                if next == start {
                    found.push(path.clone());
                } else if next > start && seen.insert(next.clone()) {
                    let mut p = path.clone();
                    p.push(next.clone());
                    stack.push((next.clone(), p));
                }
            }
        }
    }
    found
}

fn show(circles: &[Vec<String>]) -> String {
    circles.iter().map(|c| format!("  {} → back\n", c.join(" → "))).collect()
}

#[test]
fn no_file_names_a_file_that_names_it_back() {
    for src in ["core/src", "widget/src", "www/gateway/src", "www/sandbox/src", "www/src"] {
        let graph = arrows(&root().join(src));
        let found = circles(&graph);
        assert!(found.is_empty(), "circles in {src}:\n{}", show(&found));
    }
}

/// The core's floors: the JSON reader, time and the record's vocabulary;
/// the rules (observation → record, the resend policy, notices); the
/// registrar adapters (payload → observation). Arrows go down only: an
/// adapter uses the rules and the reader, a rule never names an adapter,
/// and nothing below names the crate's front door (`lib.rs`: `evaluate`,
/// `interpret_resend`).
#[test]
fn the_core_has_three_floors_with_arrows_only_downwards() {
    let floor = |m: &str| -> usize {
        match m.split("::").next().unwrap() {
            "json" | "num" | "time" | "lenient" | "record" | "error" | "evaluation" | "context"
            | "deadline" | "webhook" => 0,
            "observation" | "resend" | "notice" => 1,
            "providers" => 2,
            "" => 3,
            other => panic!("`core/src/{other}` is on no floor: add it to this test"),
        }
    };
    let graph = arrows(&root().join("core/src"));
    let mut up = Vec::new();
    for (from, to) in &graph {
        for t in to {
            if floor(t) > floor(from) {
                up.push(format!("{from} (floor {}) → {t} (floor {})", floor(from), floor(t)));
            }
        }
    }
    assert!(up.is_empty(), "arrows upwards:\n{}", up.join("\n"));
}

/// Files a reader can hold: at most about 600 lines of code before their
/// tests. Tables (the wording catalogue, the fixtures) are exempt.
#[test]
fn no_file_is_over_about_six_hundred_lines_outside_tests_and_tables() {
    const TABLES: [&str; 2] = ["widget/src/i18n.rs", "widget/src/list/i18n.rs"];
    let mut files = Vec::new();
    for dir in ["core/src", "widget/src", "www/gateway/src", "www/sandbox/src", "www/src"] {
        rust_files(&root().join(dir), &mut files);
    }
    let mut long = Vec::new();
    for f in files {
        let rel = f.strip_prefix(root()).unwrap().to_string_lossy().into_owned();
        if TABLES.contains(&rel.as_str()) {
            continue;
        }
        let text = std::fs::read_to_string(&f).unwrap();
        let lines = code(&text).lines().count();
        if lines > 620 {
            long.push(format!("{rel}: {lines}"));
        }
    }
    assert!(long.is_empty(), "over about 600 lines before the tests:\n{}", long.join("\n"));
}

/// The checks above can fail: two files that name each other are a circle,
/// a file naming its own child is not, and `super::` inside an inline
/// module is the file itself.
#[test]
fn the_checker_finds_a_circle_and_only_a_circle() {
    let dir = std::env::temp_dir().join(format!("house-check-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::fs::write(dir.join("lib.rs"), "mod a;\nmod b;\nuse crate::a::x;\n").unwrap();
    std::fs::write(
        dir.join("a/mod.rs"),
        "mod inner;\nuse crate::{\n    b::{B, C},\n};\nuse inner::Y;\n// crate::c in a comment\n",
    )
    .unwrap();
    std::fs::write(dir.join("a/inner.rs"), "use super::*;\nmod t { use super::Z; }\n").unwrap();
    std::fs::write(dir.join("b.rs"), "pub fn f() { crate::a::g() }\n").unwrap();
    let graph = arrows(&dir);
    assert_eq!(graph["a::inner"], BTreeSet::from(["a".to_owned()]));
    assert_eq!(graph["a"], BTreeSet::from(["b".to_owned()]), "its own child is structure");
    let found = circles(&graph);
    assert_eq!(found, vec![vec!["a".to_owned(), "b".to_owned()]]);
    std::fs::write(dir.join("b.rs"), "pub fn f() {}\n").unwrap();
    assert!(circles(&arrows(&dir)).is_empty());
    std::fs::remove_dir_all(&dir).unwrap();
}

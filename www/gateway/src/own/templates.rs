//! The ICANN emails' templates (minijinja) and the link page's.
//!
//! Built in: English, in `www/gateway/templates/own-verification/en/`. A
//! `template_dir` may add languages and override any file, as
//! `{dir}/{language}/{name}`: for each email template (`initial`,
//! `reminder`, `suspension`) a `.subject`, a `.txt` and a `.html`, and the
//! link page `page.html` (its style is `page.css`, one for every
//! language). A language's missing file falls back to the English one.
//! `.html` files are HTML-escaped.
//!
//! At start every template of every language is rendered with sample
//! values and checked for what name.com's table requires; a template that
//! lacks one stops the start, naming the file and what is missing.

use std::collections::BTreeMap;
use std::path::Path;

use minijinja::{Environment, Value};

/// The email templates.
pub const EMAILS: [&str; 3] = ["initial", "reminder", "suspension"];

const PARTS: [&str; 3] = ["subject", "txt", "html"];

const BUILT_IN: &[(&str, &str)] = &[
    ("en/initial.subject", include_str!("../../templates/own-verification/en/initial.subject")),
    ("en/initial.txt", include_str!("../../templates/own-verification/en/initial.txt")),
    ("en/initial.html", include_str!("../../templates/own-verification/en/initial.html")),
    ("en/reminder.subject", include_str!("../../templates/own-verification/en/reminder.subject")),
    ("en/reminder.txt", include_str!("../../templates/own-verification/en/reminder.txt")),
    ("en/reminder.html", include_str!("../../templates/own-verification/en/reminder.html")),
    (
        "en/suspension.subject",
        include_str!("../../templates/own-verification/en/suspension.subject"),
    ),
    ("en/suspension.txt", include_str!("../../templates/own-verification/en/suspension.txt")),
    ("en/suspension.html", include_str!("../../templates/own-verification/en/suspension.html")),
    ("en/page.html", include_str!("../../templates/own-verification/en/page.html")),
];

/// The link page's style, shared by every language (`{dir}/page.css`
/// overrides it).
const PAGE_CSS: &str = include_str!("../../templates/own-verification/page.css");

/// Sample values the check renders with: each must come out.
const SAMPLE_LINK: &str = "https://lint.invalid/verify/4242/1.LINTSECRET";
const SAMPLE_DAYS: i64 = 97;

/// One email, rendered.
#[derive(Clone, Debug)]
pub struct Rendered {
    /// One line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// Every language's templates, checked.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
    languages: Vec<String>,
}

/// A language code as a directory name: `en`, `de`, `pt-BR`.
pub fn valid_language(code: &str) -> bool {
    let mut parts = code.split('-');
    let first = parts.next().unwrap_or("");
    (2..=3).contains(&first.len())
        && first.bytes().all(|b| b.is_ascii_lowercase())
        && parts.all(|p| (2..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

impl Templates {
    /// The built-in templates and those of `dir`, checked.
    ///
    /// # Errors
    /// A file cannot be read or parsed, or lacks a required element: the
    /// message names the file.
    pub fn load(dir: Option<&Path>) -> Result<Templates, String> {
        let mut sources: BTreeMap<String, String> =
            BUILT_IN.iter().map(|(n, s)| ((*n).to_owned(), (*s).to_owned())).collect();
        let mut css = PAGE_CSS.to_owned();
        if let Some(dir) = dir {
            if let Ok(text) = std::fs::read_to_string(dir.join("page.css")) {
                css = text;
            }
            let entries = std::fs::read_dir(dir)
                .map_err(|e| format!("template_dir {}: {e}", dir.display()))?;
            for entry in entries.flatten() {
                let language = entry.file_name().to_string_lossy().into_owned();
                if !entry.path().is_dir() {
                    continue;
                }
                if !valid_language(&language) {
                    return Err(format!(
                        "template_dir {}: `{language}` is not a language code (en, de, pt-BR)",
                        dir.display()
                    ));
                }
                for name in EMAILS
                    .iter()
                    .flat_map(|t| PARTS.iter().map(move |p| format!("{t}.{p}")))
                    .chain(["page.html".to_owned()])
                {
                    let path = entry.path().join(&name);
                    if path.exists() {
                        let text = std::fs::read_to_string(&path)
                            .map_err(|e| format!("template {}: {e}", path.display()))?;
                        sources.insert(format!("{language}/{name}"), text);
                    }
                }
            }
        }
        let languages: Vec<String> = {
            let mut l: Vec<String> =
                sources.keys().filter_map(|k| k.split('/').next()).map(str::to_owned).collect();
            l.dedup();
            l
        };
        // A language's missing file is the English one.
        for language in &languages {
            for (name, text) in BUILT_IN {
                let name = name.trim_start_matches("en/");
                sources.entry(format!("{language}/{name}")).or_insert_with(|| (*text).to_owned());
            }
        }
        let mut env = Environment::new();
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Strict);
        env.add_template_owned("page.css", css)
            .map_err(|e| format!("template page.css: {}", describe(&e)))?;
        for (name, text) in sources {
            env.add_template_owned(name.clone(), text)
                .map_err(|e| format!("template {name}: {}", describe(&e)))?;
        }
        let templates = Templates { env, languages };
        templates.check()?;
        Ok(templates)
    }

    /// The languages there are templates for.
    pub fn languages(&self) -> &[String] {
        &self.languages
    }

    /// `language` if there are templates for it, else its base language
    /// (`pt` for `pt-BR`), else English.
    pub fn language_for<'a>(&'a self, language: &str) -> &'a str {
        let base = language.split('-').next().unwrap_or("");
        self.languages
            .iter()
            .find(|l| l.eq_ignore_ascii_case(language))
            .or_else(|| self.languages.iter().find(|l| l.as_str() == base))
            .map_or("en", String::as_str)
    }

    /// Renders `template` (`initial`, `reminder`, `suspension`) in
    /// `language` with `vars`.
    ///
    /// # Errors
    /// The template failed (an undefined variable, say).
    pub fn render(&self, language: &str, template: &str, vars: &Value) -> Result<Rendered, String> {
        let part = |p: &str| {
            let name = format!("{language}/{template}.{p}");
            self.env
                .get_template(&name)
                .and_then(|t| t.render(vars))
                .map_err(|e| format!("template {name}: {}", describe(&e)))
        };
        let subject = part("subject")?.split_whitespace().collect::<Vec<_>>().join(" ");
        Ok(Rendered { subject, text: part("txt")?, html: part("html")? })
    }

    /// The link page in `language`.
    ///
    /// # Errors
    /// The template failed.
    pub fn page(&self, language: &str, vars: &Value) -> Result<String, String> {
        let name = format!("{}/page.html", self.language_for(language));
        self.env
            .get_template(&name)
            .and_then(|t| t.render(vars))
            .map_err(|e| format!("template {name}: {}", describe(&e)))
    }

    /// Every language's emails carry what name.com's table requires; the
    /// page renders in every state.
    fn check(&self) -> Result<(), String> {
        for language in &self.languages {
            for template in EMAILS {
                let vars = minijinja::context! {
                    link => SAMPLE_LINK,
                    domains => vec!["example.com", "example.net"],
                    recipient => "registrant@example.com",
                    verify_by => "2030-01-16 12:00 UTC",
                    days_remaining => SAMPLE_DAYS,
                    window_days => 15,
                    sender => "Example Domains",
                };
                let r = self.render(language, template, &vars)?;
                let file = |p: &str| format!("template {language}/{template}.{p}");
                if r.subject.trim().is_empty() {
                    return Err(format!("{}: the subject is empty", file("subject")));
                }
                // HTML escapes the link's `/` as `&#x2f;`, which browsers read
                // back (in `href` too).
                let html = r.html.replace("&#x2f;", "/");
                for (part, body) in [("txt", &r.text), ("html", &html)] {
                    if !body.contains(SAMPLE_LINK) {
                        return Err(format!(
                            "{}: the verification link `{{{{ link }}}}` is missing",
                            file(part)
                        ));
                    }
                    if !body.contains("ICANN") {
                        return Err(format!(
                            "{}: the statement that ICANN requires the verification is missing",
                            file(part)
                        ));
                    }
                    if template == "reminder" && !body.contains(&SAMPLE_DAYS.to_string()) {
                        return Err(format!(
                            "{}: how many days remain, `{{{{ days_remaining }}}}`, is missing",
                            file(part)
                        ));
                    }
                    if template == "initial" && !body.contains("15") {
                        return Err(format!(
                            "{}: the warning that the domains are suspended unless verified \
                             within 15 days (`{{{{ window_days }}}}`) is missing",
                            file(part)
                        ));
                    }
                }
            }
            for state in [
                "confirm",
                "confirming",
                "verified",
                "used",
                "expired",
                "sent",
                "throttled",
                "not_sent",
                "error",
                "moved",
                "invalid",
            ] {
                let vars = minijinja::context! {
                    state, reason => "", recipient => "r***@example.com",
                    domains => vec!["example.com"], action => "/x", new_email => "/x/new",
                    expires => "2030-01-01", until => "12:00 UTC", reference => "4242",
                };
                self.page(language, &vars).map_err(|e| format!("{e} (state {state})"))?;
            }
        }
        Ok(())
    }
}

fn describe(e: &minijinja::Error) -> String {
    match e.line() {
        Some(line) => format!("line {line}: {}", e.detail().unwrap_or(&e.to_string())),
        None => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir_with(language: &str, name: &str, text: &str) -> tempdir::Dir {
        let d = tempdir::Dir::new();
        std::fs::create_dir_all(d.path().join(language)).unwrap();
        std::fs::write(d.path().join(language).join(name), text).unwrap();
        d
    }

    mod tempdir {
        pub struct Dir(std::path::PathBuf);
        impl Dir {
            pub fn new() -> Dir {
                let p = std::env::temp_dir().join(format!(
                    "own-templates-{}-{}",
                    std::process::id(),
                    rand()
                ));
                std::fs::create_dir_all(&p).unwrap();
                Dir(p)
            }
            pub fn path(&self) -> &std::path::Path {
                &self.0
            }
        }
        impl Drop for Dir {
            fn drop(&mut self) {
                let _ = std::fs::remove_dir_all(&self.0);
            }
        }
        fn rand() -> u64 {
            let mut b = [0u8; 8];
            getrandom::fill(&mut b).unwrap();
            u64::from_le_bytes(b)
        }
    }

    #[test]
    fn the_built_in_english_templates_pass_their_own_check() {
        let t = Templates::load(None).unwrap();
        assert_eq!(t.languages(), ["en"]);
        assert_eq!(t.language_for("de"), "en");
    }

    #[test]
    fn a_template_without_the_link_or_the_icann_statement_is_refused_by_name() {
        let no_link = dir_with("de", "initial.txt", "ICANN verlangt … innerhalb von 15 Tagen.");
        let e = Templates::load(Some(no_link.path())).unwrap_err();
        assert!(e.contains("de/initial.txt") && e.contains("link"), "{e}");
        let no_icann =
            dir_with("de", "suspension.html", "<a href=\"{{ link }}\">Bestätigen</a> gesperrt");
        let e = Templates::load(Some(no_icann.path())).unwrap_err();
        assert!(e.contains("de/suspension.html") && e.contains("ICANN"), "{e}");
        let no_days = dir_with("en", "reminder.txt", "ICANN: {{ link }} bald");
        let e = Templates::load(Some(no_days.path())).unwrap_err();
        assert!(e.contains("en/reminder.txt") && e.contains("days_remaining"), "{e}");
        let hidden = dir_with("en", "initial.txt", "ICANN 15 {% if false %}{{ link }}{% endif %}");
        let e = Templates::load(Some(hidden.path())).unwrap_err();
        assert!(e.contains("en/initial.txt"), "a link that never renders is missing: {e}");
        let broken = dir_with("en", "initial.txt", "{% if %}");
        let e = Templates::load(Some(broken.path())).unwrap_err();
        assert!(e.contains("en/initial.txt"), "{e}");
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let t = Templates::load(None).unwrap();
        let vars = minijinja::context! {
            link => "https://gw.example/verify/1/2.x?a=1&b=2",
            domains => vec!["<b>evil</b>.com"], recipient => "a&b@example.com",
            verify_by => "2030-01-16 12:00 UTC", days_remaining => 2, window_days => 15,
            sender => "Acme",
        };
        let r = t.render("en", "reminder", &vars).unwrap();
        assert!(
            r.html.contains("&lt;b&gt;evil&lt;&#x2f;b&gt;.com") || r.html.contains("&lt;b&gt;")
        );
        assert!(!r.html.contains("<b>evil"));
        assert!(r.text.contains("<b>evil</b>.com"));
        assert!(r.subject.starts_with("Reminder: 2 days left"), "{}", r.subject);
    }

    #[test]
    fn the_page_carries_its_shared_style_unescaped() {
        let t = Templates::load(None).unwrap();
        let vars = minijinja::context! {
            state => "confirm", reason => "", recipient => "r***@example.com",
            domains => vec!["example.com"], action => "/x", new_email => "/x/new",
            expires => "2030-01-01", until => "12:00 UTC", reference => "4242",
        };
        let page = t.page("en", &vars).unwrap();
        assert!(page.contains("<style>\n  :root { color-scheme: light dark;"), "{page}");
        assert!(page.contains("prefers-color-scheme: dark") && !page.contains("&gt;"));
    }

    #[test]
    fn language_codes() {
        assert!(valid_language("en") && valid_language("pt-BR") && valid_language("fil"));
        assert!(!valid_language("../etc") && !valid_language("EN") && !valid_language(""));
    }
}

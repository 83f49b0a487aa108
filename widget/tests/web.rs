//! The widget in a real browser: mounted into a shadow root, checked by the
//! words and attributes a registrant (and the host page) sees.
//!
//! `CHROMEDRIVER=/usr/bin/chromedriver cargo test -p verification-widget --target wasm32-unknown-unknown`
#![cfg(target_arch = "wasm32")]

use chrono::{DateTime, TimeDelta, Utc};
use leptos::{mount::mount_to, prelude::*, task::tick};
use verification_core::{evaluate, Context, Provider, Record};
use verification_widget::{
    browser,
    browser::adopt_styles,
    element::mount,
    model::{Config, Problem},
    view::{Card, CardState},
};
use wasm_bindgen::{closure::Closure, JsCast};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement, ShadowRoot, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window().unwrap().document().unwrap()
}

fn host(attrs: &[(&str, &str)]) -> (HtmlElement, ShadowRoot) {
    let host: HtmlElement = document().create_element("div").unwrap().unchecked_into();
    for (k, v) in attrs {
        host.set_attribute(k, v).unwrap();
    }
    document().body().unwrap().append_child(&host).unwrap();
    let root = host.attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open)).unwrap();
    adopt_styles(&root, verification_widget::element::STYLES);
    (host, root)
}

fn record(provider: Provider, body: &str, now: DateTime<Utc>) -> Record {
    let ctx = Context::new(now).single_contact();
    evaluate(provider, body, &ctx).unwrap().records.remove(0)
}

/// Mounts a card for a fixed state; returns its shadow root.
async fn card(record: Option<Record>, problem: Option<Problem>) -> ShadowRoot {
    let (host, root) = host(&[("provider", "openprovider"), ("edit-contact-url", "/contact")]);
    let mut config = Config::from_attributes(|n| host.get_attribute(n));
    config.locale = Some("en-GB".into());
    let handle = mount_to(root.clone().unchecked_into(), move || {
        let state = CardState::new(config, browser::now());
        state.record.set(record);
        state.problem.set(problem);
        view! { <Card state on_action=|_| {} /> }
    });
    handle.forget();
    tick().await;
    root
}

fn query(root: &ShadowRoot, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

fn text(root: &ShadowRoot) -> String {
    root.text_content().unwrap_or_default()
}

fn visible_button(root: &ShadowRoot) -> Option<Element> {
    query(root, "button").filter(|b| !b.has_attribute("hidden"))
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

const OP_BOUNCED: &str = r#"{"code":0,"data":{"results":[{"description":"bounced",
  "domain":"typo.org","email":"typo@exmaple.com","expiration_date":"0000-00-00 00:00:00",
  "handle":"TY000002-XX","is_suspended":false,"status":"failed"}],"total":1}}"#;

#[wasm_bindgen_test]
async fn bounced_links_to_the_contact_form_and_offers_no_resend() {
    let root = card(Some(record(Provider::Openprovider, OP_BOUNCED, browser::now())), None).await;
    assert!(text(&root).contains("The email to typo@exmaple.com bounced"), "{}", text(&root));
    let link = query(&root, "a[part~=link]").expect("an edit link");
    assert_eq!(link.get_attribute("href").as_deref(), Some("/contact"));
    assert_eq!(link.text_content().as_deref(), Some("Correct your email address"));
    assert!(visible_button(&root).is_none(), "no resend for a bounced address");
    assert_eq!(query(&root, "[part=domains] li").unwrap().text_content().unwrap(), "typo.org");
}

#[wasm_bindgen_test]
async fn verified_has_no_button() {
    let body = r#"{"code":0,"data":{"results":[{"domain":"fine.com","email":"fine@example.com",
      "handle":"FI000004-XX","status":"verified"}],"total":1}}"#;
    let root = card(Some(record(Provider::Openprovider, body, browser::now())), None).await;
    assert!(text(&root).contains("Your email address is verified"));
    assert!(visible_button(&root).is_none());
    assert_eq!(
        query(&root, "[part=card]").unwrap().get_attribute("data-tone").as_deref(),
        Some("ok")
    );
}

#[wasm_bindgen_test]
async fn pending_shows_deadline_domains_and_a_live_region() {
    let now = browser::now();
    let verify_by = (now + TimeDelta::hours(30)).to_rfc3339();
    let body = format!(
        r#"{{"unverifiedContacts":[{{"verificationId":7,"verifyBy":"{verify_by}",
        "email":"<b>x</b>@example.com","domains":["a.com","b.net"]}}]}}"#
    );
    let root = card(Some(record(Provider::Namecom, &body, now)), None).await;
    let status = query(&root, "[part=status]").unwrap();
    assert_eq!(status.get_attribute("role").as_deref(), Some("status"));
    assert!(
        status.text_content().unwrap().contains("Urgent"),
        "urgency in words, not colour alone"
    );
    let deadline = query(&root, "[part=deadline]").unwrap().text_content().unwrap();
    assert!(deadline.contains("30 hours left"), "{deadline}");
    assert!(query(&root, "[part=deadline] time[datetime]").is_some());
    assert_eq!(root.query_selector_all("[part=domains] li").unwrap().length(), 2);
    // Data is text, never markup.
    assert!(query(&root, "b").is_none());
    assert!(text(&root).contains("<b>x</b>@example.com"));
    let button = visible_button(&root).expect("a resend button");
    assert_eq!(button.text_content().as_deref(), Some("Resend verification email"));
    assert_eq!(button.tag_name(), "BUTTON");
}

#[wasm_bindgen_test]
async fn request_error_says_what_failed_and_offers_retry() {
    let err = verification_core::evaluate_response(
        Provider::Dna,
        &verification_core::Response::new(502, "<html>Bad gateway</html>"),
        &Context::new(browser::now()),
    )
    .unwrap_err();
    let root = card(None, Some(Problem::Core(err))).await;
    assert!(text(&root).contains("Could not reach the server (HTTP 502)."));
    assert_eq!(visible_button(&root).unwrap().text_content().as_deref(), Some("Retry"));
}

#[wasm_bindgen_test]
async fn mounted_element_fetches_reflects_and_emits() {
    let body = r#"{"VerificationStatus":"Pending","ExpirationDate":"2099-03-04T12:00:00",
      "ContactEmail":"ayse@example.com.tr","ExternalId":"DNA-111"}"#;
    let url = format!("data:application/json,{}", js_sys::encode_uri_component(body));
    let (host, root) = host(&[("provider", "dna"), ("status-url", &url), ("locale", "tr-TR")]);
    let seen = std::rc::Rc::new(std::cell::RefCell::new(None));
    let listener = {
        let seen = seen.clone();
        Closure::<dyn FnMut(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
            *seen.borrow_mut() = Some(e.detail());
        })
    };
    host.add_event_listener_with_callback("verification-change", listener.as_ref().unchecked_ref())
        .unwrap();
    let handle = mount(host.clone(), root.clone());
    for _ in 0..50 {
        if host.get_attribute("data-status").as_deref() == Some("pending") {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(host.get_attribute("data-status").as_deref(), Some("pending"));
    assert_eq!(host.get_attribute("data-urgency").as_deref(), Some("info"));
    let detail = seen.borrow().clone().expect("a verification-change event");
    let email = js_sys::Reflect::get(&detail, &"email".into()).unwrap();
    assert_eq!(email.as_string().as_deref(), Some("ayse@example.com.tr"));
    let handle_js = js_sys::Reflect::get(&detail, &"handle".into()).unwrap();
    assert_eq!(handle_js.as_string().as_deref(), Some("DNA-111"));
    // `locale="tr-TR"`: the words are Turkish.
    assert!(text(&root).contains("Lütfen e-posta adresinizi doğrulayın"), "{}", text(&root));
    assert!(text(&root).contains("ayse@example.com.tr adresine"), "{}", text(&root));

    // A broken provider attribute takes effect without a reload.
    host.set_attribute("provider", "nope").unwrap();
    handle.attributes_changed();
    for _ in 0..50 {
        if host.get_attribute("data-status").as_deref() == Some("error") {
            break;
        }
        sleep(20).await;
    }
    assert_eq!(
        host.get_attribute("data-status").as_deref(),
        Some("error"),
        "{} / {:?}",
        text(&root),
        handle.record()
    );
    // In the registrant's words, neutral; the detail is the developer's
    // (console, event).
    assert!(text(&root).contains("Doğrulama durumunuzu şu anda gösteremiyoruz"), "{}", text(&root));
    assert!(!text(&root).contains("unknown provider"), "{}", text(&root));

    // Dropping the handle unmounts the view.
    drop(handle);
    tick().await;
    assert!(query(&root, "[part=card]").is_none());
}

#[wasm_bindgen_test]
fn every_widget_on_a_page_shares_one_parsed_stylesheet() {
    let (_, a) = host(&[]);
    let (_, b) = host(&[("theme", "dark")]);
    let (sa, sb) = (a.adopted_style_sheets(), b.adopted_style_sheets());
    assert_eq!(sa.length(), 2, "the palette and the widget's own sheet");
    for i in 0..2 {
        assert!(js_sys::Object::is(&sa.get(i), &sb.get(i)), "sheet {i} is shared");
    }
}

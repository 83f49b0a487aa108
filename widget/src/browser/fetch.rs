//! Requests to the backend or the gateway: the answer ([`Answer`]), how a
//! request failed ([`Failure`]), the widget's requests with their timeout,
//! token and prefetched first answer ([`Live`]).

use super::*;

/// What came back from the server.
#[derive(Clone, Debug)]
pub struct Answer {
    /// HTTP status.
    pub status: u16,
    /// Body text.
    pub body: String,
    /// The headers the core reads (`x-ratelimit-reset`, `retry-after`).
    pub headers: Vec<(String, String)>,
}

impl Answer {
    /// The header pairs borrowed for [`verification_core::Response`].
    fn header_refs(&self) -> Vec<(&str, &str)> {
        self.headers.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect()
    }

    /// The answer read as a status or list payload of `provider`.
    pub fn evaluate(
        &self,
        provider: Provider,
        ctx: &Context,
    ) -> Result<Evaluation, verification_core::Error> {
        let headers = self.header_refs();
        let response = Response { status: self.status, body: &self.body, headers: &headers };
        verification_core::evaluate_response(provider, &response, ctx)
    }

    /// The answer read as `provider`'s answer to a resend.
    pub fn interpret_resend(
        &self,
        provider: Provider,
        ctx: &Context,
    ) -> Result<ResendOutcome, verification_core::Error> {
        let headers = self.header_refs();
        let response = Response { status: self.status, body: &self.body, headers: &headers };
        verification_core::interpret_resend(provider, &response, ctx)
    }
}

/// What a request came to for its caller: the answer, or the problem to
/// show; `None` when the widget was removed meanwhile (nobody to tell).
pub fn answered(sent: Result<Answer, Failure>) -> Option<Result<Answer, Problem>> {
    match sent {
        Ok(answer) => Some(Ok(answer)),
        Err(Failure::Network) if offline() => Some(Err(Problem::Offline)),
        Err(Failure::Network) => Some(Err(Problem::Network)),
        Err(Failure::Blocked { server, page }) => Some(Err(Problem::Blocked { server, page })),
        Err(Failure::Timeout) => Some(Err(Problem::Timeout)),
        Err(Failure::Aborted) => None,
    }
}

/// Why no answer came back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// No answer: offline, refused.
    Network,
    /// The browser hid the answer of `server` (an origin) from this page
    /// (`page`, its origin) (CORS).
    Blocked {
        /// The origin asked.
        server: String,
        /// The page's origin.
        page: String,
    },
    /// No answer within [`REQUEST_TIMEOUT_SECS`].
    Timeout,
    /// The widget was removed; nobody is waiting for the answer.
    Aborted,
}

/// The lifetime of one mounted widget: its in-flight requests and timers,
/// all stopped by [`Live::shutdown`] when the element is disconnected.
#[derive(Debug, Default)]
pub struct Live {
    alive: Cell<bool>,
    controllers: RefCell<Vec<AbortController>>,
    /// The scheduled status re-check.
    pub recheck: Cell<Option<TimeoutHandle>>,
    /// Identifies the scheduled re-check; bumped when it is cancelled or
    /// replaced, so a stale timer that still fires does nothing.
    pub recheck_token: Cell<u64>,
    /// The one-second countdown ticker.
    pub ticker: Cell<Option<IntervalHandle>>,
    /// Identifies the current ticker (see `recheck_token`).
    pub ticker_token: Cell<u64>,
    /// A re-check fell due while the tab was hidden.
    pub due: Cell<bool>,
    /// A resend is in flight (the double-click guard).
    pub sending: Cell<bool>,
    /// Numbers status checks, so a late answer cannot overwrite a newer one.
    pub generation: Cell<u64>,
    /// Status checks that failed in a row (the backoff's exponent); 0
    /// after a success.
    pub failures: Cell<u32>,
    /// `visibilitychange` listener, removed on shutdown.
    pub on_visible: RefCell<Option<wasm_bindgen::closure::Closure<dyn FnMut()>>>,
    /// The `events-url` stream, while one is open (closed on shutdown).
    pub stream: RefCell<Option<EventStream>>,
    /// The stream is open and healthy (its `open` came, no error since).
    pub streaming: Cell<bool>,
    /// [`Live::generation`] when the stream last began to (re)connect: on
    /// `open`, no check since then means the widget must catch up.
    pub stream_mark: Cell<u64>,
    /// An unusable event was reported on the console (once per widget).
    pub warned: Cell<bool>,
    /// An event asked for a status check, which is about to start.
    pub refetch_queued: Cell<bool>,
    /// The registrant pressed Resend on the card painted before the wasm
    /// (`define.js`): sent once, when the first check shows the button.
    pub pressed: Cell<bool>,
}

impl Live {
    /// A live widget.
    pub fn new() -> Rc<Live> {
        let live = Live::default();
        live.alive.set(true);
        Rc::new(live)
    }

    /// `false` once the widget is gone.
    pub fn alive(&self) -> bool {
        self.alive.get()
    }

    /// Aborts every request and stops every timer.
    pub fn shutdown(&self) {
        self.alive.set(false);
        for c in self.controllers.borrow_mut().drain(..) {
            c.abort();
        }
        if let Some(t) = self.recheck.take() {
            t.clear();
        }
        if let Some(t) = self.ticker.take() {
            t.clear();
        }
        self.close_stream();
        if let Some(cb) = self.on_visible.borrow_mut().take() {
            if let Some(doc) = web_sys::window().and_then(|w| w.document()) {
                let _ = doc.remove_event_listener_with_callback(
                    "visibilitychange",
                    cb.as_ref().unchecked_ref(),
                );
            }
        }
    }

    /// Closes the `events-url` stream, if one is open.
    pub fn close_stream(&self) {
        self.streaming.set(false);
        // Dropping it closes it; taken out of the cell first, so the cell
        // is not borrowed while it goes.
        let stream = self.stream.borrow_mut().take();
        drop(stream);
    }

    /// Sends `request` (with `body`, for a POST), bounded by the timeout
    /// and aborted if the widget goes away.
    pub async fn send(
        &self,
        request: RequestBuilder,
        body: Option<String>,
    ) -> Result<Answer, Failure> {
        if !self.alive() {
            return Err(Failure::Aborted);
        }
        let fresh = AbortController::new().map_err(|_| Failure::Network)?;
        let request = request.abort_signal(Some(&fresh.signal()));
        let request = match body {
            Some(b) => request.body(b),
            None => request.build(),
        }
        .map_err(|_| Failure::Network)?;
        // The first status request may already be under way (define.js
        // starts it while the wasm loads): take its answer instead.
        let prefetched = match (request.method() == gloo_net::http::Method::GET)
            .then(|| take_prefetched(&request.url()))
            .flatten()
        {
            Some(Prefetched::Read(answer)) => return Ok(answer),
            Some(Prefetched::Sent(response, controller)) => Some((response, controller)),
            None => None,
        };
        let controller = prefetched.as_ref().map_or_else(|| fresh.clone(), |(_, c)| c.clone());
        let url = request.url();
        let timed_out = Rc::new(Cell::new(false));
        let timer = {
            let (c, flag) = (controller.clone(), timed_out.clone());
            let secs = u64::from(REQUEST_TIMEOUT_SECS);
            set_timeout_with_handle(
                move || {
                    flag.set(true);
                    c.abort();
                },
                Duration::from_secs(secs),
            )
            .ok()
        };
        self.controllers.borrow_mut().push(controller.clone());
        let result = async {
            let response = match prefetched {
                Some((response, _)) => {
                    let raw = JsFuture::from(response).await.map_err(drop)?;
                    gloo_net::http::Response::from(raw.unchecked_into::<web_sys::Response>())
                }
                None => request.send().await.map_err(drop)?,
            };
            let text = response.text().await.map_err(drop)?;
            Ok::<_, ()>((response, text))
        }
        .await;
        if let Some(t) = timer {
            t.clear();
        }
        self.controllers.borrow_mut().retain(|c| c != &controller);
        match result {
            _ if !self.alive() => Err(Failure::Aborted),
            Ok((response, body)) => {
                let headers = ["x-ratelimit-reset", "retry-after"]
                    .iter()
                    .filter_map(|h| response.headers().get(h).map(|v| (h.to_string(), v)))
                    .collect();
                Ok(Answer { status: response.status(), body, headers })
            }
            Err(_) if timed_out.get() => Err(Failure::Timeout),
            Err(_) => Err(unanswered(&url).await),
        }
    }
}

/// The origin of `url` when it is not this page's (`None` for the page's
/// own origin or a URL that does not parse).
fn foreign_origin(url: &str) -> Option<String> {
    let page = web_sys::window()?.location();
    let parsed = web_sys::Url::new_with_base(url, &page.href().ok()?).ok()?;
    let origin = parsed.origin();
    (origin != page.origin().ok()?).then_some(origin)
}

/// `true` when the browser says it has no network (`navigator.onLine`).
fn offline() -> bool {
    web_sys::window().is_some_and(|w| !w.navigator().on_line())
}

/// This page's origin (`https://panel.example`).
fn page_origin() -> Option<String> {
    web_sys::window()?.location().origin().ok()
}

/// Why a request got no answer: [`Failure::Blocked`] when its URL is on
/// another origin and the server answers an opaque (`no-cors`) probe, so
/// the browser hid a real answer from the page (CORS); else
/// [`Failure::Network`]. The probe sends no cookies and is given up after
/// 5 seconds.
async fn unanswered(url: &str) -> Failure {
    let Some(origin) = foreign_origin(url) else { return Failure::Network };
    let Ok(abort) = AbortController::new() else { return Failure::Network };
    let timer = {
        let abort = abort.clone();
        set_timeout_with_handle(move || abort.abort(), Duration::from_secs(5)).ok()
    };
    let probe = RequestBuilder::new(url)
        .mode(web_sys::RequestMode::NoCors)
        .credentials(RequestCredentials::Omit)
        .abort_signal(Some(&abort.signal()))
        .send()
        .await;
    if let Some(t) = timer {
        t.clear();
    }
    match probe {
        Ok(_) => Failure::Blocked { server: origin, page: page_origin().unwrap_or_default() },
        Err(_) => Failure::Network,
    }
}

/// The bearer token the host page gives: its `token` property, or one
/// `element.js` fetched from `token-url` (`force`: ask for a new one, after
/// a 401). `None` without either, or when none could be had.
pub async fn bearer(host: &HtmlElement, force: bool) -> Option<String> {
    let key = js_sys::Symbol::for_("registrant-verification:token");
    let f: Function = Reflect::get(host, &key).ok()?.dyn_into().ok()?;
    let promise: js_sys::Promise =
        f.call1(host, &JsValue::from_bool(force)).ok()?.dyn_into().ok()?;
    JsFuture::from(promise).await.ok()?.as_string().filter(|t| !t.is_empty())
}

/// Sends the request `build` makes (given the token, if any), with the
/// host page's token when it gives one; after a 401, asks for a new token
/// and sends once more (the same request: for a resend, the same
/// idempotency key).
pub async fn authorized(
    live: &Live,
    host: &HtmlElement,
    build: impl Fn(Option<&str>) -> RequestBuilder,
    body: Option<String>,
) -> Result<Answer, Failure> {
    if !uses_token(host) {
        return live.send(build(None), body).await;
    }
    let token = bearer(host, false).await;
    let answer = live.send(build(token.as_deref()), body.clone()).await;
    if !matches!(&answer, Ok(a) if a.status == 401) {
        return answer;
    }
    let token = bearer(host, true).await;
    live.send(build(token.as_deref()), body).await
}

/// Waits `ms` milliseconds (a `setTimeout` promise).
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        if let Some(w) = web_sys::window() {
            let _ = w.set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
        }
    });
    let _ = JsFuture::from(promise).await;
}

/// `true` for the gateway's "this resend is still in progress" (another
/// instance or tab runs the same intent): retry with the same key.
pub fn in_progress(answer: &Result<Answer, Failure>) -> bool {
    matches!(answer, Ok(a) if a.status == 409 && a.body.contains("\"in_progress\""))
}

/// `request` with `Authorization: Bearer <token>` when there is a token.
pub fn with_bearer(request: RequestBuilder, token: Option<&str>) -> RequestBuilder {
    match token {
        Some(t) => request.header("Authorization", &format!("Bearer {t}")),
        None => request,
    }
}

/// `true` when the host page gives a token (a `token` property, a
/// `tokenProvider` or a `token-url`): requests then carry
/// `Authorization: Bearer`.
pub fn uses_token(host: &HtmlElement) -> bool {
    host.has_attribute("token-url")
        || Reflect::get(host, &JsValue::from_str("token"))
            .ok()
            .and_then(|t| t.as_string())
            .is_some()
        || Reflect::get(host, &JsValue::from_str("tokenProvider")).is_ok_and(|f| f.is_function())
}

/// Takes the status request `define.js` started for `url` (absolute)
/// while the wasm loaded, if there is one: its `fetch` promise and the
/// `AbortController` that cancels it. Each is taken once.
fn take_prefetched(url: &str) -> Option<Prefetched> {
    let key = js_sys::Symbol::for_("registrant-verification:prefetch");
    let map: js_sys::Map = Reflect::get(&js_sys::global(), &key).ok()?.dyn_into().ok()?;
    let url = JsValue::from_str(url);
    let entry = map.get(&url);
    if entry.is_undefined() {
        return None;
    }
    map.delete(&url);
    if let Some(answer) = get(&entry, "answer").and_then(|a| read_answer(&a)) {
        return Some(Prefetched::Read(answer));
    }
    Some(Prefetched::Sent(
        get(&entry, "response")?.dyn_into().ok()?,
        get(&entry, "controller")?.dyn_into().ok()?,
    ))
}

/// A first status request `define.js` started.
enum Prefetched {
    /// Under way: its `fetch` promise and what cancels it.
    Sent(js_sys::Promise, AbortController),
    /// Answered and read already (the gateway's card came with it, or the
    /// panel put it into the page): the view draws it in the same task.
    Read(Answer),
}

/// `{status, headers, body}` as an [`Answer`] (only the headers the core
/// reads).
fn read_answer(value: &JsValue) -> Option<Answer> {
    let status = get(value, "status")?.as_f64().filter(|s| (100.0..600.0).contains(s))? as u16;
    let body = get(value, "body")?.as_string()?;
    let given = get(value, "headers");
    let headers = ["x-ratelimit-reset", "retry-after"]
        .iter()
        .filter_map(|h| Some((h.to_string(), get(given.as_ref()?, h)?.as_string()?)))
        .collect();
    Some(Answer { status, body, headers })
}

//! Browser tests of the glue, run by `wasm-bindgen-test` in headless Chromium:
//! `JSON.parse` decoding into `Json`, `fetch`, the whole decision from a
//! query string, and what each state renders into `#status`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use percent_encoding::{utf8_percent_encode, NON_ALPHANUMERIC};
use wasm_bindgen_test::{wasm_bindgen_test as test, wasm_bindgen_test_configure};
use web_sys::Element;

use super::{dom, prepare, ConfigFrom, PageError, Step};
use crate::config::{Config, ConfigError};
use crate::outcome::Choice;
use crate::Contact;
use wasm_bindgen::{closure::Closure, JsCast};

wasm_bindgen_test_configure!(run_in_browser);

const CONFIG: &str = r#"{
  "itsm_url": "https://ev.example",
  "default_profile": "production",
  "profiles": {
    "production": { "method": "sso" },
    "db50004": { "method": "autoconnect",
                 "link": "https://ev.example/autoconnect_mail.php?field1=5C0F&field2=&field4=%7B90D5%7D&field5=ViewDialog&field6=morley" },
    "tpl": { "method": "template", "url": "https://itsm.example/cti.do?e={userid}" }
  },
  "directory": { "source": "none" }
}"#;

/// The page's address, for the sign-in's redirect URI.
const PAGE: &str = "https://intranet.contoso.com/quickcall/index.html";

/// A `data:` URL serving `json`, so `fetch` runs for real without a file.
fn data_url(json: &str) -> String {
    format!(
        "data:application/json;charset=utf-8,{}",
        utf8_percent_encode(json, NON_ALPHANUMERIC)
    )
}

/// The `#status` element, created when the test page has none.
fn status() -> Element {
    let doc = web_sys::window().unwrap().document().unwrap();
    if let Some(el) = doc.get_element_by_id("status") {
        return el;
    }
    let el = doc.create_element("main").unwrap();
    el.set_id("status");
    doc.body().unwrap().append_child(&el).unwrap();
    el
}

fn state() -> String {
    status().get_attribute("data-state").unwrap_or_default()
}

fn links() -> Vec<(String, String)> {
    let list = status().query_selector_all("a").unwrap();
    (0..list.length())
        .map(|i| {
            let a: Element = wasm_bindgen::JsCast::dyn_into(list.item(i).unwrap()).unwrap();
            (a.get_attribute("href").unwrap(), a.text_content().unwrap())
        })
        .collect()
}

async fn go(search: &str) -> Result<Step, PageError> {
    status();
    prepare(search, ConfigFrom::Url(&data_url(CONFIG)), PAGE, None).await
}

#[test]
fn config_decodes_through_json_parse() {
    let c = Config::from_json(CONFIG).unwrap();
    assert_eq!(c.default_profile, "production");
    assert_eq!(c.profiles.len(), 3);
    // Unknown fields and wrong types are still refused by the browser decoder.
    match Config::from_json(
        r#"{"itsm_url":"https://x.com","profiles":{"p":{"method":"sso","sandbx":true}}}"#,
    ) {
        Err(ConfigError::Field { field, .. }) => assert_eq!(field, "profiles.p.sandbx"),
        other => panic!("{other:?}"),
    }
    // A value of the wrong type names its field.
    match Config::from_json(
        r#"{"itsm_url":"https://x.com","profiles":{"p":{"method":"sso","sandbox":"yes"}}}"#,
    ) {
        Err(ConfigError::Field { field, problem }) => {
            assert_eq!(field, "profiles.p.sandbox");
            assert_eq!(problem, "must be true or false, not a string");
        }
        other => panic!("{other:?}"),
    }
    // So does an unknown field of the directory, which serde-wasm-bindgen used to skip.
    match Config::from_json(
        r#"{"itsm_url":"https://x.com","profiles":{"p":{"method":"sso"}},"directory":{"source":"export","Path":"ad/"}}"#,
    ) {
        Err(ConfigError::Field { field, .. }) => assert_eq!(field, "directory.Path"),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        Config::from_json("{nope"),
        Err(ConfigError::Json { .. })
    ));
    match Config::from_json(r#"{"itsm_url":"ftp://x","profiles":{"p":{"method":"sso"}}}"#) {
        Err(ConfigError::Field { field, .. }) => assert_eq!(field, "itsm_url"),
        other => panic!("{other:?}"),
    }
}

#[test]
async fn one_contact_goes_to_the_quick_call() {
    match go("?contactId=Contacts=%3Csip:John.Doe@contoso.com%3E").await {
        Ok(Step::Go(t)) => assert_eq!(
            t.as_str(),
            "https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=john.doe%40contoso.com"
        ),
        Ok(other) => panic!("{other:?}"),
        Err(e) => panic!("{}", e.message),
    }
    match go("?profile=db50004&contactId=sip:a@b.com").await {
        Ok(Step::Go(t)) => assert_eq!(
            t.as_str(),
            "https://ev.example/autoconnect_mail.php?field1=5C0F&field2=&field4=%7B90D5%7D&field5=ViewDialog&field6=a%40b.com"
        ),
        Ok(other) => panic!("{other:?}"),
        Err(e) => panic!("{}", e.message),
    }
}

#[test]
async fn several_contacts_render_the_chooser() {
    let step =
        go("?contactId=Contacts=<sip:a@x.com>,<tel:1234;phone-context=y>,<sip:b@x.com>").await;
    assert!(matches!(step, Ok(Step::Shown)));
    assert_eq!(state(), "choose");
    let hrefs: Vec<String> = links().into_iter().map(|(h, _)| h).collect();
    assert_eq!(
        hrefs,
        [
            "https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40x.com",
            "https://ev.example/sso_samlindex.php",
            "https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=b%40x.com",
        ]
    );
}

#[test]
async fn dry_run_renders_the_target_without_navigating() {
    let step = go("?contactId=sip:a@x.com&dryrun=1").await;
    assert!(matches!(step, Ok(Step::Shown)));
    assert_eq!(state(), "done");
    let doc = web_sys::window().unwrap().document().unwrap();
    let target = doc.get_element_by_id("target").unwrap();
    assert_eq!(
        target.text_content().unwrap(),
        "https://ev.example/sso_samlindexlync.php?do_quickcall=1&url_requestor=a%40x.com"
    );
}

#[test]
async fn errors_carry_a_message_and_a_fallback() {
    let Err(e) = go("?contactId=javascript:alert(1)").await else {
        panic!("should fail")
    };
    assert!(e.message.contains("javascript:alert(1)"), "{}", e.message);
    assert_eq!(
        e.fallback.as_ref().map(|t| t.as_str()),
        Some("https://ev.example/sso_samlindex.php")
    );
    let Err(e) = go("?profile=tpl&contactId=tel:+331234").await else {
        panic!("should fail")
    };
    assert!(e.message.contains("not in the directory"), "{}", e.message);
    assert!(e.fallback.is_none());
    let Err(e) = go("?profile=nope&contactId=sip:a@x.com").await else {
        panic!("should fail")
    };
    assert!(e.message.contains("nope"), "{}", e.message);
}

#[test]
async fn a_missing_or_broken_config_is_explained() {
    let Err(e) = prepare(
        "?contactId=sip:a@x.com",
        ConfigFrom::Url("no-such-config.json"),
        PAGE,
        None,
    )
    .await
    else {
        panic!("should fail")
    };
    assert!(e.message.contains("no-such-config.json"), "{}", e.message);
    assert!(e.message.contains("404"), "{}", e.message);
    let bad = data_url(r#"{"itsm_url":"ftp://x","profiles":{"p":{"method":"sso"}}}"#);
    let Err(e) = prepare("?contactId=sip:a@x.com", ConfigFrom::Url(&bad), PAGE, None).await else {
        panic!("should fail")
    };
    assert!(e.message.contains("itsm_url"), "{}", e.message);
}

/// What boot.js hands over for config.json, from a JavaScript object literal.
fn read(js: &str) -> wasm_bindgen::JsValue {
    js_sys::JSON::parse(js).unwrap()
}

#[test]
fn config_json_as_boot_js_read_it() {
    use super::fetch::read_by_boot;
    // Not read by boot.js: the module fetches it.
    assert!(read_by_boot(&wasm_bindgen::JsValue::UNDEFINED).is_none());
    assert!(read_by_boot(&read("{}")).is_none());
    let ok = read(r#"{"status":200,"statusText":"OK","type":"application/json","text":"{}"}"#);
    assert_eq!(read_by_boot(&ok), Some(Ok("{}".to_string())));
    // The same errors, naming config.json, as the module's own fetch gives.
    for (answer, expected) in [
        (
            r#"{"status":404,"statusText":"Not Found","type":"text/plain","text":""}"#,
            "404",
        ),
        (
            r#"{"status":410,"statusText":"Gone","type":"","text":""}"#,
            "404",
        ),
        (
            r#"{"status":500,"statusText":"Internal Server Error","type":"text/plain","text":"x"}"#,
            "500",
        ),
        (
            r#"{"status":200,"statusText":"OK","type":"text/html; charset=utf-8","text":"<html>"}"#,
            "HTML",
        ),
        (r#"{"timeout":10}"#, "10 s"),
        (r#"{"error":"Failed to fetch"}"#, "Failed to fetch"),
    ] {
        let Some(Err(message)) = read_by_boot(&read(answer)) else {
            panic!("{answer}: should be an error");
        };
        assert!(message.contains("config.json"), "{answer}: {message}");
        assert!(message.contains(expected), "{answer}: {message}");
    }
}

#[test]
async fn a_config_json_boot_js_could_not_read_is_explained() {
    let Err(e) = prepare(
        "?contactId=sip:a@x.com",
        ConfigFrom::Failed("cannot load config.json: no answer within 10 s".into()),
        PAGE,
        None,
    )
    .await
    else {
        panic!("should fail")
    };
    assert!(e.message.contains("10 s"), "{}", e.message);
    // Already read: decided from its text, as if fetched.
    match go_text("?contactId=sip:a@x.com").await {
        Ok(Step::Go(t)) => assert!(t.as_str().starts_with("https://ev.example/"), "{t}"),
        Ok(other) => panic!("{other:?}"),
        Err(e) => panic!("{}", e.message),
    }
}

async fn go_text(search: &str) -> Result<Step, PageError> {
    prepare(search, ConfigFrom::Text(CONFIG.to_string()), PAGE, None).await
}

#[test]
fn error_state_is_text_only_with_its_fallback_link() {
    let c = Config::from_json(CONFIG).unwrap();
    let fallback = c.profile(None).unwrap().unknown_contact();
    dom::show_error("<img src=x onerror=alert(1)>", fallback.as_ref());
    assert_eq!(state(), "error");
    let el = status();
    assert!(el.query_selector("img").unwrap().is_none());
    assert!(el
        .text_content()
        .unwrap()
        .contains("<img src=x onerror=alert(1)>"));
    assert_eq!(links()[0].0, "https://ev.example/sso_samlindex.php");
}

#[test]
fn chooser_labels_are_text() {
    let c = Config::from_json(CONFIG).unwrap();
    let p = c.profile(None).unwrap();
    let choice = Choice {
        label: "<b>Eve</b>".into(),
        contact: Contact::parse("sip:eve@x.com").unwrap(),
        target: Some(p.quick_call("eve@x.com").unwrap()),
        note: String::new(),
    };
    dom::show_chooser(&[choice], 3);
    assert_eq!(state(), "choose");
    assert!(status().query_selector("b").unwrap().is_none());
    assert_eq!(links()[0].1, "<b>Eve</b>");
    assert!(status()
        .text_content()
        .unwrap()
        .contains("3 more not shown"));
}

#[cfg(feature = "graph")]
#[test]
fn storage_for_the_sign_in() {
    use super::storage;
    // Session storage: a pending sign-in can be taken once.
    storage::set_session("lqc-test", "v").unwrap();
    assert_eq!(storage::take_session("lqc-test").as_deref(), Some("v"));
    assert_eq!(storage::take_session("lqc-test"), None);
    // Local storage: the token cache, shared by the origin's tabs.
    storage::set_local("lqc-test", "t");
    assert_eq!(storage::get_local("lqc-test").as_deref(), Some("t"));
    storage::remove_local("lqc-test");
    assert_eq!(storage::get_local("lqc-test"), None);
    // crypto.getRandomValues.
    let (a, b) = (storage::random32().unwrap(), storage::random32().unwrap());
    assert_ne!(a, b);
    assert_ne!(a, [0; 32]);
}

#[cfg(feature = "graph")]
#[test]
fn a_sign_in_answer_is_taken_out_of_the_address_bar_and_used_once() {
    use crate::graph::pkce::Pkce;
    use crate::graph::signin::{PendingSignIn, SignInError};
    let window = web_sys::window().unwrap();
    let before = window.location().search().unwrap();
    let settings = match Config::from_json(
        r#"{"itsm_url":"https://ev.example","profiles":{"p":{"method":"sso"}},
            "directory":{"source":"graph","tenant":"contoso.com","client_id":"11111111-2222-3333-4444-555555555555"}}"#,
    )
    .unwrap()
    .directory
    {
        crate::DirectorySource::Graph(g) => g,
        other => panic!("{other:?}"),
    };
    let original = "?userId=sip:t@x.com;contactId=sip:john+it@x.com&dryrun=1";
    let pending = PendingSignIn {
        state: "st".into(),
        pkce: Pkce::from_random([3; 32]),
        query: original.into(),
        started: super::now(),
    };
    super::storage::set_session("lync-quickcall.sign-in", &pending.encode()).unwrap();
    let returned = super::graph::take_return("?code=abc&state=st&session_state=x")
        .unwrap()
        .unwrap();
    // The original query is back in the address bar, byte for byte.
    assert_eq!(window.location().search().unwrap(), original);
    assert_eq!(returned.query(), original);
    assert!(super::graph::accept(returned, &settings, PAGE, super::now()).is_ok());
    // The same answer again finds no pending sign-in: refused.
    let again = super::graph::take_return("?code=abc&state=st")
        .unwrap()
        .unwrap();
    assert!(matches!(
        super::graph::accept(again, &settings, PAGE, super::now()),
        Err(SignInError::NotStartedHere)
    ));
    // Not a sign-in answer: nothing happens.
    assert!(super::graph::take_return("?contactId=sip:a@x.com")
        .unwrap()
        .is_none());
    super::storage::replace_query(&before).unwrap();
}

/// The build without `graph` (every load's) hands a Graph configuration over to
/// `window.lqcHandOver` with the text it read, once, after the query is read; a
/// hand-over that fails is an error naming what to copy.
#[cfg(not(feature = "graph"))]
#[test]
async fn without_graph_a_graph_configuration_is_handed_over() {
    use wasm_bindgen::JsValue;
    let window = web_sys::window().unwrap();
    let config = r#"{"itsm_url":"https://ev.example","profiles":{"p":{"method":"sso"}},
        "directory":{"source":"graph","tenant":"contoso.com","client_id":"11111111-2222-3333-4444-555555555555"}}"#;
    let calls = js_sys::Array::new();
    let seen = calls.clone();
    let stub = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(move |c: JsValue| {
        seen.push(&c);
        js_sys::Promise::resolve(&JsValue::UNDEFINED)
    });
    js_sys::Reflect::set(&window, &"lqcHandOver".into(), stub.as_ref()).unwrap();
    status();
    let step = prepare(
        "?contactId=sip:a@x.com",
        ConfigFrom::Url(&data_url(config)),
        PAGE,
        None,
    )
    .await;
    assert!(matches!(step, Ok(Step::Shown)));
    assert_eq!(calls.length(), 1);
    assert_eq!(calls.get(0).as_string().as_deref(), Some(config));
    // A query error is this build's to show: nothing handed over.
    assert!(prepare(
        "?contactId=javascript:x",
        ConfigFrom::Url(&data_url(config)),
        PAGE,
        None
    )
    .await
    .is_err());
    assert_eq!(calls.length(), 1);
    // Other sources never hand over.
    assert!(go("?contactId=sip:a@x.com").await.is_ok());
    assert_eq!(calls.length(), 1);
    // graph.js missing: the page says what to copy.
    let failing = Closure::<dyn FnMut(JsValue) -> js_sys::Promise>::new(|_c: JsValue| {
        js_sys::Promise::reject(
            &js_sys::Error::new("Failed to fetch dynamically imported module").into(),
        )
    });
    js_sys::Reflect::set(&window, &"lqcHandOver".into(), failing.as_ref()).unwrap();
    let Err(e) = prepare(
        "?contactId=sip:a@x.com",
        ConfigFrom::Url(&data_url(config)),
        PAGE,
        None,
    )
    .await
    else {
        panic!("should fail")
    };
    assert!(
        e.message.contains("graph.js")
            && e.message
                .contains("Failed to fetch dynamically imported module"),
        "{}",
        e.message
    );
    js_sys::Reflect::delete_property(&window, &"lqcHandOver".into()).unwrap();
}

/// The `childList` mutation records of `#status` (and below) while `f` runs: a live
/// region announces each batch, so a state must arrive as one.
fn status_mutations(f: impl FnOnce()) -> usize {
    let observer = web_sys::MutationObserver::new(&js_sys::Function::new_no_args("")).unwrap();
    let init = web_sys::MutationObserverInit::new();
    init.set_child_list(true);
    init.set_subtree(true);
    observer.observe_with_options(&status(), &init).unwrap();
    f();
    let records = observer.take_records();
    observer.disconnect();
    records
        .iter()
        .filter(|r| {
            r.dyn_ref::<web_sys::MutationRecord>()
                .is_some_and(|r| r.type_() == "childList")
        })
        .count()
}

fn choices(names: &[&str]) -> Vec<Choice> {
    let c = Config::from_json(CONFIG).unwrap();
    let p = c.profile(None).unwrap();
    names
        .iter()
        .map(|n| Choice {
            label: n.to_string(),
            contact: Contact::parse(&format!("sip:{n}@x.com")).unwrap(),
            target: Some(p.quick_call(&format!("{n}@x.com")).unwrap()),
            note: String::new(),
        })
        .collect()
}

#[test]
fn each_state_reaches_the_live_region_in_one_mutation() {
    status();
    assert_eq!(
        status_mutations(|| dom::show_error("it broke", None)),
        1,
        "show_error"
    );
    assert_eq!(
        status().get_attribute("aria-atomic").as_deref(),
        Some("true")
    );
    assert_eq!(
        status_mutations(|| dom::show_chooser(&choices(&["ann", "bob", "cid"]), 2)),
        1,
        "show_chooser"
    );
    assert_eq!(
        status_mutations(|| dom::show_working("Opening…")),
        1,
        "show_working"
    );
    // The heading comes first, for the announcement.
    dom::show_error("it broke", None);
    assert_eq!(
        status().first_element_child().unwrap().tag_name(),
        "H1",
        "the error's heading"
    );
}

/// The document's focused element's text.
fn focused() -> String {
    let doc = web_sys::window().unwrap().document().unwrap();
    doc.active_element()
        .and_then(|e| e.text_content())
        .unwrap_or_default()
}

/// Presses `key` (with `code`) on the focused element, as a keyboard would.
fn press(key: &str, code: &str, ctrl: bool) {
    let doc = web_sys::window().unwrap().document().unwrap();
    let init = web_sys::KeyboardEventInit::new();
    init.set_key(key);
    init.set_code(code);
    init.set_ctrl_key(ctrl);
    init.set_bubbles(true);
    init.set_cancelable(true);
    let event =
        web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
    let target: web_sys::EventTarget = match doc.active_element() {
        Some(e) => e.into(),
        None => doc.into(),
    };
    target.dispatch_event(&event).unwrap();
}

#[test]
fn the_chooser_works_from_the_keyboard() {
    status();
    dom::show_chooser(&choices(&["ann", "bob", "cid"]), 0);
    assert_eq!(focused(), "ann", "focus starts on the first person");
    press("ArrowDown", "ArrowDown", false);
    assert_eq!(focused(), "bob");
    press("ArrowRight", "ArrowRight", false);
    press("ArrowDown", "ArrowDown", false);
    assert_eq!(focused(), "ann", "down from the last wraps");
    press("ArrowUp", "ArrowUp", false);
    assert_eq!(focused(), "cid", "up from the first wraps");
    press("ArrowLeft", "ArrowLeft", false);
    assert_eq!(focused(), "bob");
    press("ArrowDown", "ArrowDown", true);
    assert_eq!(focused(), "bob", "Ctrl+arrow is the browser's");
    // A number clicks its line's link (the click is caught here, not followed).
    let clicked = std::rc::Rc::new(std::cell::RefCell::new(Vec::<String>::new()));
    let seen = clicked.clone();
    let catch = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
        e.prevent_default();
        let a: Element = e.target().unwrap().dyn_into().unwrap();
        seen.borrow_mut().push(a.text_content().unwrap());
    });
    let el = status();
    el.add_event_listener_with_callback("click", catch.as_ref().unchecked_ref())
        .unwrap();
    press("3", "Digit3", false);
    // AZERTY: the digit key types '"' without Shift; its code still names it.
    press("\"", "Digit2", false);
    press("9", "Digit9", false);
    press("1", "Digit1", true);
    el.remove_event_listener_with_callback("click", catch.as_ref().unchecked_ref())
        .unwrap();
    assert_eq!(*clicked.borrow(), ["cid", "bob"]);
    // Outside the chooser, keys do nothing.
    dom::show_error("it broke", None);
    press("ArrowDown", "ArrowDown", false);
    assert_ne!(focused(), "ann");
}

#[test]
async fn a_page_without_a_contact_offers_to_open_sip_and_tel_links() {
    // A stand-in for the browser's registration, recording its calls.
    let navigator = web_sys::window().unwrap().navigator();
    let record = js_sys::Function::new_with_args("s, u", "window.__calls.push([s, u]);");
    let window = web_sys::window().unwrap();
    let calls = js_sys::Array::new();
    js_sys::Reflect::set(&window, &"__calls".into(), &calls).unwrap();
    js_sys::Reflect::set(&navigator, &"registerProtocolHandler".into(), &record).unwrap();
    let step = go("?profile=db50004").await;
    assert!(
        matches!(step, Ok(Step::Shown)),
        "{:?}",
        step.err().map(|e| e.message)
    );
    assert_eq!(state(), "home");
    let text = status().text_content().unwrap();
    for name in ["production (default)", "db50004", "tpl"] {
        assert!(text.contains(name), "{text}");
    }
    let button: web_sys::HtmlElement = status()
        .query_selector("button")
        .unwrap()
        .expect("the button")
        .dyn_into()
        .unwrap();
    button.click();
    js_sys::Reflect::delete_property(&navigator, &"registerProtocolHandler".into()).unwrap();
    let url = "https://intranet.contoso.com/quickcall/index.html?profile=db50004&contactId=%s";
    let got: Vec<(String, String)> = calls
        .iter()
        .map(|c| {
            let c: js_sys::Array = c.dyn_into().unwrap();
            (c.get(0).as_string().unwrap(), c.get(1).as_string().unwrap())
        })
        .collect();
    assert_eq!(
        got,
        [
            ("sip".to_string(), url.to_string()),
            ("tel".to_string(), url.to_string())
        ]
    );
    let result = status().query_selector(".result").unwrap().unwrap();
    assert!(
        result
            .text_content()
            .unwrap()
            .contains("chrome://settings/handlers"),
        "{:?}",
        result.text_content()
    );
    // An unknown profile is an error, not a page that registers a broken link.
    let Err(e) = go("?profile=nope").await else {
        panic!("should fail")
    };
    assert!(e.message.contains("nope"), "{}", e.message);
}

#[test]
async fn config_json_can_choose_french() {
    let french = CONFIG.replacen('{', r#"{"language":"fr","#, 1);
    let step = prepare(
        "?contactId=Contacts=<sip:a@x.com>,<sip:b@x.com>",
        ConfigFrom::Url(&data_url(&french)),
        PAGE,
        None,
    )
    .await;
    let doc = web_sys::window().unwrap().document().unwrap();
    let lang = doc.document_element().unwrap().get_attribute("lang");
    let title = doc.title();
    let heading = status()
        .query_selector("h1")
        .unwrap()
        .unwrap()
        .text_content();
    let error = prepare(
        "?contactId=javascript:alert(1)",
        ConfigFrom::Url(&data_url(&french)),
        PAGE,
        None,
    )
    .await;
    // Back to the browser's language (English in the test browser).
    let english = prepare(
        "?contactId=sip:a@x.com&dryrun=1",
        ConfigFrom::Url(&data_url(CONFIG)),
        PAGE,
        None,
    )
    .await;
    crate::i18n::set_language("en");
    assert!(matches!(step, Ok(Step::Shown)));
    assert_eq!(lang.as_deref(), Some("fr"));
    assert_eq!(title, "Appel rapide EasyVista");
    assert_eq!(heading.as_deref(), Some("Qui est l’appelant ?"));
    let Err(e) = error else { panic!("should fail") };
    assert!(e.message.contains("javascript:alert(1)"), "{}", e.message);
    assert!(
        e.message.contains("n’est ni une adresse SIP"),
        "{}",
        e.message
    );
    assert!(english.is_ok());
    assert_eq!(
        status()
            .query_selector("h1")
            .unwrap()
            .unwrap()
            .text_content()
            .as_deref(),
        Some("Dry run: nothing was opened")
    );
}

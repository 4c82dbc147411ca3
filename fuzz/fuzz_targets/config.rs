//! `config`: `config.json` as any text.
//!
//! [`Config::from_json`] never panics; when it accepts the text, every profile builds a
//! quick call URL that satisfies the invariants of `invariants::check_quick_call` for a
//! few user ids, and its unknown-contact page is on a configured origin.

#![no_main]

use libfuzzer_sys::fuzz_target;
use lync_quickcall::Config;
use lync_quickcall_fuzz::invariants::check_config;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Ok(config) = Config::from_json(&text) else {
        return;
    };
    let _ = config.directory.connect_origins();
    for user_id in [
        "john.doe@contoso.com",
        "x&url_requestor=evil@evil.com#",
        "a b+c%41",
    ] {
        if let Err(e) = check_config(&config, user_id, false) {
            panic!("{e}\nconfig: {text}");
        }
    }
});

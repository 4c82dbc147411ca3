//! The result of `lync-quickcall check`: one line per check, as text for a person or as
//! one JSON document for monitoring.

use serde::Serialize;

/// How a check went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// As it should be.
    Ok,
    /// The page works, but something should be fixed (or will soon break).
    Warning,
    /// The page, or part of it, does not work for the technicians.
    Failed,
}

impl Status {
    /// `ok`, `warning` or `FAILED`, as the text report prints it.
    pub fn label(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::Warning => "warning",
            Status::Failed => "FAILED",
        }
    }
}

/// One check: what was checked, how it went, and what was seen or what to do.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Check {
    /// What was checked, e.g. `page`, `wasm lync_quickcall_bg-0123456789.wasm`.
    pub name: String,
    /// How it went.
    pub status: Status,
    /// What was found; for a warning or a failure, what to do. It names the URL at
    /// fault. It may span several lines (a policy to paste, say).
    pub message: String,
}

impl Check {
    /// A check that went as it should.
    pub fn ok(name: impl Into<String>, message: impl Into<String>) -> Check {
        Check::new(name, Status::Ok, message)
    }

    /// A check with a warning.
    pub fn warning(name: impl Into<String>, message: impl Into<String>) -> Check {
        Check::new(name, Status::Warning, message)
    }

    /// A failed check.
    pub fn failed(name: impl Into<String>, message: impl Into<String>) -> Check {
        Check::new(name, Status::Failed, message)
    }

    /// A check with the given status.
    pub fn new(name: impl Into<String>, status: Status, message: impl Into<String>) -> Check {
        Check {
            name: name.into(),
            status,
            message: message.into(),
        }
    }
}

/// What `--contact` found: where the page would go for that contact.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// The contact, as given.
    pub contact: String,
    /// The profile used.
    pub profile: String,
    /// The URL the page would open; `None` when it would not navigate (a chooser, an
    /// error, or a source this tool cannot ask).
    pub target: Option<String>,
    /// What the page would do, in a sentence.
    pub message: String,
    /// For the `graph` and `endpoint` sources: the requests the page would send, as
    /// the technician, which this tool does not send.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub requests: Vec<String>,
}

/// Every check of one run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Report {
    /// The page checked, as given.
    pub page: String,
    /// The checks, in the order run.
    pub checks: Vec<Check>,
    /// The `--contact` answer, when asked for.
    pub sample: Option<Sample>,
}

/// How many checks ended with each status.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    /// Checks that went as they should.
    pub ok: usize,
    /// Checks with a warning.
    pub warning: usize,
    /// Failed checks.
    pub failed: usize,
}

#[derive(Serialize)]
struct JsonReport<'a> {
    page: &'a str,
    status: Status,
    counts: Counts,
    checks: &'a [Check],
    sample: Option<&'a Sample>,
}

impl Report {
    /// Adds a check.
    pub fn push(&mut self, check: Check) {
        self.checks.push(check);
    }

    /// The worst status of all checks (`Ok` when there is none).
    pub fn status(&self) -> Status {
        self.checks
            .iter()
            .map(|c| c.status)
            .max()
            .unwrap_or(Status::Ok)
    }

    /// How many checks ended with each status.
    pub fn counts(&self) -> Counts {
        let mut c = Counts::default();
        for check in &self.checks {
            match check.status {
                Status::Ok => c.ok += 1,
                Status::Warning => c.warning += 1,
                Status::Failed => c.failed += 1,
            }
        }
        c
    }

    /// The report for a person: one line per check (`FAILED  name: message`, further
    /// lines of a message indented under it), the contact's answer, and a summary.
    pub fn text(&self) -> String {
        let mut out = format!("Checking {}\n", self.page);
        for c in &self.checks {
            let mut lines = c.message.lines();
            out.push_str(&format!(
                "{:<8} {}: {}\n",
                c.status.label(),
                c.name,
                lines.next().unwrap_or("")
            ));
            for line in lines {
                out.push_str(&format!("{:<8}   {line}\n", ""));
            }
        }
        if let Some(s) = &self.sample {
            let profile = if s.profile.is_empty() {
                String::new()
            } else {
                format!(", profile {}", s.profile)
            };
            out.push_str(&format!("\nContact {}{profile}:\n", s.contact));
            match &s.target {
                Some(t) => out.push_str(&format!("  would open {t}\n")),
                None if !s.requests.is_empty() => {
                    out.push_str("  not resolved here; the page would send, as the technician:\n");
                    for r in &s.requests {
                        out.push_str(&format!("    {r}\n"));
                    }
                }
                None => out.push_str("  opens no quick call (see the contact check above)\n"),
            }
        }
        let n = self.counts();
        out.push_str(&format!(
            "\n{} check{}: {} ok, {} warning{}, {} failed\n",
            self.checks.len(),
            if self.checks.len() == 1 { "" } else { "s" },
            n.ok,
            n.warning,
            if n.warning == 1 { "" } else { "s" },
            n.failed
        ));
        out
    }

    /// The report as one JSON document:
    /// `{"page", "status", "counts", "checks": [{"name", "status", "message"}], "sample"}`.
    pub fn json(&self) -> String {
        let doc = JsonReport {
            page: &self.page,
            status: self.status(),
            counts: self.counts(),
            checks: &self.checks,
            sample: self.sample.as_ref(),
        };
        // Plain strings, numbers and enums: serialising cannot fail; should it, say so
        // in JSON still.
        serde_json::to_string_pretty(&doc).unwrap_or_else(|e| {
            format!(
                "{{\"page\":{},\"status\":\"failed\",\"error\":{}}}",
                serde_json::Value::from(self.page.as_str()),
                serde_json::Value::from(e.to_string())
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report() -> Report {
        Report {
            page: "https://intranet/quickcall/".into(),
            checks: vec![
                Check::ok("page", "https://intranet/quickcall/: HTTP 200, text/html"),
                Check::warning("cache config.json", "no Cache-Control"),
                Check::failed(
                    "content-security-policy",
                    "it blocks WebAssembly\nReplace it with:\n  <meta ...>",
                ),
            ],
            sample: Some(Sample {
                contact: "sip:john.doe@contoso.com".into(),
                profile: "production".into(),
                target: Some("https://ev.contoso.com/x?u=john.doe%40contoso.com".into()),
                message: "john.doe@contoso.com is john.doe@contoso.com".into(),
                requests: vec![],
            }),
        }
    }

    #[test]
    fn the_worst_status_wins() {
        let mut r = Report::default();
        assert_eq!(r.status(), Status::Ok);
        r.push(Check::warning("a", "b"));
        assert_eq!(r.status(), Status::Warning);
        r.push(Check::ok("c", "d"));
        assert_eq!(r.status(), Status::Warning);
        assert_eq!(report().status(), Status::Failed);
        assert_eq!(
            report().counts(),
            Counts {
                ok: 1,
                warning: 1,
                failed: 1
            }
        );
    }

    #[test]
    fn text_has_one_line_per_check() {
        let text = report().text();
        assert!(
            text.starts_with("Checking https://intranet/quickcall/\n"),
            "{text}"
        );
        assert!(
            text.contains("ok       page: https://intranet/quickcall/: HTTP 200, text/html\n"),
            "{text}"
        );
        assert!(
            text.contains("warning  cache config.json: no Cache-Control\n"),
            "{text}"
        );
        assert!(
            text.contains(
                "FAILED   content-security-policy: it blocks WebAssembly\n           Replace it with:\n             <meta ...>\n"
            ),
            "{text}"
        );
        assert!(
            text.contains("would open https://ev.contoso.com/x?u=john.doe%40contoso.com"),
            "{text}"
        );
        assert!(
            text.ends_with("3 checks: 1 ok, 1 warning, 1 failed\n"),
            "{text}"
        );
    }

    #[test]
    fn the_contact_part_says_where_the_page_goes() {
        let mut r = report();
        assert!(
            r.text().contains("\nContact sip:john.doe@contoso.com, profile production:\n  would open https://ev.contoso.com/x?u=john.doe%40contoso.com\n"),
            "{}",
            r.text()
        );
        let s = r.sample.as_mut().unwrap();
        s.target = None;
        s.requests = vec!["GET https://graph.microsoft.com/v1.0/users?$filter=x".into()];
        let text = r.text();
        assert!(
            text.contains("the page would send, as the technician:\n    GET https://graph.microsoft.com/v1.0/users?$filter=x\n"),
            "{text}"
        );
        let s = r.sample.as_mut().unwrap();
        s.requests.clear();
        s.profile.clear();
        let text = r.text();
        assert!(
            text.contains("Contact sip:john.doe@contoso.com:\n  opens no quick call"),
            "{text}"
        );
        let v: serde_json::Value = serde_json::from_str(&r.json()).unwrap();
        assert!(v["sample"]["target"].is_null());
    }

    #[test]
    fn json_is_one_document() {
        let v: serde_json::Value = serde_json::from_str(&report().json()).unwrap();
        assert_eq!(v["status"], "failed");
        assert_eq!(v["counts"]["failed"], 1);
        assert_eq!(v["checks"][0]["name"], "page");
        assert_eq!(v["checks"][0]["status"], "ok");
        assert_eq!(v["checks"][1]["status"], "warning");
        assert_eq!(v["checks"][2]["status"], "failed");
        assert_eq!(
            v["sample"]["target"],
            "https://ev.contoso.com/x?u=john.doe%40contoso.com"
        );
        assert!(v["sample"].get("requests").is_none());
        let none = Report {
            sample: None,
            ..report()
        };
        let v: serde_json::Value = serde_json::from_str(&none.json()).unwrap();
        assert!(v["sample"].is_null());
    }
}

//! Windows: the new secret key file is restricted to the current user, Administrators
//! and SYSTEM, instead of inheriting its folder's permissions.
//!
//! This runs `icacls <file> /inheritance:r /grant:r *<user SID>:F *S-1-5-32-544:F
//! *S-1-5-18:F` (icacls is part of Windows since Vista and Server 2003 SP2) rather than
//! calling the security API: the API needs `unsafe` FFI, which this crate forbids.
//! Accounts are named by SID, so the command works in every language of Windows. The
//! current user's SID comes from `whoami /user /fo csv /nh`; where whoami gives none,
//! `%USERDOMAIN%\%USERNAME%`.
//!
//! The parsing is plain Rust, tested on every platform; running the programs is
//! Windows-only.
#![cfg_attr(not(windows), allow(dead_code))]

use std::ffi::OsString;

/// `BUILTIN\Administrators`, as icacls takes a SID.
pub const ADMINISTRATORS: &str = "*S-1-5-32-544";
/// `NT AUTHORITY\SYSTEM`.
pub const SYSTEM: &str = "*S-1-5-18";

/// The arguments of icacls that remove the inherited entries of `file` and leave full
/// control to exactly `user` (`*S-1-...` or `DOMAIN\name`), Administrators and SYSTEM.
pub fn icacls_args(file: impl Into<OsString>, user: &str) -> Vec<OsString> {
    let mut args = vec![
        file.into(),
        "/inheritance:r".into(),
        "/grant:r".into(),
        format!("{user}:F").into(),
    ];
    for sid in [ADMINISTRATORS, SYSTEM] {
        if sid != user {
            args.push(format!("{sid}:F").into());
        }
    }
    args
}

/// The SID in what `whoami /user /fo csv /nh` prints, `"contoso\jdoe","S-1-5-21-..."`,
/// as icacls takes it (`*S-1-5-21-...`).
pub fn sid_from_whoami(out: &str) -> Option<String> {
    let line = out.lines().map(str::trim).find(|l| !l.is_empty())?;
    let sid = line.rsplit(',').next()?.trim().trim_matches('"');
    let valid = sid.strip_prefix("S-1-").is_some_and(|rest| {
        !rest.is_empty()
            && rest.split('-').all(|part| {
                !part.is_empty() && part.len() <= 10 && part.bytes().all(|b| b.is_ascii_digit())
            })
    });
    valid.then(|| format!("*{sid}"))
}

/// The user as icacls takes it from `%USERDOMAIN%` and `%USERNAME%`: `DOMAIN\name`, or
/// `name` without a domain.
pub fn user_from_env(domain: Option<&str>, name: Option<&str>) -> Option<String> {
    let name = name.map(str::trim).filter(|n| !n.is_empty())?;
    Some(match domain.map(str::trim).filter(|d| !d.is_empty()) {
        Some(domain) => format!("{domain}\\{name}"),
        None => name.to_string(),
    })
}

#[cfg(windows)]
mod run {
    use std::path::{Path, PathBuf};
    use std::process::Command;

    use anyhow::{bail, Context};

    /// `%SystemRoot%\System32\<exe>`, so that no other program of that name on `PATH`
    /// or in the current folder is run; plain `<exe>` when `SystemRoot` is not set.
    fn system32(exe: &str) -> PathBuf {
        match std::env::var_os("SystemRoot") {
            Some(root) => Path::new(&root).join("System32").join(exe),
            None => PathBuf::from(exe),
        }
    }

    /// The current user as icacls takes it.
    fn current_user() -> anyhow::Result<String> {
        let whoami = Command::new(system32("whoami.exe"))
            .args(["/user", "/fo", "csv", "/nh"])
            .output();
        if let Ok(out) = &whoami {
            if out.status.success() {
                if let Some(sid) = super::sid_from_whoami(&String::from_utf8_lossy(&out.stdout)) {
                    return Ok(sid);
                }
            }
        }
        let var = |name: &str| std::env::var(name).ok();
        super::user_from_env(var("USERDOMAIN").as_deref(), var("USERNAME").as_deref()).context(
            "cannot tell who the current user is (whoami gave no SID, USERNAME is not set)",
        )
    }

    /// Restricts `file` to the current user, Administrators and SYSTEM.
    pub fn restrict(file: &Path) -> anyhow::Result<()> {
        let user = current_user()?;
        let icacls = system32("icacls.exe");
        let out = Command::new(&icacls)
            .args(super::icacls_args(file, &user))
            .output()
            .with_context(|| format!("cannot run {}", icacls.display()))?;
        if !out.status.success() {
            bail!(
                "icacls could not restrict its permissions ({}): {} {}",
                out.status,
                String::from_utf8_lossy(&out.stdout).trim(),
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        Ok(())
    }
}

#[cfg(windows)]
pub use run::restrict;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn icacls_grants_exactly_three_accounts_by_sid() {
        let args = icacls_args(r"C:\lync-quickcall\export.key", "*S-1-5-21-1-2-3-1104");
        let args: Vec<String> = args.into_iter().map(|a| a.into_string().unwrap()).collect();
        assert_eq!(
            args,
            [
                r"C:\lync-quickcall\export.key",
                "/inheritance:r",
                "/grant:r",
                "*S-1-5-21-1-2-3-1104:F",
                "*S-1-5-32-544:F",
                "*S-1-5-18:F"
            ]
        );
        // Run as SYSTEM: SYSTEM once.
        assert_eq!(icacls_args("k", SYSTEM).len(), 5);
    }

    #[test]
    fn whoami_csv_gives_the_sid() {
        assert_eq!(
            sid_from_whoami(
                "\"contoso\\jdoe\",\"S-1-5-21-3623811015-3361044348-30300820-1013\"\r\n"
            )
            .as_deref(),
            Some("*S-1-5-21-3623811015-3361044348-30300820-1013")
        );
        assert_eq!(
            sid_from_whoami("\r\n\"nt authority\\system\",\"S-1-5-18\"\r\n").as_deref(),
            Some("*S-1-5-18")
        );
        // Wine's whoami prints the name alone; anything else is no SID either.
        for bad in [
            "",
            "VM\\root\n",
            "\"x\",\"S-1-\"",
            "\"x\",\"S-1-5-x\"",
            "\"x\",\"S-1-5--1\"",
            "\"x\",\"S-1-5-18 & calc\"",
        ] {
            assert_eq!(sid_from_whoami(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_environment_names_the_user() {
        assert_eq!(
            user_from_env(Some("CONTOSO"), Some("jdoe")).as_deref(),
            Some("CONTOSO\\jdoe")
        );
        assert_eq!(user_from_env(None, Some("jdoe")).as_deref(), Some("jdoe"));
        assert_eq!(
            user_from_env(Some(" "), Some("jdoe")).as_deref(),
            Some("jdoe")
        );
        assert_eq!(user_from_env(Some("CONTOSO"), Some("")), None);
        assert_eq!(user_from_env(Some("CONTOSO"), None), None);
    }
}

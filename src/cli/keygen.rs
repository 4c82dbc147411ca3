//! `lync-quickcall keygen`: the Ed25519 key pair that signs directory exports, and the
//! secret key file format `lync-quickcall-secret-key/1 <32 bytes, base64>`.

mod acl;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{bail, Context};
use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use ed25519_dalek::SigningKey;
use lync_quickcall::PublicKey;

/// The first word of a secret key file.
const MAGIC: &str = "lync-quickcall-secret-key/1";

/// Options of `keygen`.
#[derive(clap::Args)]
pub struct Args {
    /// The secret key file to create (it must not exist yet).
    #[arg(long)]
    pub out: PathBuf,
}

/// The text of a secret key file.
fn encode(key: &SigningKey) -> String {
    format!("{MAGIC} {}\n", STANDARD.encode(key.to_bytes()))
}

/// Reads the text of a secret key file.
fn decode(text: &str) -> Result<SigningKey, &'static str> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text).trim();
    let b64 = text
        .strip_prefix(MAGIC)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or("it is not a lync-quickcall secret key file (made by `lync-quickcall keygen`)")?;
    let bytes: [u8; 32] = STANDARD
        .decode(b64.trim())
        .ok()
        .and_then(|b| b.try_into().ok())
        .ok_or("the key in it is damaged (not 32 bytes of base64)")?;
    Ok(SigningKey::from_bytes(&bytes))
}

/// Reads a secret key file, warning when others can read it.
pub fn read_secret_key(path: &Path) -> anyhow::Result<SigningKey> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the secret key {}", path.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        if let Ok(meta) = std::fs::metadata(path) {
            if meta.permissions().mode() & 0o077 != 0 {
                eprintln!(
                    "warning: {} can be read by other users; restrict it with chmod 600",
                    path.display()
                );
            }
        }
    }
    decode(&text).map_err(|problem| anyhow::anyhow!("{}: {problem}", path.display()))
}

/// The `directory` object of config.json for this public key.
pub fn config_snippet(public: &PublicKey) -> String {
    format!(
        "\"directory\": {{\n  \"source\": \"export\",\n  \"path\": \"directory/\",\n  \"public_keys\": [\"{public}\"]\n}}"
    )
}

/// Creates the secret key file `out` (never overwriting one), readable only by the
/// current user (on Windows also Administrators and SYSTEM); returns its public key.
pub fn create(out: &Path) -> anyhow::Result<PublicKey> {
    let key = SigningKey::generate(&mut rand_core::OsRng);
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    // Nobody else can open the file while it is open here, before its permissions are
    // restricted (opening it to change them does not count).
    #[cfg(windows)]
    {
        use std::os::windows::fs::OpenOptionsExt as _;
        options.share_mode(0);
    }
    let file = match options.open(out) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => bail!(
            "{} already exists; keygen never overwrites a key (exports signed with it would \
             stop verifying): choose another file name. To print its public key: \
             lync-quickcall public-key {}",
            out.display(),
            out.display()
        ),
        Err(e) => return Err(e).with_context(|| format!("cannot create {}", out.display())),
    };
    #[cfg(windows)]
    let file = restrict_on_windows(file, out)?;
    let mut file = file;
    file.write_all(encode(&key).as_bytes())
        .and_then(|()| file.sync_all())
        .with_context(|| format!("cannot write {}", out.display()))?;
    Ok(PublicKey::of(&key))
}

/// What to do with a new key: keep it private, let the export account read it.
pub fn keep_it_private(out: &Path) {
    println!(
        "Keep it on the machine that runs the export, readable only by the account that runs \
         it; never put it on the web server."
    );
    if cfg!(windows) {
        println!(
            "Only you, Administrators and SYSTEM can read it; if another account runs the \
             export, let it read the file: icacls \"{}\" /grant \"DOMAIN\\account:R\"",
            out.display()
        );
    }
}

/// Prints the public key and the `directory` lines of config.json.
fn print_public(public: &PublicKey) {
    println!("Public key: {public}");
    println!();
    println!("In config.json (beside the page):");
    println!("{}", config_snippet(public));
}

pub fn run(args: &Args) -> anyhow::Result<()> {
    let public = create(&args.out)?;
    println!("Secret key written to {}.", args.out.display());
    keep_it_private(&args.out);
    println!();
    print_public(&public);
    println!();
    println!(
        "To rotate keys, add the new public key to public_keys, deploy config.json, switch \
         the export to the new secret key, then remove the old public key."
    );
    Ok(())
}

/// Options of `public-key`.
#[derive(clap::Args)]
pub struct PublicArgs {
    /// The secret key file (made by `keygen` or `init`).
    pub key: PathBuf,
}

/// `public-key`: the public key of an existing secret key file.
pub fn run_public(args: &PublicArgs) -> anyhow::Result<()> {
    let key = read_secret_key(&args.key)?;
    print_public(&PublicKey::of(&key));
    Ok(())
}

/// Restricts the new, still empty key file to the current user, Administrators and
/// SYSTEM (see [`acl`]); returns it open for writing. When that fails, the file is
/// removed: keygen never leaves a key readable by others.
#[cfg(windows)]
fn restrict_on_windows(file: std::fs::File, path: &Path) -> anyhow::Result<std::fs::File> {
    let first = match acl::restrict(path) {
        Ok(()) => return Ok(file),
        Err(e) => e,
    };
    // Should icacls be refused while the file is open without sharing, try again with
    // it closed: it is still empty.
    drop(file);
    let again = acl::restrict(path).and_then(|()| {
        std::fs::OpenOptions::new()
            .write(true)
            .open(path)
            .with_context(|| format!("cannot open {}", path.display()))
    });
    again.map_err(|e| {
        let _ = std::fs::remove_file(path);
        e.context(format!(
            "cannot restrict {} to you, Administrators and SYSTEM (first attempt: {first:#}); \
             it was removed",
            path.display()
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_key_files_round_trip() {
        let key = SigningKey::from_bytes(&[7; 32]);
        let text = encode(&key);
        assert!(text.starts_with("lync-quickcall-secret-key/1 "));
        assert!(text.ends_with('\n'));
        assert_eq!(decode(&text).unwrap().to_bytes(), key.to_bytes());
        // Notepad's BOM and CRLF are fine.
        let windows = format!("\u{feff}{}\r\n", text.trim_end());
        assert_eq!(decode(&windows).unwrap().to_bytes(), key.to_bytes());
        assert!(decode("hello").is_err());
        assert!(decode("lync-quickcall-secret-key/1 AAAA").is_err());
        assert!(decode(&format!("{MAGIC}x {}", STANDARD.encode([7u8; 32]))).is_err());
    }

    #[test]
    fn keygen_refuses_to_overwrite() {
        let dir = std::env::temp_dir().join(format!("lqc-keygen-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let out = dir.join("export.key");
        let _ = std::fs::remove_file(&out);
        run(&Args { out: out.clone() }).unwrap();
        let first = std::fs::read_to_string(&out).unwrap();
        let key = read_secret_key(&out).unwrap();
        assert_eq!(encode(&key), first);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = std::fs::metadata(&out).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let e = run(&Args { out: out.clone() }).unwrap_err();
        assert!(e.to_string().contains("already exists"), "{e}");
        assert!(e.to_string().contains("lync-quickcall public-key"), "{e}");
        // Its public key, printed again.
        run_public(&PublicArgs { key: out.clone() }).unwrap();
        assert!(run_public(&PublicArgs {
            key: dir.join("none.key")
        })
        .is_err());
        assert_eq!(std::fs::read_to_string(&out).unwrap(), first);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn the_snippet_is_valid_config() {
        let public = PublicKey::of(&SigningKey::from_bytes(&[7; 32]));
        let json = format!(
            "{{\"itsm_url\":\"https://x.example\",\"profiles\":{{\"p\":{{\"method\":\"sso\"}}}},{}}}",
            config_snippet(&public)
        );
        let config = lync_quickcall::Config::from_json(&json).unwrap();
        match config.directory {
            lync_quickcall::DirectorySource::Export { path, keys } => {
                assert_eq!(path, "directory/");
                assert_eq!(keys.keys(), &[public]);
            }
            other => panic!("{other:?}"),
        }
    }
}

//! The Lync / Skype for Business menu command as registry keys: the pure core of
//! `lync-quickcall reg` (native only, no I/O).
//!
//! Lync and Skype for Business add a command to their menus for every key
//! `HKEY_LOCAL_MACHINE\SOFTWARE\<client>\SessionManager\Apps\{GUID}` (Microsoft's Lync SDK,
//! "Adding custom commands to Lync menus"). Here:
//!
//! 1. [`MenuCommand::new`] checks the options (page address, profile, label, menus) and
//!    gives the key's values: `Name`, `Path`, `ApplicationType` 1 (a URL, opened in the
//!    default browser), `SessionType` 0 (1 would notify the other party) and
//!    `ExtensibleMenu`;
//! 2. [`Plan::new`] lists the keys for the chosen [`Client`]s, each in the 64-bit view and
//!    under `Wow6432Node` (where a 32-bit client on 64-bit Windows reads);
//! 3. [`Plan::render`] writes them, byte for byte as Windows expects them, as a `.reg` file
//!    for `regedit` / `reg import` (UTF-16LE with BOM, CRLF) or as a Windows PowerShell 5.1
//!    script (UTF-8 with BOM, CRLF).
//!
//! The `Path` is the page's `index.html` with `?userId=%user-id%;contactId=%contact-id%`
//! (after `profile=NAME&` when a profile is given): Lync substitutes the tokens raw, and
//! the value of `%contact-id%` holds `=`, `;` and `,`, so `contactId` comes last and
//! [`crate::query::PageQuery::parse`] reads it whole.
//!
//! The key's GUID is a name-based UUID (version 5, RFC 9562) of the page's address and the
//! profile in the fixed namespace [`GUID_NAMESPACE`] (see [`MenuCommand::guid`]): running
//! the command again rewrites the same key, several profiles give several keys side by
//! side, and an uninstall removes exactly the keys the install wrote.

use std::fmt;

use url::Url;
use uuid::Uuid;

use crate::config::valid_profile_name;
use crate::contact::printable;

/// The namespace of the menu commands' name-based GUIDs,
/// `01A170AA-E54B-4D85-AECA-99D8E18F2286` (a random UUID drawn once for this project;
/// never change it: every deployed key's GUID derives from it).
pub const GUID_NAMESPACE: Uuid = Uuid::from_u128(0x01a1_70aa_e54b_4d85_aeca_99d8_e18f_2286);

/// The menu label when `--name` is not given (followed by ` (PROFILE)` for a profile).
pub const DEFAULT_NAME: &str = "EasyVista Quick Call";

/// Where the command appears when `--menus` is not given: the right-click menus of the
/// contact list and of conversations, and the contact card.
pub const DEFAULT_MENUS: [Menu; 3] = [
    Menu::MainWindowRightClick,
    Menu::ConversationWindowRightClick,
    Menu::ContactCardMenu,
];

/// The query Lync fills in: the signed-in user, then the selected contacts (last: their
/// value contains `=`, `;` and `,`).
const LYNC_TOKENS: &str = "userId=%user-id%;contactId=%contact-id%";

/// The first line of every `.reg` file `regedit` reads as Unicode.
const REG_HEADER: &str = "Windows Registry Editor Version 5.00";

/// A Lync / Skype for Business client generation, by where it reads its menu commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Client {
    /// Lync 2010 (and Communicator 2007 R2): `SOFTWARE\Microsoft\Communicator`.
    Lync2010,
    /// Lync 2013 and Skype for Business 2015 (Office 15):
    /// `SOFTWARE\Microsoft\Office\15.0\Lync`.
    Lync2013,
    /// Skype for Business 2016 and 2019 (Office 16): `SOFTWARE\Microsoft\Office\16.0\Lync`.
    Sfb2016,
}

impl Client {
    /// Every client, in the order the keys are written.
    pub const ALL: [Client; 3] = [Client::Lync2010, Client::Lync2013, Client::Sfb2016];

    /// The name `--client` takes: `lync2010`, `lync2013` or `sfb2016`.
    pub fn id(self) -> &'static str {
        match self {
            Client::Lync2010 => "lync2010",
            Client::Lync2013 => "lync2013",
            Client::Sfb2016 => "sfb2016",
        }
    }

    /// The products that read this key, as an administrator knows them.
    pub fn product(self) -> &'static str {
        match self {
            Client::Lync2010 => "Lync 2010",
            Client::Lync2013 => "Lync 2013 / Skype for Business 2015",
            Client::Sfb2016 => "Skype for Business 2016 / 2019",
        }
    }

    /// The client's key under `HKEY_LOCAL_MACHINE\SOFTWARE` (or `...\Wow6432Node`).
    pub fn software_key(self) -> &'static str {
        match self {
            Client::Lync2010 => r"Microsoft\Communicator",
            Client::Lync2013 => r"Microsoft\Office\15.0\Lync",
            Client::Sfb2016 => r"Microsoft\Office\16.0\Lync",
        }
    }
}

/// A place in the Lync user interface where a custom command can appear (the values of
/// `ExtensibleMenu` the Lync SDK documents).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Menu {
    /// The main window's Actions (tools) menu.
    MainWindowActions,
    /// The right-click menu of a contact in the main window (contact list, search).
    MainWindowRightClick,
    /// The conversation window's actions menu.
    ConversationWindowActions,
    /// The right-click menu of a participant in a conversation window.
    ConversationWindowRightClick,
    /// The contact card's menu.
    ContactCardMenu,
}

impl Menu {
    /// Every menu, in the Lync SDK's order.
    pub const ALL: [Menu; 5] = [
        Menu::MainWindowActions,
        Menu::MainWindowRightClick,
        Menu::ConversationWindowActions,
        Menu::ConversationWindowRightClick,
        Menu::ContactCardMenu,
    ];

    /// The name Lync reads in `ExtensibleMenu`.
    pub fn name(self) -> &'static str {
        match self {
            Menu::MainWindowActions => "MainWindowActions",
            Menu::MainWindowRightClick => "MainWindowRightClick",
            Menu::ConversationWindowActions => "ConversationWindowActions",
            Menu::ConversationWindowRightClick => "ConversationWindowRightClick",
            Menu::ContactCardMenu => "ContactCardMenu",
        }
    }

    /// Reads `--menus`: menu names separated by `,` or `;` (spaces around them and case
    /// ignored; a name given twice counts once), in the order given.
    pub fn parse_list(value: &str) -> Result<Vec<Menu>, RegError> {
        let mut menus = Vec::new();
        for item in value.split([',', ';']).map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let menu = Menu::ALL
                .into_iter()
                .find(|m| m.name().eq_ignore_ascii_case(item))
                .ok_or_else(|| RegError::UnknownMenu {
                    value: printable(value),
                    item: printable(item),
                })?;
            if !menus.contains(&menu) {
                menus.push(menu);
            }
        }
        if menus.is_empty() {
            return Err(RegError::NoMenu {
                value: printable(value),
            });
        }
        Ok(menus)
    }
}

/// The names of every menu, for messages: `A, B, ... or E`.
fn menu_names() -> String {
    let names: Vec<&str> = Menu::ALL.iter().map(|m| m.name()).collect();
    format!(
        "{} or {}",
        names[..names.len() - 1].join(", "),
        names[names.len() - 1]
    )
}

/// Why the options do not make a menu command; each message names the option and the
/// value given.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RegError {
    /// `--page-url` is not the address of the page's folder or of its `index.html`.
    PageUrl {
        /// The value given (control characters escaped).
        value: String,
        /// What is wrong, and what to give instead.
        problem: String,
    },
    /// `--profile` is not a profile name.
    Profile {
        /// The value given.
        value: String,
    },
    /// `--name` cannot be a menu label.
    Name {
        /// The value given.
        value: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// `--menus` names something that is not a Lync menu.
    UnknownMenu {
        /// The whole value given.
        value: String,
        /// The unknown name.
        item: String,
    },
    /// `--menus` names no menu at all.
    NoMenu {
        /// The value given.
        value: String,
    },
}

impl fmt::Display for RegError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RegError::PageUrl { value, problem } => write!(f, "--page-url '{value}': {problem}"),
            RegError::Profile { value } => write!(
                f,
                "--profile '{value}': not a profile name; a profile name is 1 to 64 letters, digits, '-', '_' or '.', as under \"profiles\" in config.json"
            ),
            RegError::Name { value, problem } => write!(f, "--name '{value}': {problem}"),
            RegError::UnknownMenu { value, item } => write!(
                f,
                "--menus '{value}': '{item}' is not a Lync menu; use {}, separated by commas",
                menu_names()
            ),
            RegError::NoMenu { value } => write!(
                f,
                "--menus '{value}': names no menu; use {}, separated by commas",
                menu_names()
            ),
        }
    }
}

impl std::error::Error for RegError {}

/// Checks `--page-url` and returns the address of `index.html` (normalised: scheme and
/// server in lower case, default port dropped, `index.html` added to a folder).
fn page_url(value: &str) -> Result<String, RegError> {
    let bad = |problem: String| RegError::PageUrl {
        value: printable(value),
        problem,
    };
    const EXAMPLE: &str = "https://intranet/quickcall/";
    if value.is_empty() {
        return Err(bad(format!(
            "give the address of the folder that holds the page, e.g. {EXAMPLE}"
        )));
    }
    if value.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad(
            "contains a space, a tab or a line break; give the address alone, percent-encoding any space as %20"
                .into(),
        ));
    }
    let scheme_ok = ["https://", "http://"].iter().any(|s| {
        value
            .get(..s.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(s))
    });
    if !scheme_ok {
        return Err(bad(format!(
            "must start with https:// (or http://), e.g. {EXAMPLE}"
        )));
    }
    // The URL standard reads `https:///x/` as the server `x`: refuse what looks like a
    // missing server rather than guess.
    let after_scheme = value.split_once("//").map_or(value, |(_, rest)| rest);
    if after_scheme.starts_with(['/', '\\']) {
        return Err(bad(format!("has no server name, e.g. {EXAMPLE}")));
    }
    let url = Url::parse(value)
        .map_err(|e| bad(format!("is not a valid web address ({e}), e.g. {EXAMPLE}")))?;
    if url.host_str().is_none_or(str::is_empty) {
        return Err(bad(format!("has no server name, e.g. {EXAMPLE}")));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(bad(
            "must not contain a user name or password: every user of the computer would see it in the registry"
                .into(),
        ));
    }
    if url.query().is_some() {
        return Err(bad(
            "must not contain a query (from '?'): the command adds its own (profile, userId, contactId); give the page's folder or index.html only"
                .into(),
        ));
    }
    if url.fragment().is_some() {
        return Err(bad(
            "must not contain a fragment (from '#'); give the page's folder or index.html only"
                .into(),
        ));
    }
    let lower = url.as_str().to_ascii_lowercase();
    if lower.contains("%user-id%") || lower.contains("%contact-id%") {
        return Err(bad(
            "contains %user-id% or %contact-id%, which Lync would replace: give the page's folder or index.html only"
                .into(),
        ));
    }
    let path = url.path();
    let page = if path.ends_with('/') {
        format!("{url}index.html")
    } else if path.ends_with("/index.html") {
        url.to_string()
    } else {
        let folder = format!("{url}/");
        return Err(bad(format!(
            "must be the folder that holds the page, ending with '/' (e.g. {folder}), or the address of its index.html"
        )));
    };
    Ok(page)
}

/// Checks `--name`.
fn menu_label(value: &str) -> Result<String, RegError> {
    let bad = |problem| RegError::Name {
        value: printable(value),
        problem,
    };
    if value.trim().is_empty() {
        return Err(bad("the menu label must not be empty"));
    }
    if value.chars().any(char::is_control) {
        return Err(bad(
            "the menu label must not contain line breaks, tabs or other control characters",
        ));
    }
    Ok(value.to_string())
}

/// The data of a registry value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Data {
    /// `REG_SZ`.
    String(String),
    /// `REG_DWORD`.
    Dword(u32),
}

/// A named registry value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Value {
    /// The value's name.
    pub name: &'static str,
    /// Its type and data.
    pub data: Data,
}

/// The menu command: what every one of its keys holds (checked options).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MenuCommand {
    page_url: String,
    profile: Option<String>,
    name: String,
    menus: Vec<Menu>,
}

impl MenuCommand {
    /// Checks the options of `lync-quickcall reg`:
    ///
    /// - `page_url`: the absolute `https://` (or `http://`) address of the page's folder
    ///   (ending with `/`) or of its `index.html`, without query, fragment or credentials;
    /// - `profile`: the config.json profile the command opens, if not the default one;
    /// - `name`: the menu label; `None` gives [`DEFAULT_NAME`], followed by ` (PROFILE)`
    ///   when a profile is given;
    /// - `menus`: where the command appears; empty gives [`DEFAULT_MENUS`].
    pub fn new(
        page_url: &str,
        profile: Option<&str>,
        name: Option<&str>,
        menus: &[Menu],
    ) -> Result<MenuCommand, RegError> {
        let page_url = self::page_url(page_url)?;
        if let Some(p) = profile {
            if !valid_profile_name(p) {
                return Err(RegError::Profile {
                    value: printable(p),
                });
            }
        }
        let name = match (name, profile) {
            (Some(n), _) => menu_label(n)?,
            (None, Some(p)) => format!("{DEFAULT_NAME} ({p})"),
            (None, None) => DEFAULT_NAME.to_string(),
        };
        let menus = if menus.is_empty() {
            DEFAULT_MENUS.to_vec()
        } else {
            menus.to_vec()
        };
        Ok(MenuCommand {
            page_url,
            profile: profile.map(str::to_string),
            name,
            menus,
        })
    }

    /// The page's address, normalised to its `index.html`.
    pub fn page_url(&self) -> &str {
        &self.page_url
    }

    /// The profile, when one was given.
    pub fn profile(&self) -> Option<&str> {
        self.profile.as_deref()
    }

    /// The menu label (`Name`).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Where the command appears.
    pub fn menus(&self) -> &[Menu] {
        &self.menus
    }

    /// The key's GUID as Windows writes it, `{XXXXXXXX-XXXX-5XXX-XXXX-XXXXXXXXXXXX}`: the
    /// version 5 UUID of `"<page url>\n<profile, or nothing>"` (UTF-8, the page's address
    /// as [`MenuCommand::page_url`] gives it) in the namespace [`GUID_NAMESPACE`]. The same
    /// page and profile always give the same GUID, whatever the label, menus or clients;
    /// giving the folder or its `index.html` makes no difference.
    pub fn guid(&self) -> String {
        let name = format!("{}\n{}", self.page_url, self.profile().unwrap_or(""));
        let uuid = Uuid::new_v5(&GUID_NAMESPACE, name.as_bytes());
        format!("{{{}}}", uuid.hyphenated()).to_ascii_uppercase()
    }

    /// The `Path` value: the page with `?[profile=NAME&]userId=%user-id%;contactId=%contact-id%`.
    pub fn path(&self) -> String {
        match self.profile() {
            Some(p) => format!("{}?profile={p}&{LYNC_TOKENS}", self.page_url),
            None => format!("{}?{LYNC_TOKENS}", self.page_url),
        }
    }

    /// The `ExtensibleMenu` value: the menus' names separated by `;`.
    pub fn extensible_menu(&self) -> String {
        let names: Vec<&str> = self.menus.iter().map(|m| m.name()).collect();
        names.join(";")
    }

    /// The key's values, in the order they are written.
    pub fn values(&self) -> Vec<Value> {
        vec![
            Value {
                name: "Name",
                data: Data::String(self.name.clone()),
            },
            Value {
                name: "Path",
                data: Data::String(self.path()),
            },
            // 1: the Path is a URL (a protocol), opened in the default browser.
            Value {
                name: "ApplicationType",
                data: Data::Dword(1),
            },
            // 0: a local session; 1 (Lync's default) would notify the other party.
            Value {
                name: "SessionType",
                data: Data::Dword(0),
            },
            Value {
                name: "ExtensibleMenu",
                data: Data::String(self.extensible_menu()),
            },
        ]
    }
}

/// Add the command, or remove it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Action {
    /// Write the keys and their values.
    Install,
    /// Delete the keys (`--uninstall`).
    Uninstall,
}

/// One registry key of the command.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Key {
    /// The client that reads it.
    pub client: Client,
    /// Under `SOFTWARE\Wow6432Node`, where a 32-bit client on 64-bit Windows reads.
    pub wow6432: bool,
    /// The key under `HKEY_LOCAL_MACHINE`, e.g.
    /// `SOFTWARE\Microsoft\Office\16.0\Lync\SessionManager\Apps\{...}`.
    pub subkey: String,
}

impl Key {
    /// The key's full name, `HKEY_LOCAL_MACHINE\SOFTWARE\...`.
    pub fn full_name(&self) -> String {
        format!(r"HKEY_LOCAL_MACHINE\{}", self.subkey)
    }

    /// The key as a PowerShell path, `HKLM:\SOFTWARE\...`.
    pub fn powershell_path(&self) -> String {
        format!(r"HKLM:\{}", self.subkey)
    }

    /// Which registry view, in words: `64-bit view` or `32-bit view (Wow6432Node)`.
    fn view(&self) -> &'static str {
        if self.wow6432 {
            "32-bit view (Wow6432Node)"
        } else {
            "64-bit view"
        }
    }
}

/// The output formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A `.reg` file for `regedit` and `reg import`: UTF-16LE with BOM, CRLF.
    Reg,
    /// A Windows PowerShell 5.1 script: UTF-8 with BOM (5.1 reads a file without one in
    /// the ANSI code page), CRLF.
    Ps1,
}

impl Format {
    /// The usual file extension, without the dot.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Reg => "reg",
            Format::Ps1 => "ps1",
        }
    }

    /// The bytes of a file of this format holding `text`.
    pub fn encode(self, text: &str) -> Vec<u8> {
        match self {
            Format::Reg => {
                let mut bytes = Vec::with_capacity(2 + 2 * text.len());
                bytes.extend_from_slice(&[0xFF, 0xFE]);
                for unit in text.encode_utf16() {
                    bytes.extend_from_slice(&unit.to_le_bytes());
                }
                bytes
            }
            Format::Ps1 => {
                let mut bytes = Vec::with_capacity(3 + text.len());
                bytes.extend_from_slice(&[0xEF, 0xBB, 0xBF]);
                bytes.extend_from_slice(text.as_bytes());
                bytes
            }
        }
    }
}

/// What to write: the command, install or uninstall, and its keys.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// The command.
    pub command: MenuCommand,
    /// Install or uninstall.
    pub action: Action,
    /// The clients, each once, in the order of [`Client::ALL`].
    pub clients: Vec<Client>,
    /// The keys: for each client, the 64-bit view, then `Wow6432Node`.
    pub keys: Vec<Key>,
}

impl Plan {
    /// The keys of `command` for `clients` (repeats ignored; none means all).
    pub fn new(command: MenuCommand, clients: &[Client], action: Action) -> Plan {
        let clients: Vec<Client> = Client::ALL
            .into_iter()
            .filter(|c| clients.is_empty() || clients.contains(c))
            .collect();
        let guid = command.guid();
        let keys = clients
            .iter()
            .flat_map(|&client| {
                [false, true].map(|wow6432| Key {
                    client,
                    wow6432,
                    subkey: format!(
                        r"SOFTWARE\{}{}\SessionManager\Apps\{guid}",
                        if wow6432 { r"Wow6432Node\" } else { "" },
                        client.software_key()
                    ),
                })
            })
            .collect();
        Plan {
            command,
            action,
            clients,
            keys,
        }
    }

    /// The values every key gets: the command's on install, none on uninstall.
    pub fn values(&self) -> Vec<Value> {
        match self.action {
            Action::Install => self.command.values(),
            Action::Uninstall => Vec::new(),
        }
    }

    /// The file: [`Plan::reg_text`] or [`Plan::ps1_text`], encoded as
    /// [`Format::encode`] says.
    pub fn render(&self, format: Format) -> Vec<u8> {
        let text = match format {
            Format::Reg => self.reg_text(),
            Format::Ps1 => self.ps1_text(),
        };
        format.encode(&text)
    }

    /// The clients' products, for the header: `A, B and C`.
    fn products(&self) -> String {
        let names: Vec<&str> = self.clients.iter().map(|c| c.product()).collect();
        match names.split_last() {
            Some((last, [])) => (*last).to_string(),
            Some((last, rest)) => format!("{} and {last}", rest.join(", ")),
            None => String::new(),
        }
    }

    /// The `lync-quickcall reg` options that name this command's key.
    fn key_options(&self) -> String {
        match self.command.profile() {
            Some(p) => format!("--page-url {} --profile {p}", self.command.page_url),
            None => format!("--page-url {}", self.command.page_url),
        }
    }

    /// The header comment, without comment markers: what the file does, and that it needs
    /// administrator rights.
    fn header(&self, format: Format) -> Vec<String> {
        let command = &self.command;
        let profile = match command.profile() {
            Some(p) => format!("with the profile '{p}'"),
            None => "with config.json's default profile".to_string(),
        };
        let mut lines = Vec::new();
        match self.action {
            Action::Install => {
                lines.push(format!(
                    "Written by lync-quickcall reg. Adds the command \"{}\" to the menus of {}, for every user of this computer.",
                    command.name,
                    self.products()
                ));
                lines.push(format!(
                    "It opens {} {profile}, in the default browser. Menus: {}.",
                    command.page_url,
                    command.extensible_menu()
                ));
            }
            Action::Uninstall => {
                lines.push(format!(
                    "Written by lync-quickcall reg --uninstall. Removes the command that opens {} {profile} from the menus of {}, for every user of this computer.",
                    command.page_url,
                    self.products()
                ));
            }
        }
        lines.push(format!(
            r"Key: ...\SessionManager\Apps\{} under HKEY_LOCAL_MACHINE\SOFTWARE, in the 64-bit view and in Wow6432Node (32-bit clients).",
            command.guid()
        ));
        lines.push(match format {
            Format::Reg => "Needs administrator rights (HKEY_LOCAL_MACHINE): import it with \"reg import FILE\" from an elevated command prompt, or deploy it by Group Policy (a computer startup script); a 32-bit program must call C:\\Windows\\Sysnative\\reg.exe.".to_string(),
            Format::Ps1 => "Needs administrator rights (HKEY_LOCAL_MACHINE): run it in an elevated 64-bit Windows PowerShell, or deploy it by Group Policy (a computer startup script).".to_string(),
        });
        match self.action {
            Action::Install => {
                lines.push(
                    "Then restart Lync / Skype for Business. Running it again rewrites the same keys."
                        .to_string(),
                );
                lines.push(format!(
                    "To remove the command: lync-quickcall reg {} --uninstall",
                    self.key_options()
                ));
            }
            Action::Uninstall => lines.push(
                "Then restart Lync / Skype for Business. Keys already gone are skipped."
                    .to_string(),
            ),
        }
        lines
    }

    /// The `.reg` file's text, CRLF line ends: the header line, a comment, then every key
    /// (`[HKEY_LOCAL_MACHINE\...]` and its values, or `[-HKEY_LOCAL_MACHINE\...]`), each
    /// followed by a blank line.
    pub fn reg_text(&self) -> String {
        let mut lines = vec![REG_HEADER.to_string(), String::new()];
        lines.extend(self.header(Format::Reg).iter().map(|l| format!("; {l}")));
        lines.push(String::new());
        let values = self.values();
        for key in &self.keys {
            match self.action {
                Action::Install => lines.push(format!("[{}]", key.full_name())),
                Action::Uninstall => lines.push(format!("[-{}]", key.full_name())),
            }
            for value in &values {
                let data = match &value.data {
                    Data::String(s) => format!("\"{}\"", reg_escape(s)),
                    Data::Dword(d) => format!("dword:{d:08x}"),
                };
                lines.push(format!("\"{}\"={data}", reg_escape(value.name)));
            }
            lines.push(String::new());
        }
        crlf(&lines)
    }

    /// The PowerShell script's text, CRLF line ends.
    pub fn ps1_text(&self) -> String {
        let mut lines: Vec<String> = self
            .header(Format::Ps1)
            .iter()
            .map(|l| format!("# {l}"))
            .collect();
        lines.extend(
            [
                "#Requires -RunAsAdministrator",
                "",
                "$ErrorActionPreference = 'Stop'",
                "if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {",
                "    throw 'Run this script in the 64-bit Windows PowerShell: the 32-bit one cannot write the 64-bit registry view.'",
                "}",
            ]
            .map(str::to_string),
        );
        let values = self.values();
        for key in &self.keys {
            lines.push(String::new());
            lines.push(format!("# {}, {}", key.client.product(), key.view()));
            lines.push(format!("$key = {}", ps_quote(&key.powershell_path())));
            match self.action {
                Action::Install => {
                    lines.push("New-Item -Path $key -Force | Out-Null".to_string());
                    for value in &values {
                        let (kind, data) = match &value.data {
                            Data::String(s) => ("String", ps_quote(s)),
                            Data::Dword(d) => ("DWord", d.to_string()),
                        };
                        lines.push(format!(
                            "New-ItemProperty -LiteralPath $key -Name {} -PropertyType {kind} -Value {data} -Force | Out-Null",
                            ps_quote(value.name)
                        ));
                    }
                    lines.push("Write-Output ('Added ' + $key)".to_string());
                }
                Action::Uninstall => {
                    lines.push("if (Test-Path -LiteralPath $key) {".to_string());
                    lines.push("    Remove-Item -LiteralPath $key -Recurse".to_string());
                    lines.push("    Write-Output ('Removed ' + $key)".to_string());
                    lines.push("}".to_string());
                }
            }
        }
        crlf(&lines)
    }
}

/// The lines joined, each ended by CRLF.
fn crlf(lines: &[String]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push_str("\r\n");
    }
    text
}

/// A `.reg` string's content: `\` as `\\`, `"` as `\"`.
fn reg_escape(s: &str) -> String {
    s.replace('\\', r"\\").replace('"', "\\\"")
}

/// A PowerShell single-quoted string. PowerShell also takes the typographic quotes
/// U+2018 to U+201B for `'`, so each of them is doubled too.
fn ps_quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('\'');
    for c in s.chars() {
        if matches!(c, '\'' | '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}') {
            out.push(c);
        }
        out.push(c);
    }
    out.push('\'');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Contact, PageQuery};

    const PAGE: &str = "https://intranet/quickcall/";
    /// Computed independently: Python's `uuid.uuid5(UUID('01a170aa-e54b-4d85-aeca-99d8e18f2286'),
    /// 'https://intranet/quickcall/index.html\n' + profile)`.
    const GUID: &str = "{E3562088-6C7F-525E-AE32-C094B97452ED}";
    const GUID_SANDBOX: &str = "{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}";

    fn command(profile: Option<&str>) -> MenuCommand {
        MenuCommand::new(PAGE, profile, None, &[]).unwrap()
    }

    #[track_caller]
    fn page_error(value: &str) -> String {
        match MenuCommand::new(value, None, None, &[]) {
            Err(e @ RegError::PageUrl { .. }) => e.to_string(),
            other => panic!("{value:?}: {other:?}"),
        }
    }

    /// The text of a .reg or .ps1 file, line by line, with `\n` for CRLF.
    fn lines(text: &str) -> String {
        assert!(text.ends_with("\r\n"), "{text}");
        assert!(!text.replace("\r\n", "").contains(['\r', '\n']), "{text}");
        text.replace("\r\n", "\n")
    }

    #[test]
    fn the_guid_is_stable_and_independent_of_the_spelling_of_the_page() {
        assert_eq!(command(None).guid(), GUID);
        assert_eq!(command(Some("sandbox")).guid(), GUID_SANDBOX);
        for page in [
            "https://intranet/quickcall/index.html",
            "HTTPS://INTRANET/quickcall/",
            "https://intranet:443/quickcall/",
        ] {
            let c = MenuCommand::new(page, None, Some("Other label"), &[Menu::ContactCardMenu])
                .unwrap();
            assert_eq!(c.page_url(), "https://intranet/quickcall/index.html");
            assert_eq!(c.guid(), GUID, "{page}");
        }
        // Another page or profile, another key.
        let other = MenuCommand::new("https://intranet/quickcall2/", None, None, &[]).unwrap();
        assert_ne!(other.guid(), GUID);
        assert_eq!(
            command(Some("db50004")).guid(),
            "{F606A21F-E480-5517-AACD-551EB45FCDC1}"
        );
        // Version 5, RFC variant, upper case in braces.
        let g = command(None).guid();
        assert_eq!(&g[15..16], "5");
        assert!(matches!(&g[20..21], "8" | "9" | "A" | "B"));
        assert_eq!(g.len(), 38);
    }

    #[test]
    fn values_of_the_key() {
        let c = command(None);
        assert_eq!(
            c.values(),
            vec![
                Value {
                    name: "Name",
                    data: Data::String("EasyVista Quick Call".into())
                },
                Value {
                    name: "Path",
                    data: Data::String(
                        "https://intranet/quickcall/index.html?userId=%user-id%;contactId=%contact-id%"
                            .into()
                    )
                },
                Value {
                    name: "ApplicationType",
                    data: Data::Dword(1)
                },
                Value {
                    name: "SessionType",
                    data: Data::Dword(0)
                },
                Value {
                    name: "ExtensibleMenu",
                    data: Data::String(
                        "MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu".into()
                    )
                },
            ]
        );
        let c = command(Some("sandbox"));
        assert_eq!(c.name(), "EasyVista Quick Call (sandbox)");
        assert_eq!(
            c.path(),
            "https://intranet/quickcall/index.html?profile=sandbox&userId=%user-id%;contactId=%contact-id%"
        );
        // --name wins over the profile's default label.
        let c = MenuCommand::new(PAGE, Some("sandbox"), Some("Test ITSM"), &[]).unwrap();
        assert_eq!(c.name(), "Test ITSM");
    }

    /// The Path, once Lync has substituted its tokens, is read by the page as intended:
    /// both as Lync hands it over and as the browser's `location.search` shows it.
    #[test]
    fn the_path_parses_once_lync_substitutes_its_tokens() {
        let a = Contact::parse("sip:a@x.com").unwrap();
        let b = Contact::parse("sip:b@x.com").unwrap();
        let tel = Contact::parse("tel:+33123456789").unwrap();
        let tech = Contact::parse("sip:tech@contoso.com").unwrap();
        for profile in [None, Some("sandbox"), Some("db.50004-x_y")] {
            for (contact_id, expected) in [
                ("Contacts=<sip:a@x.com>,<sip:b@x.com>", vec![&a, &b]),
                ("Contacts=<sip:a@x.com>", vec![&a]),
                (
                    "Contacts=<sip:tech@contoso.com>,<tel:+33123456789;phone-context=x>,<sip:b@x.com>",
                    vec![&tel, &b],
                ),
                ("sip:a@x.com", vec![&a]),
            ] {
                let launched = command(profile)
                    .path()
                    .replace("%user-id%", "sip:tech@contoso.com")
                    .replace("%contact-id%", contact_id);
                let raw = launched.split_once('?').unwrap().1.to_string();
                let browser = Url::parse(&launched).unwrap().query().unwrap().to_string();
                assert_eq!(
                    browser.contains("%3C"),
                    contact_id.contains('<'),
                    "{browser}"
                );
                for query in [raw, browser] {
                    let q = PageQuery::parse(&query).unwrap_or_else(|e| panic!("{query}: {e}"));
                    assert_eq!(q.contacts.iter().collect::<Vec<_>>(), expected, "{query}");
                    assert_eq!(q.user.as_ref(), Some(&tech), "{query}");
                    assert_eq!(q.profile.as_deref(), profile, "{query}");
                    assert!(!q.dry_run);
                }
            }
        }
    }

    #[test]
    fn page_url_errors_name_the_option_and_the_value() {
        assert_eq!(
            page_error("https://intranet/quickcall"),
            "--page-url 'https://intranet/quickcall': must be the folder that holds the page, ending with '/' (e.g. https://intranet/quickcall/), or the address of its index.html"
        );
        assert_eq!(
            page_error("intranet/quickcall/"),
            "--page-url 'intranet/quickcall/': must start with https:// (or http://), e.g. https://intranet/quickcall/"
        );
        for (value, words) in [
            ("", "give the address"),
            ("ftp://intranet/quickcall/", "must start with https://"),
            ("https:intranet/quickcall/", "must start with https://"),
            ("https:///quickcall/", "has no server name"),
            ("https://\\intranet/quickcall/", "has no server name"),
            ("https://", "not a valid web address"),
            (
                "https://intranet/quickcall/?profile=x",
                "must not contain a query",
            ),
            ("https://intranet/quickcall/?", "must not contain a query"),
            (
                "https://intranet/quickcall/#top",
                "must not contain a fragment",
            ),
            (
                "https://intranet/quickcall/#",
                "must not contain a fragment",
            ),
            (
                "https://admin:secret@intranet/quickcall/",
                "user name or password",
            ),
            ("https://admin@intranet/quickcall/", "user name or password"),
            ("https://intranet/quick call/", "contains a space"),
            ("https://intranet/quickcall/\r\n", "contains a space"),
            (
                "https://intranet/quickcall/default.aspx",
                "must be the folder",
            ),
            ("https://intranet/quickcall/index.htm", "must be the folder"),
            ("https://intranet/%user-id%/", "which Lync would replace"),
            ("https://intranet:99999/", "not a valid web address"),
        ] {
            let e = page_error(value);
            assert!(e.starts_with("--page-url '"), "{e}");
            assert!(e.contains(words), "{value:?}: {e}");
        }
        // Control characters are shown escaped.
        assert!(page_error("https://intranet/\u{7}/").contains(r"\u{7}"));
        // http:// and ports are accepted.
        let c = MenuCommand::new(
            "http://Intranet.Contoso.com:8080/a/b/index.html",
            None,
            None,
            &[],
        )
        .unwrap();
        assert_eq!(
            c.page_url(),
            "http://intranet.contoso.com:8080/a/b/index.html"
        );
    }

    #[test]
    fn profile_name_and_menus_errors() {
        for bad in ["", "a b", "../x", "x&userId=evil", "é", &"x".repeat(65)] {
            let e = MenuCommand::new(PAGE, Some(bad), None, &[]).unwrap_err();
            assert_eq!(
                e,
                RegError::Profile {
                    value: printable(bad)
                }
            );
            assert!(e
                .to_string()
                .starts_with(&format!("--profile '{}'", printable(bad))));
        }
        for bad in ["", "  ", "a\nb", "tab\there"] {
            let e = MenuCommand::new(PAGE, None, Some(bad), &[]).unwrap_err();
            assert!(matches!(e, RegError::Name { .. }), "{bad:?}");
            assert!(e.to_string().starts_with("--name '"), "{e}");
        }
        assert_eq!(
            Menu::parse_list("contactcardmenu, MainWindowActions;ContactCardMenu,").unwrap(),
            vec![Menu::ContactCardMenu, Menu::MainWindowActions]
        );
        assert_eq!(
            Menu::parse_list("MainWindow,ContactCardMenu").unwrap_err().to_string(),
            "--menus 'MainWindow,ContactCardMenu': 'MainWindow' is not a Lync menu; use MainWindowActions, MainWindowRightClick, ConversationWindowActions, ConversationWindowRightClick or ContactCardMenu, separated by commas"
        );
        assert!(matches!(
            Menu::parse_list(" ;, "),
            Err(RegError::NoMenu { .. })
        ));
    }

    #[test]
    fn keys_per_client() {
        let plan = Plan::new(command(None), &[], Action::Install);
        let keys: Vec<String> = plan.keys.iter().map(Key::full_name).collect();
        assert_eq!(
            keys,
            [
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Communicator\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}",
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Communicator\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}",
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Office\15.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}",
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Office\15.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}",
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Office\16.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}",
                r"HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Office\16.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}",
            ]
        );
        // Repeats and order do not matter.
        let plan = Plan::new(
            command(None),
            &[Client::Sfb2016, Client::Lync2010, Client::Sfb2016],
            Action::Install,
        );
        assert_eq!(plan.clients, [Client::Lync2010, Client::Sfb2016]);
        assert_eq!(plan.keys.len(), 4);
        assert_eq!(
            plan.keys[3].powershell_path(),
            r"HKLM:\SOFTWARE\Wow6432Node\Microsoft\Office\16.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}"
        );
    }

    #[test]
    fn reg_for_skype_for_business_2016() {
        let plan = Plan::new(command(None), &[Client::Sfb2016], Action::Install);
        assert_eq!(
            lines(&plan.reg_text()),
            r#"Windows Registry Editor Version 5.00

; Written by lync-quickcall reg. Adds the command "EasyVista Quick Call" to the menus of Skype for Business 2016 / 2019, for every user of this computer.
; It opens https://intranet/quickcall/index.html with config.json's default profile, in the default browser. Menus: MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu.
; Key: ...\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED} under HKEY_LOCAL_MACHINE\SOFTWARE, in the 64-bit view and in Wow6432Node (32-bit clients).
; Needs administrator rights (HKEY_LOCAL_MACHINE): import it with "reg import FILE" from an elevated command prompt, or deploy it by Group Policy (a computer startup script); a 32-bit program must call C:\Windows\Sysnative\reg.exe.
; Then restart Lync / Skype for Business. Running it again rewrites the same keys.
; To remove the command: lync-quickcall reg --page-url https://intranet/quickcall/index.html --uninstall

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Office\16.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}]
"Name"="EasyVista Quick Call"
"Path"="https://intranet/quickcall/index.html?userId=%user-id%;contactId=%contact-id%"
"ApplicationType"=dword:00000001
"SessionType"=dword:00000000
"ExtensibleMenu"="MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu"

[HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Office\16.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}]
"Name"="EasyVista Quick Call"
"Path"="https://intranet/quickcall/index.html?userId=%user-id%;contactId=%contact-id%"
"ApplicationType"=dword:00000001
"SessionType"=dword:00000000
"ExtensibleMenu"="MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu"

"#
        );
    }

    #[test]
    fn reg_for_lync_2010_with_a_profile() {
        let plan = Plan::new(
            command(Some("sandbox")),
            &[Client::Lync2010],
            Action::Install,
        );
        assert_eq!(
            lines(&plan.reg_text()),
            r#"Windows Registry Editor Version 5.00

; Written by lync-quickcall reg. Adds the command "EasyVista Quick Call (sandbox)" to the menus of Lync 2010, for every user of this computer.
; It opens https://intranet/quickcall/index.html with the profile 'sandbox', in the default browser. Menus: MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu.
; Key: ...\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86} under HKEY_LOCAL_MACHINE\SOFTWARE, in the 64-bit view and in Wow6432Node (32-bit clients).
; Needs administrator rights (HKEY_LOCAL_MACHINE): import it with "reg import FILE" from an elevated command prompt, or deploy it by Group Policy (a computer startup script); a 32-bit program must call C:\Windows\Sysnative\reg.exe.
; Then restart Lync / Skype for Business. Running it again rewrites the same keys.
; To remove the command: lync-quickcall reg --page-url https://intranet/quickcall/index.html --profile sandbox --uninstall

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Communicator\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}]
"Name"="EasyVista Quick Call (sandbox)"
"Path"="https://intranet/quickcall/index.html?profile=sandbox&userId=%user-id%;contactId=%contact-id%"
"ApplicationType"=dword:00000001
"SessionType"=dword:00000000
"ExtensibleMenu"="MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu"

[HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Communicator\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}]
"Name"="EasyVista Quick Call (sandbox)"
"Path"="https://intranet/quickcall/index.html?profile=sandbox&userId=%user-id%;contactId=%contact-id%"
"ApplicationType"=dword:00000001
"SessionType"=dword:00000000
"ExtensibleMenu"="MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu"

"#
        );
    }

    #[test]
    fn reg_for_lync_2013_with_a_label_and_menus_to_escape() {
        let c = MenuCommand::new(
            "https://intranet/quickcall/index.html",
            None,
            Some(r#"Appel "rapide" \ équipe"#),
            &[Menu::MainWindowActions, Menu::ContactCardMenu],
        )
        .unwrap();
        let plan = Plan::new(c, &[Client::Lync2013], Action::Install);
        assert_eq!(
            lines(&plan.reg_text()),
            r#"Windows Registry Editor Version 5.00

; Written by lync-quickcall reg. Adds the command "Appel "rapide" \ équipe" to the menus of Lync 2013 / Skype for Business 2015, for every user of this computer.
; It opens https://intranet/quickcall/index.html with config.json's default profile, in the default browser. Menus: MainWindowActions;ContactCardMenu.
; Key: ...\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED} under HKEY_LOCAL_MACHINE\SOFTWARE, in the 64-bit view and in Wow6432Node (32-bit clients).
; Needs administrator rights (HKEY_LOCAL_MACHINE): import it with "reg import FILE" from an elevated command prompt, or deploy it by Group Policy (a computer startup script); a 32-bit program must call C:\Windows\Sysnative\reg.exe.
; Then restart Lync / Skype for Business. Running it again rewrites the same keys.
; To remove the command: lync-quickcall reg --page-url https://intranet/quickcall/index.html --uninstall

[HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Office\15.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}]
"Name"="Appel \"rapide\" \\ équipe"
"Path"="https://intranet/quickcall/index.html?userId=%user-id%;contactId=%contact-id%"
"ApplicationType"=dword:00000001
"SessionType"=dword:00000000
"ExtensibleMenu"="MainWindowActions;ContactCardMenu"

[HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Office\15.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}]
"Name"="Appel \"rapide\" \\ équipe"
"Path"="https://intranet/quickcall/index.html?userId=%user-id%;contactId=%contact-id%"
"ApplicationType"=dword:00000001
"SessionType"=dword:00000000
"ExtensibleMenu"="MainWindowActions;ContactCardMenu"

"#
        );
    }

    #[test]
    fn reg_uninstall_for_every_client() {
        let plan = Plan::new(command(Some("sandbox")), &Client::ALL, Action::Uninstall);
        assert_eq!(
            lines(&plan.reg_text()),
            r#"Windows Registry Editor Version 5.00

; Written by lync-quickcall reg --uninstall. Removes the command that opens https://intranet/quickcall/index.html with the profile 'sandbox' from the menus of Lync 2010, Lync 2013 / Skype for Business 2015 and Skype for Business 2016 / 2019, for every user of this computer.
; Key: ...\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86} under HKEY_LOCAL_MACHINE\SOFTWARE, in the 64-bit view and in Wow6432Node (32-bit clients).
; Needs administrator rights (HKEY_LOCAL_MACHINE): import it with "reg import FILE" from an elevated command prompt, or deploy it by Group Policy (a computer startup script); a 32-bit program must call C:\Windows\Sysnative\reg.exe.
; Then restart Lync / Skype for Business. Keys already gone are skipped.

[-HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Communicator\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}]

[-HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Communicator\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}]

[-HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Office\15.0\Lync\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}]

[-HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Office\15.0\Lync\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}]

[-HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Office\16.0\Lync\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}]

[-HKEY_LOCAL_MACHINE\SOFTWARE\Wow6432Node\Microsoft\Office\16.0\Lync\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}]

"#
        );
    }

    #[test]
    fn reg_for_every_client_has_six_keys() {
        let text = Plan::new(command(None), &Client::ALL, Action::Install).reg_text();
        assert_eq!(
            text.matches("\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\").count(),
            6
        );
        assert_eq!(
            text.matches("\r\n\"SessionType\"=dword:00000000\r\n")
                .count(),
            6
        );
    }

    #[test]
    fn ps1_for_skype_for_business_2016_with_a_profile() {
        let c = MenuCommand::new(PAGE, Some("sandbox"), Some("L'appel ‘rapide’"), &[]).unwrap();
        let plan = Plan::new(c, &[Client::Sfb2016], Action::Install);
        assert_eq!(
            lines(&plan.ps1_text()),
            r#"# Written by lync-quickcall reg. Adds the command "L'appel ‘rapide’" to the menus of Skype for Business 2016 / 2019, for every user of this computer.
# It opens https://intranet/quickcall/index.html with the profile 'sandbox', in the default browser. Menus: MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu.
# Key: ...\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86} under HKEY_LOCAL_MACHINE\SOFTWARE, in the 64-bit view and in Wow6432Node (32-bit clients).
# Needs administrator rights (HKEY_LOCAL_MACHINE): run it in an elevated 64-bit Windows PowerShell, or deploy it by Group Policy (a computer startup script).
# Then restart Lync / Skype for Business. Running it again rewrites the same keys.
# To remove the command: lync-quickcall reg --page-url https://intranet/quickcall/index.html --profile sandbox --uninstall
#Requires -RunAsAdministrator

$ErrorActionPreference = 'Stop'
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
    throw 'Run this script in the 64-bit Windows PowerShell: the 32-bit one cannot write the 64-bit registry view.'
}

# Skype for Business 2016 / 2019, 64-bit view
$key = 'HKLM:\SOFTWARE\Microsoft\Office\16.0\Lync\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}'
New-Item -Path $key -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'Name' -PropertyType String -Value 'L''appel ‘‘rapide’’' -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'Path' -PropertyType String -Value 'https://intranet/quickcall/index.html?profile=sandbox&userId=%user-id%;contactId=%contact-id%' -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'ApplicationType' -PropertyType DWord -Value 1 -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'SessionType' -PropertyType DWord -Value 0 -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'ExtensibleMenu' -PropertyType String -Value 'MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu' -Force | Out-Null
Write-Output ('Added ' + $key)

# Skype for Business 2016 / 2019, 32-bit view (Wow6432Node)
$key = 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Office\16.0\Lync\SessionManager\Apps\{C6299C17-0D8C-54E9-8AA5-C63B7204CA86}'
New-Item -Path $key -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'Name' -PropertyType String -Value 'L''appel ‘‘rapide’’' -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'Path' -PropertyType String -Value 'https://intranet/quickcall/index.html?profile=sandbox&userId=%user-id%;contactId=%contact-id%' -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'ApplicationType' -PropertyType DWord -Value 1 -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'SessionType' -PropertyType DWord -Value 0 -Force | Out-Null
New-ItemProperty -LiteralPath $key -Name 'ExtensibleMenu' -PropertyType String -Value 'MainWindowRightClick;ConversationWindowRightClick;ContactCardMenu' -Force | Out-Null
Write-Output ('Added ' + $key)
"#
        );
    }

    #[test]
    fn ps1_uninstall_for_lync_2013() {
        let plan = Plan::new(command(None), &[Client::Lync2013], Action::Uninstall);
        assert_eq!(
            lines(&plan.ps1_text()),
            r#"# Written by lync-quickcall reg --uninstall. Removes the command that opens https://intranet/quickcall/index.html with config.json's default profile from the menus of Lync 2013 / Skype for Business 2015, for every user of this computer.
# Key: ...\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED} under HKEY_LOCAL_MACHINE\SOFTWARE, in the 64-bit view and in Wow6432Node (32-bit clients).
# Needs administrator rights (HKEY_LOCAL_MACHINE): run it in an elevated 64-bit Windows PowerShell, or deploy it by Group Policy (a computer startup script).
# Then restart Lync / Skype for Business. Keys already gone are skipped.
#Requires -RunAsAdministrator

$ErrorActionPreference = 'Stop'
if ([Environment]::Is64BitOperatingSystem -and -not [Environment]::Is64BitProcess) {
    throw 'Run this script in the 64-bit Windows PowerShell: the 32-bit one cannot write the 64-bit registry view.'
}

# Lync 2013 / Skype for Business 2015, 64-bit view
$key = 'HKLM:\SOFTWARE\Microsoft\Office\15.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}'
if (Test-Path -LiteralPath $key) {
    Remove-Item -LiteralPath $key -Recurse
    Write-Output ('Removed ' + $key)
}

# Lync 2013 / Skype for Business 2015, 32-bit view (Wow6432Node)
$key = 'HKLM:\SOFTWARE\Wow6432Node\Microsoft\Office\15.0\Lync\SessionManager\Apps\{E3562088-6C7F-525E-AE32-C094B97452ED}'
if (Test-Path -LiteralPath $key) {
    Remove-Item -LiteralPath $key -Recurse
    Write-Output ('Removed ' + $key)
}
"#
        );
    }

    #[test]
    fn files_are_encoded_as_windows_reads_them() {
        let plan = Plan::new(command(None), &[Client::Sfb2016], Action::Install);
        let reg = plan.render(Format::Reg);
        assert_eq!(&reg[..6], [0xFF, 0xFE, b'W', 0, b'i', 0]);
        assert_eq!(
            &reg[reg.len() - 8..],
            [b'\r', 0, b'\n', 0, b'\r', 0, b'\n', 0]
        );
        let units: Vec<u16> = reg[2..]
            .chunks_exact(2)
            .map(|p| u16::from_le_bytes([p[0], p[1]]))
            .collect();
        assert_eq!(String::from_utf16(&units).unwrap(), plan.reg_text());
        // Outside ASCII: é is one UTF-16 unit, an emoji a surrogate pair.
        assert_eq!(
            Format::Reg.encode("é😀"),
            [0xFF, 0xFE, 0xE9, 0, 0x3D, 0xD8, 0x00, 0xDE]
        );
        let ps1 = plan.render(Format::Ps1);
        assert_eq!(&ps1[..3], [0xEF, 0xBB, 0xBF]);
        assert_eq!(&ps1[3..], plan.ps1_text().as_bytes());
        assert_eq!(Format::Reg.extension(), "reg");
        assert_eq!(Format::Ps1.extension(), "ps1");
    }

    #[test]
    fn escaping() {
        assert_eq!(reg_escape(r#"a\b"c"#), r#"a\\b\"c"#);
        assert_eq!(ps_quote("it's"), "'it''s'");
        assert_eq!(
            ps_quote("\u{2018}x\u{2019}\u{201A}\u{201B}"),
            "'\u{2018}\u{2018}x\u{2019}\u{2019}\u{201A}\u{201A}\u{201B}\u{201B}'"
        );
        assert_eq!(ps_quote(r#"$a "b" `c"#), r#"'$a "b" `c'"#);
    }
}

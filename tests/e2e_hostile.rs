//! The hostile-data drill: the loopback fake answers with cells that hold terminal control
//! sequences (CSI clear screen, colours, cursor moves, leaving the alternate screen, OSC 0/2
//! title sets, an OSC 52 clipboard write, OSC 8 hyperlinks), C1 controls (U+009B CSI,
//! U+009D OSC), NUL, bidi overrides and isolates, a 1 MB string and a dynamic value nested
//! 10,000 levels deep (as JSON and as JSON text). The real binary shows them in the grid and
//! the detail view and copies them; the raw bytes it wrote to the PTY must hold none of
//! those sequences unescaped: the only OSC is the copy the test asked for (base64 of escaped
//! text), the title never changes and the app stays usable.

mod support;

use base64::Engine as _;
use support::pty::*;
use support::*;

const DEPTH: usize = 10_000;

/// The hostile cells, each with a marker the test can look for.
fn hostile_cells() -> Vec<(&'static str, String)> {
    vec![
        ("clear", "\x1b[2J\x1b[HCLEAR-MARK".to_string()),
        ("colour", "\x1b[31;1mRED-MARK\x1b[0m".to_string()),
        ("move", "\x1b[7;7HMOVE-MARK\x1b[A\x1b[2K".to_string()),
        ("altscreen", "\x1b[?1049lALT-MARK\x1b[?25l".to_string()),
        ("title0", "\x1b]0;PWNED-TITLE-0\x07TITLE0-MARK".to_string()),
        (
            "title2",
            "\x1b]2;PWNED-TITLE-2\x1b\\TITLE2-MARK".to_string(),
        ),
        (
            "osc52",
            "\x1b]52;c;cHduZWQtY2xpcA==\x07OSC52-MARK".to_string(),
        ),
        (
            "osc8",
            "\x1b]8;;https://evil.invalid/\x07LINK-MARK\x1b]8;;\x07".to_string(),
        ),
        (
            "c1",
            "\u{9b}2J\u{9d}0;C1-TITLE\u{9c}\u{85}\u{90}C1-MARK\u{9f}".to_string(),
        ),
        ("nul", "NUL\0-MARK\0".to_string()),
        (
            "bidi",
            "BIDI-\u{202e}kram\u{202c}\u{2066}\u{2067}\u{2068}x\u{2069}".to_string(),
        ),
        ("bell", "BELL\x07\x08\x7f-MARK\r\n".to_string()),
    ]
}

/// A Graph answer with the hostile cells, a 1 MB row and the deeply nested dynamic rows.
fn hostile_body() -> String {
    let deep = format!("{}{}", "[".repeat(DEPTH), "]".repeat(DEPTH));
    let deep_obj = format!("{}1{}", "{\"a\":".repeat(DEPTH), "}".repeat(DEPTH));
    let mut rows = Vec::new();
    for (name, cell) in hostile_cells() {
        rows.push(format!(
            r#"{{"Name":{},"Payload":{},"Extra":{}}}"#,
            serde_json::Value::from(name),
            serde_json::Value::from(cell.clone()),
            serde_json::json!({ "k": cell }),
        ));
    }
    let big = format!(
        "BIG-START{}\x1b]0;BIG-TITLE\x07BIG-END",
        "A".repeat(1 << 20)
    );
    rows.push(format!(
        r#"{{"Name":"big","Payload":{},"Extra":null}}"#,
        serde_json::Value::from(big)
    ));
    rows.push(format!(
        r#"{{"Name":"deep","Payload":"DEEP-MARK","Extra":{deep}}}"#
    ));
    rows.push(format!(
        r#"{{"Name":"deepobj","Payload":"DEEPOBJ-MARK","Extra":{deep_obj}}}"#
    ));
    rows.push(format!(
        r#"{{"Name":"deeptext","Payload":"DEEPTEXT-MARK","Extra":{}}}"#,
        serde_json::Value::from(deep.clone())
    ));
    format!(
        r#"{{"schema":[{{"name":"Name","type":"String"}},{{"name":"Payload","type":"String"}},{{"name":"Extra","type":"Object"}}],"results":[{}]}}"#,
        rows.join(",")
    )
}

fn contains(raw: &[u8], needle: &[u8]) -> bool {
    find(raw, needle).is_some()
}

#[test]
fn hostile_cells_never_reach_the_terminal_unescaped() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let fake = rt.block_on(FakeService::start(FakeConfig::default()));
    let home = tempfile::tempdir().unwrap();
    write_fake_profile(home.path(), "graph", &fake.base_url(), "");
    let mut p = Pty::spawn(home.path(), Spawn::default().size(140, 40));
    p.wait_for("No results yet");
    let clears_at_start = count(&p.raw(), b"\x1b[2J");

    fake.set_next_response(Reply::Raw {
        status: 200,
        headers: vec![("content-type".into(), "application/json".into())],
        body: hostile_body(),
    });
    let query = "DeviceEvents | where Timestamp > ago(1h) | take 20";
    p.send(query);
    p.key(Key::F(5));
    let rows = hostile_cells().len() + 4;
    p.wait_for(&format!("Results {rows} rows × 3 columns"));

    // Walk every row with the Payload column selected; open each row whole; copy a few.
    p.key(Key::Tab);
    p.key(Key::Right);
    let mut copies = Vec::new();
    for row in 0..rows {
        if row > 0 {
            p.key(Key::Down);
        }
        p.key(Key::Enter);
        let title = format!(" Row {} of {rows} ", row + 1);
        p.wait_for(&title);
        p.key(Key::Esc);
        p.wait_gone(&title);
        if row < hostile_cells().len() {
            let before = p.raw().len();
            p.send("y");
            let copied = hostile_cells()[row].1.clone();
            let escaped = kqlhunt::data::format::escape_control(&copied).into_owned();
            let osc = format!(
                "\x1b]52;c;{}\x07",
                base64::engine::general_purpose::STANDARD.encode(&escaped)
            );
            p.wait_raw(osc.as_bytes(), before);
            copies.push(escaped);
        }
        // The whole row as JSON.
        let before = p.raw().len();
        p.key(Key::Alt('Y'));
        p.wait_raw(b"\x1b]52;c;", before);
    }
    // `i` puts the selected value into the query as a KQL literal: the editor escapes it too.
    p.key(Key::Home);
    p.send("g");
    p.key(Key::Right);
    p.send("i");
    p.wait_for("| where Payload ==");
    p.key(Key::Tab);
    p.key(Key::Ctrl('z'));
    p.wait_gone("| where Payload ==");
    // The screen still holds the query, and the app answers the next one.
    p.wait_for(query);
    fake.set_next_response(Reply::Rows(2));
    p.key(Key::ShiftF(5));
    p.wait_for("Results 2 rows × 13 columns");
    p.key(Key::Ctrl('q'));
    assert_eq!(p.exit_status().code(), Some(0));

    let raw = p.raw();
    // Every OSC is a copy the test asked for, of escaped text: the cell copies exactly as
    // expected, the JSON row copies free of control characters.
    let oscs = oscs(&raw);
    let b64 = base64::engine::general_purpose::STANDARD;
    let mut texts = Vec::new();
    for osc in &oscs {
        let payload = osc.strip_prefix(b"52;c;").unwrap_or_else(|| {
            panic!(
                "an OSC the app did not mean: {:?}",
                String::from_utf8_lossy(osc)
            )
        });
        let text = String::from_utf8(b64.decode(payload).unwrap()).unwrap();
        assert!(
            !text.chars().any(|ch| ch.is_control()
                || ('\u{202a}'..='\u{202e}').contains(&ch)
                || ('\u{2066}'..='\u{2069}').contains(&ch)),
            "a copy holds a control character: {text:?}"
        );
        texts.push(text);
    }
    for c in &copies {
        assert!(texts.contains(c), "the copy of {c:?} is missing");
    }
    assert_eq!(
        oscs.len(),
        copies.len() + rows,
        "a copy per y and per Alt+Y"
    );
    let seen = p.seen();
    assert!(
        seen.titles.is_empty(),
        "the title changed: {:?}",
        seen.titles
    );
    assert_eq!(seen.clipboard.len(), oscs.len());
    // No clear screen but the app's own at start; no raw markers after an ESC.
    assert_eq!(count(&raw, b"\x1b[2J"), clears_at_start);
    for needle in [
        &b"\x1b[HCLEAR-MARK"[..],
        b"\x1b[31;1mRED-MARK",
        b"\x1b[7;7HMOVE-MARK",
        b"\x1b[?1049lALT-MARK",
        b"\x1b]0;PWNED",
        b"\x1b]2;PWNED",
        b"\x1b]8;",
        b"PWNED-TITLE-0\x07",
        b"BELL\x07",
        b"\x07\x08\x7f",
    ] {
        assert!(
            !contains(&raw, needle),
            "{:?} reached the terminal",
            String::from_utf8_lossy(needle)
        );
    }
    // No C1 control (U+0080–U+009F), bidi override or isolate, or NUL as raw bytes.
    for c in (0x80u32..=0x9f)
        .chain([0x202a, 0x202b, 0x202c, 0x202d, 0x202e])
        .chain(0x2066..=0x2069)
    {
        let ch = char::from_u32(c).unwrap();
        let mut buf = [0u8; 4];
        let bytes = ch.encode_utf8(&mut buf).as_bytes();
        assert!(!contains(&raw, bytes), "U+{c:04X} reached the terminal");
    }
    assert!(!raw.contains(&0u8), "a NUL reached the terminal");
}

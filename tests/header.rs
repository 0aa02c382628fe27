//! The committed header, and its copy in the Go module, must be exactly what cbindgen generates
//! from the sources. `MISSIVE_BLESS=1 cargo test --test header` rewrites both.

use std::path::Path;

fn committed_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include/missive.h")
}

/// The copies of the header that must equal it: the Go module carries its own (a module
/// fetched with `go get` has nothing outside its directory).
const COPIES: &[&str] = &["include/missive.h", "bindings/go/missive.h"];

#[test]
fn committed_header_matches_generated() {
    let generated = std::fs::read_to_string(env!("MISSIVE_GENERATED_HEADER"))
        .expect("build.rs wrote the generated header");
    for copy in COPIES {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(copy);
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        if std::env::var_os("MISSIVE_BLESS").is_some() {
            if committed != generated {
                std::fs::write(&path, &generated).expect("rewrite the header");
            }
            continue;
        }
        assert!(
            committed == generated,
            "{copy} differs from the header generated from the sources; \
             run `MISSIVE_BLESS=1 cargo test --test header` and commit the result"
        );
    }
}

#[test]
fn version_macros_match_cargo_toml() {
    let header = std::fs::read_to_string(committed_path()).expect("include/missive.h exists");
    let version = env!("CARGO_PKG_VERSION");
    let mut parts = version.split('.');
    for (name, want) in ["MAJOR", "MINOR", "PATCH"].iter().zip(&mut parts) {
        let line = format!("#define MISSIVE_VERSION_{name} {want}\n");
        assert!(header.contains(&line), "header lacks {line:?}");
    }
    assert!(header.contains(&format!("#define MISSIVE_VERSION \"{version}\"")));
    // And the library reports the same version at run time.
    let runtime = unsafe { std::ffi::CStr::from_ptr(missive::ffi::missive_version()) };
    assert_eq!(runtime.to_str().unwrap(), version);
}

/// Every function's doc comment says what it does with ownership, what NULL does, and
/// whether it may be called from several threads.
#[test]
fn every_function_documents_ownership_null_and_threads() {
    let header = std::fs::read_to_string(committed_path()).expect("include/missive.h exists");
    let mut doc = String::new();
    let mut in_doc = false;
    let mut problems = Vec::new();
    let mut functions = 0;
    for line in header.lines() {
        let t = line.trim_start();
        if t.starts_with("/**") {
            in_doc = true;
            doc.clear();
            continue;
        }
        if in_doc {
            if t.starts_with("*/") {
                in_doc = false;
            } else {
                doc.push_str(t.trim_start_matches('*'));
                doc.push('\n');
            }
            continue;
        }
        let Some(name) = line
            .split('(')
            .next()
            .filter(|_| line.contains('(') && !line.starts_with(' ') && !line.starts_with('#'))
            .and_then(|l| l.split_whitespace().last())
            .map(|n| n.trim_start_matches('*'))
            .filter(|n| n.starts_with("missive_"))
        else {
            continue;
        };
        functions += 1;
        let own = [
            "own", "Own", "copies", "Copies", "copied", "Consumes", "borrow", "Borrow",
        ]
        .iter()
        .any(|w| doc.contains(w));
        if doc.trim().is_empty() {
            problems.push(format!("{name}: no documentation"));
            continue;
        }
        if !own {
            problems.push(format!("{name}: says nothing of ownership"));
        }
        if !doc.contains("NULL") {
            problems.push(format!("{name}: says nothing of NULL"));
        }
        if !doc.contains("Thread safety") {
            problems.push(format!("{name}: says nothing of thread safety"));
        }
        doc.clear();
    }
    assert!(
        functions > 30,
        "only {functions} functions found: is the parser right?"
    );
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The header's comments name result codes in full (`MISSIVE_RESULT_NO_SENDER`, never
/// `NO_SENDER`), so that a reader can search for them.
#[test]
fn comments_name_result_codes_in_full() {
    let header = std::fs::read_to_string(committed_path()).unwrap();
    let names: Vec<&str> = header
        .lines()
        .filter_map(|l| l.trim().strip_prefix("MISSIVE_RESULT_"))
        .filter_map(|l| l.split_once(" = ").map(|(n, _)| n))
        .collect();
    assert!(names.len() > 40, "{names:?}");
    let mut bare = Vec::new();
    for (i, line) in header.lines().enumerate() {
        let t = line.trim_start();
        if !(t.starts_with('*') || t.starts_with("/*")) {
            continue;
        }
        for name in &names {
            let mut from = 0;
            while let Some(at) = line[from..].find(name) {
                let start = from + at;
                let end = start + name.len();
                let before = line[..start].chars().next_back();
                let after = line[end..].chars().next();
                let word =
                    |c: Option<char>| c.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
                if !word(before) && !word(after) {
                    bare.push(format!("line {}: {name}: {}", i + 1, line.trim()));
                }
                from = end;
            }
        }
    }
    // Nor any other constant by a short or mistaken name (STARTTLS_NOT_OFFERED for
    // MISSIVE_RESULT_START_TLS_NOT_OFFERED): every upper-case name with an underscore in a
    // comment is one the header defines (or a column name of missive_client_queue_list).
    let defined: std::collections::HashSet<&str> = header
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| w.starts_with("MISSIVE_"))
        .collect();
    for (i, line) in header.lines().enumerate() {
        let t = line.trim_start();
        if !(t.starts_with('*') || t.starts_with("/*")) {
            continue;
        }
        for w in line.split(|c: char| !(c.is_ascii_alphanumeric() || c == '_')) {
            let constant = w.contains('_')
                && w.len() > 3
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
            let column = ["NEXT_ATTEMPT_UNIX_MS", "LAST_ERROR"].contains(&w);
            if constant && !column && !defined.contains(w) {
                bare.push(format!("line {}: {w}: {}", i + 1, line.trim()));
            }
        }
    }
    assert!(
        bare.is_empty(),
        "short or unknown constant names in comments:\n{}",
        bare.join("\n")
    );
}

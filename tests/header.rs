//! The committed header must be exactly what cbindgen generates from the sources.
//! `MISSIVE_BLESS=1 cargo test --test header` rewrites it.

use std::path::Path;

fn committed_path() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("include/missive.h")
}

#[test]
fn committed_header_matches_generated() {
    let generated = std::fs::read_to_string(env!("MISSIVE_GENERATED_HEADER"))
        .expect("build.rs wrote the generated header");
    let committed = std::fs::read_to_string(committed_path()).unwrap_or_default();
    if std::env::var_os("MISSIVE_BLESS").is_some() {
        if committed != generated {
            std::fs::write(committed_path(), &generated).expect("rewrite include/missive.h");
        }
        return;
    }
    assert!(
        committed == generated,
        "include/missive.h differs from the header generated from the sources; \
         run `MISSIVE_BLESS=1 cargo test --test header` and commit the result"
    );
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

#[test]
fn every_function_is_documented() {
    let header = std::fs::read_to_string(committed_path()).expect("include/missive.h exists");
    let lines: Vec<&str> = header.lines().collect();
    let mut undocumented = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(name) = line
            .split('(')
            .next()
            .and_then(|l| l.split_whitespace().last())
            && name.trim_start_matches('*').starts_with("missive_")
            && line.contains('(')
            && !line.starts_with(' ')
            && !line.starts_with("typedef")
        {
            let doc_before = i > 0 && lines[i - 1].trim_start().starts_with("*/");
            let doc_above = i > 1 && lines[i - 1].trim().is_empty() == false;
            if !(doc_before || doc_above && lines[i - 1].contains("*/")) {
                undocumented.push(name.to_string());
            }
        }
    }
    assert!(
        undocumented.is_empty(),
        "functions without docs: {undocumented:?}"
    );
}

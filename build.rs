//! Generates the C header into `$OUT_DIR/include/missive.h` (never into the source tree).
//! `tests/header.rs` checks that the committed `include/missive.h` matches it.

use std::env;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    let out_dir = PathBuf::from(env::var("OUT_DIR").expect("OUT_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=include/cbindgen.toml");
    println!("cargo:rerun-if-changed=build.rs");

    let mut config = cbindgen::Config::from_file(crate_dir.join("include/cbindgen.toml"))
        .expect("include/cbindgen.toml is readable and valid");
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("version");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("version");
    let patch = env::var("CARGO_PKG_VERSION_PATCH").expect("version");
    config.after_includes = Some(format!(
        "\n#define MISSIVE_VERSION_MAJOR {major}\n#define MISSIVE_VERSION_MINOR {minor}\n\
         #define MISSIVE_VERSION_PATCH {patch}\n#define MISSIVE_VERSION \"{major}.{minor}.{patch}\"\n"
    ));
    let include_dir = out_dir.join("include");
    std::fs::create_dir_all(&include_dir).expect("create $OUT_DIR/include");
    match cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
    {
        Ok(bindings) => {
            bindings.write_to_file(include_dir.join("missive.h"));
        }
        Err(e) => panic!("cbindgen could not generate the header: {e}"),
    }
    println!(
        "cargo:rustc-env=MISSIVE_GENERATED_HEADER={}",
        include_dir.join("missive.h").display()
    );
}

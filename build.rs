//! Generates libwebsockets.h with cbindgen, compiles the C varargs shim, and gives the
//! shared object lws's soname.
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed=src");

    // The header is written next to the build's other outputs; `make header` copies it
    // into include/ and `make test` fails if the committed copy differs.
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let header = out.join("libwebsockets.h");
    cbindgen::Builder::new()
        .with_crate(&dir)
        .with_config(config)
        .generate()
        .expect("cbindgen failed")
        .write_to_file(&header);
    let target_dir = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| dir.join("target"));
    let _ = std::fs::create_dir_all(&target_dir);
    let _ = std::fs::copy(&header, target_dir.join("libwebsockets.h"));

    // Rust cannot define C variadic functions on stable: _lws_log() and lws_snprintf()
    // are a few lines of C that format and hand over to Rust.
    println!("cargo:rerun-if-changed=src/capi/varargs.c");
    cc::Build::new()
        .file("src/capi/varargs.c")
        .flag("-fvisibility=hidden")
        .link_lib_modifier("+whole-archive")
        .compile("lwsvarargs");

    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libwebsockets.so.19");
    // rustc exports the Rust `#[no_mangle]` functions itself; this adds the C ones and
    // hides the two internal hooks varargs.c calls.
    println!("cargo:rerun-if-changed=src/capi/exports.map");
    println!(
        "cargo:rustc-cdylib-link-arg=-Wl,--version-script={}",
        dir.join("src/capi/exports.map").display()
    );
}

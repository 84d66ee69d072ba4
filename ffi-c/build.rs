//! Gives the shared library an ELF SONAME, `libslotwise.so.<major>`, so that programs linked
//! against it record that name and keep loading any later library of the same major version
//! (installed as `libslotwise.so.<major>.<minor>.<patch>` with `libslotwise.so.<major>` and
//! `libslotwise.so` links beside it by `make install-c`). Only the cdylib gets the flag; the
//! static library is unaffected.

fn main() {
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    // ELF targets only: Apple's linker names libraries with -install_name, Windows has no
    // SONAME.
    if matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) {
        let major =
            std::env::var("CARGO_PKG_VERSION_MAJOR").expect("cargo sets the package version");
        println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libslotwise.so.{major}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}

//! Build script: embeds the Windows resources in both executables: the icon
//! (`assets/icon.ico`), the version information (from Cargo.toml) and the application
//! manifest (`packaging/windows/oqs-courier.exe.manifest`: UTF-8 code page, long paths,
//! per-monitor DPI). It does nothing unless the target is Windows, so a Linux build needs no
//! Windows tools; a Windows build uses `windres` (mingw, the -gnu target) or `rc.exe` (MSVC)
//! through `embed-resource`.
#![allow(
    clippy::print_stdout,
    reason = "a build script talks to cargo on stdout"
)]

use std::env;
use std::error::Error;
use std::fs;
use std::path::{Path, PathBuf};

/// Product name shown in the version information (Explorer's properties, Task Manager).
const PRODUCT: &str = "oqs-courier（オンライン資格確認 USB連携）";

fn main() -> Result<(), Box<dyn Error>> {
    println!("cargo:rerun-if-changed=build.rs");
    if env::var("CARGO_CFG_TARGET_OS").as_deref() != Ok("windows") {
        return Ok(());
    }
    let root = PathBuf::from(env::var("CARGO_MANIFEST_DIR")?);
    let out = PathBuf::from(env::var("OUT_DIR")?);
    let icon = root.join("assets").join("icon.ico");
    let manifest = root
        .join("packaging")
        .join("windows")
        .join("oqs-courier.exe.manifest");
    for input in [&icon, &manifest] {
        println!("cargo:rerun-if-changed={}", input.display());
    }

    let mut bins = vec![("oqs-courier", format!("{PRODUCT} コマンドライン"))];
    // The desktop app exists only with the `gui` feature (its `required-features`).
    if env::var_os("CARGO_FEATURE_GUI").is_some() {
        bins.push(("oqs-courier-gui", PRODUCT.to_owned()));
    }
    for (bin, description) in bins {
        let rc = out.join(format!("{bin}.rc"));
        fs::write(&rc, resource_script(bin, &description, &icon, &manifest)?)?;
        embed_resource::compile_for(&rc, [bin], embed_resource::NONE)
            .manifest_required()
            .map_err(|e| format!("Windows resources for {bin}: {e}"))?;
    }
    Ok(())
}

/// The resource script of one executable (UTF-8; Japanese version information).
fn resource_script(
    bin: &str,
    description: &str,
    icon: &Path,
    manifest: &Path,
) -> Result<String, Box<dyn Error>> {
    let version = env::var("CARGO_PKG_VERSION")?;
    let numeric = [
        env::var("CARGO_PKG_VERSION_MAJOR")?,
        env::var("CARGO_PKG_VERSION_MINOR")?,
        env::var("CARGO_PKG_VERSION_PATCH")?,
        "0".to_owned(),
    ]
    .join(",");
    let licence = env::var("CARGO_PKG_LICENSE")?;
    Ok(format!(
        r#"#pragma code_page(65001)
1 ICON "{icon}"
1 24 "{manifest}"
1 VERSIONINFO
FILEVERSION {numeric}
PRODUCTVERSION {numeric}
FILEFLAGSMASK 0x3F
FILEFLAGS 0x0
FILEOS 0x40004
FILETYPE 0x1
FILESUBTYPE 0x0
BEGIN
  BLOCK "StringFileInfo"
  BEGIN
    BLOCK "041104B0"
    BEGIN
      VALUE "CompanyName", "oqs-courier"
      VALUE "FileDescription", "{description}"
      VALUE "FileVersion", "{version}"
      VALUE "InternalName", "{bin}"
      VALUE "LegalCopyright", "{licence}"
      VALUE "OriginalFilename", "{bin}.exe"
      VALUE "ProductName", "{PRODUCT}"
      VALUE "ProductVersion", "{version}"
    END
  END
  BLOCK "VarFileInfo"
  BEGIN
    VALUE "Translation", 0x411, 1200
  END
END
"#,
        icon = rc_path(icon),
        manifest = rc_path(manifest),
    ))
}

/// A path as a resource-script string: forward slashes (both compilers accept them), so no
/// backslash escapes are needed.
fn rc_path(path: &Path) -> String {
    path.display().to_string().replace('\\', "/")
}

//! `update`: updates of oqs-courier carried by the stick ([`oqs_courier::update`]).

use super::args::UpdateAction;
use oqs_courier::state::Home;
use oqs_courier::update::{self, SilentInstaller};
use oqs_courier::{Error, text};
use std::path::Path;
use std::process::ExitCode;

/// `update verify`: checks an installer against the keys this build trusts; changes nothing.
pub fn verify(installer: &Path, sig: Option<&Path>) -> Result<ExitCode, Error> {
    let sig_path = sig.map_or_else(|| update::default_signature(installer), Path::to_owned);
    let signature =
        std::fs::read_to_string(&sig_path).map_err(|source| update::UpdateError::Io {
            path: sig_path.clone(),
            source,
        })?;
    let u = update::verify(installer, &signature, &update::trusted_keys())?;
    println!(
        "{} {} sha256:{}",
        update::installer_name(&u.version),
        u.size,
        u.sha256
    );
    Ok(ExitCode::SUCCESS)
}

/// `update stage|install|rollback`.
pub fn update(home: &Home, action: UpdateAction) -> Result<ExitCode, Error> {
    let mut inst = home.load()?;
    let actor = oqs_courier::state::actor();
    match action {
        UpdateAction::Verify { installer, sig } => return verify(&installer, sig.as_deref()),
        UpdateAction::Stage { installer, sig } => {
            let u = update::stage(&mut inst, &installer, sig.as_deref(), &actor)?;
            println!("{}", text::u_staged(&u.version));
        }
        UpdateAction::Install => {
            if let Some(v) = update::install_ready(&inst, &mut SilentInstaller)? {
                println!("{}", text::u_audit_install(&v));
            }
        }
        UpdateAction::Rollback => {
            let v = update::rollback(&inst, &mut SilentInstaller, &actor)?;
            println!("{}", text::u_audit_rollback(&v));
        }
    }
    Ok(ExitCode::SUCCESS)
}

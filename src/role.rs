//! Which of the two PCs an installation is: the reception PC with Dynamics or the 資格確認端末.
//! A leaf: the pairing card, the package metadata, the state directory and the engine all name
//! it, and it depends on nothing.

use serde::{Deserialize, Serialize};

/// Which PC this installation runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The reception PC with Dynamics.
    Clinic,
    /// The 資格確認端末.
    Terminal,
}

impl Role {
    /// The role's name in files and on the command line.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clinic => "clinic",
            Role::Terminal => "terminal",
        }
    }

    /// The role a peer must have.
    pub fn opposite(self) -> Role {
        match self {
            Role::Clinic => Role::Terminal,
            Role::Terminal => Role::Clinic,
        }
    }

    /// Parses `clinic` / `terminal`.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "clinic" => Some(Role::Clinic),
            "terminal" => Some(Role::Terminal),
            _ => None,
        }
    }
}

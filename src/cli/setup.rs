//! Setting a PC up: `init`, `pair export|import|show`, `stick enroll|list|revoke`, `pin set`.

use super::args::{PairAction, PinAction, StickAction};
use oqs_courier::label::Label;
use oqs_courier::state::{Home, Role};
use oqs_courier::stick::Stick;
use oqs_courier::{Error, engine, text, transfer};
use std::path::Path;
use std::process::ExitCode;

/// `init`.
pub fn init(home: &Home, role: Role, oqs_dir: &Path, label: Option<Label>) -> Result<(), Error> {
    let inst = home.init(role, oqs_dir, &label.unwrap_or_else(computer_name))?;
    println!(
        "{}",
        text::initialized(
            inst.config.role.as_str(),
            &home.path().display().to_string()
        )
    );
    Ok(())
}

/// `pair export|import|show`.
pub fn pair(home: &Home, action: PairAction) -> Result<(), Error> {
    let mut inst = home.load()?;
    match action {
        PairAction::Export { stick } => {
            let path = transfer::pair_export(&inst, &Stick::at(&stick)?)?;
            println!("{}", text::card_written(&path.display().to_string()));
        }
        PairAction::Import { stick } => {
            let paired = transfer::pair_import(&mut inst, &Stick::at(&stick)?)?;
            if let Some(old) = &paired.replaced {
                println!("{}", text::pair_replaced(old));
            }
            println!("{}", text::paired(&paired.label));
            println!("{}", text::comparison_code(&paired.code));
        }
        PairAction::Show => match &inst.peer {
            Some(peer) => {
                println!("{}", text::paired(&peer.label));
                println!(
                    "{}",
                    text::comparison_code(&transfer::comparison_code(&inst)?)
                );
            }
            None => println!("{}", text::NOT_PAIRED_YET),
        },
    }
    Ok(())
}

/// `stick enroll|list|revoke`.
pub fn stick(home: &Home, action: StickAction) -> Result<ExitCode, Error> {
    let mut inst = home.load()?;
    match action {
        StickAction::Enroll { stick, label } => {
            let m = engine::enroll(&mut inst, &stick, &label)?;
            println!("{}", text::enrolled(&m.label, &m.stick_id));
        }
        StickAction::List => {
            for s in inst
                .journal
                .sticks()
                .map_err(oqs_courier::state::Error::from)?
            {
                let state = s
                    .revoked
                    .as_deref()
                    .map_or("使用中".to_owned(), |r| format!("使用停止 {r}"));
                println!("{}  {}  {}  {state}", s.id, s.label, s.enrolled);
            }
        }
        StickAction::Revoke { id } => match engine::revoke(&inst, &id)? {
            Some(engine::Revoked::Now | engine::Revoked::Already) => {
                println!("{}", text::revoked(id.trim()));
            }
            Some(engine::Revoked::Unseen) => {
                println!("{}", text::revoked_unseen(id.trim()));
            }
            None => {
                println!("{}", text::unknown_stick(&id));
                return Ok(ExitCode::from(2));
            }
        },
    }
    Ok(ExitCode::SUCCESS)
}

/// `pin set`: the owner PIN, typed twice at the terminal or given once on standard input.
pub fn pin(home: &Home, action: PinAction) -> Result<ExitCode, Error> {
    let inst = home.load()?;
    let PinAction::Set { pin_stdin } = action;
    let read = |prompt: &str| -> Result<String, Error> {
        if !pin_stdin {
            eprint!("{prompt}: ");
        }
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|e| oqs_courier::state::Error::Io {
                path: "<stdin>".into(),
                source: e,
            })?;
        Ok(line.trim().to_owned())
    };
    let first = read(text::O_NEW_PIN)?;
    let result = if pin_stdin {
        oqs_courier::pin::set(&inst, &first)
    } else {
        let again = read(text::O_NEW_PIN_AGAIN)?;
        if !oqs_courier::pin::valid(&first) {
            Err(oqs_courier::pin::Problem::Format)
        } else if first != again {
            Err(oqs_courier::pin::Problem::Mismatch)
        } else {
            oqs_courier::pin::set(&inst, &first)
        }
    };
    match result {
        Ok(()) => {
            println!("{}", text::O_PIN_SAVED);
            Ok(ExitCode::SUCCESS)
        }
        Err(oqs_courier::pin::Problem::State(e)) => Err(*e),
        Err(p) => {
            eprintln!("{}", p.message());
            Ok(ExitCode::from(2))
        }
    }
}

/// This PC's name when `init` is given none: the computer name, made a valid label.
fn computer_name() -> Label {
    Label::repair(&computer_name_raw(), "PC")
}

fn computer_name_raw() -> String {
    ["COMPUTERNAME", "HOSTNAME"]
        .iter()
        .find_map(|k| std::env::var(k).ok().filter(|v| !v.is_empty()))
        .or_else(|| {
            std::fs::read_to_string("/etc/hostname")
                .ok()
                .map(|s| s.trim().to_owned())
        })
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "PC".to_owned())
}

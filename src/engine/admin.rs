//! Sticks: enrolling, revoking, and whether a stick belongs to this pair.

use super::*;

/// This installation's pair id (clinic keys first, whatever our role), our public keys and the
/// peer's: what a stick marker is checked against.
pub(super) fn pair_of(
    inst: &Installation,
) -> Result<(String, crate::crypto::PublicKeys, crate::crypto::PublicKeys), Error> {
    let peer = inst.peer_keys()?;
    let own = inst.identity.public();
    let pair = match inst.config.role {
        Role::Clinic => pairing::pair_id(&own, &peer),
        Role::Terminal => pairing::pair_id(&peer, &own),
    };
    Ok((pair, own, peer))
}

/// Whether the stick at `root` is enrolled for this installation's pair (and not revoked);
/// `Err` with the English detail when its marker cannot be read or belongs elsewhere. Reads
/// only.
pub fn stick_enrolled(inst: &Installation, root: &Path) -> Result<bool, String> {
    let stick = Stick::at(root).map_err(|e| e.to_string())?;
    let (pair, own, peer) = pair_of(inst).map_err(|e| e.to_string())?;
    match stick.verify_marker(&pair, &[own, peer]) {
        Ok(m) => Ok(!inst
            .journal
            .is_revoked(&m.stick_id)
            .map_err(|e| e.to_string())?),
        Err(crate::stick::Error::NotEnrolled { .. }) => Ok(false),
        Err(e) => Err(e.to_string()),
    }
}

/// Enrolls the stick at `root` for this installation's pair (clinic or terminal). Returns the
/// marker; a stick already enrolled for this pair keeps its id.
pub fn enroll(inst: &mut Installation, root: &Path, label: &Label) -> Result<Marker, Error> {
    let _lock = inst.home.lock()?;
    let stick = Stick::at(root)?;
    let (pair, own, peer) = pair_of(inst)?;
    let marker = match stick.verify_marker(&pair, &[own, peer]) {
        Ok(m) => m,
        Err(crate::stick::Error::NotEnrolled { .. }) => {
            let m = Marker::new(&inst.identity, &pair, label)?;
            stick.write_marker(&m)?;
            m
        }
        Err(e) => return Err(e.into()),
    };
    // The packages folder exists from the start: a full stick then never needs a new folder
    // entry (some FAT drivers leave a broken folder behind when creating one fails).
    stick.ensure(&stick.packages_dir())?;
    inst.journal.note_stick(&marker.stick_id, &marker.label)?;
    inst.journal.audit(&AuditRow {
        stick: Some(marker.stick_id.clone()),
        actor: Some(crate::state::actor()),
        summary: Some(marker.label.clone()),
        ..AuditRow::new(Flow::Local, Audited::Enrolled)
    })?;
    Ok(marker)
}

/// What [`revoke`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Revoked {
    /// The stick was in use here and is revoked now.
    Now,
    /// It was revoked already.
    Already,
    /// This PC never saw it; it is recorded as revoked, so it is refused if it ever arrives.
    Unseen,
}

/// Revokes the stick `id` on this PC (after a loss: on both PCs) and writes it to the audit log.
/// A stick this PC never saw is recorded as revoked too; `None` when `id` is not a stick id
/// (32 hex digits) and nothing was changed.
pub fn revoke(inst: &Installation, id: &str) -> Result<Option<Revoked>, Error> {
    let _lock = inst.home.lock()?;
    let id = id.trim().to_ascii_lowercase();
    let known = inst.journal.sticks()?;
    let what = match known.iter().find(|s| s.id == id) {
        Some(s) if s.revoked.is_some() => Revoked::Already,
        Some(_) => Revoked::Now,
        None if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) => Revoked::Unseen,
        None => return Ok(None),
    };
    if what != Revoked::Already {
        inst.journal.note_stick(&id, "")?;
        inst.journal.revoke_stick(&id)?;
        inst.journal.audit(&AuditRow {
            stick: Some(id),
            actor: Some(crate::state::actor()),
            ..AuditRow::new(Flow::Local, Audited::Revoked)
        })?;
    }
    Ok(Some(what))
}

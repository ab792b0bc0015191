//! The published test vectors (`tests/fixtures/vectors/`, `docs/FORMAT.md` §10).
//!
//! One test recomputes every vector file from the inputs written down here, through the real
//! writer with its randomness and clock fixed, cross-checks every intermediate value against an
//! independent derivation from the primitives, and compares the result with the committed files
//! byte for byte. A missing or different file fails. Only
//! `OQS_COURIER_UPDATE_VECTORS=1 cargo test --test it vectors` rewrites them, and for format v1
//! that must never be needed: a vector that changes is a wire format that changed.
//!
//! The other test reads the committed files the way another implementation would (keys from
//! `pairing.json`, inputs from each `vector.json`) and opens every package with the normal reader.

use super::fixture::Collect;
use oqs_courier::crypto::{Identity, PublicKeys};
use oqs_courier::package::{self, Classified, Envelope, FileEntry, Fixed, Meta, SourceFile};
use oqs_courier::pairing::{self, Card};
use oqs_courier::state::Role;
use ring::aead::{AES_256_GCM, Aad, LessSafeKey, Nonce, UnboundKey};
use ring::hmac;
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;

const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/vectors");
const UPDATE: &str = "OQS_COURIER_UPDATE_VECTORS";
/// Hand-written, not generated.
const README: &str = "README.md";
const CARD_CREATED: &str = "2026-11-27T09:00:00+09:00";

/// A fixed installation: its role, label and two 32-byte secrets.
struct Who {
    role: Role,
    label: &'static str,
    sign_seed: [u8; 32],
    agree_secret: [u8; 32],
}

impl Who {
    fn identity(&self) -> Identity {
        Identity::from_seeds(&self.sign_seed, self.agree_secret).unwrap()
    }
}

/// 32 consecutive byte values from `first`: easy to type into another language.
fn run32(first: u8) -> [u8; 32] {
    std::array::from_fn(|i| first + i as u8)
}

fn clinic() -> Who {
    Who {
        role: Role::Clinic,
        label: "試験クリニック 受付",
        sign_seed: run32(0x00),
        agree_secret: run32(0x20),
    }
}

fn terminal() -> Who {
    Who {
        role: Role::Terminal,
        label: "資格確認端末",
        sign_seed: run32(0x40),
        agree_secret: run32(0x60),
    }
}

fn who(role: Role) -> Who {
    match role {
        Role::Clinic => clinic(),
        Role::Terminal => terminal(),
    }
}

fn other(role: Role) -> Role {
    match role {
        Role::Clinic => Role::Terminal,
        Role::Terminal => Role::Clinic,
    }
}

/// The inputs of one package vector.
struct Input {
    dir: &'static str,
    description: &'static str,
    sender: Role,
    package_id: [u8; 16],
    ephemeral_secret: [u8; 32],
    created: &'static str,
    seq: u64,
    acks: Vec<[u64; 2]>,
    files: Vec<InputFile>,
}

struct InputFile {
    name: &'static str,
    content: Vec<u8>,
    mtime: &'static str,
    kind: &'static str,
    incomplete: bool,
}

fn inputs() -> Vec<Input> {
    let id = |h: &str| {
        let mut a = [0u8; 16];
        hex::decode_to_slice(h, &mut a).unwrap();
        a
    };
    vec![
        Input {
            dir: "1-results-with-acks",
            description: "Terminal to clinic: two small files (a Japanese file name, and a result \
                          that travels flagged incomplete) and two acknowledgement ranges. One \
                          data chunk.",
            sender: Role::Terminal,
            package_id: id("00112233445566778899aabbccddeeff"),
            ephemeral_secret: run32(0x80),
            created: "2026-11-27T09:31:05+09:00",
            seq: 7,
            acks: vec![[1, 3], [5, 6]],
            files: vec![
                InputFile {
                    name: "試験太郎_結果.xml",
                    content: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Result><Name>試験 太郎</Name><Birthdate>19800101</Birthdate><Status>有効</Status></Result>\n"
                        .as_bytes()
                        .to_vec(),
                    mtime: "2026-11-27T00:31:02.123Z",
                    kind: "file",
                    incomplete: false,
                },
                InputFile {
                    name: "OQSsiquc01res_202611270930000001.xml",
                    content: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<XmlMsg><MessageHeader><ArbitraryFileIdentifier>VECTOR-0001</ArbitraryFileIdentifier>"
                        .as_bytes()
                        .to_vec(),
                    mtime: "2026-11-27T00:25:59Z",
                    kind: "single-res",
                    incomplete: true,
                },
            ],
        },
        Input {
            dir: "2-acks-only",
            description: "Clinic to terminal: no files, acknowledgements only. The data file is \
                          one empty chunk: its 16-byte tag.",
            sender: Role::Clinic,
            package_id: id("0f1e2d3c4b5a69788796a5b4c3d2e1f0"),
            ephemeral_secret: run32(0xa0),
            created: "2026-11-27T09:35:00+09:00",
            seq: 12,
            acks: vec![[1, 7]],
            files: vec![],
        },
        Input {
            dir: "3-two-chunks",
            description: "Clinic to terminal: one file of 65,537 bytes (byte i is i mod 251), so \
                          the data stream has a full first chunk (last flag 0) and a 1-byte last \
                          chunk (last flag 1). No acknowledgements; created in UTC.",
            sender: Role::Clinic,
            package_id: id("a5a5a5a5000000000000000000000003"),
            ephemeral_secret: run32(0xc0),
            created: "2026-11-27T00:40:00+00:00",
            seq: 13,
            acks: vec![],
            files: vec![InputFile {
                name: "試験花子_添付.bin",
                content: (0..package::CHUNK_SIZE + 1)
                    .map(|i| (i % 251) as u8)
                    .collect(),
                mtime: "2026-11-27T00:39:58Z",
                kind: "file",
                incomplete: false,
            }],
        },
    ]
}

// ---- What the files say (serialised in this field order) ----

#[derive(Serialize)]
struct PairingJson {
    description: &'static str,
    identities: Vec<IdentityJson>,
    cards: Vec<CardJson>,
    comparison_code: CodeJson,
}

#[derive(Serialize)]
struct IdentityJson {
    role: &'static str,
    label: &'static str,
    ed25519_seed: String,
    ed25519_pkcs8: String,
    sign_pk: String,
    x25519_secret: String,
    agree_pk: String,
    fingerprint: String,
}

#[derive(Serialize)]
struct CardJson {
    role: &'static str,
    file: String,
    signed_message: String,
    signature: String,
}

#[derive(Serialize)]
struct CodeJson {
    sha256: String,
    code: String,
}

#[derive(Serialize)]
struct VectorJson {
    description: &'static str,
    sender: &'static str,
    recipient: &'static str,
    inputs: InputsJson,
    intermediate: IntermediateJson,
    expected: ExpectedJson,
}

#[derive(Serialize)]
struct InputsJson {
    package_id: String,
    ephemeral_secret: String,
    created: &'static str,
    seq: u64,
    sender_role: &'static str,
    acks: Vec<[u64; 2]>,
    files: Vec<FileJson>,
}

#[derive(Serialize)]
struct FileJson {
    name: &'static str,
    content: String,
    size: usize,
    sha256: String,
    mtime: &'static str,
    kind: &'static str,
    incomplete: bool,
}

#[derive(Serialize)]
struct IntermediateJson {
    ephemeral_pk: String,
    shared_secret: String,
    hkdf_salt: String,
    hkdf_ikm: String,
    prk: String,
    meta_key: String,
    data_key: String,
    header: String,
    meta_nonce: String,
    metadata_plaintext: &'static str,
    meta_tag: String,
    signature: String,
    chunks: Vec<ChunkJson>,
}

#[derive(Serialize)]
struct ChunkJson {
    index: u64,
    last: bool,
    nonce: String,
    plaintext_len: usize,
    tag: String,
}

#[derive(Serialize)]
struct ExpectedJson {
    manifest: String,
    manifest_len: usize,
    manifest_sha256: String,
    meta_len: usize,
    data: String,
    data_len: usize,
    data_sha256: String,
}

fn pretty(v: &impl Serialize) -> Vec<u8> {
    let mut b = serde_json::to_vec_pretty(v).unwrap();
    b.push(b'\n');
    b
}

// ---- The independent derivation, from docs/FORMAT.md and the primitives alone ----

fn sha256(b: &[u8]) -> [u8; 32] {
    ring::digest::digest(&ring::digest::SHA256, b)
        .as_ref()
        .try_into()
        .unwrap()
}

fn fingerprint(sign: &[u8; 32], agree: &[u8; 32]) -> [u8; 16] {
    let mut m = b"oqs-courier/v1/fingerprint\0".to_vec();
    m.extend_from_slice(sign);
    m.extend_from_slice(agree);
    sha256(&m)[..16].try_into().unwrap()
}

fn hmac256(key: &[u8], msg: &[u8]) -> [u8; 32] {
    hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), msg)
        .as_ref()
        .try_into()
        .unwrap()
}

/// HKDF-Expand to 32 bytes is a single HMAC block: T(1) = HMAC(prk, info || 0x01).
fn expand32(prk: &[u8; 32], info: &[u8]) -> [u8; 32] {
    let mut m = info.to_vec();
    m.push(1);
    hmac256(prk, &m)
}

fn nonce(index: u64, last: bool) -> [u8; 12] {
    let mut n = [0u8; 12];
    n[3..11].copy_from_slice(&index.to_be_bytes());
    n[11] = u8::from(last);
    n
}

/// Opens `sealed` (ciphertext || tag); returns the plaintext.
fn aes_open(key: &[u8; 32], nonce: [u8; 12], aad: &[u8], sealed: &[u8]) -> Vec<u8> {
    let key = LessSafeKey::new(UnboundKey::new(&AES_256_GCM, key).unwrap());
    let mut buf = sealed.to_vec();
    let n = key
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut buf,
        )
        .unwrap()
        .len();
    buf.truncate(n);
    buf
}

fn x25519(secret: [u8; 32], public: [u8; 32]) -> [u8; 32] {
    x25519_dalek::StaticSecret::from(secret)
        .diffie_hellman(&x25519_dalek::PublicKey::from(public))
        .to_bytes()
}

fn x25519_public(secret: [u8; 32]) -> [u8; 32] {
    x25519_dalek::PublicKey::from(&x25519_dalek::StaticSecret::from(secret)).to_bytes()
}

// ---- Generation ----

/// Every vector file (relative path with `/`, bytes), recomputed from the inputs above.
fn generate() -> BTreeMap<String, Vec<u8>> {
    let mut out = BTreeMap::new();
    let created = chrono::DateTime::parse_from_rfc3339(CARD_CREATED).unwrap();
    let (c, t) = (clinic(), terminal());
    let (ci, ti) = (c.identity(), t.identity());

    let mut identities = Vec::new();
    let mut cards = Vec::new();
    for (w, id) in [(&c, &ci), (&t, &ti)] {
        let keys = id.public();
        let (pkcs8, agree_secret) = id.secrets();
        assert_eq!(agree_secret, w.agree_secret);
        assert_eq!(keys.agree, x25519_public(w.agree_secret));
        assert_eq!(keys.fingerprint().0, fingerprint(&keys.sign, &keys.agree));
        identities.push(IdentityJson {
            role: w.role.as_str(),
            label: w.label,
            ed25519_seed: hex::encode(w.sign_seed),
            ed25519_pkcs8: hex::encode(pkcs8),
            sign_pk: hex::encode(keys.sign),
            x25519_secret: hex::encode(w.agree_secret),
            agree_pk: hex::encode(keys.agree),
            fingerprint: keys.fingerprint().to_string(),
        });

        let card = Card::new_at(id, w.role, &w.label.parse().unwrap(), created);
        let bytes = card.to_bytes().unwrap();
        let file = format!("{}.card", w.role.as_str());
        Card::parse(&bytes, Path::new(&file)).unwrap();
        let mut signed = b"oqs-courier/v1/pairing-card\0".to_vec();
        signed.extend_from_slice(w.role.as_str().as_bytes());
        signed.push(0);
        signed.extend_from_slice(&keys.sign);
        signed.extend_from_slice(&keys.agree);
        signed.extend_from_slice(w.label.as_bytes());
        keys.verify(&signed, &hex::decode(&card.signature).unwrap())
            .unwrap();
        cards.push(CardJson {
            role: w.role.as_str(),
            file: file.clone(),
            signed_message: hex::encode(&signed),
            signature: card.signature.clone(),
        });
        out.insert(file, bytes);
    }

    let (ck, tk) = (ci.public(), ti.public());
    let mut m = b"oqs-courier/v1/comparison-code\0".to_vec();
    for k in [&ck, &tk] {
        m.extend_from_slice(&k.sign);
        m.extend_from_slice(&k.agree);
    }
    let d = sha256(&m);
    let n = u64::from_be_bytes(d[..8].try_into().unwrap()) % 1_000_000;
    let code = format!("{:03} {:03}", n / 1000, n % 1000);
    assert_eq!(code, pairing::comparison_code(&ck, &tk));
    out.insert(
        "pairing.json".into(),
        pretty(&PairingJson {
            description: "Two test-only installations (published secrets: they protect \
                          nothing), their pairing cards and their comparison code. See \
                          README.md and docs/FORMAT.md section 10.",
            identities,
            cards,
            comparison_code: CodeJson {
                sha256: hex::encode(d),
                code,
            },
        }),
    );

    for input in inputs() {
        generate_package(&input, &mut out);
    }
    out
}

fn generate_package(input: &Input, out: &mut BTreeMap<String, Vec<u8>>) {
    let (sender, recipient) = (who(input.sender), who(other(input.sender)));
    let (si, ri) = (sender.identity(), recipient.identity());
    let (sk, rk) = (si.public(), ri.public());

    // Seal through the real writer, randomness and clock fixed.
    let tmp = tempfile::tempdir().unwrap();
    let mut sources = Vec::new();
    for (i, f) in input.files.iter().enumerate() {
        let path = tmp.path().join(i.to_string());
        std::fs::write(&path, &f.content).unwrap();
        let mtime = chrono::DateTime::parse_from_rfc3339(f.mtime).unwrap();
        std::fs::File::options()
            .write(true)
            .open(&path)
            .unwrap()
            .set_modified(mtime.into())
            .unwrap();
        sources.push(SourceFile {
            path,
            name: f.name.to_owned(),
            kind: f.kind.to_owned(),
            incomplete: f.incomplete,
        });
    }
    let stick = tmp.path().join("packages");
    std::fs::create_dir(&stick).unwrap();
    let env = Envelope {
        identity: &si,
        recipient: &rk,
        seq: input.seq,
        sender_role: input.sender.as_str(),
        acks: input.acks.clone(),
        health: None,
        terminal_settings: None,
        update: None,
    };
    let fixed = Fixed {
        package_id: input.package_id,
        ephemeral_secret: input.ephemeral_secret,
        created: chrono::DateTime::parse_from_rfc3339(input.created).unwrap(),
    };
    let written = package::write_package_fixed(env, &stick, &sources, &fixed).unwrap();
    let manifest = std::fs::read(&written.manifest_path).unwrap();
    let data = std::fs::read(&written.data_path).unwrap();

    // The metadata the inputs call for, built independently of the writer.
    let meta = Meta {
        seq: input.seq,
        created: input.created.to_owned(),
        sender_role: input.sender.as_str().to_owned(),
        acks: input.acks.clone(),
        files: input
            .files
            .iter()
            .map(|f| FileEntry {
                name: f.name.to_owned(),
                size: f.content.len() as u64,
                sha256: hex::encode(sha256(&f.content)),
                mtime: Some(f.mtime.to_owned()),
                kind: f.kind.to_owned(),
                incomplete: f.incomplete,
            })
            .collect(),
        health: None,
        terminal_settings: None,
        update: None,
    };
    assert_eq!(written.meta, meta);
    let meta_plain = serde_json::to_vec(&meta).unwrap();

    // Keys (FORMAT.md §5), both sides.
    let eph_pk = x25519_public(input.ephemeral_secret);
    let shared = x25519(input.ephemeral_secret, rk.agree);
    assert_eq!(shared, x25519(recipient.agree_secret, eph_pk));
    assert_ne!(shared, [0u8; 32]);
    let mut ikm = shared.to_vec();
    ikm.extend_from_slice(&eph_pk);
    ikm.extend_from_slice(&rk.agree);
    let prk = hmac256(&input.package_id, &ikm);
    let meta_key = expand32(&prk, b"oqs-courier/v1/meta-key");
    let data_key = expand32(&prk, b"oqs-courier/v1/data-key");

    // Data stream (§5): the plaintext cut into 64 KiB chunks, each sealed on its own.
    let plain: Vec<u8> = input.files.iter().flat_map(|f| f.content.clone()).collect();
    let pieces: Vec<&[u8]> = if plain.is_empty() {
        vec![&[]]
    } else {
        plain.chunks(package::CHUNK_SIZE).collect()
    };
    let mut chunks = Vec::new();
    let mut at = 0;
    for (i, piece) in pieces.iter().enumerate() {
        let last = i + 1 == pieces.len();
        let sealed = &data[at..at + piece.len() + 16];
        at += sealed.len();
        let n = nonce(i as u64, last);
        assert_eq!(aes_open(&data_key, n, &input.package_id, sealed), *piece);
        chunks.push(ChunkJson {
            index: i as u64,
            last,
            nonce: hex::encode(n),
            plaintext_len: piece.len(),
            tag: hex::encode(&sealed[piece.len()..]),
        });
    }
    assert_eq!(at, data.len(), "the data file is exactly the chunks");

    // Manifest (§4): header, sealed metadata, signature.
    let meta_len = meta_plain.len() + 16;
    let mut header = b"OQSC-MAN".to_vec();
    header.extend_from_slice(&1u16.to_be_bytes());
    header.extend_from_slice(&0u16.to_be_bytes());
    header.extend_from_slice(&input.package_id);
    header.extend_from_slice(&fingerprint(&sk.sign, &sk.agree));
    header.extend_from_slice(&fingerprint(&rk.sign, &rk.agree));
    header.extend_from_slice(&eph_pk);
    header.extend_from_slice(&(data.len() as u64).to_be_bytes());
    header.extend_from_slice(&(meta_len as u32).to_be_bytes());
    assert_eq!(header.len(), 104);
    assert_eq!(manifest.len(), 104 + meta_len + 64);
    assert_eq!(manifest[..104], header[..]);
    let meta_nonce = nonce(0, true);
    let sealed_meta = &manifest[104..104 + meta_len];
    assert_eq!(
        aes_open(&meta_key, meta_nonce, &header, sealed_meta),
        meta_plain
    );
    let mut signed = b"oqs-courier/v1/manifest\0".to_vec();
    signed.extend_from_slice(&manifest[..104 + meta_len]);
    let signature = &manifest[104 + meta_len..];
    ring::signature::UnparsedPublicKey::new(&ring::signature::ED25519, sk.sign)
        .verify(&signed, signature)
        .unwrap();

    let id = hex::encode(input.package_id);
    let dir = input.dir;
    let vector = VectorJson {
        description: input.description,
        sender: input.sender.as_str(),
        recipient: other(input.sender).as_str(),
        inputs: InputsJson {
            package_id: id.clone(),
            ephemeral_secret: hex::encode(input.ephemeral_secret),
            created: input.created,
            seq: input.seq,
            sender_role: input.sender.as_str(),
            acks: input.acks.clone(),
            files: input
                .files
                .iter()
                .enumerate()
                .map(|(i, f)| FileJson {
                    name: f.name,
                    content: format!("inputs/{i}"),
                    size: f.content.len(),
                    sha256: hex::encode(sha256(&f.content)),
                    mtime: f.mtime,
                    kind: f.kind,
                    incomplete: f.incomplete,
                })
                .collect(),
        },
        intermediate: IntermediateJson {
            ephemeral_pk: hex::encode(eph_pk),
            shared_secret: hex::encode(shared),
            hkdf_salt: id.clone(),
            hkdf_ikm: hex::encode(&ikm),
            prk: hex::encode(prk),
            meta_key: hex::encode(meta_key),
            data_key: hex::encode(data_key),
            header: hex::encode(&header),
            meta_nonce: hex::encode(meta_nonce),
            metadata_plaintext: "meta.json",
            meta_tag: hex::encode(&sealed_meta[meta_len - 16..]),
            signature: hex::encode(signature),
            chunks,
        },
        expected: ExpectedJson {
            manifest: format!("{id}.oqm"),
            manifest_len: manifest.len(),
            manifest_sha256: hex::encode(sha256(&manifest)),
            meta_len,
            data: format!("{id}.oqd"),
            data_len: data.len(),
            data_sha256: hex::encode(sha256(&data)),
        },
    };
    out.insert(format!("{dir}/vector.json"), pretty(&vector));
    out.insert(format!("{dir}/meta.json"), meta_plain);
    for (i, f) in input.files.iter().enumerate() {
        out.insert(format!("{dir}/inputs/{i}"), f.content.clone());
    }
    out.insert(format!("{dir}/{id}.oqm"), manifest);
    out.insert(format!("{dir}/{id}.oqd"), data);
}

/// The files under the vectors folder, as relative paths with `/`.
fn on_disk() -> Vec<String> {
    super::util::tree(Path::new(DIR))
        .into_iter()
        .map(|(p, _)| p.replace('\\', "/"))
        .filter(|p| !p.ends_with('/'))
        .collect()
}

/// With `OQS_COURIER_UPDATE_VECTORS=1`, rewrites the vector files once per run, before either
/// test looks at them; otherwise does nothing.
fn rewrite_if_asked() {
    static ONCE: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    ONCE.get_or_init(|| {
        if std::env::var_os(UPDATE).is_none_or(|v| v != "1") {
            return;
        }
        let root = Path::new(DIR);
        for rel in on_disk() {
            if rel != README {
                std::fs::remove_file(root.join(&rel)).unwrap();
            }
        }
        for (rel, bytes) in generate() {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    });
}

#[test]
fn vectors_are_recomputed_byte_for_byte() {
    rewrite_if_asked();
    let want = generate();
    let root = Path::new(DIR);
    let mut problems = Vec::new();
    for (rel, bytes) in &want {
        match std::fs::read(root.join(rel)) {
            Ok(got) if got == *bytes => {}
            Ok(_) => problems.push(format!("{rel} differs")),
            Err(e) => problems.push(format!("{rel} cannot be read: {e}")),
        }
    }
    for rel in on_disk() {
        if rel != README && !want.contains_key(&rel) {
            problems.push(format!("{rel} is not a vector file"));
        }
    }
    assert!(
        problems.is_empty(),
        "the test vectors in {DIR} do not match what this build writes:\n{}\n\
         Format v1 is frozen, so this is a wire-format change. Only if that is intended (a new \
         format version), rewrite them with {UPDATE}=1 cargo test --test it vectors",
        problems.join("\n")
    );
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn bytes32(v: &serde_json::Value) -> [u8; 32] {
    let mut a = [0u8; 32];
    hex::decode_to_slice(v.as_str().unwrap(), &mut a).unwrap();
    a
}

/// Reads the committed vectors as another implementation would and opens every package with the
/// normal reader, as its recipient.
#[test]
fn vector_packages_open_with_the_normal_reader() {
    rewrite_if_asked();
    let root = Path::new(DIR);
    let pairing = json(&root.join("pairing.json"));
    let mut ids: BTreeMap<String, Identity> = BTreeMap::new();
    for i in pairing["identities"].as_array().unwrap() {
        let id = Identity::from_seeds(&bytes32(&i["ed25519_seed"]), bytes32(&i["x25519_secret"]))
            .unwrap();
        let keys = id.public();
        assert_eq!(hex::encode(keys.sign), i["sign_pk"]);
        assert_eq!(hex::encode(keys.agree), i["agree_pk"]);
        assert_eq!(keys.fingerprint().to_string(), i["fingerprint"]);
        assert_eq!(hex::encode(id.secrets().0), i["ed25519_pkcs8"]);
        ids.insert(i["role"].as_str().unwrap().to_owned(), id);
    }
    let public = |role: &str| -> PublicKeys { ids[role].public() };
    for c in pairing["cards"].as_array().unwrap() {
        let path = root.join(c["file"].as_str().unwrap());
        let card = Card::parse(&std::fs::read(&path).unwrap(), &path).unwrap();
        assert_eq!(card.keys().unwrap(), public(c["role"].as_str().unwrap()));
        assert_eq!(card.role.as_str(), c["role"]);
    }
    assert_eq!(
        pairing::comparison_code(&public("clinic"), &public("terminal")),
        pairing["comparison_code"]["code"]
    );

    let mut opened = 0;
    for entry in std::fs::read_dir(root).unwrap() {
        let dir = entry.unwrap().path();
        if !dir.is_dir() {
            continue;
        }
        let v = json(&dir.join("vector.json"));
        let (from, to) = (
            v["sender"].as_str().unwrap(),
            v["recipient"].as_str().unwrap(),
        );
        let manifest = dir.join(v["expected"]["manifest"].as_str().unwrap());
        let Classified::ForUs(m) =
            package::read_manifest(&manifest, &ids[to], Some(&public(from))).unwrap()
        else {
            panic!("{} is addressed to the {to}", manifest.display());
        };
        let inputs = &v["inputs"];
        assert_eq!(m.meta.seq, inputs["seq"].as_u64().unwrap());
        assert_eq!(m.meta.created, inputs["created"]);
        assert_eq!(m.meta.sender_role, inputs["sender_role"]);
        assert_eq!(serde_json::to_value(&m.meta.acks).unwrap(), inputs["acks"]);
        let files = inputs["files"].as_array().unwrap();
        let mut got = Collect::default();
        m.stream(&mut got).unwrap();
        assert_eq!(got.0.len(), files.len());
        for ((name, bytes), (f, entry)) in got.0.iter().zip(files.iter().zip(&m.meta.files)) {
            assert_eq!(name, f["name"].as_str().unwrap());
            assert_eq!(
                bytes,
                &std::fs::read(dir.join(f["content"].as_str().unwrap())).unwrap()
            );
            assert_eq!(entry.mtime.as_deref(), f["mtime"].as_str());
            assert_eq!(entry.kind, f["kind"]);
            assert_eq!(entry.incomplete, f["incomplete"]);
        }
        // The sender sees its own package; nobody else opens it.
        assert!(matches!(
            package::read_manifest(&manifest, &ids[from], Some(&public(to))).unwrap(),
            Classified::Own(_)
        ));
        assert!(package::read_manifest(&manifest, &ids[to], Some(&public(to))).is_err());
        opened += 1;
    }
    assert_eq!(opened, inputs().len(), "every vector is in {DIR}");
}

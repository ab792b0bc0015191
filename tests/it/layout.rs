//! The architecture, checked: no module of `src/` imports another that imports it back.
//!
//! A text scan of the crate's own source (non-test code, comments left out): each top-level
//! module (`src/<name>.rs` or `src/<name>/`) depends on every `crate::<module>` it names. The
//! crate-wide error (`error`, re-exported as `crate::Error`) is the one exception by design: it
//! is the sum of every module's error, and every module returns it.
#![cfg(not(windows))]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Exempt from the cycle rule (see the module doc).
const SUM_TYPES: [&str; 3] = ["error", "Error", "ErrorKind"];

fn source_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            source_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without its `#[cfg(test)]` module and without comments.
fn code(text: &str) -> String {
    let text = match text.find("#[cfg(test)]\nmod tests") {
        Some(i) => &text[..i],
        None => text,
    };
    text.lines()
        .map(|l| match l.find("//") {
            Some(i) if !l[..i].contains('"') => &l[..i],
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The crate modules `code` names: `crate::x`, and `x` inside `use crate::{x, y::z}`.
fn named(code: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    for (i, _) in code.match_indices("crate::") {
        let rest = &code[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for part in group[..end].split(',') {
                let m = ident(part.trim());
                if !m.is_empty() {
                    out.insert(m);
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    source_files(&src, &mut files);
    let modules: BTreeSet<String> = files
        .iter()
        .filter_map(|f| {
            let rel = f.strip_prefix(&src).ok()?;
            let top = rel.components().next()?.as_os_str().to_str()?;
            Some(top.trim_end_matches(".rs").to_owned())
        })
        .filter(|m| !["lib", "main", "bin"].contains(&m.as_str()))
        .collect();
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for f in &files {
        let rel = f.strip_prefix(&src).unwrap();
        let top = rel
            .components()
            .next()
            .unwrap()
            .as_os_str()
            .to_str()
            .unwrap();
        let top = top.trim_end_matches(".rs").to_owned();
        if !modules.contains(&top) || SUM_TYPES.contains(&top.as_str()) {
            continue;
        }
        let deps = named(&code(&std::fs::read_to_string(f).unwrap()));
        g.entry(top.clone()).or_default().extend(
            deps.into_iter()
                .filter(|d| *d != top && modules.contains(d) && !SUM_TYPES.contains(&d.as_str())),
        );
    }
    g
}

/// Every cycle, as the path back to its start, found by a depth-first search.
fn cycles(g: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    fn visit(
        g: &BTreeMap<String, BTreeSet<String>>,
        node: &str,
        path: &mut Vec<String>,
        found: &mut BTreeSet<Vec<String>>,
    ) {
        if let Some(i) = path.iter().position(|p| p == node) {
            let mut cycle = path[i..].to_vec();
            // One rotation per cycle: start at its smallest name.
            let start = (0..cycle.len()).min_by_key(|&k| &cycle[k]).unwrap();
            cycle.rotate_left(start);
            found.insert(cycle);
            return;
        }
        path.push(node.to_owned());
        for next in g.get(node).into_iter().flatten() {
            visit(g, next, path, found);
        }
        path.pop();
    }
    let mut found = BTreeSet::new();
    for node in g.keys() {
        visit(g, node, &mut Vec::new(), &mut found);
    }
    found.into_iter().collect()
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let g = graph();
    assert!(g.len() > 10, "the scan found the modules: {g:?}");
    let found = cycles(&g);
    assert!(
        found.is_empty(),
        "import cycles between modules of src/:\n{}",
        found
            .iter()
            .map(|c| format!("  {} -> {}", c.join(" -> "), c[0]))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn the_cycle_check_sees_a_cycle() {
    let g: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.into_iter().map(str::to_owned).collect()))
    .collect();
    assert_eq!(
        cycles(&g),
        vec![vec!["a".to_owned(), "b".to_owned(), "c".to_owned()]]
    );
    assert_eq!(
        named("use crate::{state::Role, stick};\nlet x = crate::detect::y();"),
        ["detect", "state", "stick"]
            .into_iter()
            .map(str::to_owned)
            .collect()
    );
}

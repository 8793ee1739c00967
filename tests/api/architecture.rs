//! The shape of the code (docs/ARCHITECTURE.md): no import cycle between the top-level
//! modules of `src/`, nor between the files of one module. Read from the source, the way
//! a reader follows `crate::` and `super::` paths (comments and test modules left out).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Every `.rs` file under `dir`, but a test module in a file of its own (`tests.rs`).
fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).expect("read src") {
        let p = e.expect("dir entry").path();
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs")
            && p.file_stem().is_some_and(|s| s != "tests")
        {
            out.push(p);
        }
    }
}

/// The module path of a file (`services/orders/mod.rs` → ["services", "orders"]).
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).expect("under src").with_extension("");
    let mut parts: Vec<String> =
        rel.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The code of a file without its comments and its test module.
fn code_of(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n")
}

/// The names that follow `prefix` (`crate::`, `super::`) in `code`, with the next one.
fn paths_after<'a>(code: &'a str, prefix: &str) -> Vec<(&'a str, Option<&'a str>)> {
    let ident = |s: &'a str| -> &'a str {
        let end = s
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_'))
            .unwrap_or(s.len());
        &s[..end]
    };
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before_ok =
            rest[..at].chars().next_back().is_none_or(|c| !(c.is_alphanumeric() || c == '_'));
        rest = &rest[at + prefix.len()..];
        if !before_ok {
            continue;
        }
        let first = ident(rest);
        if first.is_empty() {
            continue;
        }
        let second = rest[first.len()..].strip_prefix("::").map(ident).filter(|s| !s.is_empty());
        out.push((first, second));
    }
    out
}

/// The cycles of a graph (its strongly connected components of more than one node).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    // Two nodes are in one cycle when each reaches the other.
    let reach = |from: &str| -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut todo = vec![from.to_string()];
        while let Some(n) = todo.pop() {
            for m in graph.get(&n).into_iter().flatten() {
                if seen.insert(m.clone()) {
                    todo.push(m.clone());
                }
            }
        }
        seen
    };
    let reaches: BTreeMap<&String, BTreeSet<String>> =
        graph.keys().map(|k| (k, reach(k))).collect();
    let mut found: Vec<Vec<String>> = Vec::new();
    let mut placed = BTreeSet::new();
    for a in graph.keys() {
        if placed.contains(a) || !reaches[a].contains(a) {
            continue;
        }
        let members: Vec<String> = graph
            .keys()
            .filter(|b| reaches[a].contains(*b) && reaches[*b].contains(a))
            .cloned()
            .collect();
        placed.extend(members.iter().cloned());
        found.push(members);
    }
    found
}

#[test]
fn no_module_imports_one_that_imports_it_back() {
    let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    // Top level (`services`, `db`, …) and one level down (`services::orders`, …).
    let mut top: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    let mut inner: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for file in &files {
        let m = module_of(&src, file);
        let Some(first) = m.first().cloned() else {
            continue;
        };
        // The binary's command line and the crate roots import everything by design.
        if ["main", "lib", "cli"].contains(&first.as_str()) {
            continue;
        }
        let code = code_of(&std::fs::read_to_string(file).expect("read source"));
        let here = m.iter().take(2).cloned().collect::<Vec<_>>().join("::");
        top.entry(first.clone()).or_default();
        inner.entry(here.clone()).or_default();
        for (a, b) in paths_after(&code, "crate::") {
            if a != first {
                top.entry(first.clone()).or_default().insert(a.to_string());
            }
            let to = match b {
                Some(b) => format!("{a}::{b}"),
                None => a.to_string(),
            };
            if to != here {
                inner.entry(here.clone()).or_default().insert(to);
            }
        }
        // `super::x` in a file one level down names a sibling.
        if m.len() >= 2 {
            for (a, _) in paths_after(&code, "super::") {
                let to = format!("{first}::{a}");
                if to != here {
                    inner.entry(here.clone()).or_default().insert(to);
                }
            }
        }
    }
    let keep = |g: &mut BTreeMap<String, BTreeSet<String>>| {
        let nodes: BTreeSet<String> = g.keys().cloned().collect();
        for v in g.values_mut() {
            v.retain(|t| nodes.contains(t));
        }
    };
    keep(&mut top);
    keep(&mut inner);
    assert!(top.contains_key("services") && top["services"].contains("db"));
    assert_eq!(cycles(&top), Vec::<Vec<String>>::new(), "top-level modules");
    assert_eq!(cycles(&inner), Vec::<Vec<String>>::new(), "modules one level down");
}

#[test]
fn the_cycle_finder_finds_a_cycle() {
    let g: BTreeMap<String, BTreeSet<String>> =
        [("a", vec!["b"]), ("b", vec!["c"]), ("c", vec!["a"]), ("d", vec!["a"])]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.into_iter().map(str::to_string).collect()))
            .collect();
    assert_eq!(cycles(&g), vec![vec!["a".to_string(), "b".into(), "c".into()]]);
    assert_eq!(
        paths_after("use crate::db::{self, x}; my_crate::y; super::z", "crate::"),
        vec![("db", None)]
    );
}

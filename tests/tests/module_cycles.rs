//! No crate in the workspace has an import cycle between its top-level modules.
//!
//! The first `sandbox/` had one (`server` ↔ `dynamodb` / `s3` / `sts`): two
//! modules that name each other can't be read, tested or moved one at a time.
//! This reads each crate's `src/` and follows every `crate::<module>` path
//! (in `use` items, braced `use crate::{a, b::C}` lists and inline paths) from
//! the top-level module the file belongs to, then looks for a cycle.
//! A submodule naming its own parent is not an edge: it is the same module.
//! A name re-exported at the crate root (`crate::VendError`) is a leaf here:
//! the check sees module paths, not where a re-export points.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

type Graph = BTreeMap<String, BTreeSet<String>>;

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the workspace")
        .to_path_buf()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).expect("readable src dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file under `src/` belongs to; `None` for the crate
/// root and for binaries, which may use anything.
fn top_module(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main" | "bin")).then(|| name.to_owned())
}

fn strip_line_comments(text: &str) -> String {
    text.lines()
        .map(|line| line.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// Every module a piece of source names through `crate::`.
fn referenced_modules(text: &str) -> BTreeSet<String> {
    let text = strip_line_comments(text);
    let mut found = BTreeSet::new();
    for (at, _) in text.match_indices("crate::") {
        if text[..at].ends_with(|c: char| is_ident_char(c) || c == ':' || c == '$') {
            continue; // `$crate::` or `other_crate::`
        }
        let rest = &text[at + "crate::".len()..];
        if let Some(list) = rest.strip_prefix('{') {
            let list = &list[..list.find('}').unwrap_or(list.len())];
            // only the first segment of each entry, at brace depth 0
            let mut depth = 0;
            let mut entry_start = true;
            for (i, c) in list.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => entry_start = true,
                    c if entry_start && depth == 0 && is_ident_char(c) => {
                        let word: String = list[i..]
                            .chars()
                            .take_while(|c| is_ident_char(*c))
                            .collect();
                        found.insert(word);
                        entry_start = false;
                    }
                    _ => {}
                }
            }
        } else {
            let word: String = rest.chars().take_while(|c| is_ident_char(*c)).collect();
            if !word.is_empty() {
                found.insert(word);
            }
        }
    }
    found
}

fn module_graph(src: &Path) -> Graph {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let mut graph = Graph::new();
    for file in files {
        let Some(from) = top_module(src, &file) else {
            continue;
        };
        let text = fs::read_to_string(&file).expect("readable source");
        let targets = graph.entry(from.clone()).or_default();
        for to in referenced_modules(&text) {
            if to != from {
                targets.insert(to);
            }
        }
    }
    graph
}

/// One cycle, as the modules on it, if the graph has any.
fn find_cycle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        node: &str,
        graph: &Graph,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = path.iter().position(|n| n == node) {
            let mut cycle = path[start..].to_vec();
            cycle.push(node.to_owned());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_owned());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, path, done) {
                return Some(cycle);
            }
        }
        path.pop();
        done.insert(node.to_owned());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|node| visit(node, graph, &mut Vec::new(), &mut done))
}

fn crate_src_dirs() -> Vec<PathBuf> {
    let root = workspace_root();
    let mut dirs = Vec::new();
    for parent in [root.clone(), root.join("examples")] {
        for entry in fs::read_dir(&parent).expect("readable workspace") {
            let src = entry.expect("dir entry").path().join("src");
            if src.is_dir() && src.parent().is_some_and(|c| c.join("Cargo.toml").is_file()) {
                dirs.push(src);
            }
        }
    }
    dirs.sort();
    dirs
}

#[test]
fn no_crate_has_an_import_cycle_between_its_modules() {
    let dirs = crate_src_dirs();
    assert!(
        dirs.iter().any(|d| d.ends_with("iam-gateway/src")),
        "the walk must reach the gateway, found {dirs:?}"
    );
    let cycles: Vec<String> = dirs
        .iter()
        .filter_map(|src| {
            find_cycle(&module_graph(src))
                .map(|cycle| format!("{}: {}", src.display(), cycle.join(" -> ")))
        })
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

#[test]
fn the_reader_sees_every_form_of_crate_path() {
    let text = "use crate::{VendError, request_body::{parse, Limit}};\n\
                use crate::sts::Client; // crate::not_this\n\
                let x = crate::state::State::new(); $crate::macro_only; other_crate::x;";
    let found: Vec<_> = referenced_modules(text).into_iter().collect();
    assert_eq!(found, ["VendError", "request_body", "state", "sts"]);
}

#[test]
fn a_two_module_cycle_is_found_and_a_chain_is_not() {
    let graph = |edges: &[(&str, &str)]| {
        let mut g = Graph::new();
        for (a, b) in edges {
            g.entry((*a).to_owned())
                .or_default()
                .insert((*b).to_owned());
        }
        g
    };
    let cycle = find_cycle(&graph(&[("server", "dynamodb"), ("dynamodb", "server")]));
    assert_eq!(
        cycle.expect("a cycle").len(),
        3,
        "server -> dynamodb -> server"
    );
    assert_eq!(
        find_cycle(&graph(&[("pipeline", "authz"), ("dynamodb", "pipeline")])),
        None
    );
}

//! The documents the editor has open, each with its analysis computed once
//! per version: the compiler's diagnostics and the name index.

use std::cell::OnceCell;
use std::collections::HashMap;
use std::path::PathBuf;

use ivr_compiler::{Compiled, Syntax};
use lsp_types::{TextDocumentContentChangeEvent, Uri};

use super::index::Index;
use super::text::Lines;

pub struct Doc {
    pub uri: Uri,
    pub text: String,
    pub version: i32,
    /// `None` for files that are not flows (scenario files): nothing to check.
    pub syntax: Option<Syntax>,
    pub lines: Lines,
    analysis: OnceCell<Analysis>,
    /// Built apart from the analysis, on first use: publishing diagnostics
    /// after an edit (the path an author waits on) needs only the compiler.
    index: OnceCell<Index>,
}

pub struct Analysis {
    pub compiled: Compiled,
}

impl Doc {
    pub fn new(uri: Uri, language_id: &str, text: String, version: i32) -> Doc {
        let syntax = syntax_of(uri.as_str(), language_id);
        Doc {
            uri,
            lines: Lines::new(&text),
            text,
            version,
            syntax,
            analysis: OnceCell::new(),
            index: OnceCell::new(),
        }
    }

    pub fn analysis(&self) -> &Analysis {
        self.analysis
            .get_or_init(|| analyse(&self.text, self.syntax))
    }

    /// Names and blocks of `.ivr` text (empty for YAML and scenario files).
    pub fn index(&self) -> &Index {
        self.index.get_or_init(|| {
            if self.syntax == Some(Syntax::Ivr) {
                Index::new(&self.text)
            } else {
                Index::default()
            }
        })
    }

    /// Apply the client's edits in order (a change without a range replaces
    /// the whole text).
    pub fn change(&mut self, version: i32, changes: Vec<TextDocumentContentChangeEvent>) {
        for change in changes {
            match change.range {
                Some(range) => {
                    let span = self.lines.span(&self.text, range);
                    self.text
                        .replace_range(span.start as usize..span.end as usize, &change.text);
                }
                None => self.text = change.text,
            }
            self.lines = Lines::new(&self.text);
        }
        self.version = version;
        self.analysis = OnceCell::new();
        self.index = OnceCell::new();
    }

    pub fn is_ivr(&self) -> bool {
        self.syntax == Some(Syntax::Ivr)
    }
}

/// Compile text as the `ivr` command would.
pub fn analyse(text: &str, syntax: Option<Syntax>) -> Analysis {
    Analysis {
        compiled: match syntax {
            None => Compiled {
                graph: None,
                diagnostics: Vec::new(),
            },
            Some(syntax) => ivr_compiler::compile(text, syntax),
        },
    }
}

/// A flow's syntax by its name, then by the editor's language id.
fn syntax_of(uri: &str, language_id: &str) -> Option<Syntax> {
    let lower = uri.to_ascii_lowercase();
    if lower.ends_with(".test.yaml") || lower.ends_with(".test.yml") {
        return None;
    }
    Syntax::from_path(&lower).or(match language_id {
        "yaml" => Some(Syntax::Yaml),
        _ => Some(Syntax::Ivr),
    })
}

/// The file a `file:` URI names.
pub fn path_of(uri: &Uri) -> Option<PathBuf> {
    url::Url::parse(uri.as_str()).ok()?.to_file_path().ok()
}

/// The `file:` URI of a path.
pub fn uri_of(path: &std::path::Path) -> Option<Uri> {
    let url = url::Url::from_file_path(path).ok()?;
    url.as_str().parse().ok()
}

/// What a request may read: the open documents (by URI) and the workspace
/// folders.
#[derive(Clone, Copy)]
pub struct Workspace<'a> {
    pub docs: &'a HashMap<String, Doc>,
    pub roots: &'a [PathBuf],
}

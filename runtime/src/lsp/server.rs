//! The server's state and its answer to each message. Every request and
//! notification runs under `catch_unwind`: a bug answers one request with an
//! error, it never takes the editor's server down.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use lsp_server::{ErrorCode, Message, Notification, Request, RequestId, Response};
use lsp_types::notification::{
    DidChangeTextDocument, DidChangeWatchedFiles, DidCloseTextDocument, DidOpenTextDocument,
    DidSaveTextDocument, Notification as _, PublishDiagnostics,
};
use lsp_types::{
    DidChangeTextDocumentParams, DidChangeWatchedFilesParams, DidCloseTextDocumentParams,
    DidOpenTextDocumentParams, DidSaveTextDocumentParams, FileChangeType, InitializeParams,
    PublishDiagnosticsParams, Uri,
};
use serde_json::Value;

use super::capabilities;
use super::diagnostics::{self, DocsLink};
use super::docs::{Doc, Workspace, path_of};
use super::requests::{self, Answer};

/// How long the author may pause typing before a change is checked.
pub const DEBOUNCE: Duration = Duration::from_millis(150);

#[derive(Clone, Copy, PartialEq, Eq)]
enum State {
    Starting,
    Running,
    ShuttingDown,
}

pub struct Server {
    state: State,
    pub docs: HashMap<String, Doc>,
    pub roots: Vec<PathBuf>,
    /// `initializationOptions.diagnosticsDocs`: the URL of docs/diagnostics.md.
    docs_url: Option<String>,
    /// Can the client watch files for us (dynamic registration)?
    can_watch: bool,
    /// Documents to check, and when.
    due: HashMap<String, Instant>,
    outbox: Vec<Message>,
}

/// What the loop does after a message.
pub enum Next {
    Continue,
    Exit,
}

impl Server {
    pub fn new() -> Server {
        Server {
            state: State::Starting,
            docs: HashMap::new(),
            roots: Vec::new(),
            docs_url: None,
            can_watch: false,
            due: HashMap::new(),
            outbox: Vec::new(),
        }
    }

    /// Messages to send to the client.
    pub fn drain(&mut self) -> Vec<Message> {
        std::mem::take(&mut self.outbox)
    }

    /// When the next check is due.
    pub fn next_due(&self) -> Option<Instant> {
        self.due.values().min().copied()
    }

    pub fn handle(&mut self, message: Message) -> Next {
        match message {
            Message::Request(request) => {
                let response = self.request(request);
                self.outbox.push(response.into());
                Next::Continue
            }
            Message::Response(_) => Next::Continue,
            Message::Notification(n) if n.method == "exit" => Next::Exit,
            Message::Notification(n) => {
                if self.state == State::Running {
                    let method = n.method.clone();
                    if catch_unwind(AssertUnwindSafe(|| self.notification(n))).is_err() {
                        self.log(&format!("ivr lsp: internal error handling `{method}`"));
                    }
                }
                Next::Continue
            }
        }
    }

    fn request(&mut self, request: Request) -> Response {
        let id = request.id.clone();
        let answer = match (self.state, request.method.as_str()) {
            (State::Starting, "initialize") => self.initialize(request.params),
            (State::Starting, _) => Err((
                ErrorCode::ServerNotInitialized,
                "the server is not initialized".into(),
            )),
            (State::Running, "initialize") => Err((
                ErrorCode::InvalidRequest,
                "the server is already initialized".into(),
            )),
            (State::Running, "shutdown") => {
                self.state = State::ShuttingDown;
                Ok(Value::Null)
            }
            (State::Running, method) => {
                let method = method.to_string();
                match catch_unwind(AssertUnwindSafe(|| {
                    let workspace = Workspace {
                        docs: &self.docs,
                        roots: &self.roots,
                    };
                    requests::answer(workspace, &method, request.params)
                })) {
                    Ok(answer) => answer,
                    Err(_) => Err((
                        ErrorCode::InternalError,
                        format!("ivr lsp: internal error answering `{method}`"),
                    )),
                }
            }
            (State::ShuttingDown, _) => Err((
                ErrorCode::InvalidRequest,
                "the server is shutting down".into(),
            )),
        };
        respond(id, answer)
    }

    fn initialize(&mut self, params: Value) -> Answer {
        let params: InitializeParams = serde_json::from_value(params)
            .map_err(|e| (ErrorCode::InvalidParams, e.to_string()))?;
        #[allow(deprecated)] // root_uri: older clients send only it.
        let uris = params
            .workspace_folders
            .iter()
            .flatten()
            .map(|f| f.uri.clone())
            .chain(params.root_uri.clone());
        self.roots = uris.filter_map(|u| path_of(&u)).collect();
        self.docs_url = params
            .initialization_options
            .as_ref()
            .and_then(|o| o.get("diagnosticsDocs"))
            .and_then(Value::as_str)
            .map(str::to_string);
        self.can_watch = params
            .capabilities
            .workspace
            .and_then(|w| w.did_change_watched_files)
            .and_then(|w| w.dynamic_registration)
            .unwrap_or(false);
        self.state = State::Running;
        Ok(capabilities::initialize_result())
    }

    fn notification(&mut self, n: Notification) {
        let method = n.method.as_str();
        match method {
            "initialized" if self.can_watch => {
                // Flow files changed or deleted outside the editor.
                let register = Request::new(
                    RequestId::from("ivr-watch".to_string()),
                    "client/registerCapability".to_string(),
                    capabilities::watch_flow_files(),
                );
                self.outbox.push(register.into());
            }
            DidOpenTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidOpenTextDocumentParams>(n.params) {
                    let doc = p.text_document;
                    let key = doc.uri.as_str().to_string();
                    let opened = Doc::new(doc.uri, &doc.language_id, doc.text, doc.version);
                    self.docs.insert(key.clone(), opened);
                    self.due.insert(key, Instant::now());
                }
            }
            DidChangeTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidChangeTextDocumentParams>(n.params) {
                    let key = p.text_document.uri.as_str().to_string();
                    if let Some(doc) = self.docs.get_mut(&key) {
                        doc.change(p.text_document.version, p.content_changes);
                        self.due.insert(key, Instant::now() + DEBOUNCE);
                    }
                }
            }
            DidSaveTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidSaveTextDocumentParams>(n.params) {
                    let key = p.text_document.uri.as_str().to_string();
                    if self.docs.contains_key(&key) {
                        self.due.insert(key, Instant::now());
                    }
                }
            }
            DidCloseTextDocument::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidCloseTextDocumentParams>(n.params) {
                    let key = p.text_document.uri.as_str().to_string();
                    self.docs.remove(&key);
                    self.due.remove(&key);
                    self.clear(p.text_document.uri);
                }
            }
            DidChangeWatchedFiles::METHOD => {
                if let Ok(p) = serde_json::from_value::<DidChangeWatchedFilesParams>(n.params) {
                    for change in p.changes {
                        let open = self.docs.contains_key(change.uri.as_str());
                        if change.typ == FileChangeType::DELETED && !open {
                            self.clear(change.uri);
                        }
                    }
                    // A flow checks against what it uses: check every open
                    // flow again, so none keeps diagnostics of a stale file.
                    let now = Instant::now();
                    for key in self.docs.keys() {
                        self.due.insert(key.clone(), now);
                    }
                }
            }
            _ => {}
        }
    }

    /// Publish diagnostics for every document whose time has come.
    pub fn publish_due(&mut self, now: Instant) {
        let ready: Vec<String> = self
            .due
            .iter()
            .filter(|(_, at)| **at <= now)
            .map(|(k, _)| k.clone())
            .collect();
        for key in ready {
            self.due.remove(&key);
            let Some(doc) = self.docs.get(&key) else {
                continue;
            };
            let link = self.docs_link(doc);
            match catch_unwind(AssertUnwindSafe(|| diagnostics::publish(doc, &link))) {
                Ok(params) => self.notify::<PublishDiagnostics>(params),
                Err(_) => self.log(&format!("ivr lsp: internal error checking {key}")),
            }
        }
    }

    fn clear(&mut self, uri: Uri) {
        self.notify::<PublishDiagnostics>(PublishDiagnosticsParams::new(uri, Vec::new(), None));
    }

    fn notify<N: lsp_types::notification::Notification>(&mut self, params: N::Params) {
        self.outbox
            .push(Notification::new(N::METHOD.to_string(), params).into());
    }

    fn log(&mut self, message: &str) {
        let params = lsp_types::LogMessageParams {
            typ: lsp_types::MessageType::ERROR,
            message: message.to_string(),
        };
        self.notify::<lsp_types::notification::LogMessage>(params);
    }

    /// docs/diagnostics.md: as configured, else the one in the checkout that
    /// holds the file or a workspace folder.
    fn docs_link(&self, doc: &Doc) -> DocsLink {
        if let Some(url) = &self.docs_url {
            return Some(url.clone());
        }
        let file = path_of(&doc.uri);
        let from_file = file.iter().flat_map(|f| f.ancestors().skip(1));
        let from_roots = self.roots.iter().map(PathBuf::as_path);
        from_file
            .chain(from_roots)
            .map(|dir| dir.join("docs/diagnostics.md"))
            .find(|candidate| candidate.is_file())
            .and_then(|found| url::Url::from_file_path(Path::new(&found)).ok())
            .map(String::from)
    }
}

impl Default for Server {
    fn default() -> Self {
        Server::new()
    }
}

fn respond(id: RequestId, answer: Answer) -> Response {
    match answer {
        Ok(value) => Response::new_ok(id, value),
        Err((code, message)) => Response::new_err(id, code as i32, message),
    }
}

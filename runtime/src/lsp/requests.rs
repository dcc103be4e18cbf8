//! One function per request: find the document, answer from its analysis.
//! A request about a document the editor has not opened (or that is gone)
//! gets an empty answer, not an error.

use lsp_server::ErrorCode;
use lsp_types::{
    CodeActionParams, CompletionParams, DocumentFormattingParams, DocumentSymbolParams,
    FoldingRangeParams, GotoDefinitionParams, HoverParams, ReferenceParams, RenameParams,
    TextDocumentPositionParams, TextEdit, WorkspaceSymbolParams,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::docs::{Doc, Workspace};
use super::{actions, complete, hover, navigate};

/// A request's answer: a result, or an LSP error code and why.
pub type Answer = Result<Value, (ErrorCode, String)>;

pub fn answer(server: Workspace<'_>, method: &str, params: Value) -> Answer {
    match method {
        "textDocument/completion" => {
            let p: CompletionParams = parse(params)?;
            let at = p.text_document_position;
            with_doc(server, &at.text_document.uri, |doc| {
                complete::completion(doc, at.position)
            })
        }
        "textDocument/hover" => {
            let p: HoverParams = parse(params)?;
            let at = p.text_document_position_params;
            with_doc(server, &at.text_document.uri, |doc| {
                hover::hover(doc, at.position)
            })
        }
        "textDocument/definition" => {
            let p: GotoDefinitionParams = parse(params)?;
            let at = p.text_document_position_params;
            with_doc(server, &at.text_document.uri, |doc| {
                navigate::definition(doc, at.position)
            })
        }
        "textDocument/references" => {
            let p: ReferenceParams = parse(params)?;
            let at = p.text_document_position;
            with_doc(server, &at.text_document.uri, |doc| {
                navigate::references(doc, at.position, p.context.include_declaration)
            })
        }
        "textDocument/prepareRename" => {
            let p: TextDocumentPositionParams = parse(params)?;
            with_doc(server, &p.text_document.uri, |doc| {
                navigate::prepare_rename(doc, p.position)
            })
        }
        "textDocument/rename" => {
            let p: RenameParams = parse(params)?;
            let at = p.text_document_position;
            let doc = server.docs.get(at.text_document.uri.as_str());
            match doc.map(|doc| navigate::rename(server, doc, at.position, &p.new_name)) {
                Some(Err(why)) => Err((ErrorCode::InvalidParams, why)),
                Some(Ok(edit)) => json(edit),
                None => Ok(Value::Null),
            }
        }
        "textDocument/documentSymbol" => {
            let p: DocumentSymbolParams = parse(params)?;
            with_doc(server, &p.text_document.uri, navigate::document_symbols)
        }
        "workspace/symbol" => {
            let p: WorkspaceSymbolParams = parse(params)?;
            json(navigate::workspace_symbols(server, &p.query))
        }
        "textDocument/foldingRange" => {
            let p: FoldingRangeParams = parse(params)?;
            with_doc(server, &p.text_document.uri, navigate::folding)
        }
        "textDocument/formatting" => {
            let p: DocumentFormattingParams = parse(params)?;
            with_doc(server, &p.text_document.uri, format)
        }
        "textDocument/codeAction" => {
            let p: CodeActionParams = parse(params)?;
            with_doc(server, &p.text_document.uri, |doc| {
                actions::quick_fixes(doc, p.range)
            })
        }
        _ => Err((
            ErrorCode::MethodNotFound,
            format!("ivr lsp does not answer `{method}`"),
        )),
    }
}

/// `ivr fmt` of the whole document; a file that does not parse is left alone.
fn format(doc: &Doc) -> Option<Vec<TextEdit>> {
    if !doc.is_ivr() {
        return None;
    }
    let formatted = ivr_compiler::format::format(&doc.text).ok()?;
    if formatted == doc.text {
        return Some(Vec::new());
    }
    let all = ivr_compiler::Span::new(0, doc.text.len());
    Some(vec![TextEdit::new(
        doc.lines.range(&doc.text, all),
        formatted,
    )])
}

fn with_doc<T: Serialize>(
    server: Workspace<'_>,
    uri: &lsp_types::Uri,
    answer: impl FnOnce(&Doc) -> T,
) -> Answer {
    match server.docs.get(uri.as_str()) {
        Some(doc) => json(answer(doc)),
        None => Ok(Value::Null),
    }
}

fn parse<P: DeserializeOwned>(params: Value) -> Result<P, (ErrorCode, String)> {
    serde_json::from_value(params).map_err(|e| (ErrorCode::InvalidParams, e.to_string()))
}

fn json<T: Serialize>(value: T) -> Answer {
    serde_json::to_value(value).map_err(|e| (ErrorCode::InternalError, e.to_string()))
}

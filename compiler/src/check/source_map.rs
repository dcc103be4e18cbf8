//! Where each part of a lowered graph was written, for diagnostics from the
//! whole-graph analyses. Indexed like `Graph::nodes`.

use crate::source::Span;

#[derive(Clone, Debug, Default)]
pub struct SourceMap {
    /// Span of the `start` setting.
    pub start: Span,
    pub nodes: Vec<NodeSpans>,
    /// The flow's `max_prompts` setting and where it is written, if it is.
    pub max_prompts: Option<(u32, Span)>,
}

#[derive(Clone, Debug, Default)]
pub struct NodeSpans {
    /// The node's name where it is declared (for an inlined module node: the
    /// name inside the module).
    pub name: Span,
    /// The whole node.
    pub span: Span,
    /// One per entry of `NodeKind::exits()`, same order: where the exit is written.
    pub exits: Vec<Span>,
    /// Variables read when the node runs (root names, e.g. `order` for
    /// `{order.status}`), where. Built-ins (`call`, `language`, `env`) are not listed.
    pub reads: Vec<(String, Span)>,
    /// Variables the node sets.
    pub writes: Vec<Write>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Write {
    pub var: String,
    /// `None`: set whichever exit is taken (a `set` node). `Some(i)`: set only
    /// when leaving through `exits()[i]` (`gather … into x` sets x on `done`).
    pub on_exit: Option<usize>,
}

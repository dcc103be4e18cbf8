//! A unit's outside: the flow header (language, voice, timezone, targets),
//! variables and parameters, module signatures, and the walk over its nodes.

use std::collections::HashMap;

use super::props::{Owner, Props};
use super::{BUILTINS, Body, Cx, Scope, node, types, values};
use crate::diagnostic::{Code, Diagnostic, did_you_mean};
use crate::graph::{Provider, Type, VarDef};
use crate::source::Span;
use crate::syntax::ast::{self, UnitKind, Value};

/// The flow's settings, with defaults filled in.
pub(super) struct Header {
    pub name: String,
    pub language: String,
    pub voice: Option<String>,
    /// `voice { en-IN "…"; hi-IN "…" }`: a voice per language.
    pub voices: Vec<(String, String)>,
    /// Where each voice was written (the single one under the flow's
    /// language), and where `language` was: for W038.
    pub voice_spans: Vec<(String, String, Span)>,
    /// The whole `voice` value (a `{ … }` block for several).
    pub voice_span: Option<Span>,
    pub language_span: Span,
    /// As written; `None` means UTC (and is an error if the flow has `hours`).
    pub timezone: Option<String>,
    /// A `timezone` was written (even if it is not a valid one).
    pub timezone_written: bool,
    pub targets: Vec<Provider>,
    /// `max_prompts N`: the most prompts a caller may hear before reaching
    /// a person, a voicemail or a goodbye (W040), where it is written.
    pub max_prompts: Option<(u32, Span)>,
}

impl Header {
    /// For checking modules when the file has no flow.
    pub fn fallback() -> Header {
        Header {
            name: String::new(),
            language: "en-US".into(),
            voice: None,
            voices: Vec::new(),
            voice_spans: Vec::new(),
            voice_span: None,
            language_span: Span::default(),
            timezone: None,
            timezone_written: false,
            targets: Vec::new(),
            max_prompts: None,
        }
    }
}

/// What a `run` node needs to know about a module.
pub(super) struct Signature {
    pub params: Vec<(String, Type)>,
    pub returns: Vec<String>,
}

pub(super) fn header(cx: &mut Cx, flow: &ast::Unit) -> Header {
    let owner = Owner::unit(flow);
    let mut props = Props::new(&owner, flow.settings.iter());
    let (language, language_span) = match props.required(cx, "language", "`language \"en-IN\"`") {
        Some(v) => (values::language(cx, v).unwrap_or_default(), v.span),
        None => ("en-US".into(), flow.name.span),
    };
    let mut voice = None;
    let mut voices = Vec::new();
    let mut voice_spans = Vec::new();
    let written = props.one(cx, "voice");
    let voice_span = written.map(|v| v.span);
    match written {
        Some(v) if matches!(v.value, Value::Localized(_)) => {
            let Value::Localized(pairs) = &v.value else {
                unreachable!("matched above")
            };
            for (lang, name) in pairs {
                let help = "one line per language: `voice { en-IN \"Polly.Raveena\"; hi-IN \"Polly.Aditi\" }`";
                if !values::language_key(cx, lang, help) {
                    continue;
                }
                if voices
                    .iter()
                    .any(|(l, _): &(String, String)| l.eq_ignore_ascii_case(&lang.value))
                {
                    cx.push(
                        Diagnostic::new(
                            Code::DuplicateKey,
                            format!("a voice for `{}` is given twice", lang.value),
                        )
                        .label(lang.span, "again here")
                        .help("one voice per language"),
                    );
                    continue;
                }
                if lang.value.eq_ignore_ascii_case(&language) {
                    voice = Some(name.value.clone());
                }
                voices.push((lang.value.clone(), name.value.clone()));
                voice_spans.push((lang.value.clone(), name.value.clone(), name.span));
            }
        }
        Some(v) => {
            voice = values::text(cx, v, "voice");
            if let Some(name) = &voice {
                voice_spans.push((language.clone(), name.clone(), v.span));
            }
        }
        None => {}
    }
    let timezone_written = props.has("timezone");
    let timezone = props.one(cx, "timezone").and_then(|v| {
        let name = values::text(cx, v, "timezone")?;
        values::timezone(cx, &name, v.span, &language).then_some(name)
    });
    let mut targets = Vec::new();
    let written = props.all("targets");
    if written.is_empty() {
        props.missing("targets", "`targets twilio, exotel`");
    }
    for v in written {
        if let Some(p) = values::provider(cx, v)
            && !targets.contains(&p)
        {
            targets.push(p);
        }
    }
    targets.sort();
    let max_prompts = props
        .one(cx, "max_prompts")
        .and_then(|v| Some((values::count(cx, v, "max_prompts", 1)?, v.span)));
    // The parser keeps a second `start` as a setting so it can be reported here.
    for extra in props.all("start") {
        cx.push(
            Diagnostic::new(Code::DuplicateKey, "`start` is set twice")
                .label(extra.span, "second `start`")
                .help("a flow has one start node; remove one of them"),
        );
    }
    props.finish(cx);
    if flow.start.is_none() {
        cx.structural(
            Diagnostic::new(
                Code::NoFlow,
                format!("flow `{}` has no `start`", flow.name.value),
            )
            .label(flow.name.span, "where does the call begin?")
            .help("add `start <node>` naming the first node"),
        );
    }
    Header {
        name: flow.name.value.clone(),
        language,
        voice,
        voices,
        voice_spans,
        voice_span,
        language_span,
        timezone,
        timezone_written,
        targets,
        max_prompts,
    }
}

/// Every module's parameters and returns, checking duplicate names on the way.
pub(super) fn signatures(cx: &mut Cx, file: &ast::File) -> HashMap<String, Signature> {
    let mut out: HashMap<String, Signature> = HashMap::new();
    let mut first: HashMap<&str, Span> = HashMap::new();
    for module in file.units.iter().filter(|u| u.kind == UnitKind::Module) {
        let name = module.name.value.as_str();
        if let Some(previous) = first.get(name) {
            cx.structural(
                Diagnostic::new(
                    Code::DuplicateName,
                    format!("module `{name}` is defined twice"),
                )
                .label(module.name.span, "second definition")
                .label(*previous, "first defined here")
                .help("rename one of the modules"),
            );
            continue;
        }
        first.insert(name, module.name.span);
        let params = module
            .params
            .iter()
            .filter_map(|p| Some((p.name.value.clone(), Type::parse(&p.ty.value)?)))
            .collect();
        let mut returns: Vec<String> = Vec::new();
        for r in &module.returns {
            if returns.contains(&r.value) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("return `{}` is declared twice", r.value),
                    )
                    .label(r.span, "declared again here")
                    .help("each return name once"),
                );
            } else {
                returns.push(r.value.clone());
            }
        }
        out.insert(name.to_string(), Signature { params, returns });
    }
    out
}

/// Check and lower one unit's variables and nodes.
pub(super) fn body(
    cx: &mut Cx,
    unit: &ast::Unit,
    header: &Header,
    modules: &HashMap<String, Signature>,
) -> Body {
    let is_module = unit.kind == UnitKind::Module;
    if is_module {
        // Settings belong to the flow; a module runs with the flow's.
        let owner = Owner::unit(unit);
        Props::new(&owner, unit.settings.iter()).finish(cx);
        if unit.start.is_none() {
            cx.structural(
                Diagnostic::new(
                    Code::NoFlow,
                    format!("module `{}` has no `start`", unit.name.value),
                )
                .label(unit.name.span, "where does the module begin?")
                .help("add `start <node>` naming the module's first node"),
            );
        }
    } else {
        for p in &unit.params {
            cx.push(
                Diagnostic::new(Code::UnknownField, "a flow has no parameters")
                    .label(p.span, "`param` is for modules")
                    .help(format!(
                        "declare a variable instead: `var {}: {}`",
                        p.name.value, p.ty.value
                    )),
            );
        }
        if let Some(r) = unit.returns.first() {
            cx.push(
                Diagnostic::new(Code::UnknownField, "a flow has no returns")
                    .label(r.span, "`returns` is for modules")
                    .help("end the call with a `hangup` node instead"),
            );
        }
    }

    let mut declared: Vec<&ast::VarDecl> = Vec::new();
    let mut vars = Vec::new();
    let mut types_of = HashMap::new();
    let mut shapes = HashMap::new();
    let decls = if is_module {
        unit.params.iter().map(|p| (p, true)).collect::<Vec<_>>()
    } else {
        Vec::new()
    };
    for (decl, is_param) in decls
        .into_iter()
        .chain(unit.vars.iter().map(|v| (v, false)))
    {
        let Some(def) = var(cx, decl, &declared, is_param) else {
            continue;
        };
        declared.push(decl);
        let fields = shape(cx, decl, def.ty);
        if !fields.is_empty() {
            shapes.insert(def.name.clone(), fields);
        }
        types_of.insert(def.name.clone(), def.ty);
        vars.push(def);
    }

    // Node names first, so exits can point forward.
    let mut names: Vec<&str> = Vec::new();
    let mut first: HashMap<&str, Span> = HashMap::new();
    for n in &unit.nodes {
        let name = n.name.value.as_str();
        if let Some(previous) = first.get(name) {
            cx.structural(
                Diagnostic::new(
                    Code::DuplicateNode,
                    format!("node `{name}` is defined twice"),
                )
                .label(n.name.span, "second definition")
                .label(*previous, "first defined here")
                .help("node names are unique within a flow or module; rename one"),
            );
        } else {
            first.insert(name, n.name.span);
            names.push(name);
        }
    }

    let scope = Scope {
        header,
        unit: &unit.name.value,
        is_module,
        vars: types_of,
        shapes,
        known: names.iter().copied().collect(),
        nodes: names,
        returns: unit.returns.iter().map(|r| r.value.clone()).collect(),
        modules,
        caller_input: super::input_vars::of(unit),
    };
    if let Some(start) = &unit.start {
        scope.check_target(cx, &ast::Target::Node(start.value.clone()), start.span);
    }
    // Sized once: a big flow's nodes would otherwise leave up to half of a
    // doubled vector unused at the compile's peak of memory.
    let mut nodes = Vec::with_capacity(unit.nodes.len());
    let mut seen = std::collections::HashSet::with_capacity(unit.nodes.len());
    for n in &unit.nodes {
        let pending = node::lower(cx, &scope, n);
        // A duplicate node was reported above; keep only the first.
        if !seen.insert(n.name.value.as_str()) {
            continue;
        }
        if let Some(p) = pending {
            nodes.push(p);
        }
    }
    Body {
        start: unit.start.as_ref().map(|s| s.value.clone()),
        start_span: unit.start.as_ref().map_or(unit.name.span, |s| s.span),
        vars,
        has_hours: unit.nodes.iter().any(|n| n.kind.value == "hours"),
        nodes,
    }
}

/// One `var`/`param` declaration: its name, type and default.
fn var(
    cx: &mut Cx,
    decl: &ast::VarDecl,
    declared: &[&ast::VarDecl],
    is_param: bool,
) -> Option<VarDef> {
    let name = &decl.name.value;
    let what = if is_param { "parameter" } else { "variable" };
    if let Some(previous) = declared.iter().find(|d| &d.name.value == name) {
        cx.push(
            Diagnostic::new(Code::DuplicateName, format!("`{name}` is declared twice"))
                .label(decl.name.span, format!("second {what} named `{name}`"))
                .label(previous.name.span, "first declared here")
                .help("each variable and parameter needs its own name"),
        );
        return None;
    }
    if BUILTINS.contains(&name.as_str()) {
        cx.push(
            Diagnostic::new(Code::DuplicateName, format!("`{name}` is a built-in name"))
                .label(decl.name.span, "already defined by every call")
                .help("choose another name; `call`, `language` and `env` are built in"),
        );
        return None;
    }
    let Some(ty) = Type::parse(&decl.ty.value) else {
        let names = ["string", "number", "digits", "bool", "json"];
        let help = did_you_mean(&decl.ty.value, names)
            .unwrap_or_else(|| format!("the types are {}", names.join(", ")));
        cx.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!("unknown type `{}`", decl.ty.value),
            )
            .label(decl.ty.span, "not a type")
            .help(help),
        );
        return None;
    };
    let default = match &decl.default {
        None => None,
        Some(v) if matches!(&v.value, Value::Word(w) if w == "null") => None,
        Some(v) if is_param => {
            cx.push(
                Diagnostic::new(Code::InvalidValue, "a parameter has no default")
                    .label(v.span, "the `run` node sets it")
                    .help("remove the default; every `run` passes a value"),
            );
            None
        }
        // A rejected default still counts as one: the variable is not unset
        // (E014 would be a second report of the same mistake). No graph is
        // built from a flow with errors, so the stand-in never runs.
        Some(v) => types::default_value(cx, ty, v).or_else(|| Some(stand_in(ty))),
    };
    Some(VarDef {
        name: name.clone(),
        ty,
        default,
    })
}

/// The declared fields of a json variable: `json { status: string }`.
fn shape(cx: &mut Cx, decl: &ast::VarDecl, ty: Type) -> Vec<types::Field> {
    let Some(first) = decl.fields.first() else {
        return Vec::new();
    };
    if ty != Type::Json {
        cx.push(
            Diagnostic::new(
                Code::InvalidValue,
                format!(
                    "`{}` is `{}`: only `json` has fields",
                    decl.name.value,
                    ty.as_str()
                ),
            )
            .label(first.path.span, "fields of a non-json variable")
            .help(format!(
                "declare `var {}: json {{ … }}`, or remove the fields",
                decl.name.value
            )),
        );
        return Vec::new();
    }
    let mut out: Vec<types::Field> = Vec::new();
    for f in &decl.fields {
        let Some(field_ty) = Type::parse(&f.ty.value) else {
            let names = ["string", "number", "bool", "json"];
            let help = did_you_mean(&f.ty.value, names)
                .unwrap_or_else(|| format!("a field is one of {}", names.join(", ")));
            cx.push(
                Diagnostic::new(Code::InvalidValue, format!("unknown type `{}`", f.ty.value))
                    .label(f.ty.span, "not a type")
                    .help(help),
            );
            continue;
        };
        if let Some(previous) = out.iter().find(|p| p.path == f.path.value) {
            cx.push(
                Diagnostic::new(
                    Code::DuplicateName,
                    format!("field `{}` is declared twice", f.path.value),
                )
                .label(f.path.span, "declared again here")
                .label(previous.span, "first declared here")
                .help("each field once"),
            );
            continue;
        }
        out.push(types::Field {
            path: f.path.value.clone(),
            ty: field_ty,
            span: f.path.span,
        });
    }
    out
}

/// A value of type `ty`, in place of a default that was rejected.
fn stand_in(ty: Type) -> serde_json::Value {
    match ty {
        Type::String | Type::Digits => "".into(),
        Type::Number => 0.into(),
        Type::Bool | Type::Json => false.into(),
    }
}

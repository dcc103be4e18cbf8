//! The shape of a YAML flow file as typed serde structs: the source of the
//! JSON Schema `ivr schema flow` prints, and of the keys the loader walks.
//!
//! The loader itself walks a generic value beside its position tree, because
//! serde keeps no positions and stops at the first error, and a flow author
//! wants every mistake with its line. What it may meet is decided here: the
//! key lists it dispatches on ([`FLOW_PARTS`], [`UNIT_KEYS`], [`ITEM_KEYS`],
//! [`VAR_KEYS`], [`WHEN_KEYS`]) are checked against these structs by a test,
//! node kinds come from [`NODE_KINDS`], and `assign`/`with` from
//! [`assign_word`] for both. Another test asserts that every text the loader
//! accepts, mangled or not, validates against the schema, so an editor never
//! marks a flow `ivr check` takes.
//!
//! What the checker decides (which properties and exits a kind takes) is left
//! open here, as it is in the loader.

use std::collections::BTreeMap;

use schemars::generate::SchemaSettings;
use schemars::{JsonSchema, Schema, SchemaGenerator, json_schema};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::syntax::ast::NODE_KINDS;

/// The keys of a flow file that are not settings.
pub(super) const FLOW_PARTS: &[&str] = &["flow", "vars", "start", "nodes", "modules"];
/// The keys of a module.
pub(super) const UNIT_KEYS: &[&str] = &["module", "params", "returns", "vars", "start", "nodes"];
/// Keys every node may have besides its kind and properties.
pub(super) const ITEM_KEYS: &[&str] = &["exits", "when", "assign", "with"];
/// The keys of a variable written as a mapping (`params` take no `default`).
pub(super) const VAR_KEYS: &[&str] = &["type", "fields", "default"];
/// The keys of a `when` entry, all required.
pub(super) const WHEN_KEYS: &[&str] = &["if", "go"];

/// A name: letters, digits and `_`, starting with a letter or `_`. The loader
/// trims it first.
const NAME_PATTERN: &str = r"^\s*[A-Za-z_][A-Za-z0-9_]*\s*$";

/// Which key sets variables in a node of `kind`: `with:` passes a module's
/// parameters in a `run` node, `assign:` sets variables everywhere else.
pub(super) fn assign_word(kind: &str) -> &'static str {
    if kind == "run" { "with" } else { "assign" }
}

/// The JSON Schema (draft-07, which every YAML editor plugin reads) of a
/// YAML flow file.
pub fn schema() -> Value {
    let schema = SchemaSettings::draft07()
        .into_generator()
        .into_root_schema_for::<FlowFile>();
    schema.to_value()
}

/// A YAML flow file (docs/LANGUAGE.md, "YAML"): one flow and its modules, or
/// modules only.
#[derive(Deserialize, JsonSchema)]
#[schemars(title = "ivr flow (YAML)", transform = flow_needs_a_name)]
pub struct FlowFile {
    /// The flow's name; a file of modules only has none.
    #[serde(default)]
    #[schemars(with = "Name")]
    pub flow: Option<Name>,
    /// The flow's variables: `name: type` or `name: { type: number, default: 0 }`.
    pub vars: Option<BTreeMap<String, VarSpec>>,
    /// The node a call starts at (default: the first).
    #[serde(default)]
    #[schemars(with = "Name")]
    pub start: Option<Name>,
    /// The nodes: `- KIND: NAME`, then properties and `exits:`.
    pub nodes: Option<Vec<Node>>,
    /// Modules used by `run` nodes.
    pub modules: Option<Vec<Module>>,
    /// Settings: `language`, `voice`, `timezone`, `targets`, … (the checker
    /// says which).
    #[serde(flatten)]
    pub settings: BTreeMap<String, Value>,
}

/// A module: `- module: NAME` with `params:`, `returns:`, `start:`, `nodes:`.
#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Module {
    /// The module's name, used by `run` nodes.
    pub module: Name,
    /// Parameters a `run` node passes with `with:`: `name: type`.
    pub params: Option<BTreeMap<String, ParamSpec>>,
    /// The ways out of the module, named by `return NAME` targets.
    #[serde(default)]
    #[schemars(with = "Returns")]
    pub returns: Option<Returns>,
    /// The module's own variables.
    pub vars: Option<BTreeMap<String, VarSpec>>,
    #[serde(default)]
    #[schemars(with = "Name")]
    pub start: Option<Name>,
    pub nodes: Option<Vec<Node>>,
}

/// One return name, or a list of them.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum Returns {
    One(Name),
    Many(Vec<Name>),
}

/// A variable: its type word, or a mapping with its type, json fields and default.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum VarSpec {
    Type(Name),
    Full(Var),
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Var {
    /// `string`, `number`, `digits`, `bool` or `json`.
    #[serde(rename = "type")]
    pub ty: Name,
    /// The fields a json value is known to have: `{ status: string }`.
    pub fields: Option<BTreeMap<String, Name>>,
    /// The value before anything sets it.
    pub default: Option<Scalar>,
}

/// A parameter: its type word, or a mapping with its type and json fields.
#[derive(Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum ParamSpec {
    Type(Name),
    Full(Param),
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Param {
    #[serde(rename = "type")]
    pub ty: Name,
    pub fields: Option<BTreeMap<String, Name>>,
}

/// A node: its kind as the key of its name (`say: welcome`), its properties,
/// and its ways out.
#[derive(Deserialize, JsonSchema)]
#[schemars(transform = one_kind)]
pub struct Node {
    /// Where each exit goes: `{ next: main, "1": sales, exhausted: return no }`.
    pub exits: Option<BTreeMap<String, Target>>,
    /// Conditions tried in order: `- if: EXPRESSION` and `go: NODE`.
    pub when: Option<Vec<When>>,
    /// In a `set` node: `variable: expression`.
    pub assign: Option<BTreeMap<String, Expr>>,
    /// In a `run` node: the module's parameters, `name: expression`.
    pub with: Option<BTreeMap<String, Expr>>,
    /// The kind and the properties (the checker says which a kind takes).
    #[serde(flatten)]
    pub properties: BTreeMap<String, Value>,
}

#[derive(Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct When {
    /// A condition: `order.status == "shipped"`.
    #[serde(rename = "if")]
    pub condition: Expr,
    /// The node to go to when it holds.
    pub go: Target,
}

/// A name of a node, variable, module or type.
#[derive(Deserialize)]
pub struct Name(pub String);

impl JsonSchema for Name {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Name".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": NAME_PATTERN,
            "description": "letters, digits and `_`, starting with a letter: `ask_order`"
        })
    }
}

/// Where an exit goes: a node name, or in a module `return NAME`.
#[derive(Deserialize)]
pub struct Target(pub String);

impl JsonSchema for Target {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Target".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({
            "type": "string",
            "pattern": r"^\s*(return\s+)?[A-Za-z_][A-Za-z0-9_]*\s*$",
            "description": "a node name, or in a module `return NAME`"
        })
    }
}

/// An expression: a YAML string holding one (`attempts + 1`; text takes its
/// own quotes: `'"Hello"'`), or a number, true/false or null.
#[derive(Deserialize)]
pub struct Expr(pub Value);

impl JsonSchema for Expr {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Expr".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean", "null"] })
    }
}

/// One value: text, a number, true/false or null.
#[derive(Deserialize)]
pub struct Scalar(pub Value);

impl JsonSchema for Scalar {
    fn inline_schema() -> bool {
        true
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scalar".into()
    }
    fn json_schema(_: &mut SchemaGenerator) -> Schema {
        json_schema!({ "type": ["string", "number", "boolean", "null"] })
    }
}

/// Exactly one key names the node's kind with a name (a property may share a
/// kind's word, `record: true` in a transfer, as the loader allows); a `run`
/// node takes `with:`, every other kind `assign:`.
fn one_kind(schema: &mut Schema) {
    let kinds: Vec<Value> = NODE_KINDS
        .iter()
        .map(|kind| {
            let wrong = if assign_word(kind) == "with" {
                "assign"
            } else {
                "with"
            };
            json!({
                "required": [kind],
                "properties": { *kind: { "type": "string", "pattern": NAME_PATTERN } },
                "not": { "required": [wrong] }
            })
        })
        .collect();
    schema.insert("oneOf".into(), Value::Array(kinds));
}

/// A file with flow parts names its flow (a file of modules only has none).
fn flow_needs_a_name(schema: &mut Schema) {
    let needs: serde_json::Map<String, Value> = FLOW_PARTS
        .iter()
        .filter(|part| !matches!(**part, "flow" | "modules"))
        .map(|part| (part.to_string(), json!(["flow"])))
        .collect();
    schema.insert("dependencies".into(), Value::Object(needs));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The property names a type's schema lists, in the schema's definitions.
    fn keys(schema: &Value, definition: Option<&str>) -> Vec<String> {
        let at = match definition {
            Some(name) => &schema["definitions"][name],
            None => schema,
        };
        let mut keys: Vec<String> = at["properties"]
            .as_object()
            .unwrap_or_else(|| panic!("{definition:?} has properties"))
            .keys()
            .cloned()
            .collect();
        keys.sort();
        keys
    }

    fn sorted(list: &[&str]) -> Vec<String> {
        let mut list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
        list.sort();
        list
    }

    #[test]
    fn the_loaders_keys_are_the_schemas_keys() {
        let schema = schema();
        assert_eq!(keys(&schema, None), sorted(FLOW_PARTS));
        assert_eq!(keys(&schema, Some("Module")), sorted(UNIT_KEYS));
        assert_eq!(keys(&schema, Some("Node")), sorted(ITEM_KEYS));
        assert_eq!(keys(&schema, Some("Var")), sorted(VAR_KEYS));
        assert_eq!(keys(&schema, Some("Param")), sorted(&VAR_KEYS[..2]));
        assert_eq!(keys(&schema, Some("When")), sorted(WHEN_KEYS));
        let kinds: Vec<String> = schema["definitions"]["Node"]["oneOf"]
            .as_array()
            .expect("one alternative per kind")
            .iter()
            .map(|k| k["required"][0].as_str().unwrap().to_string())
            .collect();
        assert_eq!(kinds, NODE_KINDS);
    }
}

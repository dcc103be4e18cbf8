//! An agent's result: does it fit the shape the flow declared, and did it
//! come within the node's time budget? Pure; the server uses [`fits`] to
//! answer an agent at once, the engine to choose `done` or `failed`.

use std::fmt;

use ivr_compiler::graph::{FieldShape, ResultField};
use serde_json::Value;

use super::Millis;

/// Why a result does not fit its declared shape. Shown to the agent
/// (docs/agents.md) and in logs; names only the flow's field names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Misfit {
    /// The flow declares fields, and nothing (or not an object) came.
    NotAnObject,
    Missing(String),
    Wrong {
        field: String,
        expected: String,
    },
}

impl fmt::Display for Misfit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Misfit::NotAnObject => write!(f, "the result must be a JSON object"),
            Misfit::Missing(field) => write!(f, "field `{field}` is missing"),
            Misfit::Wrong { field, expected } => {
                write!(f, "field `{field}` must be {expected}")
            }
        }
    }
}

/// Does `result` fit `fields`? No declared fields: anything fits, nothing
/// too. Fields the flow does not declare are allowed (agents may say more).
pub fn fits(fields: &[ResultField], result: Option<&Value>) -> Result<(), Misfit> {
    if fields.is_empty() {
        return Ok(());
    }
    let Some(Value::Object(object)) = result else {
        return Err(Misfit::NotAnObject);
    };
    for field in fields {
        let Some(value) = object.get(&field.name) else {
            return Err(Misfit::Missing(field.name.clone()));
        };
        let ok = match (&field.shape, value) {
            (FieldShape::Json, _) => true,
            (FieldShape::String, Value::String(_))
            | (FieldShape::Number, Value::Number(_))
            | (FieldShape::Bool, Value::Bool(_)) => true,
            (FieldShape::OneOf(allowed), Value::String(s)) => allowed.contains(s),
            _ => false,
        };
        if !ok {
            let expected = match &field.shape {
                FieldShape::OneOf(_) => format!("one of {}", field.shape.describe()),
                FieldShape::Number => "a number".into(),
                other => format!("a {}", other.describe()),
            };
            return Err(Misfit::Wrong {
                field: field.name.clone(),
                expected,
            });
        }
    }
    Ok(())
}

/// When the agent's budget runs out, for a hand-off that began at `since`.
pub fn deadline(since: Millis, timeout_ms: Option<u64>) -> Option<Millis> {
    timeout_ms.map(|ms| since.saturating_add(i64::try_from(ms).unwrap_or(i64::MAX)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn shape() -> Vec<ResultField> {
        vec![
            ResultField {
                name: "intent".into(),
                shape: FieldShape::OneOf(vec!["billing".into(), "human".into()]),
            },
            ResultField {
                name: "slots".into(),
                shape: FieldShape::Json,
            },
            ResultField {
                name: "urgent".into(),
                shape: FieldShape::Bool,
            },
        ]
    }

    #[test]
    fn a_result_fits_when_every_field_is_there_with_its_type() {
        let ok = json!({"intent": "human", "slots": null, "urgent": false, "extra": 1});
        assert_eq!(fits(&shape(), Some(&ok)), Ok(()));
    }

    #[test]
    fn a_value_outside_the_declared_choices_does_not_fit() {
        let bad = json!({"intent": "sales", "slots": {}, "urgent": true});
        assert_eq!(
            fits(&shape(), Some(&bad)),
            Err(Misfit::Wrong {
                field: "intent".into(),
                expected: "one of \"billing\" | \"human\"".into()
            })
        );
        let bad = json!({"intent": "human", "slots": {}, "urgent": "yes"});
        assert!(
            matches!(fits(&shape(), Some(&bad)), Err(Misfit::Wrong { field, .. }) if field == "urgent")
        );
    }

    #[test]
    fn a_missing_field_or_no_object_does_not_fit() {
        let missing = json!({"intent": "human", "urgent": true});
        assert_eq!(
            fits(&shape(), Some(&missing)),
            Err(Misfit::Missing("slots".into()))
        );
        assert_eq!(fits(&shape(), None), Err(Misfit::NotAnObject));
        assert_eq!(
            fits(&shape(), Some(&json!(["human"]))),
            Err(Misfit::NotAnObject)
        );
    }

    #[test]
    fn without_a_declared_shape_anything_fits() {
        assert_eq!(fits(&[], None), Ok(()));
        assert_eq!(fits(&[], Some(&json!("free text"))), Ok(()));
    }

    #[test]
    fn the_budget_counts_from_the_hand_off() {
        assert_eq!(deadline(1_000, Some(300_000)), Some(301_000));
        assert_eq!(deadline(1_000, None), None);
        assert_eq!(deadline(i64::MAX - 1, Some(10)), Some(i64::MAX));
    }
}

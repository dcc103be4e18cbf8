//! `ivr schema flow|scenario`: every YAML flow and scenario file in the repo
//! fits its schema, a broken one does not, and the scenario examples in
//! docs/TESTING.md fit and pass.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value as Json;
use serde_yaml::Value as Yaml;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

/// The schema `ivr schema WHICH` prints, ready to validate with.
fn validator(which: &str) -> jsonschema::Validator {
    let out = Command::new(env!("CARGO_BIN_EXE_ivr"))
        .args(["schema", which])
        .output()
        .expect("runs ivr");
    assert!(out.status.success(), "{out:?}");
    let schema: Json = serde_json::from_slice(&out.stdout).expect("JSON");
    jsonschema::validator_for(&schema).expect("a valid schema")
}

/// YAML as an editor plugin hands it to a schema: keys are text.
fn json(value: &Yaml) -> Json {
    match value {
        Yaml::Null => Json::Null,
        Yaml::Bool(b) => Json::Bool(*b),
        Yaml::Number(n) => serde_json::to_value(n.as_f64()).unwrap_or(Json::Null),
        Yaml::String(s) => Json::String(s.clone()),
        Yaml::Sequence(items) => Json::Array(items.iter().map(json).collect()),
        Yaml::Mapping(map) => Json::Object(
            map.iter()
                .map(|(k, v)| {
                    let key = match k {
                        Yaml::String(s) => s.clone(),
                        other => serde_yaml::to_string(other).unwrap().trim().to_string(),
                    };
                    (key, json(v))
                })
                .collect(),
        ),
        Yaml::Tagged(t) => json(&t.value),
    }
}

fn errors(validator: &jsonschema::Validator, text: &str) -> Vec<String> {
    let doc: Yaml = serde_yaml::from_str(text).expect("YAML");
    validator
        .iter_errors(&json(&doc))
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// (flow files, scenario files) in flows/ and examples/.
fn yaml_files() -> (Vec<PathBuf>, Vec<PathBuf>) {
    let (mut flows, mut scenarios) = (Vec::new(), Vec::new());
    for dir in ["flows", "examples"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            let name = path.file_name().unwrap().to_string_lossy().into_owned();
            if name.ends_with(".test.yaml") || name.ends_with(".test.yml") {
                scenarios.push(path);
            } else if name.ends_with(".yaml") || name.ends_with(".yml") {
                flows.push(path);
            }
        }
    }
    (flows, scenarios)
}

#[test]
fn every_yaml_flow_and_scenario_fits_its_schema() {
    let (flow, scenario) = (validator("flow"), validator("scenario"));
    let (flows, scenarios) = yaml_files();
    assert!(
        flows.len() >= 4 && scenarios.len() >= 12,
        "{flows:?} {scenarios:?}"
    );
    for (files, validator) in [(&flows, &flow), (&scenarios, &scenario)] {
        for path in files {
            let text = std::fs::read_to_string(path).unwrap();
            let errors = errors(validator, &text);
            assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        }
    }
}

#[test]
fn broken_files_do_not_fit() {
    let flow = validator("flow");
    let text = std::fs::read_to_string(root().join("examples/pizza_order.yaml")).unwrap();
    for (from, to) in [
        ("  - say: welcome", "  - sya: welcome"),
        ("exits: { next: main }", "exits: [main]"),
        (
            "      - if: failures < 2\n        go: ask_order",
            "      - if: failures < 2\n        goto: ask_order",
        ),
        (
            "    returns: [yes, no]",
            "    returns: [yes, no]\n    retruns: x",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let broken = text.replacen(from, to, 1);
        assert!(!errors(&flow, &broken).is_empty(), "{to} fits");
        // The loader refuses it too: the schema says what `ivr check` says.
        let compiled = ivr_compiler::compile(&broken, ivr_compiler::Syntax::Yaml);
        assert!(compiled.errors() > 0, "{to} compiles");
    }

    let scenario = validator("scenario");
    let text = std::fs::read_to_string(root().join("examples/pizza_order.test.yaml")).unwrap();
    for (from, to) in [
        ("- press: \"1\"", "- pres: \"1\""),
        ("- press: \"1\"", "- press: 1"),
        ("- dial: answered", "- dial: picked_up"),
        (
            "  - name: delivered and received\n",
            "  - name: x\n    colour: red\n",
        ),
    ] {
        assert!(text.contains(from), "{from}");
        let broken = text.replacen(from, to, 1);
        assert!(!errors(&scenario, &broken).is_empty(), "{to} fits");
        let read: Result<ivr_runtime::sim::scenario::ScenarioFile, _> =
            serde_yaml::from_str(&broken);
        assert!(read.is_err(), "`ivr test` reads {to}");
    }
}

#[test]
fn the_scenario_examples_in_testing_md_fit_and_pass() {
    let scenario = validator("scenario");
    let doc = std::fs::read_to_string(root().join("docs/TESTING.md")).unwrap();
    let blocks: Vec<&str> = doc
        .split("```yaml\n")
        .skip(1)
        .map(|rest| &rest[..rest.find("```").expect("a closed block")])
        .collect();
    assert!(blocks.len() >= 3, "{blocks:?}");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        root().join("examples/pizza_order.ivr"),
        dir.path().join("pizza_order.ivr"),
    )
    .unwrap();
    for (i, block) in blocks.iter().enumerate() {
        let errors = errors(&scenario, block);
        assert!(errors.is_empty(), "block {}: {errors:#?}", i + 1);
        let file = dir.path().join(format!("example_{i}.test.yaml"));
        std::fs::write(&file, block).unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_ivr"))
            .arg("test")
            .arg(&file)
            .output()
            .expect("runs ivr");
        assert_eq!(
            out.status.code(),
            Some(0),
            "block {}:\n{}{}",
            i + 1,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn the_vs_code_extension_carries_the_current_schemas() {
    for which in ["flow", "scenario"] {
        let out = Command::new(env!("CARGO_BIN_EXE_ivr"))
            .args(["schema", which])
            .output()
            .expect("runs ivr");
        let path = root().join(format!("editors/vscode/schemas/{which}.schema.json"));
        let carried = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            carried == String::from_utf8_lossy(&out.stdout),
            "{} is stale: run `ivr schema {which} > {}`",
            path.display(),
            path.display()
        );
    }
}

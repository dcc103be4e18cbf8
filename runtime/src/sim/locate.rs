//! Where a scenario and its steps are in a scenario file's text, so that
//! reports point at the step that failed or does not parse, not at the file.
//!
//! The YAML reader gives values without positions, so this reads the block
//! layout scenario files are written in (`scenarios:` → `- name:` →
//! `steps:` → `- press: "1"`). A flow-style list (`steps: [...]`) points at
//! its `steps:` line; anything else unexpected gives `None` and the caller
//! falls back to the scenario or the file.

/// A non-blank, non-comment line: its 1-based number, indent and text.
struct Line<'t> {
    number: usize,
    indent: usize,
    text: &'t str,
}

fn lines(text: &str) -> Vec<Line<'_>> {
    text.lines()
        .enumerate()
        .filter_map(|(i, l)| {
            let trimmed = l.trim_start();
            (!trimmed.is_empty() && !trimmed.starts_with('#')).then(|| Line {
                number: i + 1,
                indent: l.len() - trimmed.len(),
                text: trimmed.trim_end(),
            })
        })
        .collect()
}

fn is_item(text: &str) -> bool {
    text == "-" || text.starts_with("- ")
}

/// The items of the block list that follows `lines[key]` (a `key:` line
/// whose own indent is `key_indent`): the index of each item's line.
fn items(lines: &[Line], key: usize, key_indent: usize) -> Vec<usize> {
    let Some(first) = lines.get(key + 1).filter(|l| is_item(l.text)) else {
        return Vec::new();
    };
    // YAML lets a list sit at its key's own indent (`steps:\n- press: "1"`).
    if first.indent < key_indent {
        return Vec::new();
    }
    let indent = first.indent;
    let mut found = Vec::new();
    for (i, line) in lines.iter().enumerate().skip(key + 1) {
        if line.indent < indent || (line.indent == indent && !is_item(line.text)) {
            break;
        }
        if line.indent == indent {
            found.push(i);
        }
    }
    found
}

/// The line of scenario `scenario` (0-based) in the file: its `- name:` item.
pub fn scenario_line(text: &str, scenario: usize) -> Option<usize> {
    let lines = lines(text);
    scenario_items(&lines)
        .get(scenario)
        .map(|&i| lines[i].number)
}

fn scenario_items(lines: &[Line]) -> Vec<usize> {
    lines
        .iter()
        .position(|l| l.indent == 0 && l.text == "scenarios:")
        .map(|key| items(lines, key, 0))
        .unwrap_or_default()
}

/// The 1-based line and column of step `step` (0-based) of scenario
/// `scenario` (0-based).
pub fn step_at(text: &str, scenario: usize, step: usize) -> Option<(usize, usize)> {
    let lines = lines(text);
    let scenarios = scenario_items(&lines);
    let start = *scenarios.get(scenario)?;
    let end = scenarios.get(scenario + 1).copied().unwrap_or(lines.len());
    for i in start..end {
        let line = &lines[i];
        // The key may share the item's line: `- steps:`.
        let (text, indent) = match line.text.strip_prefix("- ") {
            Some(rest) => (
                rest.trim_start(),
                line.indent + line.text.len() - rest.trim_start().len(),
            ),
            None => (line.text, line.indent),
        };
        let Some(rest) = text.strip_prefix("steps:") else {
            continue;
        };
        if rest.trim_start().starts_with('[') {
            return Some((line.number, indent + 1));
        }
        let steps = items(&lines[..end], i, indent);
        return steps
            .get(step)
            .map(|&s| (lines[s].number, lines[s].indent + 1));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::{scenario_line, step_at};

    const FILE: &str = "\
# comment
flow: main.ivr
scenarios:
  - name: first
    steps:
      - press: \"1\"

      - expect: { node: main }   # a comment
      - hangup
  - name: second
    caller: \"+91\"
    steps:
    - silence
    - press: \"2\"
  - steps: [silence, hangup]
    name: flow style
";

    #[test]
    fn steps_are_found_by_scenario_and_index() {
        assert_eq!(step_at(FILE, 0, 0), Some((6, 7)));
        assert_eq!(step_at(FILE, 0, 1), Some((8, 7)));
        assert_eq!(step_at(FILE, 0, 2), Some((9, 7)));
        assert_eq!(step_at(FILE, 0, 3), None);
        assert_eq!(step_at(FILE, 1, 1), Some((14, 5)));
        assert_eq!(step_at(FILE, 2, 5), Some((15, 5)));
        assert_eq!(step_at(FILE, 3, 0), None);
    }

    #[test]
    fn scenarios_are_found_by_index() {
        assert_eq!(scenario_line(FILE, 0), Some(4));
        assert_eq!(scenario_line(FILE, 1), Some(10));
        assert_eq!(scenario_line(FILE, 2), Some(15));
        assert_eq!(
            scenario_line("scenarios:\n- name: a\n- name: b\n", 1),
            Some(3)
        );
    }
}

//! The `Gather` instruction a menu or gather node gives for one attempt.

use ivr_compiler::graph::{Graph, Input, NodeKind, Prompt};

use super::input::Miss;
use super::prompt::{for_attempt, said};
use super::{CallState, Instruction};

/// The Gather for the attempt the call's counters say it is on, preceded
/// (inside the Gather, so a key cuts it short) by the no-input or no-match
/// apology when asking again. None for a node that asks nothing.
pub fn gather(
    graph: &Graph,
    kind: &NodeKind,
    state: &CallState,
    miss: Option<Miss>,
) -> Option<Instruction> {
    let attempt = state.attempts.noinput + state.attempts.nomatch;
    match kind {
        NodeKind::Menu {
            prompts,
            noinput,
            nomatch,
            timeout_ms,
            choices,
            input,
            entry,
            ..
        } => {
            let spoken: Vec<String> = choices
                .iter()
                .flat_map(|c| c.phrases())
                .map(String::from)
                .collect();
            // A phrase is heard even in a graph that forgot to say `speech`.
            let input = match input {
                Input::Dtmf if !spoken.is_empty() => Input::DtmfSpeech,
                other => *other,
            };
            let (min_digits, max_digits, finish_key) = match entry {
                Some(e) => (e.min_digits, e.max_digits, e.finish_key),
                None => (1, 1, None),
            };
            Some(Instruction::Gather {
                prompts: attempt_prompts(
                    graph,
                    state,
                    prompts,
                    attempt,
                    apology_prompt(miss, noinput, nomatch),
                ),
                input,
                min_digits,
                max_digits,
                finish_key,
                timeout_s: seconds(*timeout_ms),
                language: state.language.clone(),
                hints: spoken,
            })
        }
        NodeKind::Gather {
            prompts,
            noinput,
            nomatch,
            input,
            min_digits,
            max_digits,
            finish_key,
            timeout_ms,
            hints,
            ..
        } => Some(Instruction::Gather {
            prompts: attempt_prompts(
                graph,
                state,
                prompts,
                attempt,
                apology_prompt(miss, noinput, nomatch),
            ),
            input: *input,
            min_digits: *min_digits,
            max_digits: *max_digits,
            finish_key: *finish_key,
            timeout_s: seconds(*timeout_ms),
            language: state.language.clone(),
            hints: hints.clone(),
        }),
        NodeKind::Say { .. }
        | NodeKind::Branch { .. }
        | NodeKind::Set { .. }
        | NodeKind::Split { .. }
        | NodeKind::Hours { .. }
        | NodeKind::Transfer { .. }
        | NodeKind::Queue { .. }
        | NodeKind::Record { .. }
        | NodeKind::RecordCall { .. }
        | NodeKind::Http { .. }
        | NodeKind::Sms { .. }
        | NodeKind::Ai { .. }
        | NodeKind::Hangup { .. } => None,
    }
}

/// The words of a miss, said on their own: the tries ran out and the call
/// moves on. Nothing when the node has no words for it.
pub fn apology(graph: &Graph, kind: &NodeKind, state: &CallState, miss: Miss) -> Vec<Instruction> {
    let (NodeKind::Menu {
        noinput, nomatch, ..
    }
    | NodeKind::Gather {
        noinput, nomatch, ..
    }) = kind
    else {
        return Vec::new();
    };
    apology_prompt(Some(miss), noinput, nomatch)
        .map(|prompt| said(graph, prompt, state, 1))
        .unwrap_or_default()
}

fn apology_prompt<'g>(
    miss: Option<Miss>,
    noinput: &'g Option<Prompt>,
    nomatch: &'g Option<Prompt>,
) -> Option<&'g Prompt> {
    match miss? {
        Miss::NoInput => noinput.as_ref(),
        Miss::NoMatch => nomatch.as_ref(),
    }
}

fn attempt_prompts(
    graph: &Graph,
    state: &CallState,
    prompts: &[Prompt],
    attempt: u32,
    apology: Option<&Prompt>,
) -> Vec<Instruction> {
    apology
        .into_iter()
        .chain(for_attempt(prompts, attempt))
        .flat_map(|p| said(graph, p, state, 1))
        .collect()
}

/// Providers count timeouts in whole seconds; round up, and never 0 (which
/// some providers read as "wait for ever").
fn seconds(ms: u64) -> u32 {
    ms.div_ceil(1000).clamp(1, u32::MAX as u64) as u32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timeouts_round_up_to_whole_seconds() {
        assert_eq!(
            [seconds(0), seconds(1), seconds(5000), seconds(5001)],
            [1, 1, 5, 6]
        );
    }
}

//! The generated flow the compiler benchmark and the `compile_flow` example
//! compile: big, realistic, and clean (every check runs to the end).

use std::fmt::Write;

/// Nodes in one generated section of the flow.
const PER_SECTION: usize = 9;

/// A flow of about `nodes` nodes: sections of a menu, a gather, an HTTP
/// look-up, a branch on its answer, a counter, a say, an SMS and a hangup,
/// each section's menu leading on to the next one (and entered at most five
/// times: its retries come back to it). Every node is reachable,
/// every caller can hang up, every variable read is set on every path, and
/// nothing loops without waiting for the caller: the flow compiles cleanly,
/// so every check runs to the end.
pub fn flow(nodes: usize) -> String {
    let sections = nodes.div_ceil(PER_SECTION);
    let mut f = String::with_capacity(nodes * 160);
    f.push_str(
        "flow big {\n  language \"en-IN\"\n  voice \"Polly.Aditi\"\n  targets twilio\n\
         \x20 var account: digits\n  var answer: json\n  var tries: number = 0\n\
         \x20 var name: string = \"friend\"\n  var vip: bool = false\n\
         \x20 start m0\n\n",
    );
    for i in 0..sections {
        let next = if i + 1 == sections {
            "bye".to_string()
        } else {
            format!("m{}", i + 1)
        };
        write!(
            f,
            r#"  menu m{i} {{
    prompt "Section {i}. For your account press 1. For news press 2. To go on press 3."
    reprompt "Press 1, 2 or 3."
    timeout 6s
    max_visits 5
    "1" -> g{i}
    "2" -> s{i}
    "3" -> {next}
    exhausted -> bye
    visits_exhausted -> bye
  }}

  gather g{i} {{
    prompt "Please key in your six digit account number, {{name}}."
    digits 6
    into account
    done -> h{i}
    exhausted -> m{i}
  }}

  http h{i} {{
    method POST
    url "https://api.example.com/accounts/{{account}}?section={i}"
    body "{{account}}"
    timeout 2s
    into answer
    ok -> b{i}
    error -> s{i}
  }}

  branch b{i} {{
    when answer.status == "closed" -> end{i}
    when tries > 3 or vip == true -> t{i}
    else -> c{i}
  }}

  set c{i} {{
    tries = tries + 1
    next -> s{i}
  }}

  say s{i} {{
    text "Thank you, {{name}}. Here is the news for section {i}."
    next -> x{i}
  }}

  sms t{i} {{
    to "{{call.from}}"
    text "Your account {{account}} is {{answer.status}}."
    sent -> m{i}
    failed -> m{i}
  }}

  say x{i} {{
    text "One more thing for section {i}."
    next -> m{i}
  }}

  hangup end{i} {{
    text "Your account is closed. Goodbye."
  }}

"#
        )
        .unwrap();
    }
    f.push_str("  hangup bye {\n    text \"Goodbye.\"\n  }\n}\n");
    f
}

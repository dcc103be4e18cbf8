//! Nodes that decide and remember: `branch`, `set`, `hours`, `run`.

use super::*;

impl Build<'_> {
    pub(super) fn branch(&mut self, cx: &mut Cx, whens: &[&ast::When]) -> PendingKind {
        let mut arms = Vec::new();
        for w in whens {
            let (ty, when) = self.env.expr(cx, &w.condition);
            if !matches!(ty, None | Some(Type::Bool | Type::Json)) {
                let found = ty.map_or("?", Type::as_str);
                cx.push(
                    Diagnostic::new(
                        Code::TypeMismatch,
                        format!("a condition must be true or false, not `{found}`"),
                    )
                    .label(w.condition.span, format!("`{found}` here"))
                    .help("compare it: `x == \"…\"`, `x > 3`"),
                );
            }
            let target = self.exits.target(cx, self.scope, &w.target, w.span);
            arms.push(Arm { when, target });
        }
        let otherwise = self.exit(cx, "else");
        Self::node(NodeKind::Branch { arms, otherwise })
    }

    pub(super) fn set(&mut self, cx: &mut Cx, assigns: &[&ast::Assign]) -> PendingKind {
        let mut out = Vec::new();
        for a in assigns {
            let (ty, value) = self.env.expr(cx, &a.value);
            let var = &a.var.value;
            let target = match self.scope.vars.get(var) {
                Some(&t) => Some(t),
                None if var == "language" => {
                    if let ast::ExprKind::Str(tag) = &a.value.kind
                        && !values::is_language_tag(tag)
                    {
                        cx.push(
                            Diagnostic::new(
                                Code::InvalidValue,
                                format!("`{tag}` is not a language tag"),
                            )
                            .label(a.value.span, "expected a BCP-47 tag")
                            .help("write a language and region, like `hi-IN`"),
                        );
                    }
                    Some(Type::String)
                }
                None if BUILTINS.contains(&var.as_str()) => {
                    cx.push(
                        Diagnostic::new(Code::InvalidValue, format!("`{var}` cannot be assigned"))
                            .label(a.var.span, "a built-in value")
                            .help("only `language` among the built-ins can be assigned"),
                    );
                    None
                }
                None => {
                    let help = did_you_mean(var, self.scope.vars.keys().map(String::as_str))
                        .unwrap_or_else(|| {
                            format!("declare it in the header: `var {var}: string`")
                        });
                    cx.push(
                        Diagnostic::new(
                            Code::UndeclaredVariable,
                            format!("`{var}` is not declared"),
                        )
                        .label(a.var.span, "unknown variable")
                        .help(help),
                    );
                    None
                }
            };
            if let Some(t) = target {
                types::check_assign(cx, var, t, ty, &a.value);
            }
            self.env.assigned.push(var.clone());
            if !self.writes.iter().any(|w| &w.var == var) {
                self.writes.push(Write {
                    var: var.clone(),
                    on_exit: None,
                });
            }
            out.push(Assignment {
                var: var.clone(),
                value,
            });
        }
        let next = self.exit(cx, "next");
        Self::node(NodeKind::Set { assigns: out, next })
    }

    pub(super) fn hours(&mut self, cx: &mut Cx) -> PendingKind {
        let opens = self.props.all("open");
        if opens.is_empty() {
            self.props.missing("open", "`open \"Mon-Fri 09:00-18:00\"`");
        }
        let mut weekly = Vec::new();
        // Each interval with the `open` it came from, for overlaps.
        let mut tagged = Vec::new();
        let mut spans = Vec::new();
        for v in opens {
            let Some(spec) = values::text(cx, v, "open") else {
                continue;
            };
            match hours::parse_open(&spec) {
                Ok(intervals) => {
                    tagged.extend(intervals.iter().map(|i| (*i, spans.len())));
                    spans.push(v.span);
                    weekly.extend(intervals);
                }
                Err(why) => cx.push(
                    Diagnostic::new(Code::MalformedHours, format!("malformed opening hours `{spec}`"))
                        .label(v.span, why)
                        .help("write days then times: `\"Mon-Fri 09:00-18:00\"`, `\"Sat,Sun 10:00-14:00\"`, `\"Fri 22:00-02:00\"`"),
                ),
            }
            if let Some((written, meant)) = hours::reversed(&spec) {
                cx.push(
                    Diagnostic::new(
                        Code::HoursMistake,
                        format!("`{written}` runs past midnight for more than half a day"),
                    )
                    .label(v.span, "closes the next morning")
                    .help(format!(
                        "did you mean `{meant}`? A range past midnight is for night hours, like `22:00-02:00`"
                    )),
                );
            }
        }
        if let Some((earlier, later)) = hours::overlap(tagged) {
            let mut d = Diagnostic::new(Code::HoursMistake, "opening hours overlap")
                .label(spans[later], "overlaps an earlier range");
            if earlier != later {
                d = d.label(spans[earlier], "this one");
            }
            cx.push(d.help(
                "each hour once: a typo in one of the ranges is likely (`19:00` for `09:00`?); \
                 join them, or correct the one that is wrong",
            ));
        }
        let weekly = hours::normalise(weekly);
        let mut holidays = Vec::new();
        for v in self.props.all("holiday") {
            let Some(text) = values::text(cx, v, "holiday") else {
                continue;
            };
            match hours::parse_holiday(&text) {
                Ok(date) => {
                    if !weekly.is_empty()
                        && let Some(day) = hours::closed_all_day(&weekly, &date)
                    {
                        cx.push(
                            Diagnostic::new(
                                Code::HoursMistake,
                                format!("`{date}` is a {day}, closed anyway"),
                            )
                            .label(v.span, format!("no opening hours on {day}s"))
                            .help("check the date (a year or a month off?), or remove the holiday"),
                        );
                    }
                    holidays.push(date);
                }
                Err(why) => cx.push(
                    Diagnostic::new(Code::MalformedHours, format!("malformed holiday `{text}`"))
                        .label(v.span, why)
                        .help("write the date as `\"2026-12-25\"`"),
                ),
            }
        }
        holidays.sort();
        holidays.dedup();
        let open = self.exit(cx, "open");
        let closed = self.exit(cx, "closed");
        Self::node(NodeKind::Hours {
            weekly,
            holidays,
            open,
            closed,
        })
    }

    pub(super) fn run(&mut self, cx: &mut Cx, assigns: &[&ast::Assign]) -> PendingKind {
        let module = self
            .props
            .required(cx, "module", "`module name_of_module`")
            .and_then(|v| Some((values::text(cx, v, "module")?, v.span)));
        let signature = module.as_ref().and_then(|(name, span)| {
            let found = self.scope.modules.get(name);
            if found.is_none() {
                let help = did_you_mean(name, self.scope.modules.keys().map(String::as_str))
                    .unwrap_or_else(|| "define it in this file: `module name { … }`".into());
                cx.structural(
                    Diagnostic::new(Code::UnknownModule, format!("no module named `{name}`"))
                        .label(*span, "unknown module")
                        .help(help),
                );
            }
            found
        });
        if module.is_none() {
            cx.structural = true;
        }
        let mut out: Vec<Assignment> = Vec::new();
        for a in assigns {
            let (ty, value) = self.env.expr(cx, &a.value);
            let name = &a.var.value;
            if let Some(sig) = signature {
                match sig.params.iter().find(|(p, _)| p == name) {
                    Some((_, t)) => types::check_assign(cx, name, *t, ty, &a.value),
                    None => {
                        let help = did_you_mean(name, sig.params.iter().map(|(p, _)| p.as_str()))
                            .unwrap_or_else(|| {
                                "the module declares its parameters with `param`".into()
                            });
                        cx.push(
                            Diagnostic::new(
                                Code::UnknownField,
                                format!("the module has no parameter `{name}`"),
                            )
                            .label(a.var.span, "unknown parameter")
                            .help(help),
                        );
                    }
                }
            }
            if out.iter().any(|o| &o.var == name) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("parameter `{name}` is set twice"),
                    )
                    .label(a.var.span, "again here")
                    .help("set each parameter once"),
                );
                continue;
            }
            out.push(Assignment {
                var: name.clone(),
                value,
            });
        }
        let mut returns = Vec::new();
        match signature {
            Some(sig) => {
                for (param, _) in &sig.params {
                    if !out.iter().any(|a| &a.var == param) {
                        cx.push(
                            Diagnostic::new(
                                Code::MissingField,
                                format!("{} does not set parameter `{param}`", self.owner.what),
                            )
                            .label(self.owner.span, format!("`{param}` is not set"))
                            .help(format!("add `{param} = …`")),
                        );
                    }
                }
                for r in &sig.returns {
                    self.exit(cx, r);
                    returns.push(r.clone());
                }
            }
            None => {
                // Unknown module: still check where the exits lead.
                for exit in self.exits.remaining() {
                    self.exits.skip(exit);
                    self.scope
                        .check_target(cx, &exit.target.value, exit.target.span);
                }
            }
        }
        PendingKind::Run {
            module: module.map(|(m, _)| m).unwrap_or_default(),
            assigns: out,
            returns,
        }
    }
}

impl Build<'_> {
    /// `split`: `percent NAME SHARE` per branch, one exit per branch, shares
    /// adding up to 100.
    pub(super) fn split(&mut self, cx: &mut Cx) -> PendingKind {
        let written = self.props.entries("percent");
        if written.is_empty() {
            self.props.missing(
                "percent",
                "one `percent NAME SHARE` per branch: `percent new 10` and `percent old 90`",
            );
        }
        let mut branches: Vec<Share> = Vec::new();
        let mut complete = true;
        for p in written {
            let [name, share] = p.values.as_slice() else {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        "`percent` takes a branch name and its share",
                    )
                    .label(p.span, format!("{} values", p.values.len()))
                    .help("write `percent new 10`: 10 % of calls take the exit `new`"),
                );
                complete = false;
                continue;
            };
            let Some(branch) = values::text(cx, name, "percent") else {
                complete = false;
                continue;
            };
            if !is_branch_name(&branch) {
                cx.push(
                    Diagnostic::new(
                        Code::InvalidValue,
                        format!("`{branch}` cannot name a branch"),
                    )
                    .label(name.span, "not a plain name")
                    .help("a branch is named like an exit: letters, digits and `_`, as in `new_greeting`"),
                );
                complete = false;
                continue;
            }
            if branches.iter().any(|b| b.name == branch) {
                cx.push(
                    Diagnostic::new(
                        Code::DuplicateName,
                        format!("branch `{branch}` is given a share twice"),
                    )
                    .label(name.span, "again here")
                    .help("give each branch one share"),
                );
                continue;
            }
            let Some(weight) = values::percent(cx, share, "percent") else {
                complete = false;
                continue;
            };
            let target = self.exit(cx, &branch);
            branches.push(Share {
                name: branch,
                weight,
                target,
            });
        }
        let total: u32 = branches.iter().map(|b| b.weight).sum();
        if complete && !branches.is_empty() && total != Share::WHOLE {
            let shown = Share {
                name: String::new(),
                weight: total,
                target: NodeId(0),
            }
            .percent();
            let mut d = Diagnostic::new(
                Code::InvalidValue,
                format!(
                    "the shares of {} add up to {shown} %, not 100 %",
                    self.owner.what
                ),
            )
            .label(self.owner.span, format!("{shown} % in all"));
            let fix = if total < Share::WHOLE {
                "give the missing share to a branch: every call must take one"
            } else {
                "lower a share: a call takes exactly one branch"
            };
            d = d.help(fix);
            cx.push(d);
        }
        Self::node(NodeKind::Split { branches })
    }
}

/// A branch is named like an exit word: `new`, `old_greeting`.
fn is_branch_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

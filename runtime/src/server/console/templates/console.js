// The calls page, live: the server pushes the list when it changes and the
// table is rebuilt from it. Text goes in through textContent only, so nothing
// a caller sent can become markup.
"use strict";

function time(ms) {
  return new Date(ms).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
}

function cell(row, text, code) {
  const td = row.insertCell();
  const inner = code ? document.createElement("code") : td;
  inner.textContent = text;
  if (code) td.appendChild(inner);
  return td;
}

function render(table, calls) {
  const body = table.tBodies[0];
  body.replaceChildren();
  for (const call of calls) {
    const row = body.insertRow();
    const first = row.insertCell();
    const link = document.createElement("a");
    link.href = "/console/calls/" + encodeURIComponent(call.call_id);
    const code = document.createElement("code");
    code.textContent = call.call_id;
    link.appendChild(code);
    first.appendChild(link);
    cell(row, call.flow);
    cell(row, call.caller.from);
    cell(row, call.caller.to);
    const status = document.createElement("span");
    status.className = "status " + call.status;
    status.textContent = call.status;
    row.insertCell().appendChild(status);
    cell(row, time(call.started_at));
    cell(row, typeof call.duration_ms === "number" ? (call.duration_ms / 1000).toFixed(1) + " s" : "—");
  }
  if (calls.length === 0) {
    const td = body.insertRow().insertCell();
    td.colSpan = 7;
    td.textContent = "No calls.";
  }
  const live = calls.filter((c) => c.status === "ringing" || c.status === "in_progress").length;
  const count = document.getElementById("live-count");
  if (count) count.textContent = live ? "; " + live + " in progress" : "";
}

const table = document.querySelector("table[data-live]");
if (table && window.EventSource) {
  const source = new EventSource(table.dataset.live + window.location.search);
  source.addEventListener("calls", (event) => render(table, JSON.parse(event.data)));
}

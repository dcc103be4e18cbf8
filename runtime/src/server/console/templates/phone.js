// The browser phone: one call over a WebSocket. The server sends each turn
// of the call (what to say or play, then what the call waits for); the page
// speaks the prompts with the browser's speech synthesis, shows them as
// text, and sends back keys, words, silence, an outcome or a hang-up, one
// message at a time. Text goes in through textContent only, so nothing a
// flow or a caller says can become markup.
//
// No input: when the flow's timeout passes after the prompts (the page's
// timer, if its box is ticked) or when the caller presses Silence.
"use strict";

(() => {
  const phone = document.getElementById("phone");
  if (!phone) return;
  const $ = (id) => document.getElementById(id);
  const log = $("phone-log");
  const status = $("phone-status");
  const keysShown = $("phone-keys");
  const keypad = Array.from(phone.querySelectorAll(".keypad button"));
  const text = $("phone-text");
  const say = $("phone-say");
  const listen = $("phone-listen");
  const outcomes = $("phone-outcomes");
  const send = $("phone-send");
  const silence = $("phone-silence");
  const hangup = $("phone-hangup");
  const callButton = $("phone-call");
  const Recognition = window.SpeechRecognition || window.webkitSpeechRecognition;
  const synth = window.speechSynthesis;

  let socket = null;
  let turn = -1; // the turn the call is at: every message answers it
  let wait = null; // what the call waits for now
  let keys = "";
  let timer = null;

  function line(kind, words) {
    const item = document.createElement("li");
    item.className = kind;
    item.textContent = words;
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function setKeys(value) {
    keys = value;
    keysShown.textContent = value;
  }

  // Nothing can be sent until the call waits for it again.
  function quiet() {
    clearTimeout(timer);
    timer = null;
    for (const b of keypad) b.disabled = true;
    text.disabled = say.disabled = listen.disabled = true;
    send.disabled = silence.disabled = true;
    outcomes.replaceChildren();
  }

  function message(body) {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    quiet();
    if (synth) synth.cancel();
    socket.send(JSON.stringify(Object.assign({ turn }, body)));
  }

  function sendKeys() {
    const digits = keys;
    setKeys("");
    if (digits) {
      line("did", "You pressed " + digits);
      message({ type: "keys", digits });
    } else {
      line("did", "You said nothing");
      message({ type: "silence" });
    }
  }

  function press(key) {
    if (!wait || wait.for !== "input" || !wait.keys) return;
    if (wait.finish_key && key === wait.finish_key) return sendKeys();
    setKeys(keys + key);
    if (keys.length >= wait.max_digits) sendKeys();
  }

  // The prompts of a turn, spoken one after another; `done` once all ended.
  function speak(steps, done) {
    const spoken = $("phone-speak").checked && synth;
    let pending = 0;
    const finished = () => { if (--pending === 0) done(); };
    for (const step of steps) {
      if (step.do === "say") {
        line("heard", step.text);
        if (!spoken) continue;
        for (let i = 0; i < Math.max(1, step.loops); i++) {
          const utterance = new SpeechSynthesisUtterance(step.text);
          utterance.lang = step.language;
          utterance.onend = utterance.onerror = finished;
          pending++;
          synth.speak(utterance);
        }
      } else if (step.do === "play") {
        line("heard", "Audio: " + step.url);
        if (spoken) new Audio(step.url).play().catch(() => {});
      } else if (step.do === "pause") {
        line("shown", "A pause of " + step.seconds + " s");
      } else if (step.do === "dial") {
        line("shown", "Transferring to " + step.targets.join(", "));
      } else if (step.do === "enqueue") {
        line("shown", "Waiting in the queue " + step.name);
      } else if (step.do === "record") {
        line("shown", "Recording a message (up to " + step.max_length_s + " s)");
      } else if (step.do === "record_call") {
        line("shown", "The call is recorded from here on");
      } else if (step.do === "agent") {
        line("shown", "Handed to a voice agent at " + step.url);
      } else if (step.do === "hangup") {
        line("shown", "The flow hangs up");
      }
    }
    if (pending === 0) done();
  }

  function waitFor(next) {
    wait = next;
    if (next.for === "input") {
      status.textContent = "Your turn: " + [next.keys && "press keys", next.speech && "say something"].filter(Boolean).join(" or ") + ".";
      for (const b of keypad) b.disabled = !next.keys;
      send.disabled = !next.keys;
      text.disabled = say.disabled = !next.speech;
      listen.disabled = !next.speech;
      silence.disabled = false;
    } else if (next.for === "outcome") {
      status.textContent = "How did the " + next.of + " end?";
      for (const outcome of next.outcomes) {
        const b = document.createElement("button");
        b.type = "button";
        b.dataset.outcome = outcome;
        b.textContent = outcome.replace("_", " ");
        b.addEventListener("click", () => {
          line("did", "The " + next.of + ": " + b.textContent);
          message({ type: "outcome", outcome });
        });
        outcomes.appendChild(b);
      }
    } else if (next.for === "hold") {
      status.textContent = "On hold while the flow calls out…";
      message({ type: "back" });
    } else {
      end("The call has ended.");
    }
  }

  // After the prompts, the flow's timeout starts (when the box is ticked).
  function startTimer() {
    if (!wait || wait.for !== "input" || !$("phone-timer").checked) return;
    const started = turn;
    timer = setTimeout(() => { if (turn === started) sendKeys(); }, wait.timeout_s * 1000);
  }

  function receive(reply) {
    if (reply.type === "turn") {
      // A reply already played (a hold is answered again while it lasts).
      if (reply.turn < turn || (reply.turn === turn && reply.wait.for !== "hold")) return;
      turn = reply.turn;
      const link = $("phone-call-link");
      link.hidden = false;
      link.querySelector("a").href = "/console/calls/" + encodeURIComponent(reply.call_id);
      link.querySelector("a").textContent = reply.call_id;
      waitFor(reply.wait);
      speak(reply.steps, startTimer);
    } else if (reply.type === "refused") {
      line("notice", reply.text);
      if (wait) waitFor(wait);
    } else {
      line("notice", reply.text);
      end("The call is over.");
    }
  }

  function end(why) {
    quiet();
    wait = null;
    status.textContent = why;
    hangup.disabled = true;
    callButton.disabled = false;
    if (socket) socket.close();
    socket = null;
  }

  $("phone-start").addEventListener("submit", (event) => {
    event.preventDefault();
    if (socket) return;
    const scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + window.location.host + phone.dataset.socket);
    turn = -1;
    log.replaceChildren();
    setKeys("");
    callButton.disabled = true;
    status.textContent = "Calling…";
    const from = $("phone-from").value.trim();
    socket.addEventListener("open", () => {
      hangup.disabled = false;
      socket.send(JSON.stringify(from ? { type: "start", from } : { type: "start" }));
    });
    socket.addEventListener("message", (event) => receive(JSON.parse(event.data)));
    socket.addEventListener("close", () => { if (socket) end("The line dropped."); });
  });

  for (const b of keypad) b.addEventListener("click", () => press(b.dataset.key));
  document.addEventListener("keydown", (event) => {
    if (event.target instanceof HTMLInputElement || event.ctrlKey || event.metaKey || event.altKey) return;
    const key = keypad.find((b) => b.dataset.key === event.key);
    if (key && !key.disabled) press(event.key);
  });
  send.addEventListener("click", sendKeys);
  silence.addEventListener("click", () => { setKeys(""); sendKeys(); });
  hangup.addEventListener("click", () => {
    line("did", "You hung up");
    message({ type: "hangup" });
  });
  $("phone-words").addEventListener("submit", (event) => {
    event.preventDefault();
    const words = text.value.trim();
    if (!words || text.disabled) return;
    text.value = "";
    line("did", "You said “" + words + "”");
    message({ type: "words", text: words });
  });
  if (Recognition) {
    listen.hidden = false;
    listen.addEventListener("click", () => {
      const recognition = new Recognition();
      recognition.lang = (wait && wait.language) || document.documentElement.lang;
      recognition.onresult = (event) => {
        const best = event.results[0][0];
        line("did", "You said “" + best.transcript + "”");
        message({ type: "words", text: best.transcript, confidence: best.confidence });
      };
      status.textContent = "Listening…";
      recognition.start();
    });
  }
})();

-- wrk script: callers who keep answering main_line's menu.
--
--   wrk -t16 -c16 -d10s --latency -s bench/menu_turn.lua http://127.0.0.1:8080 [-- delay=6.5]
--
-- Every connection plays calls the way Twilio would: the first request
-- starts a call (POST /twilio/main_line with a new CallSid), every later one
-- answers the <Gather> of the previous response: it POSTs Digits=9 ("hear
-- the options again", which loops back to the menu) to the Gather's action
-- URL. So after the first request of each call, every request is a real
-- menu turn: load state, step the engine, render TwiML, commit.
--
-- One connection per wrk thread (run it with -t N -c N): wrk keeps one Lua
-- state per thread and does not say which connection a response came in
-- on, so with several connections per thread a response could not be tied
-- to its call. Matching responses to calls by their content does not work
-- either: the action URL says "some call at turn t advanced", and handing it
-- to another call at turn t sends that call's next turn before its own
-- previous one was processed (the server rightly refuses it). With one
-- connection per thread, the thread's call is the connection's call, and
-- every response belongs to the one request outstanding. A thread that ever
-- sees two requests outstanding counts it in `overlapping` (must stay 0).

-- Arguments after `--`:
--   delay=MS  think time before each request (fractional: dithered to whole
--             milliseconds with the right mean); used for the latency run at
--             a fixed fraction of peak, since wrk (unlike wrk2) has no -R.
--   turns=N   start a fresh call after N menu turns (default: never).
--   flow=NAME the flow to call (default main_line).
--   new=1     every request starts a new call (the new-call workload): the
--             same as turns=0 would be, if 0 did not already mean "never".

local threads = {}
local next_thread = 0

function setup(thread)
  next_thread = next_thread + 1
  thread:set("thread_id", next_thread)
  table.insert(threads, thread)
end

-- Per-thread state (each wrk thread has its own Lua environment).
local flow = "main_line"
local think_ms = 0
local max_turns = 0
local only_new = false
local serial = 0
local run_id = 0
local sid = nil     -- this thread's call, nil: start one
local path = nil    -- where its next turn goes (the last Gather's action)
local call_turns = 0
local outstanding = false
local answered = 0
local kind = nil
starts, turns, bad, overlapping = 0, 0, 0, 0

-- What Twilio sends with every voice webhook (the sizes matter, not the values).
local call_params = "AccountSid=AC0123456789abcdef0123456789abcdef&ApiVersion=2010-04-01"
  .. "&CallStatus=in-progress&Called=%2B918045671200&CalledCity=&CalledCountry=IN"
  .. "&CalledState=&CalledZip=&Caller=%2B919812345678&CallerCity=&CallerCountry=IN"
  .. "&CallerState=&CallerZip=&Direction=inbound&From=%2B919812345678&FromCity="
  .. "&FromCountry=IN&FromState=&FromZip=&To=%2B918045671200&ToCity=&ToCountry=IN"
  .. "&ToState=&ToZip="
local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function init(args)
  for _, a in ipairs(args) do
    local k, v = a:match("^(%w+)=(.*)$")
    if k == "delay" then think_ms = tonumber(v)
    elseif k == "turns" then max_turns = tonumber(v)
    elseif k == "flow" then flow = v
    elseif k == "new" then only_new = v == "1" end
  end
  -- Unique CallSids across threads and across runs against the same store.
  run_id = os.time() % 1000000
  math.randomseed(run_id * 100 + thread_id)
end

function request()
  -- wrk calls request() once before the run, on the first thread only, to
  -- check the script, and never sends that request; so overlaps count only
  -- once responses flow, and starts and turns are counted on response.
  if outstanding and answered > 0 then overlapping = overlapping + 1 end
  outstanding = true
  if only_new or sid == nil or path == nil or (max_turns > 0 and call_turns >= max_turns) then
    serial = serial + 1
    sid = string.format("CA%06d%04d%020d", run_id, thread_id, serial)
    call_turns = 0
    kind = "start"
    return wrk.format("POST", "/twilio/" .. flow, headers,
      "CallSid=" .. sid .. "&" .. call_params)
  end
  call_turns = call_turns + 1
  kind = "turn"
  return wrk.format("POST", path, headers,
    "CallSid=" .. sid .. "&" .. call_params .. "&Digits=9&FinishedOnKey=")
end

function response(status, hdrs, body)
  outstanding = false
  answered = answered + 1
  if kind == "start" then starts = starts + 1 else turns = turns + 1 end
  path = status == 200 and body:match('<Gather action="https?://[^/"]+(/[^"]*)"') or nil
  if path == nil then
    -- An error, an apology or a hang-up: the call is over; the next request
    -- starts a new one.
    bad = bad + 1
  end
end

function delay()
  if think_ms <= 0 then return 0 end
  return math.floor(think_ms + math.random())
end

function done(summary, latency, requests)
  local s, t, b, o = 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    s = s + thread:get("starts")
    t = t + thread:get("turns")
    b = b + thread:get("bad")
    o = o + thread:get("overlapping")
  end
  local e = summary.errors
  local secs = summary.duration / 1e6
  -- One line for bench/load.sh to parse; latencies in microseconds.
  io.write(string.format(
    "RESULT rps=%.0f p50_us=%d p90_us=%d p99_us=%d max_us=%d requests=%d starts=%d menu_turns=%d bad=%d overlapping=%d socket_errors=%d\n",
    summary.requests / secs, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, summary.requests, s, t, b, o,
    e.connect + e.read + e.write + e.timeout))
end

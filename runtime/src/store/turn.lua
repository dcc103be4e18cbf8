-- One turn of one call, atomically: compare-and-set the call state on its
-- turn number, keep the reply for retries, and append the turn to the call's
-- history. See store/mod.rs for the contract and store/history.rs for the
-- history rules this mirrors.
--
-- KEYS[1] call state hash: turn, rturn (the turn the reply answered), reply, state,
--         followed ("1" once the provider fetched what the reply pointed at: follow.lua)
-- KEYS[2] history hash: flow, version, caller, status, final, started_at, ended_at
-- KEYS[3] history trace list (visits as JSON, oldest first)
-- KEYS[4] history index sorted set (score started_at, member call id)
-- KEYS[5] outbox sorted set (score mark, member call id; see outbox.rs)
-- KEYS[6] the newest outbox mark (marks: microseconds since the epoch,
--         always increasing, so they order a call's versions across restarts)
--
-- ARGV[1]  expected turn ("new": the call's first webhook, nothing stored yet)
-- ARGV[2]  new turn
-- ARGV[3]  new state (JSON)
-- ARGV[4]  reply
-- ARGV[5]  state TTL ms (long while live, the grace period once ended)
-- ARGV[6]  history TTL ms
-- ARGV[7]  history index capacity
-- ARGV[8]  trace capacity
-- ARGV[9]  call id
-- ARGV[10] flow
-- ARGV[11] version
-- ARGV[12] caller (JSON)
-- ARGV[13] started_at
-- ARGV[14] ended_at ("" while the call is live)
-- ARGV[15] "1" when the reply restates the stored one (followed stays as it was)
-- ARGV[16] outbox capacity (0: call records are off)
-- ARGV[17..] visits (JSON)
--
-- Returns {"committed", records dropped from a full outbox}
--       | {"replay", reply} | {"conflict", state or nil}

local function next_mark(key)
  local t = redis.call('TIME')
  local mark = math.max(tonumber(t[1]) * 1000000 + tonumber(t[2]), tonumber(redis.call('GET', key) or 0) + 1)
  local text = string.format('%d', mark)
  redis.call('SET', key, text)
  return text
end

local cur = redis.call('HMGET', KEYS[1], 'turn', 'rturn', 'reply', 'state')
local expected = ARGV[1]

if (cur[1] == false and expected == 'new') or cur[1] == expected then
  redis.call('HSET', KEYS[1], 'turn', ARGV[2], 'rturn', expected, 'reply', ARGV[4], 'state', ARGV[3])
  if ARGV[15] ~= '1' then
    redis.call('HDEL', KEYS[1], 'followed')
  end
  redis.call('PEXPIRE', KEYS[1], ARGV[5])

  redis.call('HSET', KEYS[2], 'flow', ARGV[10], 'version', ARGV[11], 'caller', ARGV[12], 'started_at', ARGV[13])
  -- A placed call's record starts `ringing`; a webhook means it was answered.
  local status = redis.call('HGET', KEYS[2], 'status')
  if status == false or status == 'ringing' then
    redis.call('HSET', KEYS[2], 'status', 'in_progress')
  end
  if ARGV[14] ~= '' then
    redis.call('HSETNX', KEYS[2], 'ended_at', ARGV[14])
    if redis.call('HGET', KEYS[2], 'final') ~= '1' then
      redis.call('HSET', KEYS[2], 'status', 'completed', 'final', '1')
    end
  end
  redis.call('PEXPIRE', KEYS[2], ARGV[6])

  if #ARGV >= 17 then
    redis.call('RPUSH', KEYS[3], unpack(ARGV, 17))
    redis.call('LTRIM', KEYS[3], -tonumber(ARGV[8]), -1)
    redis.call('PEXPIRE', KEYS[3], ARGV[6])
  end

  redis.call('ZADD', KEYS[4], 'NX', ARGV[13], ARGV[9])
  -- Calls started longer ago than the history TTL have lost their records.
  redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', '(' .. (tonumber(ARGV[13]) - tonumber(ARGV[6])))
  local extra = redis.call('ZCARD', KEYS[4]) - tonumber(ARGV[7])
  if extra > 0 then
    redis.call('ZREMRANGEBYRANK', KEYS[4], 0, extra - 1)
  end

  -- A finished call enters the outbox in the same step that finishes it.
  local dropped = 0
  local capacity = tonumber(ARGV[16])
  if ARGV[14] ~= '' and capacity > 0 then
    redis.call('ZADD', KEYS[5], next_mark(KEYS[6]), ARGV[9])
    dropped = math.max(redis.call('ZCARD', KEYS[5]) - capacity, 0)
    if dropped > 0 then
      redis.call('ZREMRANGEBYRANK', KEYS[5], 0, dropped - 1)
    end
  end
  return {'committed', tostring(dropped)}
end

-- The webhook this commit answers was committed before: a retry.
if cur[1] ~= false and cur[2] == expected then
  return {'replay', cur[3]}
end

return {'conflict', cur[4]}

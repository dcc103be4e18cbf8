-- A late transcript of an ended call: put the call in the outbox of call
-- records again (outbox.rs), as turn.lua does for its last turn.
--
-- KEYS[1] history hash, KEYS[2] outbox sorted set, KEYS[3] the newest mark
-- ARGV[1] call id, ARGV[2] outbox capacity
--
-- Returns the number of records dropped from a full outbox.

local function next_mark(key)
  local t = redis.call('TIME')
  local mark = math.max(tonumber(t[1]) * 1000000 + tonumber(t[2]), tonumber(redis.call('GET', key) or 0) + 1)
  local text = string.format('%d', mark)
  redis.call('SET', key, text)
  return text
end

if redis.call('HEXISTS', KEYS[1], 'ended_at') == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], next_mark(KEYS[3]), ARGV[1])
local dropped = math.max(redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[2]), 0)
if dropped > 0 then
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, dropped - 1)
end
return dropped

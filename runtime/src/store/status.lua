-- A provider status callback, mirroring CallSummary::on_status in
-- store/history.rs: a final status is never replaced by a non-final one; a
-- final status sets ended_at once and shortens the call state's TTL to the
-- grace period (the call is over; keep it only for late retries).
--
-- A final status of a known call puts it in the outbox of call records
-- (outbox.rs), as turn.lua does for the last turn.
--
-- KEYS[1] history hash, KEYS[2] call state hash, KEYS[3] outbox sorted set,
-- KEYS[4] the newest outbox mark (see turn.lua)
-- ARGV[1] status, ARGV[2] at (ms), ARGV[3] "1" if final, ARGV[4] grace ms,
-- ARGV[5] outbox capacity (0: call records are off), ARGV[6] call id
--
-- Returns the number of records dropped from a full outbox.

local function next_mark(key)
  local t = redis.call('TIME')
  local mark = math.max(tonumber(t[1]) * 1000000 + tonumber(t[2]), tonumber(redis.call('GET', key) or 0) + 1)
  local text = string.format('%d', mark)
  redis.call('SET', key, text)
  return text
end

local final = ARGV[3] == '1'
if redis.call('EXISTS', KEYS[1]) == 1 then
  if final or redis.call('HGET', KEYS[1], 'final') ~= '1' then
    redis.call('HSET', KEYS[1], 'status', ARGV[1])
  end
  if final then
    redis.call('HSET', KEYS[1], 'final', '1')
    redis.call('HSETNX', KEYS[1], 'ended_at', ARGV[2])
  end
end
local dropped = 0
local capacity = tonumber(ARGV[5])
if final and capacity > 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('ZADD', KEYS[3], next_mark(KEYS[4]), ARGV[6])
  dropped = math.max(redis.call('ZCARD', KEYS[3]) - capacity, 0)
  if dropped > 0 then
    redis.call('ZREMRANGEBYRANK', KEYS[3], 0, dropped - 1)
  end
end
if final then
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl > tonumber(ARGV[4]) then
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
end
return dropped

-- A provider status callback, mirroring CallSummary::on_status in
-- store/history.rs: a final status is never replaced by a non-final one; a
-- final status sets ended_at once and shortens the call state's TTL to the
-- grace period (the call is over; keep it only for late retries).
--
-- KEYS[1] history hash, KEYS[2] call state hash
-- ARGV[1] status, ARGV[2] at (ms), ARGV[3] "1" if final, ARGV[4] grace ms

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
if final then
  local ttl = redis.call('PTTL', KEYS[2])
  if ttl > tonumber(ARGV[4]) then
    redis.call('PEXPIRE', KEYS[2], ARGV[4])
  end
end
return 1

-- Save a campaign as its lease holder (see campaign/mod.rs).
-- KEYS: 1 lease, 2 campaign hash, 3 entries hash, 4 events list, 5 active set
-- ARGV: 1 owner, 2 lease ms, 3 events applied, 4 cancelled 0/1,
--       5 finished 0/1, 6 campaign id, then index, entry JSON pairs
if redis.call('GET', KEYS[1]) ~= ARGV[1] then
  return 0
end
for i = 7, #ARGV, 2 do
  redis.call('HSET', KEYS[3], ARGV[i], ARGV[i + 1])
end
local applied = tonumber(ARGV[3])
if applied > 0 then
  redis.call('LTRIM', KEYS[4], applied, -1)
end
if ARGV[4] == '1' then
  redis.call('HSET', KEYS[2], 'cancelled', '1')
end
if ARGV[5] == '1' then
  redis.call('HSET', KEYS[2], 'finished', '1')
  redis.call('SREM', KEYS[5], ARGV[6])
  redis.call('DEL', KEYS[1])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1

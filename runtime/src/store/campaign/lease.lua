-- Take or renew a campaign's lease. KEYS: 1 lease. ARGV: 1 owner, 2 ms.
local holder = redis.call('GET', KEYS[1])
if holder == false or holder == ARGV[1] then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0

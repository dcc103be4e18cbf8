-- Claim the turn a webhook answers before its effects run, so a retried or
-- duplicated webhook on any replica does not run them again. See
-- Store::claim in store/mod.rs for the contract.
--
-- KEYS[1] call state hash (turn, rturn, reply: see turn.lua)
-- KEYS[2] the turn's claim (a string: the owner), expiring after the lease
--
-- ARGV[1] the turn the webhook answers ("new": the call's first webhook)
-- ARGV[2] owner
-- ARGV[3] lease ms
--
-- Returns {"won"} | {"taken"} | {"replay", reply} | {"gone"}

local cur = redis.call('HMGET', KEYS[1], 'turn', 'rturn', 'reply')
local expected = ARGV[1]

if (cur[1] == false and expected == 'new') or cur[1] == expected then
  local holder = redis.call('GET', KEYS[2])
  if holder == false then
    redis.call('SET', KEYS[2], ARGV[2], 'PX', ARGV[3])
    return {'won'}
  end
  if holder == ARGV[2] then
    return {'won'}
  end
  return {'taken'}
end

-- The turn was committed: a retry.
if cur[1] ~= false and cur[2] == expected then
  return {'replay', cur[3]}
end

return {'gone'}

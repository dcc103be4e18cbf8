-- A request that follows a call's stored reply (an Exotel applet's URL,
-- fetched after the Passthru that selected it): mark the reply followed and
-- return the call as load does. See Store::follow in store/mod.rs.
--
-- KEYS[1] call state hash (see turn.lua)
--
-- Returns {state, rturn, reply, followed} (all nil: no such call)

if redis.call('EXISTS', KEYS[1]) == 0 then
  return {}
end
redis.call('HSET', KEYS[1], 'followed', '1')
return redis.call('HMGET', KEYS[1], 'state', 'rturn', 'reply', 'followed')

-- The breaker's target answered. KEYS: state hash, failures zset.
-- Closes unless the cooldown is still running: a late success of a call admitted before the
-- breaker opened is not proof enough; the probe decides. Returns 1 when it closed.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until'))
if open_until and now < open_until then return 0 end
redis.call('DEL', KEYS[1], KEYS[2])
return 1

-- Pauses a connection for every worker. KEYS: pause. ARGV: ms. Keeps a longer pause already in place.
local ms = tonumber(ARGV[1])
if redis.call('PTTL', KEYS[1]) < ms then redis.call('SET', KEYS[1], '1', 'PX', ms) end

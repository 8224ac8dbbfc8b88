-- Releases a lock taken with SET NX PX, only if this holder still has it.
-- KEYS: lock. ARGV: the holder's token. Returns 1 when it was released.
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0

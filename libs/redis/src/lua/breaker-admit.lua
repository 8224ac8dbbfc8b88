-- May the breaker's target be called now?
-- KEYS: state hash, failures zset. ARGV: probe lease ms, state ttl after the lease ms.
-- Returns {code, ms}: 0 closed (ms: 1 if failures are logged, else 0), 1 the caller is the probe,
-- 2 open for ms more, 3 a probe holds a lease for ms more.
-- The HSET of probe_until inside the script is what makes the probe unique across all workers.
-- The clock is Redis's, so workers with skewed clocks agree on every deadline.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until'))
if not open_until then return {0, redis.call('EXISTS', KEYS[2])} end
if now < open_until then return {2, open_until - now} end
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until'))
if probe_until and now < probe_until then return {3, probe_until - now} end
local lease = tonumber(ARGV[1])
redis.call('HSET', KEYS[1], 'probe_until', now + lease)
redis.call('PEXPIRE', KEYS[1], lease + tonumber(ARGV[2]))
return {1, 0}

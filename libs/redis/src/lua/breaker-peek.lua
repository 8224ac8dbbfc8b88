-- The breaker's state, read-only. KEYS: state hash, failures zset. ARGV: window ms.
-- Returns {state (0 closed, 1 open, 2 half-open), failures in the window, ms until it may be called or -1}.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local failures = redis.call('ZCOUNT', KEYS[2], '(' .. (now - tonumber(ARGV[1])), '+inf')
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until'))
if not open_until then return {0, failures, -1} end
if now < open_until then return {1, failures, open_until - now} end
local probe_until = tonumber(redis.call('HGET', KEYS[1], 'probe_until'))
if probe_until and now < probe_until then return {2, failures, probe_until - now} end
return {2, failures, -1}

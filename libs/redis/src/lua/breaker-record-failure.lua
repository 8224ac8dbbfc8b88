-- A health failure of the breaker's target.
-- KEYS: state hash, failures zset.
-- ARGV: threshold, window ms, cooldown ms, state ttl after the cooldown ms, unique member.
-- Sliding log: one zset entry per failure, scored by time, trimmed to the window.
-- Closed: opens when the window holds threshold failures. Open: a late failure of a call admitted
-- before it opened changes nothing. Half-open (cooldown over): the probe failed, so open again.
-- Returns 1 when the breaker opened.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local threshold, window, cooldown = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZADD', KEYS[2], now, ARGV[5])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - window)
redis.call('PEXPIRE', KEYS[2], window)
local open_until = tonumber(redis.call('HGET', KEYS[1], 'open_until'))
if open_until then
  if now < open_until then return 0 end
elseif redis.call('ZCARD', KEYS[2]) < threshold then
  return 0
end
redis.call('HSET', KEYS[1], 'open_until', now + cooldown)
redis.call('HDEL', KEYS[1], 'probe_until')
redis.call('PEXPIRE', KEYS[1], cooldown + tonumber(ARGV[4]))
return 1

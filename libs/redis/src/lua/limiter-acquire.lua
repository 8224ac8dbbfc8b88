-- Checks every limit of a connection, then reserves on all of them or none (acquire), or only
-- reports (peek).
-- KEYS: pause, rpm zset, tpm bucket hash, open-reservations zset.
-- ARGV: 'acquire' | 'peek', reservation id, rpm, tpm, max_concurrency (0 = not set), tokens,
--   lease ms, a minute in ms (rpm and tpm are per minute), the wait suggested while every slot is taken ms.
-- Returns {refused limit or '', retry ms, pause ms, rpm used, tpm available (string: may be
--   fractional), in use}.
--
-- - pause: a key whose PTTL is the pause left.
-- - rpm: sliding log, one zset entry per call scored by time; exact: never more than rpm calls
--   in any minute.
-- - tpm: token bucket of capacity tpm refilled at tpm per minute (how providers meter tokens);
--   settling adds or takes the difference, so the balance may go negative (a debt paid by
--   waiting). A call larger than the whole bucket waits for a full bucket instead of never running.
-- - concurrency: zset of reservation ids scored by lease expiry; expired leases are pruned.
-- The time comes from Redis, so every worker uses the same clock.
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)

local dry = ARGV[1] == 'peek'
local id = ARGV[2]
local rpm, tpm, maxc = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local tokens, lease = tonumber(ARGV[6]), tonumber(ARGV[7])
local minute, slot_retry = tonumber(ARGV[8]), tonumber(ARGV[9])
local refused, retry = '', 0
-- Report the limit with the longest wait: every limit must clear before the call can run.
local function refuse(limit, ms)
  if refused == '' or ms > retry then refused, retry = limit, math.max(1, math.ceil(ms)) end
end

local paused = redis.call('PTTL', KEYS[1])
if paused > 0 then refuse('pause', paused) else paused = 0 end

local rpm_used = 0
if rpm > 0 then
  local since = now - minute
  if not dry then redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', since) end
  rpm_used = redis.call('ZCOUNT', KEYS[2], '(' .. since, '+inf')
  if rpm_used >= rpm then
    -- Wait until enough of the oldest calls have left the window (more than one if the limit was lowered).
    local e = redis.call('ZRANGEBYSCORE', KEYS[2], '(' .. since, '+inf', 'WITHSCORES', 'LIMIT', rpm_used - rpm, 1)
    refuse('rpm', tonumber(e[2]) + minute - now)
  end
end

local available, rate = 0, 0
if tpm > 0 then
  rate = tpm / minute
  available = tpm
  local b = redis.call('HMGET', KEYS[3], 'tokens', 'ts')
  if b[1] then available = math.min(tpm, tonumber(b[1]) + (now - tonumber(b[2])) * rate) end
  local need = math.min(tokens, tpm)
  if available < need then refuse('tpm', (need - available) / rate) end
end

local in_use = 0
if tpm > 0 or maxc > 0 then
  if not dry then redis.call('ZREMRANGEBYSCORE', KEYS[4], '-inf', now) end
  in_use = redis.call('ZCOUNT', KEYS[4], '(' .. now, '+inf')
  if maxc > 0 and in_use >= maxc then
    local e = redis.call('ZRANGEBYSCORE', KEYS[4], '(' .. now, '+inf', 'WITHSCORES', 'LIMIT', in_use - maxc, 1)
    refuse('max_concurrency', math.min(tonumber(e[2]) - now, slot_retry))
  end
end

if dry or refused ~= '' then return {refused, retry, paused, rpm_used, tostring(available), in_use} end

if rpm > 0 then
  redis.call('ZADD', KEYS[2], now, id)
  redis.call('PEXPIRE', KEYS[2], minute)
end
if tpm > 0 then
  available = available - tokens
  redis.call('HSET', KEYS[3], 'tokens', available, 'ts', now)
  -- Once full again the bucket is the same as no key at all.
  redis.call('PEXPIRE', KEYS[3], math.ceil((tpm - available) / rate) + 1000)
end
if tpm > 0 or maxc > 0 then
  redis.call('ZADD', KEYS[4], now + lease, id)
  if redis.call('PTTL', KEYS[4]) < lease then redis.call('PEXPIRE', KEYS[4], lease) end
end
return {'', 0, 0, rpm_used + 1, tostring(available), in_use + 1}

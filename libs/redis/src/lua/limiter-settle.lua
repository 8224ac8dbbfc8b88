-- Settles or releases a reservation of limiter-acquire.lua.
-- KEYS: tpm bucket hash, open-reservations zset.
-- ARGV: reservation id, tpm, tokens taken, tokens used, a minute in ms.
-- Removing the lease is the once-only switch: a second settle (or one after the lease expired)
-- finds nothing and changes nothing. Returns 1 when this call settled the reservation.
if redis.call('ZREM', KEYS[2], ARGV[1]) == 0 then return 0 end
local tpm = tonumber(ARGV[2])
if tpm > 0 then
  local t = redis.call('TIME')
  local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
  local rate = tpm / tonumber(ARGV[5])
  local available = tpm
  local b = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
  if b[1] then available = math.min(tpm, tonumber(b[1]) + (now - tonumber(b[2])) * rate) end
  available = math.min(tpm, available + tonumber(ARGV[3]) - tonumber(ARGV[4]))
  redis.call('HSET', KEYS[1], 'tokens', available, 'ts', now)
  redis.call('PEXPIRE', KEYS[1], math.ceil((tpm - available) / rate) + 1000)
end
return 1

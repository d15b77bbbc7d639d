/**
 * The Lua scripts, loaded at start-up (SCRIPT LOAD: a Redis that refuses scripts stops start-up)
 * and run by SHA (ioredis falls back to EVAL after a restart emptied the script cache).
 *
 * Numbers cross between JS and Lua as strings: both are IEEE doubles, `String(n)` is exact and
 * `%.17g` round-trips, so the scripts compute bit for bit what ratelimit/gcra.ts computes. (A Lua
 * number returned as such would be truncated to an integer by Redis.)
 */

/**
 * `consumeAll`, the decision of `decideAll` (ratelimit/store.ts) in one atomic step.
 * KEYS[i]: the state of op i (a GCRA tat, or "remaining|periodStartMs" of a quota).
 * ARGV[1]: nowMs; then five per op: 'r', rate, windowMs, burst, cost
 *                                 or 'q', amount, periodStartMs, resetMs, cost
 * (the quota's period is computed by the caller: calendar months are no job for Lua).
 * Returns per op {kind, allowed, a, b, c, d}: rate → tatMs, remaining, resetMs, retryAfterMs;
 * quota → remaining, resetMs. State is written only if every op allowed, with a PX expiry at the
 * moment the state becomes the same as no state (a full bucket, the period's end).
 */
export const CONSUME_ALL_LUA = `
local now = tonumber(ARGV[1])
local function fmt(x) return string.format('%.17g', x) end
local tats, quotas, results, writes = {}, {}, {}, {}
local all = true
for i = 1, #KEYS do
  local key = KEYS[i]
  local b = 1 + (i - 1) * 5
  local kind = ARGV[b + 1]
  local cost = tonumber(ARGV[b + 5])
  if kind == 'r' then
    local rate, window, burst = tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
    local tat = tats[key]
    if tat == nil then
      local s = redis.call('GET', key)
      if s then tat = tonumber(s) else tat = false end
    end
    local interval = window / rate
    local tolerance = interval * burst
    local t = now
    if tat and tat > now then t = tat end
    local newTat = t + interval * cost
    local allowAt = newTat - tolerance
    if now < allowAt then
      all = false
      tats[key] = tat
      results[i] = {'r', '0', fmt(t), '0', fmt(math.ceil(t - now)), fmt(math.ceil(allowAt - now))}
    else
      local rem = math.floor((now + tolerance - newTat) / interval)
      if rem < 0 then rem = 0 end
      tats[key] = newTat
      writes[#writes + 1] = {'r', key, newTat}
      results[i] = {'r', '1', fmt(newTat), fmt(rem), fmt(math.ceil(newTat - now)), '0'}
    end
  else
    local amount, start, resetMs = tonumber(ARGV[b + 2]), tonumber(ARGV[b + 3]), tonumber(ARGV[b + 4])
    local st = quotas[key]
    if st == nil then
      local s = redis.call('GET', key)
      if s then
        local sep = string.find(s, '|', 1, true)
        st = {tonumber(string.sub(s, 1, sep - 1)), tonumber(string.sub(s, sep + 1))}
      else
        st = false
      end
    end
    local cur
    if st and st[2] == start then cur = st else cur = {amount, start} end
    if cur[1] < cost then
      all = false
      results[i] = {'q', '0', fmt(cur[1]), fmt(resetMs)}
    else
      cur = {cur[1] - cost, start}
      results[i] = {'q', '1', fmt(cur[1]), fmt(resetMs)}
    end
    quotas[key] = cur
    writes[#writes + 1] = {'q', key, cur, resetMs}
  end
end
if all then
  for _, w in ipairs(writes) do
    if w[1] == 'r' then
      local ttl = math.ceil(w[3] - now)
      if ttl > 0 then redis.call('SET', w[2], fmt(w[3]), 'PX', ttl) else redis.call('DEL', w[2]) end
    else
      local ttl = math.ceil(w[4])
      if ttl > 0 then redis.call('SET', w[2], fmt(w[3][1]) .. '|' .. fmt(w[3][2]), 'PX', ttl) else redis.call('DEL', w[2]) end
    end
  end
end
return results
`;

/**
 * The replay check of one nonce (signatures/nonce-store.ts). KEYS[1]: the sorted set of one
 * signing key's nonces, scored by expiry (the caller's clock). ARGV: nonce, expiresAtMs, nowMs,
 * maxPerKey. Expired members go first, so a full set counts live nonces only and never forgets
 * one; the set expires with its newest member.
 */
export const NONCE_LUA = `
local now = tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[3])
if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 'replayed' end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[4]) then return 'over_capacity' end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local newest = redis.call('ZRANGE', KEYS[1], -1, -1, 'WITHSCORES')
local ttl = math.ceil(tonumber(newest[2]) - now)
if ttl > 0 then redis.call('PEXPIRE', KEYS[1], ttl) else redis.call('DEL', KEYS[1]) end
return 'fresh'
`;

/** Get-and-delete of one single-use entry (GETDEL needs Redis 6.2; this runs on any Redis with Lua). */
export const TAKE_LUA = `
local v = redis.call('GET', KEYS[1])
if v then redis.call('DEL', KEYS[1]) end
return v
`;

/**
 * Usage counters (state/redis/usage.ts). KEYS: counts hash, last-used hash. ARGV: triples of
 * keyId, count, lastUsedAtMs. Counts add (HINCRBY), last-used keeps the greatest.
 */
export const USAGE_ADD_LUA = `
for i = 1, #ARGV, 3 do
  redis.call('HINCRBY', KEYS[1], ARGV[i], ARGV[i + 1])
  local t = tonumber(redis.call('HGET', KEYS[2], ARGV[i]) or '0')
  if tonumber(ARGV[i + 2]) > t then redis.call('HSET', KEYS[2], ARGV[i], ARGV[i + 2]) end
end
return 1
`;

/**
 * The flusher's claim. KEYS: counts, last-used, staged counts, staged last-used, lock.
 * ARGV: lock token, lease ms. Without the lock: nil. With it: the staged batch (a batch left by a
 * failed write first; else the live hashes, renamed to staging in the same step so increments
 * from then on start a new batch), as {counts HGETALL, last-used HGETALL}.
 */
export const USAGE_TAKE_LUA = `
if not redis.call('SET', KEYS[5], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
if redis.call('EXISTS', KEYS[3]) == 0 and redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('RENAME', KEYS[1], KEYS[3])
  if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('RENAME', KEYS[2], KEYS[4]) end
end
return {redis.call('HGETALL', KEYS[3]), redis.call('HGETALL', KEYS[4])}
`;

/**
 * The flusher's release. KEYS: staged counts, staged last-used, lock. ARGV: lock token, '1' when
 * the batch was written (then it is deleted). Only the lock's holder releases it.
 */
export const USAGE_DONE_LUA = `
if redis.call('GET', KEYS[3]) ~= ARGV[1] then return 0 end
if ARGV[2] == '1' then redis.call('DEL', KEYS[1], KEYS[2]) end
redis.call('DEL', KEYS[3])
return 1
`;

/** Each script with its number of keys (undefined: the caller passes it first). */
export const SCRIPTS = {
  kwConsumeAll: { lua: CONSUME_ALL_LUA, numberOfKeys: undefined },
  kwNonce: { lua: NONCE_LUA, numberOfKeys: 1 },
  kwTake: { lua: TAKE_LUA, numberOfKeys: 1 },
  kwUsageAdd: { lua: USAGE_ADD_LUA, numberOfKeys: 2 },
  kwUsageTake: { lua: USAGE_TAKE_LUA, numberOfKeys: 5 },
  kwUsageDone: { lua: USAGE_DONE_LUA, numberOfKeys: 3 },
} as const;

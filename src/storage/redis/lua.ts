// Lua scripts that make each multi-key Redis change atomic (a script runs to completion or not at all).

import type { ChainableCommander } from 'ioredis';
import type { RedisClient } from './client.ts';
import { corkWhileBusy } from './cork-while-busy.ts';

/**
 * KEYS: spam, ham, seen, totals, sigs, sigDays.
 * ARGV: cls, delta, hasSig ('1'|'0'), sig, day, maxTokens, trimTarget, tokens...
 * Returns { outcome, tokensTrimmed }. Counts never go below zero; a token whose counts are both
 * zero is removed everywhere; over maxTokens the oldest tokens (by day, then bytes) are trimmed.
 */
const BAYES_LEARN = `
local cls, delta, hasSig, sig, day = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4], tonumber(ARGV[5])
local maxTokens, target = tonumber(ARGV[6]), tonumber(ARGV[7])
local FIRST_TOKEN = 8
local function counts(c) if c == 'spam' then return KEYS[1], KEYS[2] end return KEYS[2], KEYS[1] end
local function apply(c, d)
  local h, other = counts(c)
  for i = FIRST_TOKEN, #ARGV do
    local t = ARGV[i]
    if d > 0 then
      redis.call('HINCRBY', h, t, 1)
      redis.call('ZADD', KEYS[3], day, t)
    else
      local v = tonumber(redis.call('HGET', h, t) or '0')
      if v > 1 then
        redis.call('HINCRBY', h, t, -1)
      elseif v == 1 then
        redis.call('HDEL', h, t)
        if redis.call('HEXISTS', other, t) == 0 then redis.call('ZREM', KEYS[3], t) end
      end
    end
  end
  local field = (c == 'spam') and 'nspam' or 'nham'
  local n = tonumber(redis.call('HGET', KEYS[4], field) or '0') + d
  if n < 0 then n = 0 end
  redis.call('HSET', KEYS[4], field, n)
end
local prev = false
if hasSig then prev = redis.call('HGET', KEYS[5], sig) end
local outcome
if delta > 0 then
  if prev == cls then return {'already', 0} end
  if prev then apply(prev, -1) end
  apply(cls, 1)
  if hasSig then
    redis.call('HSET', KEYS[5], sig, cls)
    redis.call('ZADD', KEYS[6], day, sig)
  end
  if prev then outcome = 'relearned' else outcome = 'learned' end
else
  if hasSig and prev ~= cls then return {'not-learned', 0} end
  apply(cls, -1)
  if hasSig then
    redis.call('HDEL', KEYS[5], sig)
    redis.call('ZREM', KEYS[6], sig)
  end
  outcome = 'unlearned'
end
local n = redis.call('ZCARD', KEYS[3])
local trimmed = 0
if n > maxTokens then
  trimmed = n - target
  local victims = redis.call('ZRANGE', KEYS[3], 0, trimmed - 1)
  for _, t in ipairs(victims) do
    redis.call('HDEL', KEYS[1], t)
    redis.call('HDEL', KEYS[2], t)
  end
  redis.call('ZREMRANGEBYRANK', KEYS[3], 0, trimmed - 1)
end
return {outcome, trimmed}
`;

/**
 * KEYS: spam, ham, seen. ARGV: staleBeforeDay, rareMax, offset, batch.
 * Looks at one batch of stale tokens (day < staleBeforeDay); removes the rare ones.
 * Returns { removed, kept, looked }: the caller advances offset by kept.
 */
const BAYES_PRUNE_RARE = `
local rareMax = tonumber(ARGV[2])
local c = redis.call('ZRANGEBYSCORE', KEYS[3], '-inf', '(' .. ARGV[1], 'LIMIT', ARGV[3], ARGV[4])
local removed, kept = 0, 0
for _, t in ipairs(c) do
  local s = tonumber(redis.call('HGET', KEYS[1], t) or '0')
  local h = tonumber(redis.call('HGET', KEYS[2], t) or '0')
  if s + h <= rareMax then
    redis.call('HDEL', KEYS[1], t)
    redis.call('HDEL', KEYS[2], t)
    redis.call('ZREM', KEYS[3], t)
    removed = removed + 1
  else
    kept = kept + 1
  end
end
return {removed, kept, #c}
`;

/** KEYS: spam, ham, seen. ARGV: count. Removes the `count` oldest tokens; returns how many. */
const BAYES_TRIM_OLDEST = `
local victims = redis.call('ZRANGE', KEYS[3], 0, tonumber(ARGV[1]) - 1)
for _, t in ipairs(victims) do
  redis.call('HDEL', KEYS[1], t)
  redis.call('HDEL', KEYS[2], t)
end
if #victims > 0 then redis.call('ZREMRANGEBYRANK', KEYS[3], 0, #victims - 1) end
return #victims
`;

/**
 * KEYS: a hash, then one or more zsets indexed by the same members; the first zset is scored by
 * expiry/age. ARGV: maxScore (inclusive), batch, exclusive ('1' → score < maxScore).
 * Removes one batch of members whose score is at most maxScore from every key; returns how many.
 */
const EXPIRE_BATCH = `
local max = ARGV[1]
if ARGV[3] == '1' then max = '(' .. max end
local c = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', max, 'LIMIT', 0, tonumber(ARGV[2]))
for _, k in ipairs(c) do
  redis.call('HDEL', KEYS[1], k)
  for i = 2, #KEYS do redis.call('ZREM', KEYS[i], k) end
end
return #c
`;

/** Shared by scripts that sweep a few expired members before writing (amortised expiry); a batch of 0 sweeps nothing. */
export const SWEEP = (entries: string, expiry: string, order: string | undefined, now: string, batch: string) => `
if tonumber(${batch}) > 0 then
  for _, k in ipairs(redis.call('ZRANGEBYSCORE', ${expiry}, '-inf', ${now}, 'LIMIT', 0, tonumber(${batch}))) do
    redis.call('HDEL', ${entries}, k)
    redis.call('ZREM', ${expiry}, k)
    ${order ? `redis.call('ZREM', ${order}, k)` : ''}
  end
end
`;

/**
 * KEYS: entries, expiry, order. ARGV: key, now, ttlMs, minDelayMs, sweepBatch.
 * Entry value: "firstSeen lastSeen passCount expiresAt". Returns {firstSeen, lastSeen, passCount, expiresAt, created}.
 */
const GREY_SEEN = `
local key, now, ttl, delay = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
${SWEEP('KEYS[1]', 'KEYS[2]', 'KEYS[3]', 'ARGV[2]', 'ARGV[5]')}
local first, pass, created = now, 0, 1
local raw = redis.call('HGET', KEYS[1], key)
if raw then
  local f, l, p, e = string.match(raw, '^(%d+) (%d+) (%d+) (%d+)$')
  if tonumber(e) > now then
    first, pass, created = tonumber(f), tonumber(p), 0
    if now - first >= delay then pass = pass + 1 end
  end
end
local exp = now + ttl
redis.call('HSET', KEYS[1], key, string.format('%d %d %d %d', first, now, pass, exp))
redis.call('ZADD', KEYS[2], exp, key)
redis.call('ZADD', KEYS[3], 0, key)
return {first, now, pass, exp, created}
`;

/**
 * KEYS: entries, expiry. ARGV: now, ttlMs, sweepBatch, then (hash, flag, weight) triples.
 * Entry value: "flag weight count lastSeen expiresAt".
 */
const FUZZY_ADD = `
local now, ttl = tonumber(ARGV[1]), tonumber(ARGV[2])
${SWEEP('KEYS[1]', 'KEYS[2]', undefined, 'ARGV[1]', 'ARGV[3]')}
local exp = now + ttl
for i = 4, #ARGV, 3 do
  local hash, flag, weight = ARGV[i], tonumber(ARGV[i + 1]), tonumber(ARGV[i + 2])
  local count = 1
  local raw = redis.call('HGET', KEYS[1], hash)
  if raw then
    local f, w, c, l, e = string.match(raw, '^(%S+) (%S+) (%d+) (%d+) (%d+)$')
    if tonumber(e) > now and tonumber(f) == flag then
      weight = weight + tonumber(w)
      count = tonumber(c) + 1
    end
  end
  redis.call('HSET', KEYS[1], hash, string.format('%.17g %.17g %d %d %d', flag, weight, count, now, exp))
  redis.call('ZADD', KEYS[2], exp, hash)
end
return 1
`;

/**
 * KEYS: bucket hash {t: tokens, u: updatedAt}. ARGV: ratePerSec, burst, now, cost.
 * Same arithmetic, in the same order, as token-bucket.ts. Returns {allowed, remaining, retryAfterMs (-1 = never)}.
 * The key expires (relative PEXPIRE) when the bucket would be full again.
 */
const RATE_TAKE = `
local rate, burst, now, cost = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local st = redis.call('HMGET', KEYS[1], 't', 'u')
local level = burst
if st[1] then
  local elapsed = now - tonumber(st[2])
  if elapsed < 0 then elapsed = 0 end
  level = math.min(burst, tonumber(st[1]) + (elapsed * rate) / 1000)
end
local tokens, allowed, retry, remaining = level, 0, 0, math.floor(level)
if cost <= level then
  tokens = level - cost
  allowed = 1
  remaining = math.floor(tokens)
elseif cost > burst then
  retry = -1
else
  retry = math.ceil(((cost - level) * 1000) / rate)
end
local ttl = math.ceil(((burst - tokens) * 1000) / rate)
if ttl > 0 then
  redis.call('HSET', KEYS[1], 't', string.format('%.17g', tokens), 'u', string.format('%d', now))
  redis.call('PEXPIRE', KEYS[1], ttl)
else
  redis.call('DEL', KEYS[1])
end
return {allowed, remaining, retry}
`;

type Arg = string | number;
export type Call = (...args: Arg[]) => Promise<unknown>;

/** Registers one script (EVALSHA with EVAL fallback) on the client; numberOfKeys omitted = first argument. */
export function defineScript(client: RedisClient, name: string, lua: string, numberOfKeys?: number): Call {
  const full = `winnow_${name}`;
  client.defineCommand(full, numberOfKeys === undefined ? { lua } : { lua, numberOfKeys });
  const fn = (client as unknown as Record<string, Call>)[full];
  return (...args) => {
    corkWhileBusy(client);
    return fn.apply(client, args);
  };
}

/** Queues a script registered by defineScript on a MULTI or pipeline (ioredis adds defined commands to both). */
export function queueScript(multi: ChainableCommander, name: string, ...args: Arg[]): void {
  (multi as unknown as Record<string, (...a: Arg[]) => unknown>)[`winnow_${name}`](...args);
}

export interface Scripts {
  bayesLearn: Call;
  bayesPruneRare: Call;
  bayesTrimOldest: Call;
  /** First argument: number of keys. */
  expireBatch: Call;
  greySeen: Call;
  fuzzyAdd: Call;
  rateTake: Call;
}

/** Registers the scripts (EVALSHA with EVAL fallback) on the client and returns callers. */
export function defineScripts(client: RedisClient): Scripts {
  const define = (name: string, lua: string, numberOfKeys?: number): Call => defineScript(client, name, lua, numberOfKeys);
  return {
    bayesLearn: define('bayesLearn', BAYES_LEARN, 6),
    bayesPruneRare: define('bayesPruneRare', BAYES_PRUNE_RARE, 3),
    bayesTrimOldest: define('bayesTrimOldest', BAYES_TRIM_OLDEST, 3),
    expireBatch: define('expireBatch', EXPIRE_BATCH),
    greySeen: define('greySeen', GREY_SEEN, 3),
    fuzzyAdd: define('fuzzyAdd', FUZZY_ADD, 2),
    rateTake: define('rateTake', RATE_TAKE, 1),
  };
}

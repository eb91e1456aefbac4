// Lua scripts of the Redis WeightStore: one apply is one script (atomic); prune and trim run one bounded batch per call.

import type { RedisClient } from './client.ts';
import { defineScript, type Call } from './lua.ts';

/**
 * The age zset's score packs the trimming order into one double: day + |w| / (1 + |w|) sorts by day,
 * then by |weight|, and floor(score) gives the day back. The fraction is capped below 1 so rounding
 * can never carry into the next day. ageScore() in redis-weights.ts is the same formula.
 */
export const MAX_AGE_FRACTION = 0.999999;

/**
 * Helpers every weight script shares. KEYS[1] weights hash, KEYS[2] age zset, KEYS[3] totals hash.
 * `bulk` splits long argument lists: Lua's unpack() fails past a few thousand values.
 */
const COMMON = `
local MAX_FRAC = ${MAX_AGE_FRACTION}
local CHUNK = 1000
local function ageScore(day, w)
  local a = math.abs(w)
  local f = a / (1 + a)
  if f > MAX_FRAC then f = MAX_FRAC end
  return day + f
end
local function bulk(cmd, key, items)
  for i = 1, #items, CHUNK do
    redis.call(cmd, key, unpack(items, i, math.min(i + CHUNK - 1, #items)))
  end
end
-- weight-rules.ts trimStep(): over the cap (or mid-trim) remove min(count - target, perCall)
-- lowest-scored buckets; an apply also removes whatever keeps it at or under the cap.
local function trimStep(maxB, target, batch, bounded)
  local n = redis.call('ZCARD', KEYS[2])
  local trimming = redis.call('HGET', KEYS[3], 'trimming') == '1'
  if n <= maxB and not trimming then return 0 end
  local excess = math.max(0, n - target)
  local perCall = batch
  if not bounded then perCall = math.max(batch, n - maxB) end
  local remove = math.min(excess, perCall)
  if remove > 0 then
    bulk('HDEL', KEYS[1], redis.call('ZRANGE', KEYS[2], 0, remove - 1))
    redis.call('ZREMRANGEBYRANK', KEYS[2], 0, remove - 1)
  end
  if n - remove > target then redis.call('HSET', KEYS[3], 'trimming', '1') else redis.call('HDEL', KEYS[3], 'trimming') end
  return remove
end
`;

/**
 * KEYS: weights, age, totals, sigs, sigDays.
 * ARGV: cls, delta, hasSig ('1'|'0'), sig, day, biasDelta, maxBuckets, trimTarget, trimBatch, epsilon,
 * then bucket, weightDelta pairs. Returns { outcome, bucketsTrimmed }.
 * Arithmetic is in doubles (as SQLite REAL and JS); weights are written with %.17g so they read back exactly.
 */
const WEIGHTS_APPLY = `${COMMON}
local cls, dir, hasSig, sig, day = ARGV[1], tonumber(ARGV[2]), ARGV[3] == '1', ARGV[4], tonumber(ARGV[5])
local biasDelta, maxB, target, batch, eps = tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8]), tonumber(ARGV[9]), tonumber(ARGV[10])
local FIRST = 11
local prev = false
if hasSig then prev = redis.call('HGET', KEYS[4], sig) end
local outcome
if dir > 0 then
  if prev == cls then return {'already', 0} end
  if prev then outcome = 'relearned' else outcome = 'learned' end
else
  if hasSig and prev ~= cls then return {'not-learned', 0} end
  outcome = 'unlearned'
end
local fields = {}
for i = FIRST, #ARGV, 2 do fields[#fields + 1] = ARGV[i] end
local sets, scores, gone = {}, {}, {}
for i = 1, #fields, CHUNK do
  local last = math.min(i + CHUNK - 1, #fields)
  local cur = redis.call('HMGET', KEYS[1], unpack(fields, i, last))
  for k = i, last do
    local w = (tonumber(cur[k - i + 1]) or 0) + tonumber(ARGV[FIRST + 2 * k - 1])
    if math.abs(w) < eps then
      gone[#gone + 1] = fields[k]
    else
      sets[#sets + 1] = fields[k]
      sets[#sets + 1] = string.format('%.17g', w)
      scores[#scores + 1] = ageScore(day, w)
      scores[#scores + 1] = fields[k]
    end
  end
end
bulk('HSET', KEYS[1], sets)
bulk('ZADD', KEYS[2], scores)
bulk('HDEL', KEYS[1], gone)
bulk('ZREM', KEYS[2], gone)
local bias = tonumber(redis.call('HGET', KEYS[3], 'bias') or '0') + biasDelta
redis.call('HSET', KEYS[3], 'bias', string.format('%.17g', bias))
local function addTotal(c, d)
  local field = (c == 'spam') and 'nspam' or 'nham'
  local n = tonumber(redis.call('HGET', KEYS[3], field) or '0') + d
  if n < 0 then n = 0 end
  redis.call('HSET', KEYS[3], field, n)
end
if dir > 0 then
  addTotal(cls, 1)
  if prev then addTotal(prev, -1) end
else
  addTotal(cls, -1)
end
if hasSig then
  if outcome == 'unlearned' then
    redis.call('HDEL', KEYS[4], sig)
    redis.call('ZREM', KEYS[5], sig)
  else
    redis.call('HSET', KEYS[4], sig, cls)
    redis.call('ZADD', KEYS[5], day, sig)
  end
end
return {outcome, trimStep(maxB, target, batch, false)}
`;

/** KEYS: weights, age, totals. ARGV: maxBuckets, trimTarget, batch. One bounded trim step; returns buckets removed. */
const WEIGHTS_TRIM = `${COMMON}
return trimStep(tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3]), true)
`;

/**
 * KEYS: weights, age, totals. ARGV: fromDay, staleBeforeDay, minAbsWeight, batch.
 * Walks stale days from fromDay up; within a day the buckets with |w| <= minAbsWeight are one score
 * range [day, ageScore(day, minAbsWeight)], checked against the stored weight before removal.
 * Looks at about `batch` buckets (an empty day counts as one). Returns { removed, nextFromDay or -1 when done }.
 */
const WEIGHTS_PRUNE_STALE = `${COMMON}
local from, minAbs, batch = tonumber(ARGV[1]), tonumber(ARGV[3]), tonumber(ARGV[4])
local removed, looked = 0, 0
while looked < batch do
  local first = redis.call('ZRANGEBYSCORE', KEYS[2], from, '(' .. ARGV[2], 'LIMIT', 0, 1, 'WITHSCORES')
  if #first == 0 then return {removed, -1} end
  local d = math.floor(tonumber(first[2]))
  local left = batch - looked
  local c = redis.call('ZRANGEBYSCORE', KEYS[2], d, ageScore(d, minAbs), 'LIMIT', 0, left)
  local gone = {}
  for _, b in ipairs(c) do
    if math.abs(tonumber(redis.call('HGET', KEYS[1], b) or '0')) <= minAbs then gone[#gone + 1] = b end
  end
  bulk('HDEL', KEYS[1], gone)
  bulk('ZREM', KEYS[2], gone)
  removed = removed + #gone
  looked = looked + math.max(#c, 1)
  -- A full page resumes this day next call, unless nothing in it could go (rounding at the range edge).
  if #c < left or #gone == 0 then from = d + 1 elseif looked >= batch then return {removed, d} end
end
return {removed, from}
`;

export interface WeightScripts {
  weightsApply: Call;
  weightsTrim: Call;
  weightsPruneStale: Call;
}

export function defineWeightScripts(client: RedisClient): WeightScripts {
  return {
    weightsApply: defineScript(client, 'weightsApply', WEIGHTS_APPLY, 5),
    weightsTrim: defineScript(client, 'weightsTrim', WEIGHTS_TRIM, 3),
    weightsPruneStale: defineScript(client, 'weightsPruneStale', WEIGHTS_PRUNE_STALE, 3),
  };
}

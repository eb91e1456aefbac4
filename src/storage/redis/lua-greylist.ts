// Lua for GreylistStore.sight and sightUnlessListed: postgrey's whole sighting (whitelist lookup, first-pass counter) in one atomic script, one round trip.

import type { RedisClient } from './client.ts';
import { defineScript, SWEEP, type Call } from './lua.ts';

/**
 * The sighting over the greylist's entries/expiry/order keys E, X, O and arguments A: key, now, delayMs,
 * retryWindowMs, passTtlMs, sweepBatch, counterKey ('' = none), counterTtlMs. Entry value: "firstSeen lastSeen
 * passCount expiresAt". Same rules as greylist-rules.ts sightEntry/seenEntry. Returns {firstSeen, lastSeen,
 * passCount, expiresAt, created, previousPassCount}, followed on a counted first pass by the counter's {firstSeen,
 * lastSeen, passCount, expiresAt, created}.
 */
const SIGHT_BODY = `
local key, now = A[1], tonumber(A[2])
local delay, window, passTtl = tonumber(A[3]), tonumber(A[4]), tonumber(A[5])
${SWEEP('E', 'X', 'O', 'A[2]', 'A[6]')}
local function live(k)
  local raw = redis.call('HGET', E, k)
  if not raw then return nil end
  local f, l, p, e = string.match(raw, '^(%d+) (%d+) (%d+) (%d+)$')
  if tonumber(e) > now then return tonumber(f), tonumber(p) end
  return nil
end
local function put(k, first, pass, exp)
  -- The key-order set only needs a key when the hash field is new (HSET answers 1).
  if redis.call('HSET', E, k, string.format('%d %d %d %d', first, now, pass, exp)) == 1 then redis.call('ZADD', O, 0, k) end
  redis.call('ZADD', X, exp, k)
end
local first, pass = live(key)
if first and pass == 0 and now - first >= window then first = nil end
local created, prevPass, ttl = 1, 0, window
if first then
  created, prevPass = 0, pass
  if pass > 0 or now - first >= delay then ttl = passTtl else ttl = math.max(1, first + window - now) end
  if now - first >= delay then pass = pass + 1 end
else
  first, pass = now, 0
end
local exp = now + ttl
put(key, first, pass, exp)
local out = {first, now, pass, exp, created, prevPass}
if A[7] ~= '' and pass == 1 and prevPass == 0 then
  local cFirst, cPass = live(A[7])
  local cCreated = 0
  if cFirst then
    if now >= cFirst then cPass = cPass + 1 end
  else
    cFirst, cPass, cCreated = now, 0, 1
  end
  local cExp = now + tonumber(A[8])
  put(A[7], cFirst, cPass, cExp)
  for _, v in ipairs({cFirst, now, cPass, cExp, cCreated}) do out[#out + 1] = v end
end
return out
`;

/** KEYS: greylist entries, expiry, order. ARGV: as A above. */
const GREY_SIGHT = `
local E, X, O, A = KEYS[1], KEYS[2], KEYS[3], ARGV
${SIGHT_BODY}`;

/**
 * KEYS: whitelist entries, then greylist entries, expiry, order. ARGV: the whitelist key, then as A above. A live
 * whitelist entry ("expiresAt reason") returns {'listed', value} and writes nothing. Standalone and Sentinel only:
 * on Cluster the two hash tags are in different slots.
 */
const GREY_SIGHT_UNLESS_LISTED = `
local raw = redis.call('HGET', KEYS[1], ARGV[1])
if raw then
  local sp = string.find(raw, ' ', 1, true)
  if sp and tonumber(string.sub(raw, 1, sp - 1)) > tonumber(ARGV[3]) then return {'listed', raw} end
end
local E, X, O, A = KEYS[2], KEYS[3], KEYS[4], {unpack(ARGV, 2)}
${SIGHT_BODY}`;

export interface GreylistScripts {
  greySight: Call;
  greySightUnlessListed: Call;
}

/** Registers the scripts on the client; call them with the keys then ARGV as documented above. */
export function defineGreylistScripts(client: RedisClient): GreylistScripts {
  return {
    greySight: defineScript(client, 'greySight', GREY_SIGHT, 3),
    greySightUnlessListed: defineScript(client, 'greySightUnlessListed', GREY_SIGHT_UNLESS_LISTED, 4),
  };
}

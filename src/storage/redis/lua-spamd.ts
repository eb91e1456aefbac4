// Lua scripts of the Redis SpamdStore: each read-modify-write of spamd's database (PROTOCOLS §7.3-7.4) runs whole or not at all.

import type { RedisClient } from './client.ts';
import { defineScript, type Call } from './lua.ts';

/**
 * Removes up to `batch` members whose expiry score is <= now from an index pair (lex-ordered `idx`, expiry `exp`)
 * and deletes their entry keys (`pfx` .. member, the same hash tag, so the same Cluster slot). Entry keys carry a
 * TTL anyway; this keeps the indexes bounded and drops entries the caller's clock already considers gone.
 */
const SWEEP_FN = `
local function sweep(idx, exp, pfx, now, batch)
  local gone = redis.call('ZRANGEBYSCORE', exp, '-inf', now, 'LIMIT', 0, batch)
  for _, m in ipairs(gone) do
    redis.call('DEL', pfx .. m)
    redis.call('ZREM', idx, m)
    redis.call('ZREM', exp, m)
  end
  return #gone
end
local function ttl(untilMs, now)
  local t = untilMs - now
  if t < 1 then t = 1 end
  return t
end
`;

/** Packed WHITE/GREY value: "first pass expire blocked passed"; `live` reads one that has not expired at now (nil otherwise). */
const PARSE_FN = `
local function unpack5(raw)
  local f, p, e, b, c = string.match(raw, '^(%d+) (%d+) (%d+) (%d+) (%d+)$')
  return tonumber(f), tonumber(p), tonumber(e), tonumber(b), tonumber(c)
end
local function pack5(f, p, e, b, c)
  return string.format('%d %d %d %d %d', f, p, e, b, c)
end
local function live(key, now)
  local raw = redis.call('GET', key)
  if not raw then return nil end
  local f, p, e, b, c = unpack5(raw)
  if e <= now then return nil end
  return {f, p, e, b, c}
end
`;

/**
 * KEYS: tuple entry, white entry, trapped entry, grey idx, grey exp, white idx, white exp.
 * ARGV: tuple member, ip, now, passTimeMs, greyExpMs, whiteExpMs, sweepBatch, grey entry prefix, white entry prefix.
 * spamd grey.c: a new tuple waits greyexp; a retry after passtime passes; a passing tuple whitens its IP unless trapped.
 * Returns {first, pass, expire, blocked, passed, white (1|0)}.
 */
const SEE_TUPLE = `${SWEEP_FN}${PARSE_FN}
local now, passTime, greyExp, whiteExp = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local batch = tonumber(ARGV[7])
sweep(KEYS[4], KEYS[5], ARGV[8], now, batch)
sweep(KEYS[6], KEYS[7], ARGV[9], now, batch)
local f, p, e, b, c
local prev = live(KEYS[1], now)
if prev then
  f, p, e, b, c = prev[1], prev[2], prev[3], prev[4] + 1, prev[5]
  if f + passTime < now then p = now end
else
  f, p, e, b, c = now, now + greyExp, now + greyExp, 1, 0
end
redis.call('SET', KEYS[1], pack5(f, p, e, b, c), 'PX', ttl(e, now))
redis.call('ZADD', KEYS[4], 0, ARGV[1])
redis.call('ZADD', KEYS[5], e, ARGV[1])
local white = 0
if live(KEYS[2], now) then white = 1 end
if white == 0 and p <= now then
  local traw = redis.call('GET', KEYS[3])
  if not traw or tonumber(traw) <= now then
    local we = now + whiteExp
    redis.call('SET', KEYS[2], pack5(f, p, we, b, c), 'PX', ttl(we, now))
    redis.call('ZADD', KEYS[6], 0, ARGV[2])
    redis.call('ZADD', KEYS[7], we, ARGV[2])
    white = 1
  end
end
return {f, p, e, b, c, white}
`;

/**
 * KEYS: white entry, white idx, white exp. ARGV: ip, now, whiteExpMs, setPass ('1' = spamdb -a, '0' = spamlogd).
 * A live entry counts one more pass and is renewed; a missing one starts at first = pass = now, bcount 1.
 * Returns {first, pass, expire, blocked, passed}.
 */
const UPSERT_WHITE = `${SWEEP_FN}${PARSE_FN}
local now, whiteExp = tonumber(ARGV[2]), tonumber(ARGV[3])
local f, p, e, b, c
local prev = live(KEYS[1], now)
if prev then
  f, p, b, c = prev[1], prev[2], prev[4], prev[5] + 1
  if ARGV[4] == '1' then p = now end
  e = now + whiteExp
else
  f, p, e, b, c = now, now, now + whiteExp, 1, 0
end
redis.call('SET', KEYS[1], pack5(f, p, e, b, c), 'PX', ttl(e, now))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], e, ARGV[1])
return {f, p, e, b, c}
`;

/** KEYS: trapped entry, trapped idx, trapped exp. ARGV: ip, now, trapExpMs. */
const TRAP = `${SWEEP_FN}
local now = tonumber(ARGV[2])
local e = now + tonumber(ARGV[3])
redis.call('SET', KEYS[1], string.format('%d', e), 'PX', ttl(e, now))
redis.call('ZADD', KEYS[2], 0, ARGV[1])
redis.call('ZADD', KEYS[3], e, ARGV[1])
return e
`;

/**
 * KEYS: grey idx, grey exp. ARGV: ip, grey entry prefix.
 * Every tuple of an IP: its members sort together, `ip\\n` up to (not including) `ip\\v` (LF + 1).
 */
const DELETE_GREY_OF_IP = `
local ms = redis.call('ZRANGEBYLEX', KEYS[1], '[' .. ARGV[1] .. '\\n', '(' .. ARGV[1] .. '\\v')
for _, m in ipairs(ms) do
  redis.call('DEL', ARGV[2] .. m)
  redis.call('ZREM', KEYS[1], m)
  redis.call('ZREM', KEYS[2], m)
end
return #ms
`;

/** KEYS: entry, idx, exp. ARGV: member. Returns 1 when the entry key existed. */
const DELETE_ONE = `
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
redis.call('ZREM', KEYS[3], ARGV[1])
return n
`;

/** KEYS: idx, exp. ARGV: now, batch, entry prefix. One bounded sweep step; returns how many went. */
const SWEEP_STEP = `${SWEEP_FN}
return sweep(KEYS[1], KEYS[2], ARGV[3], tonumber(ARGV[1]), tonumber(ARGV[2]))
`;

export interface SpamdScripts {
  seeTuple: Call;
  upsertWhite: Call;
  trap: Call;
  deleteGreyOfIp: Call;
  deleteOne: Call;
  sweepStep: Call;
}

export function defineSpamdScripts(client: RedisClient): SpamdScripts {
  return {
    seeTuple: defineScript(client, 'spamdSeeTuple', SEE_TUPLE, 7),
    upsertWhite: defineScript(client, 'spamdUpsertWhite', UPSERT_WHITE, 3),
    trap: defineScript(client, 'spamdTrap', TRAP, 3),
    deleteGreyOfIp: defineScript(client, 'spamdDeleteGreyOfIp', DELETE_GREY_OF_IP, 2),
    deleteOne: defineScript(client, 'spamdDeleteOne', DELETE_ONE, 3),
    sweepStep: defineScript(client, 'spamdSweepStep', SWEEP_STEP, 2),
  };
}

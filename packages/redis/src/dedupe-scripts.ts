import { createHash } from "node:crypto";

/**
 * The Lua scripts behind `RedisDedupeStore`. Each state change is one script, so it
 * is atomic on the Redis server however many credhooks instances race for an event.
 *
 * One key per event:
 * - open (claimed, or released after a partial failure): a hash with `t` = owner token and
 *   `u` = lease end in ms of the Redis clock (both absent once released) and one field
 *   `h:<handler id>` per handler that succeeded;
 * - done: the string `"1"`, the smallest value Redis stores, with the done TTL.
 *
 * Leases are measured on the Redis server's clock (`TIME`), so instances with skewed
 * clocks still agree on when a lease has expired. The key's own TTL is never shorter than
 * the lease, so a crashed holder leaves only something that expires by itself.
 */

// Helpers shared by the scripts. `TIME` before a write is allowed since Redis 5 (scripts
// are replicated by their effects), which is why credhooks needs Redis >= 5.
const PRELUDE = `
local key = KEYS[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function extend(ms)
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
local function owned(token)
  return redis.call('TYPE', key).ok == 'hash' and redis.call('HGET', key, 't') == token
end
`;

/** ARGV: leaseMs, new token. Returns `{"done"}`, `{"in-flight"}` or `{"claimed", ...succeeded handler ids}`. */
const CLAIM = `${PRELUDE}
local lease, token = tonumber(ARGV[1]), ARGV[2]
local kind = redis.call('TYPE', key).ok
if kind == 'string' then return {'done'} end
if kind ~= 'hash' and kind ~= 'none' then
  return redis.error_reply('credhooks: ' .. key .. ' holds a ' .. kind .. ', not a dedupe entry: does another application use the same key prefix?')
end
local now = now_ms()
if kind == 'hash' then
  local lease_of = redis.call('HMGET', key, 't', 'u')
  if lease_of[1] and tonumber(lease_of[2] or '0') > now then return {'in-flight'} end
end
redis.call('HSET', key, 't', token, 'u', now + lease)
extend(lease)
local result = {'claimed'}
for _, field in ipairs(redis.call('HKEYS', key)) do
  if string.sub(field, 1, 2) == 'h:' then result[#result + 1] = string.sub(field, 3) end
end
return result
`;

/** ARGV: token, leaseMs. Returns 1 when the caller still owns the claim, else 0. */
const RENEW = `${PRELUDE}
local token, lease = ARGV[1], tonumber(ARGV[2])
if not owned(token) then return 0 end
redis.call('HSET', key, 'u', now_ms() + lease)
extend(lease)
return 1
`;

/** ARGV: token, handler id, ttlMs. Records one handler's success; ignored for a stale owner. */
const HANDLER_SUCCEEDED = `${PRELUDE}
local token, handler, ttl = ARGV[1], ARGV[2], tonumber(ARGV[3])
if not owned(token) then return 0 end
redis.call('HSET', key, 'h:' .. handler, '1')
extend(ttl)
return 1
`;

/** ARGV: token, doneTtlMs. Replaces the open entry by the done marker; ignored for a stale owner. */
const COMPLETE = `${PRELUDE}
local token, ttl = ARGV[1], tonumber(ARGV[2])
if not owned(token) then return 0 end
redis.call('SET', key, '1', 'PX', ttl)
return 1
`;

/** ARGV: token, ttlMs. Drops the lease; keeps handler successes for ttlMs (or deletes an entry without any). */
const RELEASE = `${PRELUDE}
local token, ttl = ARGV[1], tonumber(ARGV[2])
if not owned(token) then return 0 end
if redis.call('HLEN', key) <= 2 then
  redis.call('DEL', key)
  return 1
end
redis.call('HDEL', key, 't', 'u')
redis.call('PEXPIRE', key, ttl)
return 1
`;

/**
 * ARGV: token. Undoes a claim whose reply never arrived (timeout, dropped connection): the
 * lease is dropped as by RELEASE, but the entry's TTL is left alone (successes of an
 * earlier attempt keep theirs). Does nothing when that claim never ran.
 */
const ABANDON = `${PRELUDE}
local token = ARGV[1]
if not owned(token) then return 0 end
if redis.call('HLEN', key) <= 2 then
  redis.call('DEL', key)
  return 1
end
redis.call('HDEL', key, 't', 'u')
return 1
`;

/** A Lua script and its SHA-1, for `EVALSHA` with an `EVAL` fallback. */
export interface LuaScript {
  readonly name: string;
  readonly source: string;
  readonly sha: string;
}

const script = (name: string, source: string): LuaScript => ({ name, source, sha: createHash("sha1").update(source).digest("hex") });

/** The scripts of the dedupe store. */
export const dedupeScripts = {
  claim: script("claim", CLAIM),
  renew: script("renew", RENEW),
  handlerSucceeded: script("handlerSucceeded", HANDLER_SUCCEEDED),
  complete: script("complete", COMPLETE),
  release: script("release", RELEASE),
  abandon: script("abandon", ABANDON),
} as const;

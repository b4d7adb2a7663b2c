import { createHash } from "node:crypto";

/**
 * The Lua scripts behind `RedisDedupeStore`. Each state change is one script, so it
 * is atomic on the Redis server however many credhooks instances race for an event.
 *
 * One key per event:
 * - open (claimed, or released after a partial failure): a hash with `t` = owner token and
 *   `u` = lease end in ms of the Redis clock (both absent once released) and one field
 *   `h:<handler id>` per handler that succeeded;
 * - in the inbox, the same hash also holds `q` = queue, `k` = the dedupe key as given (the
 *   Redis key may be its hash), `e` = the event record (encrypted or not, opaque here),
 *   `n` = attempts, and — only between a claim that put the entry in the inbox and the next
 *   step — `c` = the key's expiry before that claim (ms, Redis clock; 0 for none), so the
 *   undo of a timed-out claim can restore it. An inbox entry has no TTL; its key is a member
 *   of the sorted set `<prefix>inbox:<queue>`, scored by when it is due (its lease end, or
 *   its retry time after a release with a retry delay);
 * - done: the string `"1"`, the smallest value Redis stores, with the done TTL.
 *
 * Leases are measured on the Redis server's clock (`TIME`), so instances with skewed
 * clocks still agree on when a lease has expired. The key's own TTL is never shorter than
 * the lease, so a crashed holder leaves only something that expires by itself — except an
 * inbox entry, which `claimDue` takes back instead.
 *
 * The inbox's sorted set is not declared in `KEYS` (its name is built from the key prefix,
 * passed in `ARGV`, and the queue stored in the hash), and `claimDue` touches the hashes of
 * the entries it takes. That is fine on a standalone Redis (and its replicas); a Redis
 * Cluster would need every key of one prefix in one slot (a hash tag such as
 * `{credhooks}:` as the prefix). Cluster support is not attempted.
 */

// Helpers shared by the scripts. `TIME` before a write is allowed since Redis 5 (scripts
// are replicated by their effects), which is why credhooks needs Redis >= 5.
const PRELUDE = `
local key = KEYS[1]
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local function inbox_key(prefix, queue)
  return prefix .. 'inbox:' .. queue
end
local function in_inbox()
  return redis.call('HEXISTS', key, 'q') == 1
end
-- Keeps the key at least ms longer; an inbox entry never expires by itself.
local function extend(ms)
  if in_inbox() then return end
  if redis.call('PTTL', key) < ms then redis.call('PEXPIRE', key, ms) end
end
local function owned(token)
  return redis.call('TYPE', key).ok == 'hash' and redis.call('HGET', key, 't') == token
end
local function successes(k)
  local ids = {}
  for _, field in ipairs(redis.call('HKEYS', k)) do
    if string.sub(field, 1, 2) == 'h:' then ids[#ids + 1] = string.sub(field, 3) end
  end
  return ids
end
`;

/**
 * ARGV: leaseMs, new token, and for an inbox write also: key prefix, dedupe key, queue,
 * record. Returns `{"done"}`, `{"in-flight"}` or `{"claimed", attempts, ...succeeded handler
 * ids}` (attempts 0 for an entry not in the inbox).
 */
const CLAIM = `${PRELUDE}
local lease, token = tonumber(ARGV[1]), ARGV[2]
local kind = redis.call('TYPE', key).ok
if kind == 'string' then return {'done'} end
if kind ~= 'hash' and kind ~= 'none' then
  return redis.error_reply('credhooks: ' .. key .. ' holds a ' .. kind .. ', not a dedupe entry: does another application use the same key prefix?')
end
local now = now_ms()
local queue_was = false
if kind == 'hash' then
  local lease_of = redis.call('HMGET', key, 't', 'u', 'q')
  if lease_of[1] and tonumber(lease_of[2] or '0') > now then return {'in-flight'} end
  queue_was = lease_of[3]
end
local due = now + lease
local attempts = 0
redis.call('HDEL', key, 'c')
if #ARGV >= 6 then
  local prefix, dedupe_key, queue, record = ARGV[3], ARGV[4], ARGV[5], ARGV[6]
  if queue_was and queue_was ~= queue then redis.call('ZREM', inbox_key(prefix, queue_was), key) end
  if not queue_was then
    -- This claim puts the entry in the inbox: remember the expiry it had, for an undo.
    local pttl = redis.call('PTTL', key)
    redis.call('HSET', key, 'c', pttl > 0 and (now + pttl) or 0)
  end
  redis.call('HSET', key, 't', token, 'u', due, 'q', queue, 'k', dedupe_key, 'e', record)
  attempts = redis.call('HINCRBY', key, 'n', 1)
  redis.call('PERSIST', key)
  redis.call('ZADD', inbox_key(prefix, queue), due, key)
elseif queue_was then
  -- Claimed without a record, but already in the inbox: it stays there, due at the lease end.
  redis.call('HSET', key, 't', token, 'u', due)
  attempts = redis.call('HINCRBY', key, 'n', 1)
  redis.call('ZADD', inbox_key(ARGV[3], queue_was), due, key)
else
  redis.call('HSET', key, 't', token, 'u', due)
  extend(lease)
end
local result = {'claimed', attempts}
for _, id in ipairs(successes(key)) do result[#result + 1] = id end
return result
`;

/** ARGV: token, leaseMs, key prefix. Returns 1 when the caller still owns the claim, else 0. */
const RENEW = `${PRELUDE}
local token, lease, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not owned(token) then return 0 end
local due = now_ms() + lease
redis.call('HSET', key, 'u', due)
local queue = redis.call('HGET', key, 'q')
if queue then
  redis.call('ZADD', inbox_key(prefix, queue), due, key)
else
  extend(lease)
end
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

/**
 * ARGV: token, doneTtlMs, key prefix. Replaces the open entry (and its inbox record) by the
 * done marker and takes it out of the inbox; ignored for a stale owner.
 */
const COMPLETE = `${PRELUDE}
local token, ttl, prefix = ARGV[1], tonumber(ARGV[2]), ARGV[3]
if not owned(token) then return 0 end
local queue = redis.call('HGET', key, 'q')
if queue then redis.call('ZREM', inbox_key(prefix, queue), key) end
redis.call('SET', key, '1', 'PX', ttl)
return 1
`;

/**
 * ARGV: token, ttlMs, key prefix, retryInMs (empty for none). Drops the lease; keeps handler
 * successes for ttlMs (or deletes an entry without any). An inbox entry with a retry delay
 * stays in the inbox (record, successes and attempts kept, no TTL), due after the delay;
 * without one it leaves the inbox (record dropped) and is released as above.
 */
const RELEASE = `${PRELUDE}
local token, ttl, prefix, retry = ARGV[1], tonumber(ARGV[2]), ARGV[3], ARGV[4]
if not owned(token) then return 0 end
local queue = redis.call('HGET', key, 'q')
if queue and retry ~= '' then
  redis.call('HDEL', key, 't', 'u', 'c')
  redis.call('ZADD', inbox_key(prefix, queue), now_ms() + tonumber(retry), key)
  return 1
end
if queue then
  redis.call('ZREM', inbox_key(prefix, queue), key)
  redis.call('HDEL', key, 'q', 'k', 'e', 'n', 'c')
end
if #successes(key) == 0 then
  redis.call('DEL', key)
  return 1
end
redis.call('HDEL', key, 't', 'u')
redis.call('PEXPIRE', key, ttl)
return 1
`;

/**
 * ARGV: token, key prefix. Undoes a claim whose reply never arrived (timeout, dropped
 * connection): the lease is dropped as by RELEASE, but the entry's TTL is left alone
 * (successes of an earlier attempt keep theirs). A claim that put the entry in the inbox is
 * undone entirely: out of the inbox, record dropped, the key's earlier expiry restored. A
 * claim of an entry that was already in the inbox leaves it there, one attempt fewer.
 * Does nothing when that claim never ran.
 */
const ABANDON = `${PRELUDE}
local token, prefix = ARGV[1], ARGV[2]
if not owned(token) then return 0 end
local inbox = redis.call('HMGET', key, 'q', 'c')
if inbox[1] and not inbox[2] then
  redis.call('HDEL', key, 't', 'u')
  redis.call('HINCRBY', key, 'n', -1)
  return 1
end
if inbox[1] then
  redis.call('ZREM', inbox_key(prefix, inbox[1]), key)
  redis.call('HDEL', key, 'q', 'k', 'e', 'n', 'c')
end
if #successes(key) == 0 then
  redis.call('DEL', key)
  return 1
end
redis.call('HDEL', key, 't', 'u')
if inbox[1] then
  local expiry = tonumber(inbox[2])
  if expiry > 0 then
    local left = expiry - now_ms()
    if left <= 0 then redis.call('DEL', key) else redis.call('PEXPIRE', key, left) end
  end
end
return 1
`;

/**
 * KEYS[1]: the queue's sorted set. ARGV: leaseMs, limit, token prefix, queue. Claims up to
 * `limit` due entries (score <= now) not held by a live lease, each with the token
 * `<prefix>.<n>`, one more attempt and a lease of leaseMs (its new due time). Members whose
 * entry is gone, done or in another queue are removed; a member whose live lease outlasts its
 * score is rescored to the lease end. Every member looked at leaves the range `(-inf, now]`,
 * so the loop ends; it looks at no more than `4 * limit + 16` members per call.
 * Returns `{{dedupe key, token, record, attempts, {succeeded handler ids}}, ...}`.
 */
const CLAIM_DUE = `${PRELUDE}
local lease, limit, token_prefix, queue = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4]
local now = now_ms()
local due = now + lease
local out = {}
local budget = limit * 4 + 16
while #out < limit and budget > 0 do
  local batch = redis.call('ZRANGEBYSCORE', key, '-inf', now, 'LIMIT', 0, math.min(limit - #out, budget))
  if #batch == 0 then break end
  for _, member in ipairs(batch) do
    budget = budget - 1
    local fields = false
    if redis.call('TYPE', member).ok == 'hash' then fields = redis.call('HMGET', member, 't', 'u', 'q', 'k', 'e') end
    if not fields or fields[3] ~= queue or not fields[4] then
      redis.call('ZREM', key, member)
    elseif fields[1] and tonumber(fields[2] or '0') > now then
      redis.call('ZADD', key, fields[2], member)
    else
      local token = token_prefix .. '.' .. (#out + 1)
      redis.call('HSET', member, 't', token, 'u', due)
      redis.call('HDEL', member, 'c')
      local attempts = redis.call('HINCRBY', member, 'n', 1)
      redis.call('ZADD', key, due, member)
      out[#out + 1] = {fields[4], token, fields[5] or '', attempts, successes(member)}
    end
  end
end
return out
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
  claimDue: script("claimDue", CLAIM_DUE),
} as const;

-- join.lua: add a party to the end of its queue, idempotent on the client's request id.
-- ARGV: 5 name, 6 size, 7 preference (table|counter|either), 8 token, 9 diner key (the
--       browser's session key, or "walkin:<request id>" for the host's walk-ins),
--       10 request id, 11 source (remote|walkin), 12 quoted wait low, 13 high (minutes, "" if none),
--       14 joins allowed per client per window (0: no limit), 15 window ms
-- KEYS: 11 this client's rate counter (same hash tag)
-- Returns JSON {id, token, created, ahead, v}. A second submit of the same request id from
-- the same diner returns the party it already made (created = false).
-- The diner key stays bound to the party (diners hash) so that browser finds it again.
-- Errors: ALREADY_WAITING (this diner has another active party), RATE_LIMITED.
local name, size, pref = ARGV[5], ARGV[6], ARGV[7]
local token, diner, req, source = ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local quote_low, quote_high = ARGV[12] or '', ARGV[13] or ''
local rate_limit, rate_window = tonumber(ARGV[14] or '0'), tonumber(ARGV[15] or '0')

local existing = redis.call('HGET', K.diners, diner)
if existing then
  local p = load_party(existing)
  if p and (p.st == 'waiting' or p.st == 'ready' or p.st == 'dining') then
    if p.r ~= req then return fail('ALREADY_WAITING') end
    return cjson.encode({id = existing, token = p.tk, created = false, ahead = ahead_of(existing, p.p),
      v = tonumber(redis.call('HGET', K.meta, 'ver'))})
  end
end

if rate_limit > 0 then
  local used = redis.call('INCR', KEYS[11])
  if used == 1 then redis.call('PEXPIRE', KEYS[11], rate_window) end
  if used > rate_limit then return fail('RATE_LIMITED') end
end

local pid = redis.call('HINCRBY', K.meta, 'seq', 1)
redis.call('HSET', pkey(pid), 'n', name, 's', size, 'p', pref, 'st', 'waiting', 'j', NOW,
  'tk', token, 'd', diner, 'r', req, 'src', source)
if quote_low ~= '' then redis.call('HSET', pkey(pid), 'ql', quote_low, 'qh', quote_high) end
redis.call('HSET', K.tokens, token, pid)
redis.call('HSET', K.diners, diner, pid)
enqueue(pid, pref)
local v = changed('join', pid)
return cjson.encode({id = tostring(pid), token = token, created = true, ahead = ahead_of(pid, pref), v = v})

-- join.lua: add a party to the end of its queue, idempotent on the client's request id.
-- ARGV: 5 name, 6 size, 7 preference (table|counter|either), 8 token, 9 diner key (the
--       browser's session key, or "walkin:<request id>" for the host's walk-ins),
--       10 request id, 11 source (remote|walkin), 12 quoted wait low, 13 high (minutes, "" if none),
--       14 joins allowed per client address per window (0: no limit), 15 its window ms,
--       16 the diner's language, 17 phone (E.164, "" for none), 18 email ("" for none),
--       19 guest key (keyed hash of the phone or email, "" for none),
--       20 joins allowed per browser per window (0: no limit), 21 its window ms
-- KEYS: 13 this client address's join counter, 14 this browser's (same hash tag)
-- Only joins that are made count against the limits; a refused one does not.
-- Returns JSON {id, token, created, ahead, v}. A second submit of the same request id from
-- the same diner returns the party it already made (created = false).
-- The diner key stays bound to the party (diners hash) so that browser finds it again.
-- Remote joins are refused while the host has paused them (meta "paused", pause.lua).
-- Errors: ALREADY_WAITING (this diner has another active party), RATE_LIMITED, PAUSED.
local name, size, pref = ARGV[5], ARGV[6], ARGV[7]
local token, diner, req, source = ARGV[8], ARGV[9], ARGV[10], ARGV[11]
local quote_low, quote_high = ARGV[12] or '', ARGV[13] or ''
local rate_limit, rate_window = tonumber(ARGV[14] or '0'), tonumber(ARGV[15] or '0')
local language, phone, email, guest = ARGV[16] or '', ARGV[17] or '', ARGV[18] or '', ARGV[19] or ''
local browser_limit, browser_window = tonumber(ARGV[20] or '0'), tonumber(ARGV[21] or '0')

local existing = redis.call('HGET', K.diners, diner)
if existing then
  local p = load_party(existing)
  if p and (p.st == 'waiting' or p.st == 'ready' or p.st == 'dining') then
    if p.r ~= req then return fail('ALREADY_WAITING') end
    return cjson.encode({id = existing, token = p.tk, created = false, ahead = ahead_of(existing, p.p),
      v = tonumber(redis.call('HGET', K.meta, 'ver'))})
  end
end

if source == 'remote' and redis.call('HEXISTS', K.meta, 'paused') == 1 then return fail('PAUSED') end

local limits = {{KEYS[13], rate_limit, rate_window}, {KEYS[14], browser_limit, browser_window}}
for _, limit in ipairs(limits) do
  if limit[2] > 0 and tonumber(redis.call('GET', limit[1]) or '0') >= limit[2] then return fail('RATE_LIMITED') end
end
for _, limit in ipairs(limits) do
  if limit[2] > 0 and redis.call('INCR', limit[1]) == 1 then redis.call('PEXPIRE', limit[1], limit[3]) end
end

local pid = redis.call('HINCRBY', K.meta, 'seq', 1)
redis.call('HSET', pkey(pid), 'n', name, 's', size, 'p', pref, 'st', 'waiting', 'j', NOW,
  'tk', token, 'd', diner, 'r', req, 'src', source)
if quote_low ~= '' then redis.call('HSET', pkey(pid), 'ql', quote_low, 'qh', quote_high, 'th', quote_high) end
if language ~= '' then redis.call('HSET', pkey(pid), 'lg', language) end
local channels = (phone ~= '' and 's' or '') .. (email ~= '' and 'e' or '')
if channels ~= '' then
  if phone ~= '' then redis.call('HSET', ckey(pid), 'phone', phone) end
  if email ~= '' then redis.call('HSET', ckey(pid), 'email', email) end
  redis.call('HSET', pkey(pid), 'ch', channels, 'p4', string.sub(phone, -4), 'gk', guest)
end
redis.call('HSET', K.tokens, token, pid)
redis.call('HSET', K.diners, diner, pid)
enqueue(pid, pref)
notify('joined', pid)
local v = changed('join', pid)
return cjson.encode({id = tostring(pid), token = token, created = true, ahead = ahead_of(pid, pref), v = v})

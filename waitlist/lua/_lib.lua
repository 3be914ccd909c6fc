-- _lib.lua: prepended to every script in this folder by waitlist/scripts.py, so all
-- scripts share one KEYS/ARGV layout and one set of helpers.
--
-- KEYS (all carry the restaurant's hash tag, so a script touches one cluster slot):
--   1 meta    hash   seq (last party id), ver (change counter)
--   2 tq      zset   waiting parties that may take a table   (member = score = party id)
--   3 cq      zset   waiting parties that may take the counter
--   4 eq      zset   waiting parties with preference "either" (also in tq and cq)
--   5 active  hash   party id -> comma-separated table ids, for ready and dining parties
--   6 tokens  hash   party token -> party id
--   7 diners  hash   diner key (browser session or walk-in request) -> party id, kept until
--                    the party is forgotten so the browser still finds it once it ended
--   8 tables  hash   table id -> "state:party id:since ms" (absent means ready and free)
--   9 due     zset   "kind:party id" -> deadline ms (hold, warn, over, gc)
--  10 ended   list   JSON of parties that reached an end state, for the visit recorder
-- ARGV (common):
--   1 party key prefix ("wl:{<id>}:party:"), 2 pub/sub bus name, 3 event channel name,
--   4 now in ms (the clock is always passed in, never read here)
-- Script-specific ARGV start at 5 and are listed in each file's header.
-- Errors are raised with redis.error_reply("CODE detail") before anything is written.

local K = {
  meta = KEYS[1], tq = KEYS[2], cq = KEYS[3], eq = KEYS[4], active = KEYS[5],
  tokens = KEYS[6], diners = KEYS[7], tables = KEYS[8], due = KEYS[9], ended = KEYS[10],
}
local PREFIX, BUS, CHANNEL = ARGV[1], ARGV[2], ARGV[3]
local NOW = tonumber(ARGV[4])

local function fail(code)
  return redis.error_reply(code)
end

local function pkey(pid)
  return PREFIX .. pid
end

-- Returns the party hash as a table, or nil when the party does not exist.
local function load_party(pid)
  local flat = redis.call('HGETALL', pkey(pid))
  if #flat == 0 then return nil end
  local p = {}
  for i = 1, #flat, 2 do p[flat[i]] = flat[i + 1] end
  p.id = tostring(pid)
  return p
end

local function split(s, sep)
  local out = {}
  if not s or s == '' then return out end
  for part in string.gmatch(s, '([^' .. sep .. ']+)') do out[#out + 1] = part end
  return out
end

-- Parties waiting ahead of this one that compete for the same seats. An "either" party
-- sits in both queues, so it is subtracted once when counting for another "either".
local function ahead_of(pid, pref)
  pid = tonumber(pid)
  if pref == 'table' then return redis.call('ZRANK', K.tq, pid) end
  if pref == 'counter' then return redis.call('ZRANK', K.cq, pid) end
  local t = redis.call('ZRANK', K.tq, pid)
  local c = redis.call('ZRANK', K.cq, pid)
  if not t or not c then return false end
  return t + c - redis.call('ZCOUNT', K.eq, '-inf', '(' .. pid)
end

local function enqueue(pid, pref)
  if pref ~= 'counter' then redis.call('ZADD', K.tq, pid, pid) end
  if pref ~= 'table' then redis.call('ZADD', K.cq, pid, pid) end
  if pref == 'either' then redis.call('ZADD', K.eq, pid, pid) end
end

local function dequeue(pid)
  redis.call('ZREM', K.tq, pid)
  redis.call('ZREM', K.cq, pid)
  redis.call('ZREM', K.eq, pid)
end

-- The party's status for its diner: the hash without the keys that identify other browsers,
-- plus parties ahead and the restaurant's version.
local function status_of(p)
  p.ahead = false
  if p.st == 'waiting' then p.ahead = ahead_of(p.id, p.p) end
  p.v = tonumber(redis.call('HGET', K.meta, 'ver') or '0')
  p.d, p.r = nil, nil
  return cjson.encode(p)
end

local function table_state(tid)
  local raw = redis.call('HGET', K.tables, tid)
  if not raw then return {state = 'ready', party = '', since = ''} end
  local parts = {}
  for field in string.gmatch(raw .. ':', '([^:]*):') do parts[#parts + 1] = field end
  return {state = parts[1], party = parts[2] or '', since = parts[3] or ''}
end

local function set_table(tid, state, pid, since)
  if state == 'ready' and (pid == nil or pid == '') then
    redis.call('HDEL', K.tables, tid)
  else
    redis.call('HSET', K.tables, tid, state .. ':' .. (pid or '') .. ':' .. (since or ''))
  end
end

-- Bumps the change counter and tells every server process, in django-eventstream's
-- pub/sub message format, that this restaurant changed. Publishing here keeps each
-- operation to one round trip.
local function changed(op, pid)
  local v = redis.call('HINCRBY', K.meta, 'ver', 1)
  local data = cjson.encode({v = v, op = op, party = tostring(pid or '')})
  redis.call('PUBLISH', BUS, cjson.encode({
    channel = CHANNEL, event_type = 'changed', data = data, pub_id = cjson.null}))
  return v
end

-- Moves a party to an end state (completed, left, expired): out of the queues, its
-- tables released (to cleaning after a meal, back to ready when only held), its timers
-- dropped, a record queued for the visit recorder, and a cleanup timer set.
local function end_party(p, state, why, ttl_ms)
  local pid = p.id
  dequeue(pid)
  for _, tid in ipairs(split(p.tb, ',')) do
    local t = table_state(tid)
    if t.party == pid then
      if p.st == 'dining' then set_table(tid, 'cleaning', '', NOW) else set_table(tid, 'ready', '', '') end
    end
  end
  redis.call('HDEL', K.active, pid)
  redis.call('ZREM', K.due, 'hold:' .. pid, 'warn:' .. pid, 'over:' .. pid)
  redis.call('ZADD', K.due, NOW + ttl_ms, 'gc:' .. pid)
  redis.call('HSET', pkey(pid), 'st', state, 'e', NOW, 'why', why)
  p.st, p.e, p.why = state, tostring(NOW), why
  redis.call('LPUSH', K.ended, cjson.encode(p))
end

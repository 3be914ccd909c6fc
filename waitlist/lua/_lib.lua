-- _lib.lua: prepended to every script in this folder by waitlist/lua_scripts.py, so all
-- scripts share one KEYS/ARGV layout and one set of helpers.
--
-- KEYS (all carry the restaurant's hash tag, so a script touches one cluster slot):
--   1 meta    hash   seq (last party id), ver (change counter)
--   2 tq      zset   waiting parties that may take a table   (member = party id, score = its
--                    place: the party id unless the host moved it)
--   3 cq      zset   waiting parties that may take the counter
--   4 eq      zset   waiting parties with preference "either" (also in tq and cq)
--   5 active  hash   party id -> comma-separated table ids, for ready and dining parties
--   6 tokens  hash   party token -> party id
--   7 diners  hash   diner key (browser session or walk-in request) -> party id, kept until
--                    the party is forgotten so the browser still finds it once it ended
--   8 tables  hash   table id -> "state:party id:since ms" (absent means ready and free)
--   9 due     zset   "kind:party id" -> deadline ms (hold, warn, over, gc)
--  10 ended   list   JSON of parties that reached an end state, for the visit recorder
--  11 outbox  stream messages to send to diners (notifications/), written with the change
--                    that causes them: {k kind, p party id, at ms, and what the kind needs}
--  12 sent    hash   "<outbox entry id>:<channel>" -> "sending:<ms>" or "done:<provider id>"
-- The party hash (ARGV[1] .. party id): its field codes, decoded in one place in Python
-- (waitlist/state.py: Party.from_script, which FIELDS there mirrors):
--   n    name                         s    size
--   p    preference (table|counter|either)
--   st   state: waiting, ready, dining, then completed, left or expired (domain/values.py)
--   j    joined (ms)                  src  source (remote|walkin)
--   tk   personal-link token          d    diner key (the browser's session key)
--   r    the join form's request id   o    offered: a table held since (ms)
--   dl   check-in deadline (ms)       tb   table ids held or used ("3,4")
--   sk   times passed over            nc   times notified of the table
--   hu   heads-up: a table should free at (ms)
--   wr   warned before the service limit (ms)
--   ov   over the service limit (ms)  se   seated (ms)
--   e    ended (ms)                   why  how it ended (completed|left|removed|no_show)
--   ql   quoted wait, low (minutes)   qh   quoted wait, high (minutes)
--   ch   channels on (p push, s text, e email)                lg   the diner's language
--   p4   last 4 digits of the phone   gk   guest key (keyed hash of phone or email)
--   mk   last message's kind          mc   its channel
--   ms   its state (queued|sent|delivered|failed)
--   om   "on my way" said at (ms)     eta  minutes away, as the diner said
--   ea   when they said it (ms)       rn   the diner's last reply, as text
--   cl   told "getting close" (ms)    th   the quote's high end the diner was last told
--   nt   the host's notes              tg   the host's tags, comma-separated
-- The party's contact details live apart, in ARGV[1] .. party id .. ":contact" (hash:
-- phone, email, "push:<n>" -> subscription JSON), and expire a while after it ends.
-- A table's state (KEYS[8]) is "state:party id:since ms", state ready (free, or held when a
-- party is named), occupied or cleaning.
-- ARGV (common):
--   1 party key prefix ("wl:{<id>}:party:"), 2 the restaurant's bus channel ("wl:{<id>}:bus",
--   sharded pub/sub: SPUBLISH, so in a Cluster only the node owning the slot carries it), 3 event channel name,
--   4 now in ms (the clock is always passed in, never read here)
-- Script-specific ARGV start at 5 and are listed in each file's header.
-- Errors are raised with redis.error_reply("CODE detail") before anything is written.

local K = {
  meta = KEYS[1], tq = KEYS[2], cq = KEYS[3], eq = KEYS[4], active = KEYS[5],
  tokens = KEYS[6], diners = KEYS[7], tables = KEYS[8], due = KEYS[9], ended = KEYS[10],
  outbox = KEYS[11], sent = KEYS[12],
}
-- Safety bound on an outbox nobody reads (no delivery worker running): the oldest go first.
local OUTBOX_MAX = 100000
local PREFIX, BUS, CHANNEL = ARGV[1], ARGV[2], ARGV[3]
local NOW = tonumber(ARGV[4])

local function fail(code)
  return redis.error_reply(code)
end

local function pkey(pid)
  return PREFIX .. pid
end

local function ckey(pid)
  return PREFIX .. pid .. ':contact'
end

-- Queues a message for the party's diner, in the same step as the change that causes it,
-- when the diner has a channel on. ``extra`` is a flat list of more fields.
local function notify(kind, pid, extra)
  local channels = redis.call('HGET', pkey(pid), 'ch')
  if not channels or channels == '' then return end
  local fields = {'XADD', K.outbox, 'MAXLEN', '~', OUTBOX_MAX, '*', 'k', kind, 'p', tostring(pid), 'at', NOW}
  for _, value in ipairs(extra or {}) do fields[#fields + 1] = value end
  redis.call(unpack(fields))
  redis.call('HSET', pkey(pid), 'mk', kind, 'ms', 'queued', 'mc', '')
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
  return t + c - redis.call('ZCOUNT', K.eq, '-inf', '(' .. redis.call('ZSCORE', K.eq, pid))
end

-- A waiting party's place in line is its score in the queues: its id when it joins (join
-- order), another when the host moves it (move.lua swaps two parties' scores).
local function place_of(pid)
  return redis.call('ZSCORE', K.tq, pid) or redis.call('ZSCORE', K.cq, pid)
end

local function enqueue(pid, pref, score)
  score = score or pid
  if pref ~= 'counter' then redis.call('ZADD', K.tq, score, pid) end
  if pref ~= 'table' then redis.call('ZADD', K.cq, score, pid) end
  if pref == 'either' then redis.call('ZADD', K.eq, score, pid) end
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

-- Bumps the change counter and tells the server processes that hold streams of this
-- restaurant (subscribed to its own channel), in django-eventstream's message format,
-- that it changed. Publishing here keeps each operation to one round trip.
local function changed(op, pid)
  local v = redis.call('HINCRBY', K.meta, 'ver', 1)
  local data = cjson.encode({v = v, op = op, party = tostring(pid or '')})
  redis.call('SPUBLISH', BUS, cjson.encode({
    channel = CHANNEL, event_type = 'changed', data = data, pub_id = cjson.null}))
  return v
end

-- Moves a party to an end state (completed, left, expired): out of the queues, its
-- tables released (to cleaning after a meal, back to ready when only held), its timers
-- dropped, a record queued for the visit recorder, and a cleanup timer set.
local function end_party(p, state, why, ttl_ms, retain_ms)
  local pid = p.id
  dequeue(pid)
  for _, tid in ipairs(split(p.tb, ',')) do
    local t = table_state(tid)
    if t.party == pid then
      if p.st == 'dining' then set_table(tid, 'cleaning', '', NOW) else set_table(tid, 'ready', '', '') end
    end
  end
  redis.call('HDEL', K.active, pid)
  redis.call('ZREM', K.due, 'hold:' .. pid, 'warn:' .. pid, 'over:' .. pid, 'remind:' .. pid)
  redis.call('ZADD', K.due, NOW + ttl_ms, 'gc:' .. pid)
  -- Contact details outlive the party only long enough for its last message to go out.
  if redis.call('EXISTS', ckey(pid)) == 1 then redis.call('PEXPIRE', ckey(pid), math.max(1, retain_ms)) end
  redis.call('HSET', pkey(pid), 'st', state, 'e', NOW, 'why', why)
  p.st, p.e, p.why = state, tostring(NOW), why
  redis.call('LPUSH', K.ended, cjson.encode(p))
end

-- Host actions that may be undone for a while, and the floor's action log, live in keys that
-- only the scripts taking them name (after the common KEYS, as each header says):
--   undo     hash  party id -> JSON {op (no_show|removed|offer), st (state before), ends (ms),
--                  tb (tables), n (name), sc (place in line), rec (its end record), o (offered
--                  at), sk (parties passed over)}: what undo.lua needs to put things back
--   actions  list  JSON {id, k kind, p party id, at ms, d detail}, for the action recorder
local function remember_undo(undo_key, pid, entry)
  local flat = redis.call('HGETALL', undo_key)
  for i = 1, #flat, 2 do
    if tonumber(cjson.decode(flat[i + 1]).ends) < NOW then redis.call('HDEL', undo_key, flat[i]) end
  end
  redis.call('HSET', undo_key, pid, cjson.encode(entry))
end

local function log_action(actions_key, kind, pid, detail)
  local id = redis.call('HINCRBY', K.meta, 'aseq', 1)
  redis.call('LPUSH', actions_key, cjson.encode({
    id = tostring(id), k = kind, p = tostring(pid or ''), at = NOW, d = detail or ''}))
end

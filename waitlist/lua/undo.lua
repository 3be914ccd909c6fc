-- undo.lua: the host takes back a no-show, a removal or an offer made moments ago (the undo
-- hash says what it was, until when it may be undone and what to put back). The party
-- returns to its place (its id is its place in line) or to the tables it was holding, whose
-- hold resumes with the time it had left; an offer's tables are free again and the parties
-- it passed over are no longer counted as passed over.
-- KEYS: 13 the undo hash, 14 the action log (_lib.lua)
-- ARGV: 5 party id
-- Queues the "restored" message: the diner may have been told of the table (an offer undone);
-- after a no-show or a removal, only once the diner was told of it (its message sent, not
-- still queued: that one is then dropped at delivery, the party being active again, and
-- there is nothing to apologise for). With the hold's new time when it holds a table again.
-- Returns JSON {id, op, tables, token, v}.
-- Errors: NO_UNDO (nothing to undo, or too late), UNKNOWN_PARTY, NOT_ACTIVE / NOT_ENDED (the
-- party changed since), REJOINED (its diner has joined again since), TABLE_BUSY <id> (a table
-- it held has been given to someone else).
local pid = ARGV[5]
local raw = redis.call('HGET', KEYS[13], pid)
if not raw then return fail('NO_UNDO') end
local u = cjson.decode(raw)
if tonumber(u.ends) < NOW then return fail('NO_UNDO') end
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
local tids = split(u.tb or '', ',')
if u.op == 'offer' then
  if p.st ~= 'ready' or p.o ~= tostring(u.o) then return fail('NOT_ACTIVE ' .. p.st) end
  for _, tid in ipairs(tids) do
    if table_state(tid).party == pid then set_table(tid, 'ready', '', '') end
  end
  redis.call('HDEL', K.active, pid)
  redis.call('ZREM', K.due, 'hold:' .. pid, 'remind:' .. pid)
  redis.call('HDEL', pkey(pid), 'o', 'dl', 'tb', 'nc')
  redis.call('HSET', pkey(pid), 'st', 'waiting')
  for _, earlier in ipairs(split(u.sk or '', ',')) do
    if tonumber(redis.call('HGET', pkey(earlier), 'sk') or '0') > 0 then redis.call('HINCRBY', pkey(earlier), 'sk', -1) end
  end
  enqueue(pid, p.p, u.sc)
  notify('restored', pid)
else
  if (p.st ~= 'left' and p.st ~= 'expired') or p.why ~= u.op then return fail('NOT_ENDED ' .. p.st) end
  -- The diner joined again since (a browser follows one party): that new visit stands.
  if p.d and redis.call('HGET', K.diners, p.d) ~= pid then return fail('REJOINED') end
  -- The ending's message kinds are named as the undo's ops are (no_show, removed).
  local told = p.mk == u.op and (p.ms == 'sent' or p.ms == 'delivered')
  if u.st == 'ready' then
    for _, tid in ipairs(tids) do
      local t = table_state(tid)
      if t.state ~= 'ready' or t.party ~= '' then return fail('TABLE_BUSY ' .. tid) end
    end
    for _, tid in ipairs(tids) do set_table(tid, 'ready', pid, p.o) end
    redis.call('HSET', K.active, pid, p.tb)
    -- The hold's clock stood still while the party was gone.
    local deadline = tonumber(p.dl) + (NOW - tonumber(p.e))
    redis.call('HSET', pkey(pid), 'dl', deadline)
    redis.call('ZADD', K.due, deadline, 'hold:' .. pid)
    if told then notify('restored', pid, {'dl', deadline}) end
  else
    enqueue(pid, p.p, u.sc)
    if told then notify('restored', pid) end
  end
  redis.call('HSET', pkey(pid), 'st', u.st)
  redis.call('HDEL', pkey(pid), 'e', 'why')
  redis.call('ZREM', K.due, 'gc:' .. pid)
  redis.call('PERSIST', ckey(pid))
  if u.rec then redis.call('LREM', K.ended, 1, u.rec) end
end
redis.call('HDEL', KEYS[13], pid)
log_action(KEYS[14], 'undo', pid, u.op)
local v = changed('undo', pid)
return cjson.encode({id = pid, op = u.op, tables = u.tb or '', token = p.tk, v = v})

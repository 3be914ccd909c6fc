-- edit.lua: the host corrects a party: its size and seating (while it waits), its notes and
-- tags (while it is waiting, ready or dining). A new seating keeps its place in line.
-- KEYS: 13 the action log (_lib.lua)
-- ARGV: 5 party id, 6 size, 7 preference (table|counter|either), 8 notes, 9 tags (comma-separated),
--       10 what changed, for the log
-- Returns JSON {id, v}.
-- Errors: UNKNOWN_PARTY, NOT_ACTIVE <state>, NOT_WAITING <state> (size or seating of a party
-- no longer waiting).
local pid, size, pref, notes, tags, what = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9], ARGV[10]
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'waiting' and p.st ~= 'ready' and p.st ~= 'dining' then return fail('NOT_ACTIVE ' .. p.st) end
if (size ~= p.s or pref ~= p.p) and p.st ~= 'waiting' then return fail('NOT_WAITING ' .. p.st) end
if pref ~= p.p then
  local place = place_of(pid)
  dequeue(pid)
  enqueue(pid, pref, place)
end
redis.call('HSET', pkey(pid), 's', size, 'p', pref)
if notes == '' then redis.call('HDEL', pkey(pid), 'nt') else redis.call('HSET', pkey(pid), 'nt', notes) end
if tags == '' then redis.call('HDEL', pkey(pid), 'tg') else redis.call('HSET', pkey(pid), 'tg', tags) end
log_action(KEYS[13], 'edit', pid, what)
local v = changed('edit', pid)
return cjson.encode({id = pid, v = v})

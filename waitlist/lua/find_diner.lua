-- find_diner.lua: the party this browser (its session key) follows here, with its status.
-- ARGV: 5 diner key
-- Returns JSON like status.lua, or {missing = true}. Read only: the mapping of a forgotten
-- party is removed by fire_due.lua's gc, and join.lua overwrites one left behind.
local pid = redis.call('HGET', K.diners, ARGV[5])
if not pid then return '{"missing":true}' end
local p = load_party(pid)
if not p then return '{"missing":true}' end
return status_of(p)

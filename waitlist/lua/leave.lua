-- leave.lua: a waiting or ready party leaves (diner taps Leave, host removes, host marks a
-- no-show). Everyone behind moves up; a held table goes back to ready.
-- ARGV: 5 party id, 6 end state (left|expired), 7 reason, 8 ms to keep the ended party
-- Returns JSON {id, tables, v}: tables it was holding (now free again).
-- Errors: UNKNOWN_PARTY, NOT_ACTIVE (already dining or ended).
local pid, state, why, ttl = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8])
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'waiting' and p.st ~= 'ready' then return fail('NOT_ACTIVE ' .. p.st) end
local held = p.st == 'ready' and (p.tb or '') or ''
end_party(p, state, why, ttl)
local v = changed(state, pid)
return cjson.encode({id = pid, tables = held, v = v})

-- leave.lua: a waiting or ready party leaves (diner taps Leave, host removes, host marks a
-- no-show). Everyone behind moves up; a held table goes back to ready.
-- ARGV: 5 party id, 6 end state (left|expired), 7 reason, 8 ms to keep the ended party,
--       9 ms to keep its contact details, 10 ms the host may undo it for (0 or absent: no undo)
-- KEYS: 13 the undo hash (_lib.lua), only with an undo time
-- Queues a message when the host ended it (removed, or a no-show): the diner did not.
-- Returns JSON {id, tables, v}: tables it was holding (now free again).
-- Errors: UNKNOWN_PARTY, NOT_ACTIVE (already dining or ended).
local pid, state, why, ttl, retain = ARGV[5], ARGV[6], ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local undo_ms = tonumber(ARGV[10] or '0')
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'waiting' and p.st ~= 'ready' then return fail('NOT_ACTIVE ' .. p.st) end
local held = p.st == 'ready' and (p.tb or '') or ''
if state == 'expired' then notify('no_show', pid) elseif why == 'removed' then notify('removed', pid) end
local before, place = p.st, place_of(pid)
end_party(p, state, why, ttl, retain)
if undo_ms > 0 then
  remember_undo(KEYS[13], pid, {op = why, st = before, ends = NOW + undo_ms, tb = held, n = p.n, sc = place,
    rec = redis.call('LINDEX', K.ended, 0)})
end
local v = changed(state, pid)
return cjson.encode({id = pid, tables = held, v = v})

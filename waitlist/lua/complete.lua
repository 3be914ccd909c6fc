-- complete.lua: a dining party has finished; its tables go to cleaning.
-- ARGV: 5 party id, 6 ms to keep the ended party, 7 ms to keep its contact details
-- Returns JSON {id, tables, v}.
-- Errors: UNKNOWN_PARTY, NOT_DINING <state>.
local pid, ttl, retain = ARGV[5], tonumber(ARGV[6]), tonumber(ARGV[7])
local p = load_party(pid)
if not p then return fail('UNKNOWN_PARTY') end
if p.st ~= 'dining' then return fail('NOT_DINING ' .. p.st) end
end_party(p, 'completed', 'completed', ttl, retain)
local v = changed('complete', pid)
return cjson.encode({id = pid, tables = p.tb, v = v})

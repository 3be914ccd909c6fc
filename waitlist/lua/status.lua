-- status.lua: one party's status for its diner: state, parties ahead, hold and meal times.
-- ARGV: 5 party id
-- Returns JSON of the party hash plus {ahead (false unless waiting), v}, or
-- JSON {missing = true} when the party is unknown or already forgotten.
local pid = ARGV[5]
local p = load_party(pid)
if not p then return '{"missing":true}' end
return status_of(p)

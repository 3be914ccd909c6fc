-- status.lua: one party's status for its diner: state, parties ahead, hold and meal times.
-- ARGV: 5 party id
-- Returns JSON of the party hash plus {ahead (false unless waiting), v}, or
-- JSON {missing = true} when the party is unknown or already forgotten.
local pid = ARGV[5]
local p = load_party(pid)
if not p then return '{"missing":true}' end
p.ahead = false
if p.st == 'waiting' then p.ahead = ahead_of(pid, p.p) end
p.v = tonumber(redis.call('HGET', K.meta, 'ver') or '0')
p.d, p.r = nil, nil
return cjson.encode(p)

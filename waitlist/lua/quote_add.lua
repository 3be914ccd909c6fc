-- quote_add.lua: the host adds minutes to every quote ("add 15 minutes": the kitchen is
-- behind), until cleared with 0. Estimates shown everywhere carry it (waitlist/live_view.py).
-- KEYS: 13 the action log (_lib.lua)
-- ARGV: 5 minutes to add (0 clears)
-- Returns JSON {qadd, v}.
local minutes = tonumber(ARGV[5])
if minutes == 0 then redis.call('HDEL', K.meta, 'qadd') else redis.call('HSET', K.meta, 'qadd', minutes) end
log_action(KEYS[13], 'quote', '', tostring(minutes))
local v = changed('quotes', '')
return cjson.encode({qadd = minutes, v = v})

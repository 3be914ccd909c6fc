-- touch.lua: the restaurant's database row was saved (in admin, or a policy changed on the
-- floor): tell every open page, so that each renders from the new row (open or closed, hold
-- time, name) without waiting for the next change to the queue. A closed restaurant's pause
-- ends, as when the host closes from the floor (opening.lua).
-- ARGV: 5 "1" open, "0" closed
-- Returns JSON {v}.
if ARGV[5] ~= '1' then redis.call('HDEL', K.meta, 'paused') end
return cjson.encode({v = changed('settings', '')})

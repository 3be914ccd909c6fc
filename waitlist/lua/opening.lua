-- opening.lua: the host closes for the night or opens again. Whether the restaurant is open
-- is its database row's fact (saved just before this runs); this records the action and tells
-- every open page, so a diner's join page turns to "closed" (and back) without a reload.
-- Closing also ends a pause: the next opening starts unpaused.
-- KEYS: 13 the action log (_lib.lua)
-- ARGV: 5 "1" opened, "0" closed
-- Returns JSON {v}.
local opened = ARGV[5] == '1'
if not opened then redis.call('HDEL', K.meta, 'paused') end
local kind = opened and 'open' or 'close'
log_action(KEYS[13], kind, '', '')
return cjson.encode({v = changed(kind, '')})

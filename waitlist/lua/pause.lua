-- pause.lua: the host pauses diners' joins from their phones, with a message for the join
-- page ("Back at 8 pm"), or resumes them. Walk-ins the host adds still join; parties
-- already waiting keep their place.
-- KEYS: 13 the action log (_lib.lua)
-- ARGV: 5 "1" to pause, "0" to resume, 6 the message shown while paused
-- Returns JSON {paused, v}.
local pause, message = ARGV[5] == '1', ARGV[6] or ''
if pause then
  redis.call('HSET', K.meta, 'paused', message)
  log_action(KEYS[13], 'pause', '', message)
else
  redis.call('HDEL', K.meta, 'paused')
  log_action(KEYS[13], 'resume', '', '')
end
local v = changed(pause and 'pause' or 'resume', '')
return cjson.encode({paused = pause, v = v})

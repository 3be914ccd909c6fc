-- announce.lua: the host's message to everyone following the restaurant ("We're running
-- 15 minutes behind"). Kept so pages drawn later show it too, and pushed as it is: every
-- stream forwards the same HTML without rendering anything per diner.
-- ARGV: 5 message text ("" clears it), 6 the message as escaped HTML
-- Returns JSON {v}.
local text, html = ARGV[5], ARGV[6]
if text == '' then
  redis.call('HDEL', K.meta, 'notice', 'notice_at')
else
  redis.call('HSET', K.meta, 'notice', text, 'notice_at', NOW)
end
local v = redis.call('HINCRBY', K.meta, 'ver', 1)
redis.call('PUBLISH', BUS, cjson.encode({channel = CHANNEL, event_type = 'notice', data = html, pub_id = cjson.null}))
return cjson.encode({v = v})

-- bind.lua: a personal link opened in a browser: from now on that browser (its session
-- key) follows the link's party. Another party it followed here is not affected.
-- ARGV: 5 diner key, 6 party token
-- Returns JSON like status.lua, or {missing = true} for an unknown or forgotten token.
local pid = redis.call('HGET', K.tokens, ARGV[6])
if not pid then return '{"missing":true}' end
local p = load_party(pid)
if not p then return '{"missing":true}' end
redis.call('HSET', K.diners, ARGV[5], pid)
return status_of(p)

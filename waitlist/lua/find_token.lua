-- find_token.lua: resolve a personal-link token to its party, with the party's status.
-- ARGV: 5 token
-- Returns JSON like status.lua, or {missing = true}.
local pid = redis.call('HGET', K.tokens, ARGV[5])
if not pid then return '{"missing":true}' end
local p = load_party(pid)
if not p then return '{"missing":true}' end
return status_of(p)

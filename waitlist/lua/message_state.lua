-- message_state.lua: what a provider reported later about a message (a text delivered, or
-- undeliverable), shown to the host on the party.
-- ARGV: 5 party id, 6 delivered|failed, 7 channel
-- Returns JSON {ok}: false when the party is gone.
local pid, state, channel = ARGV[5], ARGV[6], ARGV[7]
if redis.call('EXISTS', pkey(pid)) == 0 then return '{"ok":false}' end
redis.call('HSET', pkey(pid), 'ms', state, 'mc', channel)
changed('message', pid)
return '{"ok":true}'

-- delivery.lua: the delivery worker's bookkeeping for one outbox message on one channel,
-- and the state the host sees on the party. Done marks survive a worker's crash, so a
-- message claimed again is not sent again on a channel that already took it.
-- ARGV: 5 outbox entry id, 6 channel (p|s|e; "" when the message needs no channel),
--       7 sending|done|failed|skipped, 8 provider's id or the error, 9 party id,
--       10 1 when the entry is finished (every channel done or given up): acknowledged
--       and removed, 11 the consumer group
-- Returns JSON {ms}: the party's message state now.
local entry, channel, outcome, detail, pid, finished, group = ARGV[5], ARGV[6], ARGV[7], ARGV[8], ARGV[9],
  ARGV[10] == '1', ARGV[11]
if channel ~= '' then redis.call('HSET', K.sent, entry .. ':' .. channel, outcome .. ':' .. detail) end
local shown = ({sending = 'queued', done = 'sent', failed = 'failed'})[outcome]
local state = redis.call('HGET', pkey(pid), 'ms') or ''
if shown and redis.call('EXISTS', pkey(pid)) == 1 and not (state == 'sent' and shown == 'failed') then
  redis.call('HSET', pkey(pid), 'ms', shown, 'mc', channel)
  state = shown
  if outcome ~= 'sending' then changed('message', pid) end
end
if finished then
  redis.call('XACK', K.outbox, group, entry)
  redis.call('XDEL', K.outbox, entry)
  redis.call('HDEL', K.sent, entry .. ':p', entry .. ':s', entry .. ':e')
end
return cjson.encode({ms = state})

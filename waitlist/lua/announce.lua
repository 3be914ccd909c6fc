-- announce.lua: the host's message to everyone following the restaurant ("We're running
-- 15 minutes behind"). Kept so pages drawn later show it too, and pushed as it is: every
-- stream forwards the same HTML without rendering anything per diner.
-- ARGV: 5 message text ("" clears it), 6 the message as escaped HTML
-- Queues the message for every waiting or ready party whose diner has a channel on.
-- Returns JSON {v}.
local text, html = ARGV[5], ARGV[6]
if text == '' then
  redis.call('HDEL', K.meta, 'notice', 'notice_at')
else
  redis.call('HSET', K.meta, 'notice', text, 'notice_at', NOW)
end
if text ~= '' then
  local seen = {}
  for _, q in ipairs({K.tq, K.cq}) do
    for _, pid in ipairs(redis.call('ZRANGE', q, 0, -1)) do
      if not seen[pid] then seen[pid] = true; notify('notice', pid, {'t', text}) end
    end
  end
  for _, pid in ipairs(redis.call('HKEYS', K.active)) do
    if redis.call('HGET', pkey(pid), 'st') == 'ready' then notify('notice', pid, {'t', text}) end
  end
end
local v = redis.call('HINCRBY', K.meta, 'ver', 1)
redis.call('SPUBLISH', BUS, cjson.encode({channel = CHANNEL, event_type = 'notice', data = html, pub_id = cjson.null}))
return cjson.encode({v = v})

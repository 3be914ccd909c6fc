-- ack_ended.lua: remove ended-party records that the visit recorder has stored. Two
-- recorders may store the same record (the database keeps one); each LREM is a no-op
-- the second time.
-- ARGV: 5.. the exact JSON records read from the ended list
-- Returns the number of records removed.
local removed = 0
for i = 5, #ARGV do removed = removed + redis.call('LREM', K.ended, 1, ARGV[i]) end
return removed

-- clear_table.lua: the host sends a free table to cleaning (a spill, a reset) without a
-- party finishing. Occupied tables are cleared through complete.lua instead.
-- ARGV: 5 table id
-- Returns JSON {table, v}.  Errors: TABLE_BUSY, ALREADY_CLEANING.
local tid = ARGV[5]
local t = table_state(tid)
if t.state == 'occupied' or t.party ~= '' then return fail('TABLE_BUSY ' .. tid) end
if t.state == 'cleaning' then return fail('ALREADY_CLEANING') end
set_table(tid, 'cleaning', '', NOW)
local v = changed('table_cleaning', '')
return cjson.encode({table = tid, v = v})

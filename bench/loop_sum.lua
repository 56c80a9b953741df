-- bench/loop_sum.lua - the same counted loop as bench/loop_sum.lyng.
local n = tonumber(arg[1]) or 30000000
local sum = 0
for i = 0, n - 1 do sum = sum + i end
print(sum)

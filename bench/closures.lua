-- bench/closures.lua - the same closures as bench/closures.lyng.
local function adder(k) return function(x) return x + k end end
local function counter()
  local count = 0
  return function() count = count + 1; return count end
end
local function twice(f, x) return f(f(x)) end
local n = tonumber(arg[1]) or 1000000
local nxt = counter()
local total = 0
for i = 0, n - 1 do
  local add = adder(i % 10)
  total = total + twice(add, nxt()) % 1000
end
print(total, nxt())

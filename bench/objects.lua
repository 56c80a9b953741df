-- bench/objects.lua - the same small objects and method calls as
-- bench/objects.lyng, with metatables.
local Vec = {}
Vec.__index = Vec
local function vec(x, y) return setmetatable({x = x, y = y}, Vec) end
function Vec:add(o) return vec(self.x + o.x, self.y + o.y) end
function Vec:dot(o) return self.x * o.x + self.y * o.y end
local Counter = {}
Counter.__index = Counter
local function counter() return setmetatable({n = 0}, Counter) end
function Counter:bump(by) self.n = self.n + by end
local n = tonumber(arg[1]) or 1000000
local c = counter()
local acc = vec(0, 0)
for i = 0, n - 1 do
  local v = vec(i % 7, i % 5)
  acc = acc:add(v)
  c:bump(v:dot(acc) % 3)
end
print(acc.x, acc.y, c.n)

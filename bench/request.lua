-- wrk script of `make bench`: POST JSON bodies with a Bearer token, count failed answers.
--
-- BENCH_BODIES  a file of JSON bodies, one a line; requests cycle through them
-- BENCH_TOKEN   the bearer token (may be empty)
-- A body containing __SEQ__ gets a number unique to the run in its place, per request.
-- A response that is not 200, or carries "errors" or "succeeded":false, counts as failed;
-- done() prints "BENCH failed=<n> answered=<n>" for the harness.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

local bodies = {}
local templated = false
local position = 0
local sequence = 0
failed = 0
answered = 0

function init(args)
   for line in io.lines(os.getenv("BENCH_BODIES")) do
      if #line > 0 then
         table.insert(bodies, line)
         if line:find("__SEQ__", 1, true) then
            templated = true
         end
      end
   end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   local token = os.getenv("BENCH_TOKEN") or ""
   if #token > 0 then
      wrk.headers["Authorization"] = "Bearer " .. token
   end
   wrk.body = bodies[1]
   -- Threads start at different bodies, so they do not ask for the same row in lockstep.
   position = (id or 1) - 1
   if #bodies > 1 or templated then
      request = function()
         position = position % #bodies + 1
         local body = bodies[position]
         if templated then
            sequence = sequence + 1
            body = body:gsub("__SEQ__", id .. "-" .. sequence)
         end
         return wrk.format(nil, nil, nil, body)
      end
   end
end

function response(status, headers, body)
   answered = answered + 1
   if status ~= 200 or body:find('"errors"', 1, true) or body:find('"succeeded":%s*false') then
      failed = failed + 1
   end
end

function done(summary, latency, requests)
   local total_failed, total_answered = 0, 0
   for _, thread in ipairs(threads) do
      total_failed = total_failed + thread:get("failed")
      total_answered = total_answered + thread:get("answered")
   end
   io.write(string.format("BENCH failed=%d answered=%d\n", total_failed, total_answered))
end

-- wrk script of `make bench`: POST JSON bodies with a Bearer token, or GET page addresses with
-- a session cookie; count failed answers.
--
-- BENCH_METHOD    POST (default) or GET
-- BENCH_REQUESTS  a file of JSON bodies (POST) or of paths with their query (GET), one a line;
--                 requests cycle through them
-- BENCH_TOKEN     POST: the bearer token (may be empty)
-- BENCH_COOKIE    GET: the Cookie header (may be empty: a guest)
-- A body containing __SEQ__ gets a number unique to the run in its place, per request.
-- A response that is not 200 counts as failed, and so does a JSON answer that carries "errors"
-- or "succeeded":false (a page's HTML is not searched: a page may well say "errors").
-- done() prints "BENCH failed=<n> answered=<n>" for the harness.

local threads = {}

function setup(thread)
   thread:set("id", #threads + 1)
   table.insert(threads, thread)
end

local items = {}
local templated = false
local position = 0
local sequence = 0
local is_get = false
failed = 0
answered = 0

function init(args)
   is_get = (os.getenv("BENCH_METHOD") or "POST") == "GET"
   for line in io.lines(os.getenv("BENCH_REQUESTS")) do
      if #line > 0 then
         table.insert(items, line)
         if line:find("__SEQ__", 1, true) then
            templated = true
         end
      end
   end
   -- Threads start at different items, so they do not ask for the same row in lockstep.
   position = (id or 1) - 1
   if is_get then
      wrk.method = "GET"
      wrk.body = nil
      local cookie = os.getenv("BENCH_COOKIE") or ""
      if #cookie > 0 then
         wrk.headers["Cookie"] = cookie
      end
      wrk.path = items[1]
      request = function()
         position = position % #items + 1
         return wrk.format("GET", items[position])
      end
      return
   end
   wrk.method = "POST"
   wrk.headers["Content-Type"] = "application/json"
   local token = os.getenv("BENCH_TOKEN") or ""
   if #token > 0 then
      wrk.headers["Authorization"] = "Bearer " .. token
   end
   wrk.body = items[1]
   if #items > 1 or templated then
      request = function()
         position = position % #items + 1
         local body = items[position]
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
   if status ~= 200 then
      failed = failed + 1
   elseif not is_get and (body:find('"errors"', 1, true) or body:find('"succeeded":%s*false')) then
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

-- wrk script for bench/load.py: counts every response outside 200-299 as an error (wrk itself
-- only counts 4xx and 5xx, so a redirect to the login page would pass unnoticed), then prints
-- one line "LOAD-REPORT {json}" with the numbers bench/load.py reads.

local threads = {}

function setup(thread)
   table.insert(threads, thread)
end

function init(args)
   non_2xx = 0
   statuses = {}
end

function response(status, headers, body)
   if status < 200 or status > 299 then
      non_2xx = non_2xx + 1
      statuses[status] = (statuses[status] or 0) + 1
   end
end

function done(summary, latency, requests)
   local bad = 0
   local codes = {}
   for _, thread in ipairs(threads) do
      bad = bad + thread:get("non_2xx")
      for code, n in pairs(thread:get("statuses")) do
         codes[#codes + 1] = string.format('"%d": %d', code, n)
      end
   end
   local e = summary.errors
   local socket_errors = e.connect + e.read + e.write + e.timeout
   io.write(string.format(
      'LOAD-REPORT {"requests": %d, "duration_us": %d, "p50_us": %d, "p90_us": %d, '
         .. '"p99_us": %d, "max_us": %d, "non_2xx": %d, "socket_errors": %d, '
         .. '"timeouts": %d, "errors": %d, "statuses": {%s}}\n',
      summary.requests, summary.duration,
      latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
      bad, socket_errors, e.timeout, bad + socket_errors, table.concat(codes, ", ")))
end

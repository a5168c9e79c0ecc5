-- Shared by bench/run.sh's people-path scripts (loaded with dofile): the thread list, the count of completed
-- flows per thread, and the line `flows N SECONDS` that bench/run.sh reads instead of wrk's request count
-- (a flow takes more than one request). Each script defines `request` and `response` itself.
threads = {}
flows = 0
local next_id = 0
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

function urlencode(s)
  return (s:gsub("[^%w%-%._~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

form_headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }

function done(summary, latency, requests)
  local n = 0
  for _, t in ipairs(threads) do n = n + (t:get("flows") or 0) end
  io.write(string.format("flows %d %.6f\n", n, summary.duration / 1e6))
end

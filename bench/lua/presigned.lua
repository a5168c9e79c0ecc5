-- client_credentials with one pre-signed, single-use JWT per request (wrk cannot sign): a DPoP proof
-- (RFC 9449 §4, header `DPoP`, Basic client authentication) or a client assertion (RFC 7523 §2.2,
-- private_key_jwt). The lines of LINES_FILE are dealt round-robin to the threads from the offset in
-- OFFSET_FILE; done() moves that offset past every line sent, so the rounds of one batch never repeat a line
-- (a replay is a fast 400/401 and would flatter the row: when the batch runs out, the errors column says so).
-- bench/run.sh signs a fresh batch before each point (offset 0); the offset lets one batch serve several runs.
--   WRK_THREADS=N wrk -tN ... -s presigned.lua URL -- dpop|assertion LINES_FILE OFFSET_FILE [BASIC]
local next_id, threads = 0, {}
function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  threads[#threads + 1] = thread
end

-- Globals, so that done() (in wrk's main state) can read them from the threads.
lines, sent, offset, nthreads, mode, basic, offset_file = {}, 0, 0, 1, nil, nil, nil
function init(args)
  mode, offset_file, basic = args[1], args[3], args[4]
  nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  for l in io.lines(args[2]) do lines[#lines + 1] = l end
  local f = io.open(offset_file)
  if f then offset = tonumber(f:read("*l") or "0") or 0; f:close() end
end

local assertion_type = "urn%3Aietf%3Aparams%3Aoauth%3Aclient-assertion-type%3Ajwt-bearer"
function request()
  sent = sent + 1
  local jwt = lines[offset + id + 1 + (sent - 1) * nthreads] or "batch-exhausted"
  local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
  if mode == "dpop" then
    headers["Authorization"] = "Basic " .. basic
    headers["DPoP"] = jwt
    return wrk.format("POST", nil, headers, "grant_type=client_credentials")
  end
  return wrk.format("POST", nil, headers,
    "grant_type=client_credentials&client_assertion_type=" .. assertion_type .. "&client_assertion=" .. jwt)
end

function done(summary, latency, requests)
  local most, file, start, n = 0, nil, 0, 1
  for _, t in ipairs(threads) do
    most = math.max(most, t:get("sent") or 0)
    file, start, n = t:get("offset_file"), t:get("offset") or 0, t:get("nthreads") or 1
  end
  if file then
    local f = io.open(file, "w")
    f:write(tostring(start + most * n) .. "\n")
    f:close()
  end
end

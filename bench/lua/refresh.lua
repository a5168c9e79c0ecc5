-- Refresh-token rotation (RFC 6749 §6; every refresh token is single use, OAuth 2.1 §4.3.1): each thread
-- takes its share of a pool of refresh tokens (lines of POOL_FILE), sends one per request and puts the new
-- one the answer carries back into its pool; a flow is one rotated token. The pool must hold at least the
-- thread's connections: a lost answer loses its token (a replay would revoke the whole family).
--   WRK_THREADS=N wrk -tN ... -s refresh.lua URL -- TOKEN_PATH CLIENT_ID POOL_FILE
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")
local token_path, body_prefix
local pool = {}

function init(args)
  token_path = args[1]
  body_prefix = "grant_type=refresh_token&client_id=" .. urlencode(args[2]) .. "&refresh_token="
  local i, nthreads = 0, tonumber(os.getenv("WRK_THREADS") or "1")
  for line in io.lines(args[3]) do
    if line ~= "" and i % nthreads == id then pool[#pool + 1] = line end
    i = i + 1
  end
end

function request()
  local token = table.remove(pool, 1) or "pool-exhausted"
  return wrk.format("POST", token_path, form_headers, body_prefix .. urlencode(token))
end

function response(status, headers, body)
  local token = status == 200 and body:match('"refresh_token"%s*:%s*"([^"]+)"')
  if token then
    pool[#pool + 1] = token
    flows = flows + 1
  end
end

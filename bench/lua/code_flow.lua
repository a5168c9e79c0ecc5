-- Authorization code + PKCE with an SSO session (RFC 6749 §4.1, RFC 7636): GET the authorization endpoint with
-- the session cookie, take the code from the 302's Location, exchange it at the token endpoint. A flow is one
-- token response; the codes a thread receives wait in its queue for the next request slot.
--   wrk ... -s code_flow.lua URL -- AUTHORIZE_PATH TOKEN_PATH CLIENT_ID REDIRECT_URI VERIFIER COOKIE
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")
local authorize, token_body_prefix, token_path, cookie
local codes = {}

function init(args)
  authorize, token_path, cookie = args[1], args[2], args[6]
  token_body_prefix = "grant_type=authorization_code&client_id=" .. urlencode(args[3]) .. "&redirect_uri="
    .. urlencode(args[4]) .. "&code_verifier=" .. urlencode(args[5]) .. "&code="
end

function request()
  local code = table.remove(codes)
  if code then return wrk.format("POST", token_path, form_headers, token_body_prefix .. code) end
  return wrk.format("GET", authorize, { ["Cookie"] = cookie })
end

function response(status, headers, body)
  if status == 302 or status == 303 then
    local code = (headers["location"] or headers["Location"] or ""):match("[?&]code=([^&]+)")
    if code then codes[#codes + 1] = code end
  elseif status == 200 and body:find('"access_token"', 1, true) then
    flows = flows + 1
  end
end

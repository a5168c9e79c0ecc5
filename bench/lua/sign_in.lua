-- A sign-in with the password typed: GET the authorization endpoint without a session (the login form, its
-- sealed `pending` request, its CSRF token and cookie), then POST the form (Argon2id verification of the
-- password); a flow is one 302 to the redirect URI with a code. Pending forms wait in the thread's queue.
--   wrk ... -s sign_in.lua URL -- AUTHORIZE_PATH AUTHENTICATE_PATH USERNAME PASSWORD
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")
local authorize, authenticate, credentials
local forms = {}

function init(args)
  authorize, authenticate = args[1], args[2]
  credentials = "&action=login&username=" .. urlencode(args[3]) .. "&password=" .. urlencode(args[4])
end

function request()
  local form = table.remove(forms)
  if form then
    local headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = form.cookie }
    return wrk.format("POST", authenticate, headers,
      "pending=" .. urlencode(form.pending) .. "&csrf=" .. urlencode(form.csrf) .. credentials)
  end
  return wrk.format("GET", authorize)
end

function response(status, headers, body)
  if status == 200 then
    local pending = body:match('name="pending" value="([^"]*)"')
    local csrf = body:match('name="csrf" value="([^"]*)"')
    local cookie = (headers["set-cookie"] or headers["Set-Cookie"] or ""):match("^([^;]*)")
    if pending and csrf then forms[#forms + 1] = { pending = pending, csrf = csrf, cookie = cookie } end
  elseif status == 302 or status == 303 then
    if (headers["location"] or headers["Location"] or ""):find("[?&]code=") then flows = flows + 1 end
  end
end

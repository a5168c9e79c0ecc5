-- A sign-in with the password typed: GET the authorization endpoint without a session (the login form, its
-- sealed `pending` request, its CSRF token and cookie), then POST the form (Argon2id verification of the
-- password); a flow is one 302 to the redirect URI with a code. Pending forms wait in the thread's queue.
-- The people are USERNAME_PREFIX0 … USERNAME_PREFIX(USERS-1), dealt to the threads and taken in turn: Tessera
-- counts attempts in flight against a person's lockout threshold (5 by default), so the same person signing
-- in 64 times at once would be refused, as it should be; 64 people signing in at once are not.
--   WRK_THREADS=N wrk -tN ... -s sign_in.lua URL -- AUTHORIZE_PATH AUTHENTICATE_PATH USERNAME_PREFIX USERS PASSWORD
dofile(debug.getinfo(1, "S").source:sub(2):match("(.*/)") .. "common.lua")
local authorize, authenticate, prefix, password_field
local forms, people, turn = {}, {}, 0

function init(args)
  authorize, authenticate, prefix = args[1], args[2], args[3]
  password_field = "&action=login&password=" .. urlencode(args[5])
  local nthreads = tonumber(os.getenv("WRK_THREADS") or "1")
  for i = id, tonumber(args[4]) - 1, nthreads do people[#people + 1] = prefix .. i end
end

function request()
  local form = table.remove(forms)
  if form then
    turn = turn + 1
    local headers = { ["Content-Type"] = "application/x-www-form-urlencoded", ["Cookie"] = form.cookie }
    return wrk.format("POST", authenticate, headers,
      "pending=" .. urlencode(form.pending) .. "&csrf=" .. urlencode(form.csrf)
        .. "&username=" .. urlencode(people[turn % #people + 1]) .. password_field)
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

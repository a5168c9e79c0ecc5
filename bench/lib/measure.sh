# Measurement helpers of bench/run.sh (sourced): starting servers, one measured point, and groups of points
# run interleaved (every member of a group once per round, rounds repeated), so that drift of the shared
# machine falls on every member alike. Expects: $work, $rows, $duration, $rounds, $concurrency, $tck.

servers=() # pids of everything started, stopped by cleanup
cleanup() {
  local p
  for p in "${servers[@]}" ${writer:-}; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}

start() { # var log command...: starts a server in the background, its pid in $var
  local var="$1" log="$2"; shift 2
  "$@" >/dev/null 2>>"$log" &
  printf -v "$var" '%s' "$!"
  servers+=("$!")
}

wait_http() { # pid url [curl options...]: the server answers there
  local pid="$1" url="$2"; shift 2
  for _ in $(seq 1 600); do
    kill -0 "$pid" 2>/dev/null || { echo "the server for $url exited; is the port taken? (BENCH_PORT_BASE)" >&2; exit 1; }
    curl -s -o /dev/null "$@" "$url" && return 0
    sleep 0.05
  done
  echo "server at $url did not come up" >&2; exit 1
}

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

lua() { # file method body auth-header [extra header lines...]: a fixed request
  local file="$1" method="$2" body="$3" auth="$4"; shift 4
  {
    echo "wrk.method = \"$method\""
    if [ -n "$body" ]; then
      echo "wrk.body = \"$body\""
      echo 'wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"'
    fi
    if [ -n "$auth" ]; then echo "wrk.headers[\"Authorization\"] = \"$auth\""; fi
    local line
    for line in "$@"; do echo "$line"; done
  } >"$file"
}

# One point: the driver runs for $duration seconds at concurrency c against a server whose CPU ticks are read
# from /proc before and after. A driver line `flows N SECONDS` (the people-path scripts) replaces wrk's
# request count: those rows count completed flows, not HTTP requests.
point() { # group server row c round pid driver url script [args...]
  local group="$1" server="$2" row="$3" c="$4" round="$5" pid="$6" driver="$7" url="$8" script="$9"
  shift 9
  local before after out requests rps p50 p99 errors rss cpu flows threads=$((c < 2 ? c : 2))
  before=$(cpu_ticks "$pid")
  if [ "$driver" = wrk ]; then
    out=$(WRK_THREADS="$threads" wrk -t"$threads" -c"$c" -d"${duration}s" --latency -s "$script" "$url" -- "$@" 2>&1) ||
      echo "wrk failed on $server / $row: $out" >&2
    requests=$(awk '/requests in/ {print $1}' <<<"$out")
    rps=$(awk '/Requests\/sec/ {printf "%.0f", $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out")
    p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    errors=$(awk '/Non-2xx/ {n+=$5} /Socket errors/ {gsub(",","");n+=$4+$6+$8+$10} END {print n+0}' <<<"$out")
    flows=$(awk '$1=="flows" {print $2, $3}' <<<"$out")
    if [ -n "$flows" ]; then
      requests=${flows% *}
      rps=$(awk -v n="$requests" -v s="${flows#* }" 'BEGIN {printf "%.0f", n / s}')
    fi
  else # node bench/mtls_load.mjs (client certificates, which wrk cannot present)
    out=$(node "$script" "$url" "$c" "$duration" "$@") || echo "$script failed on $server / $row" >&2
    IFS=$'\t' read -r rps p50 p99 errors requests <<<"$out"
  fi
  after=$(cpu_ticks "$pid")
  rss=$(awk '/VmHWM/ {printf "%.1f", $2/1024}' "/proc/$pid/status")
  cpu=$(awk -v a="$after" -v b="$before" -v n="$requests" -v t="$tck" 'BEGIN {printf "%.4f", (a-b)*1000/t/(n>0?n:1)}')
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' \
    "$group" "$server" "$row" "$c" "$round" "${rps:-0}" "${p50:--}" "${p99:--}" "${errors:-0}" "$cpu" "$rss" >>"$rows"
}

# A group: `member` lines, then `run_group NAME [CONCURRENCY]` runs, for each concurrency, $rounds rounds of
# every member in turn. A member's hook (a function name, may be empty) runs before its point with the
# concurrency and round as arguments, and `${hook}_after` after it when defined; `group_prepare` (when set)
# runs once per concurrency before the rounds (e.g. signing a batch of single-use JWTs for them).
members=()
group_prepare=""
member() { # server row pid driver url script hook [args...]
  local m="" a
  for a in "$@"; do m+="$a"$'\x1f'; done
  members+=("$m")
}

run_group() { # name [concurrency list]
  local name="$1" cs="${2:-$concurrency}" c r m
  for c in $cs; do
    [ -n "$group_prepare" ] && "$group_prepare" "$c"
    for r in $(seq 1 "$rounds"); do
      for m in "${members[@]}"; do
        local -a f
        IFS=$'\x1f' read -r -a f <<<"${m%$'\x1f'}"
        local server="${f[0]}" row="${f[1]}" pid="${f[2]}" driver="${f[3]}" url="${f[4]}" script="${f[5]}" hook="${f[6]:-}"
        [ -n "$hook" ] && "$hook" "$c" "$r"
        point "$name" "$server" "$row" "$c" "$r" "$pid" "$driver" "$url" "$script" "${f[@]:7}"
        if [ -n "$hook" ] && declare -F "${hook}_after" >/dev/null; then "${hook}_after"; fi
      done
    done
  done
  members=() group_prepare=""
}

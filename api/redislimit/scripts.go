package redislimit

import "github.com/redis/go-redis/v9"

// The state of one endpoint family of one account is a Redis hash, changed only by the two
// scripts below: Redis runs a script atomically, so every process sees and updates one
// consistent state, and no update is lost between a read and a write.
//
// It mirrors the server's fixed windows, as X-RateLimit-Limit, -Remaining and -Reset
// describe them (and as the in-process pacer follows them):
//
//	lim   budget of a fresh window: the configured limit, then X-RateLimit-Limit
//	win   window length, ms: configured, then learnt from successive resets (lrn 1, lr last)
//	kn    1 when the current window (end, bud) comes from the server; 0: probing
//	hl    1 when answers came without rate headers: requests are spaced at the configured rate
//	nx    the earliest spaced request, ms (probing and headerless)
//	ep    the current window's number
//	end   when the current window ends, ms; cf 1 when the server said it, 0 extrapolated
//	bud   requests all processes may make in the current window
//	used  requests counted against it: granted in it, and carried over unanswered at its start
//	pc/pp granted requests not yet released, of the current window and of earlier ones
//	until no request before this, ms: a 429's Retry-After
//
// Times are Redis's clock (TIME) in Unix milliseconds: the processes' clocks need not agree.
// Each script returns Redis's now; from it, a process measures how far Redis's clock is
// ahead of its own (redisClock), and passes a reset on Redis's clock, and as the time from
// its now, which the script places on its clock: it keeps the earlier. (Passed only as the
// time from the process's now, a reset was placed late by the time the call took to reach
// Redis: on a loaded machine, more than the 500ms that tell one window's reset from
// another's; issue 23.)
//
// What the scripts read is checked first: a key that holds another type than a hash (another
// program's value, WRONGTYPE) is deleted; a field that is not a finite number, or out of
// what the scripts themselves can write (a limit past a million, a window's end or a hold
// more than an hour and a window ahead, a budget past the limit, a spacing time further
// ahead than two windows: what a process with a fast clock left before Redis's clock was
// used), resets the whole state to a fresh one (probing, the configured limit), in a new
// epoch.
const stateLoad = `
local key = KEYS[1]
if redis.replicate_commands then pcall(redis.replicate_commands) end -- Redis < 5: TIME, then writes
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local typ = redis.call('TYPE', key)['ok']
local raw = {}
if typ == 'hash' then
  raw = redis.call('HGETALL', key)
elseif typ ~= 'none' then
  redis.call('DEL', key)
end
local s = {}
local sane = true
for i = 1, #raw, 2 do
  local v = tonumber(raw[i + 1])
  if v == nil or v ~= v or v >= 1e15 or v <= -1e15 then
    sane = false
  else
    s[raw[i]] = v
  end
end
local function g(name, default)
  local v = s[name]
  if v == nil then return default end
  return v
end
local clim, cwin, ttl = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4])
local lim, win, lrn, lr = g('lim', clim), g('win', cwin), g('lrn', 0), g('lr', 0)
local kn, hl, nx = g('kn', 0), g('hl', 0), g('nx', 0)
local ep, en, cf, bud, used = g('ep', 0), g('end', 0), g('cf', 0), g('bud', 0), g('used', 0)
local pc, pp, hold = g('pc', 0), g('pp', 0), g('until', 0)
local function flag(v) return v == 0 or v == 1 end
local hour = 3600000
local span = math.max(win, cwin, 1)
if not (sane and lim >= 1 and lim <= 1e6 and win >= 1 and win <= math.max(cwin, hour)
    and flag(lrn) and flag(kn) and flag(hl) and flag(cf)
    and lr >= 0 and lr <= now + hour + span and ep >= 0 and ep < 1e12
    and en >= 0 and en <= now + hour + span and bud >= 0 and bud <= lim
    and used >= 0 and used <= 1e6 and pc >= 0 and pc <= 1e6 and pp >= 0 and pp <= 1e6
    and nx >= 0 and nx <= now + 2 * span + 1000 and hold >= 0 and hold <= now + hour + 1000) then
  -- Not a state the scripts write: start afresh, in a new epoch.
  local e = 0
  if sane and ep >= 0 and ep < 1e12 then e = math.floor(ep) + 1 end
  lim, win, lrn, lr, kn, hl, nx = clim, cwin, 0, 0, 0, 0, 0
  ep, en, cf, bud, used, pc, pp, hold = e, 0, 0, 0, 0, 0, 0, 0
end
local function save()
  redis.call('HSET', key, 'lim', lim, 'win', win, 'lrn', lrn, 'lr', lr, 'kn', kn, 'hl', hl,
    'nx', nx, 'ep', ep, 'end', en, 'cf', cf, 'bud', bud, 'used', used, 'pc', pc, 'pp', pp,
    'until', hold)
  redis.call('PEXPIRE', key, ttl)
end
`

// acquireScript grants one request or says how long to wait.
// ARGV: the caller's now (unused: Redis's TIME is the clock), configured limit, configured
// window (ms), ttl (ms), spacing interval (ms).
// Returns {1, epoch, counted, now} when granted; {0, wait ms, why, now} when not, why 1 for a
// 429's hold, 2 for a spent window, 3 while probing or spacing; now is Redis's TIME (ms).
var acquireScript = redis.NewScript(stateLoad + `
local interval = tonumber(ARGV[5])
if now < hold then return {0, hold - now, 1, now} end
if kn == 1 and now >= en then
  -- The window ended: the next one, extrapolated, when its reset is just past (the
  -- unanswered requests may count in it); else unknown again, and the next request probes.
  ep = ep + 1
  pp = pc
  pc = 0
  cf = 0
  if now - en >= win then
    kn = 0
  else
    en = en + win
    bud = lim
    used = pp
  end
end
if kn == 1 then
  if bud - used > 0 then
    used = used + 1
    pc = pc + 1
    save()
    return {1, ep, 1, now}
  end
  save()
  return {0, en - now, 2, now}
end
-- Probing: one request at a time until an answer tells the window, or the configured pace
-- should the answer be slow; without rate headers, the configured pace only.
if (pc == 0 and hl == 0) or now >= nx then
  pc = pc + 1
  if now > nx then nx = now end
  nx = nx + interval
  save()
  return {1, ep, 0, now}
end
save()
return {0, nx - now, 3, now}
`)

// releaseScript takes what became of a granted request into account.
// ARGV: the caller's now (unused), configured limit, configured window (ms), ttl (ms), the
// permit's epoch, counted (1 when it was granted against a known window), sent, answered,
// has rate headers, X-RateLimit-Limit, -Remaining, -Reset on Redis's clock (Unix ms, by the
// offset the caller measured), limited (1 for a 429), Retry-After (ms, 0 when absent or not
// believed), 1 when a reset was given, -Reset as the time from the caller's now (ms). Each
// reset is the latest the server's may be on Redis's clock: the earlier of the two is the
// nearer. Returns Redis's TIME (ms).
var releaseScript = redis.NewScript(stateLoad + `
local pep, counted, sent, answered = tonumber(ARGV[5]), tonumber(ARGV[6]), tonumber(ARGV[7]), tonumber(ARGV[8])
local hasrate, rlim, rem = tonumber(ARGV[9]), tonumber(ARGV[10]), tonumber(ARGV[11])
local reset = 0
if tonumber(ARGV[15]) == 1 then reset = math.max(math.min(tonumber(ARGV[12]), now + tonumber(ARGV[16])), 1) end
if rlim > 1e6 then rlim = 0 end -- not believed
local limited, ra = tonumber(ARGV[13]), math.min(tonumber(ARGV[14]), hour)
local inused = false
if pep == ep then
  if pc > 0 then pc = pc - 1 end
  inused = kn == 1 and counted == 1
elseif pep < ep then
  if pp > 0 then pp = pp - 1 end
  inused = kn == 1
end
local function uncount()
  if inused and used > 0 then used = used - 1 end
end
if sent == 0 then
  uncount() -- it never left: it spent nothing
elseif answered == 1 and hasrate == 0 then
  if kn == 0 then hl = 1 end
elseif answered == 1 and reset > 0 then
  hl = 0
  local ahead = reset - now
  local believable = math.min(3600000, math.max(4 * win, 4 * cwin, 60000))
  if ahead <= 0 then
    uncount() -- counted in a window that has ended
  elseif ahead <= believable then
    -- The window's length: the smallest step between two resets.
    if lr == 0 then
      lr = reset
    elseif reset - lr >= 500 then
      if lrn == 0 or reset - lr < win then
        win = reset - lr
        lrn = 1
      end
      lr = reset
    end
    if rlim > 0 then lim = rlim end
    local here = true
    if kn == 0 or (reset - en > 500 and cf == 1) then
      -- The first news of the family, or the server is in a later window than the one
      -- thought current: start that window; the unanswered requests may count in it.
      kn = 1
      ep = ep + 1
      en = reset
      cf = 1
      bud = lim
      pp = pp + pc
      pc = 0
      used = pp + 1
    elseif math.abs(reset - en) <= 500 or cf == 0 then
      -- The current window; an extrapolated end is corrected by the server's.
      en = reset
      cf = 1
      if not inused then used = used + 1 end
    else
      uncount() -- an earlier window than the current one
      here = false
    end
    if here then
      -- Fewer remain than the processes' own requests explain: another client spends
      -- the budget too.
      bud = math.min(bud, lim, rem + used)
    end
  end
end
if limited == 1 then
  if ra > 0 then
    if now + ra > hold then hold = now + ra end
  elseif kn == 1 then
    bud = math.min(bud, used) -- no Retry-After: the window is spent
  end
end
save()
return now
`)

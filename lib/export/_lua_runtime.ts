/**
 * The fixed part of the generated Wireshark plugin: a small Lua interpreter for the declaration
 * tables that {@linkcode wiresharkLuaPlugin} emits, and the vioscope pseudo-header dissector.
 *
 * @internal @private
 * @module
 */

/** Lua helpers, defined before the generated tables. */
export const LUA_PRELUDE = `
local band, rshift = bit32.band, bit32.rshift

local function U64(h) return UInt64.fromhex(h) end

local function tonum(v)
  if type(v) == "userdata" then return v:tonumber() end
  if type(v) == "boolean" then return v and 1 or 0 end
  return v
end

-- A decision table made by probing a declaration hook (see docs/wireshark.md).
local function tab_eval(T, vals, ctx)
  local parts = {}
  for i, k in ipairs(T.k) do
    local v = tonum(vals[k])
    local idx
    if v == nil then idx = 0
    elseif type(v) ~= "number" then idx = -1
    else
      local b, n = T.b[i], 0
      local lo, hi = 1, #b
      while lo <= hi do
        local mid = math.floor((lo + hi) / 2)
        if b[mid] <= v then n = mid; lo = mid + 1 else hi = mid - 1 end
      end
      idx = n + 1
    end
    parts[i] = idx
  end
  local key = (T.d and ctx.dialect or "") .. "|" .. (T.r and ctx.rk or "") .. "|" .. table.concat(parts, ",")
  local r = T.t[key]
  if r == nil then r = T.f end
  return r
end
`;

/** The interpreter and the pseudo-header dissector, after the generated tables. */
export const LUA_ENGINE = `
local SIZES = { u8 = 1, u16 = 2, u32 = 4, u64 = 8, i8 = 1, i16 = 2, i32 = 4, i64 = 8 }

local function read_int(tvb, off, t, le)
  local r = tvb:range(off, SIZES[t])
  if t == "u64" then return le and r:le_uint64() or r:uint64() end
  if t == "i64" then return le and r:le_int64() or r:int64() end
  if t:sub(1, 1) == "i" then return le and r:le_int() or r:int() end
  return le and r:le_uint() or r:uint()
end

-- Adds a value under a registered field, converting it to the field's type.
local function add(tree, pf, range, v)
  local ft = FT[pf]
  if ft == "bytes" or v == nil then return tree:add(pf, range) end
  if ft == "u64" then
    if type(v) ~= "userdata" then v = UInt64.new(v) end
  elseif ft == "i64" then
    if type(v) ~= "userdata" then v = Int64.new(v) end
  elseif ft == "bool" then
    v = (v == true or v == 1)
  elseif type(v) == "userdata" then
    v = v:tonumber()
  end
  return tree:add(pf, range, v)
end

local function resolve_len(spec, vals, rest)
  if type(spec) == "number" then return spec end
  if spec == "rest" then return rest end
  local v = tonum(vals[spec.f])
  if type(v) ~= "number" then return nil end
  return v * (spec.s or 1) + (spec.a or 0)
end

local function hexstr(v)
  if type(v) == "userdata" then return "0x" .. v:tohex():gsub("^0+(.)", "%1") end
  if v < 0 then return "-0x" .. string.format("%x", -v) end
  return "0x" .. string.format("%x", v)
end

local function present(fd, vals, ctx)
  if fd.k == "z" then return false end
  if fd.dl and not fd.dl[ctx.dialect] then return false end
  if fd.w and not tab_eval(W[fd.w], vals, ctx) then return false end
  return true
end

local function all_zero(tvb, off, len)
  for i = off, off + len - 1 do
    if tvb:range(i, 1):uint() ~= 0 then return false end
  end
  return true
end

local walk, dissect_message

-- The nesting heuristic (NestedField.nestHeuristic): does the area look like a message of ND?
local function looks_like(ND, tvb, off, len)
  local h = ND.hs and ND.hs[ND.dialect()]
  if not h or len < h.hl then return false end
  local function get(l)
    local v = read_int(tvb, off + l.o, l.t, l.le)
    if l.m then v = rshift(band(v, l.m), l.s or 0) end
    return v
  end
  for _, r in ipairs(h.rz) do
    if band(read_int(tvb, off + r.o, r.t, r.le), r.m) ~= 0 then return false end
  end
  local parts = {}
  for i, l in ipairs(h.sel) do parts[i] = tostring(get(l)) end
  if not ND.bodies[table.concat(parts, "/")] then return false end
  local size = get(h.tl)
  if size < h.hl or size > len then return false end
  return all_zero(tvb, off + size, len - size)
end

-- Whether a nested area with a declarative hint (fd.nh) carries a message of the inner protocol.
local function nest_holds(nh, ND, tvb, off, len, vals)
  if nh.f then
    local v = vals[nh.f]
    if type(v) == "userdata" and nh.any[v:tohex():lower()] and not (nh.nz and all_zero(tvb, off, len)) then
      return true
    end
  end
  if nh.heur then return looks_like(ND, tvb, off, len) end
  return false
end

local function truncated(st, tree, name, off)
  st.truncated = true
  st.issues[#st.issues + 1] = name .. " truncated at offset " .. off
end

walk = function(fields, st, off, stop, vals, tree)
  local tvb, ctx = st.tvb, st.ctx
  for _, fd in ipairs(fields) do
    if present(fd, vals, ctx) then
      local k = fd.k
      if k == "i" then
        local sz = SIZES[fd.t]
        if off + sz > stop then truncated(st, tree, fd.n, off); return stop, true end
        local v = read_int(tvb, off, fd.t, fd.le)
        vals[fd.n] = v
        local range = tvb:range(off, sz)
        local item
        if fd.hz and tonum(v) == 0 then item = nil else item = add(tree, fd.f, range, v) end
        if item and (fd.bits or fd.fl) then
          local sub = item
          for _, b in ipairs(fd.bits or {}) do
            local bv
            if type(v) == "userdata" then
              bv = v:band(b.m):rshift(b.s)
              if not b.big then bv = bv:tonumber() end
            else
              bv = rshift(band(v, b.m), b.s)
            end
            vals[b.key] = bv
            add(sub, b.f, range, bv)
          end
          for _, fl in ipairs(fd.fl or {}) do
            local on
            if type(v) == "userdata" then on = v:band(fl.m):tonumber() ~= 0 else on = band(v, fl.m) ~= 0 end
            vals[fl.key] = on
            add(sub, fl.f, range, on)
          end
        end
        off = off + sz
      elseif k == "n" and fd.nh then
        -- Present only when the hint holds: then dissected as the inner protocol, under this field.
        local len = resolve_len(fd.len, vals, stop - off)
        local ND = DECLS[fd.nh.p]
        if ND and len and len > 0 and off + len <= stop and nest_holds(fd.nh, ND, tvb, off, len, vals) then
          local item = add(tree, fd.f, tvb:range(off, len))
          local info = dissect_message(ND, tvb:range(off, len):tvb(), st.pinfo, item, "unknown", true)
          vals[fd.n] = { nested = true, proto = fd.nh.p, info = info }
          off = off + len
        end
      elseif k == "b" or k == "n" then
        local len = resolve_len(fd.len, vals, stop - off)
        if len == nil or len < 0 then st.issues[#st.issues + 1] = fd.n .. ": bad length"; return off, true end
        if off + len > stop then
          if stop > off then add(tree, fd.f, tvb:range(off, stop - off)) end
          truncated(st, tree, fd.n, off)
          return stop, true
        end
        vals[fd.n] = len > 0 and tvb:range(off, len):bytes() or ByteArray.new()
        if len > 0 and not (fd.hz and all_zero(tvb, off, len)) then add(tree, fd.f, tvb:range(off, len)) end
        off = off + len
      elseif k == "s" then
        if off + fd.len > stop then truncated(st, tree, fd.n, off); return stop, true end
        local s = tvb:range(off, fd.len):stringz()
        vals[fd.n] = s
        add(tree, fd.f, tvb:range(off, fd.len), s)
        off = off + fd.len
      elseif k == "a" then
        local sz = SIZES[fd.t]
        local n = resolve_len(fd.cnt, vals, math.floor((stop - off) / sz))
        if n == nil or n < 0 then st.issues[#st.issues + 1] = fd.n .. ": bad count"; return off, true end
        local have = math.min(n, math.floor((stop - off) / sz))
        local arr = {}
        for i = 0, have - 1 do
          local v = read_int(tvb, off + i * sz, fd.t, fd.le)
          arr[#arr + 1] = v
          add(tree, fd.f, tvb:range(off + i * sz, sz), v)
        end
        vals[fd.n] = arr
        if have < n then truncated(st, tree, fd.n, off + have * sz); return stop, true end
        off = off + n * sz
      elseif k == "g" then
        if fd.cnt == nil then
          local sub = {}
          local item = stop > off and tree:add(fd.f, tvb:range(off, stop - off)) or tree:add(fd.f)
          local noff, stopped = walk(fd.fields, st, off, stop, sub, item)
          if stop > off then item:set_len(noff - off) end
          vals[fd.n] = sub
          off = noff
          if stopped then return off, true end
        else
          local n = resolve_len(fd.cnt, vals, 2147483647)
          if n == nil or n < 0 then st.issues[#st.issues + 1] = fd.n .. ": bad count"; return off, true end
          local items = {}
          local i = 0
          while i < n and off < stop do
            local sub = {}
            local item = tree:add(fd.f, tvb:range(off, stop - off))
            item:append_text(" [" .. i .. "]")
            local noff, stopped = walk(fd.fields, st, off, stop, sub, item)
            item:set_len(noff - off)
            items[#items + 1] = sub
            if noff == off and not stopped then break end
            off = noff
            if stopped then vals[fd.n] = items; return off, true end
            i = i + 1
          end
          vals[fd.n] = items
        end
      else
        -- A custom field: its layout is code, not data. Show the rest as bytes and stop.
        if stop > off then
          local item = tree:add(fd.f, tvb:range(off, stop - off))
          item:append_text(" (" .. fd.n .. ": not translated to Lua)")
        end
        st.untranslated = true
        return stop, true
      end
    end
  end
  return off, false
end

local function summary_value(sm, v)
  if v == nil then return nil end
  if type(v) == "table" and v.nested then return nil end
  if type(v) == "boolean" then return tostring(v) end
  if type(v) == "string" then return v end
  if type(v) == "table" then
    local parts = {}
    for i, x in ipairs(v) do
      if type(x) == "table" then return "{...}" end
      parts[i] = (sm.hex and hexstr(x)) or tostring(tonum(x))
    end
    return "[" .. table.concat(parts, ",") .. "]"
  end
  if sm.ty == "bytes" then
    if v:len() > 16 then return v:len() .. "B" end
    return v:tohex():lower()
  end
  if sm.en then
    local n = sm.en[tonum(v)]
    if n then return n end
  end
  if sm.hex or sm.en or type(v) == "userdata" then return hexstr(v) end
  return tostring(v)
end

local function summarize(D, name, kind, vals, layout, st)
  local s = name
  if kind == "response" then s = s .. " rsp" elseif kind == "event" then s = s .. " evt" end
  for _, sm in ipairs(D.sh or {}) do
    local t = summary_value(sm, vals[sm.key])
    if t then s = s .. " " .. sm.l .. "=" .. t end
  end
  -- Like vioscope: each name once (alternatives share names), only fields present with the final
  -- values, and plain registers (x1, x2, …) only when non-zero.
  local seen = {}
  for _, fd in ipairs(layout or {}) do
    if fd.sm and not seen[fd.n] and vals[fd.n] ~= nil and present(fd, vals, st.ctx) then
      seen[fd.n] = true
      local v = vals[fd.n]
      if type(v) == "table" and v.nested then
        s = s .. " [" .. v.proto .. " " .. v.info .. "]"
      elseif not (fd.n:match("^x%d+$") and tonum(v) == 0) then
        local t = summary_value(fd.sm, v)
        if t then s = s .. " " .. fd.sm.l .. "=" .. t end
      end
    end
  end
  if st.truncated then s = s .. " [Malformed: truncated]" end
  return s
end

local KIND_LAYOUT = {
  request = { "rq", "ev" }, response = { "rs" }, event = { "ev", "rq" }, unknown = { "rq", "ev", "rs" },
}

-- Dissects one message; "nested": inside another message (the Info column is left to the caller).
dissect_message = function(D, tvb, pinfo, tree, rk, nested)
  local dialect = D.dialect()
  local ctx = { dialect = dialect, rk = rk }
  local len = tvb:len()
  local root = tree:add(D.proto, tvb:range(0, len))
  local st = { tvb = tvb, pinfo = pinfo, ctx = ctx, issues = {}, truncated = false }
  local vals = {}
  local stop = len
  local hoff, hstopped = walk(D.header[dialect] or {}, st, 0, stop, vals, root)
  local name, kind, layout = "MALFORMED", rk, nil
  if hstopped and st.untranslated then name = "(not translated)" end
  if not hstopped then
    if D.total then
      local v = tonum(vals[D.total]) or 0
      if v >= hoff and v <= len then stop = v
      elseif v > len then st.truncated = true end
    end
    for _, w in ipairs(D.sets or {}) do vals[w.key] = w.a * len + w.b end
    if D.kind then kind = tab_eval(D.kind, vals, ctx) end
    local key
    local mode = D.key and tab_eval(D.key, vals, ctx) or "="
    if mode == "=" then
      local parts = {}
      for i, k in ipairs(D.sel) do
        local v = vals[k]
        parts[i] = v == nil and "undefined" or tostring(tonum(v))
      end
      key = table.concat(parts, "/")
    elseif mode:sub(1, 2) == "k:" then
      key = mode:sub(3)
    end
    local body = key and (D.bodies[key] or D.names[key]) or nil
    if body then
      for _, lk in ipairs(KIND_LAYOUT[kind] or {}) do
        if body[lk] then layout = body[lk]; break end
      end
    end
    if body and layout then
      name = body.name
      local noff, stopped = walk(layout, st, hoff, stop, vals, root)
      if not stopped and noff < stop then
        add(root, D.trailing, tvb:range(noff, stop - noff))
      end
    else
      if body then name = body.name
      else
        local parts = {}
        for i, k in ipairs(D.sel) do
          local v = vals[k]
          parts[i] = k .. "=" .. (v == nil and "undefined" or hexstr(v))
        end
        name = "UNKNOWN(" .. table.concat(parts, ",") .. ")"
      end
      if stop > hoff then add(root, D.payload, tvb:range(hoff, stop - hoff)) end
    end
    if stop < len then add(root, D.padding, tvb:range(stop, len - stop)) end
  end
  local info = summarize(D, name, kind, vals, layout, st)
  root:append_text(", " .. info)
  if st.truncated then root:add_expert_info(PI_MALFORMED, PI_ERROR, "truncated message") end
  if nested then return info end
  pinfo.cols.protocol:set(D.title)
  pinfo.cols.info:set(info)
  return info
end

-- The vioscope pseudo-header (docs/capture-format.md).
local vs = Proto("vioscope", "vioscope capture pseudo-header")
local PROTO_NAMES = { [0] = "unknown", [255] = "annotation" }
for code, tag in pairs(PROTOCOL_BY_CODE) do PROTO_NAMES[code] = tag end
local KIND_NAMES = { [0] = "unknown", [1] = "request", [2] = "response", [3] = "event" }
local SENDER_NAMES = { [0] = "unknown", [1] = "driver", [2] = "device" }
local CONDUIT_NAMES = { [0] = "none", [1] = "smc", [2] = "hvc" }
local hf = {
  magic = ProtoField.string("vioscope.magic", "Magic"),
  version = ProtoField.uint8("vioscope.version", "Version"),
  header_length = ProtoField.uint8("vioscope.header_length", "Header length"),
  proto = ProtoField.uint8("vioscope.proto", "Protocol", base.DEC, PROTO_NAMES),
  direction = ProtoField.uint8("vioscope.direction", "Direction", base.HEX),
  kind = ProtoField.uint8("vioscope.kind", "Kind", base.DEC, KIND_NAMES, 0x03),
  sender = ProtoField.uint8("vioscope.sender", "Sender", base.DEC, SENDER_NAMES, 0x0c),
  conduit = ProtoField.uint8("vioscope.conduit", "Conduit", base.DEC, CONDUIT_NAMES, 0x30),
  present = ProtoField.uint16("vioscope.present", "Present", base.HEX),
  bus = ProtoField.uint16("vioscope.bus", "Bus"),
  device = ProtoField.uint16("vioscope.device", "Device"),
  src = ProtoField.uint16("vioscope.src", "Source endpoint", base.HEX),
  dst = ProtoField.uint16("vioscope.dst", "Destination endpoint", base.HEX),
  queue = ProtoField.uint16("vioscope.queue", "Queue"),
  correlation_id = ProtoField.uint32("vioscope.correlation_id", "Correlation id"),
  annotation = ProtoField.string("vioscope.annotation", "Annotation"),
}
vs.fields = { hf.magic, hf.version, hf.header_length, hf.proto, hf.direction, hf.kind, hf.sender,
  hf.conduit, hf.present, hf.bus, hf.device, hf.src, hf.dst, hf.queue, hf.correlation_id, hf.annotation }

local CHANNEL = { { "bus", 8, 2 }, { "device", 10, 2 }, { "src", 12, 2 }, { "dst", 14, 2 }, { "queue", 16, 2 },
  { "correlation_id", 20, 4 } }

function vs.dissector(tvb, pinfo, tree)
  local len = tvb:len()
  if len < 24 or tvb:range(0, 2):string() ~= "VS" or tvb:range(2, 1):uint() ~= 1 then
    pinfo.cols.protocol:set("vioscope")
    pinfo.cols.info:set("not a vioscope pseudo-header (" .. len .. " bytes)")
    Dissector.get("data"):call(tvb, pinfo, tree)
    return len
  end
  local hlen = tvb:range(3, 1):uint()
  if hlen < 24 or hlen > len then hlen = 24 end
  local t = tree:add(vs, tvb:range(0, hlen))
  t:add(hf.magic, tvb:range(0, 2))
  t:add(hf.version, tvb:range(2, 1))
  t:add(hf.header_length, tvb:range(3, 1))
  t:add(hf.proto, tvb:range(4, 1))
  local dir = t:add(hf.direction, tvb:range(5, 1))
  dir:add(hf.kind, tvb:range(5, 1))
  dir:add(hf.sender, tvb:range(5, 1))
  dir:add(hf.conduit, tvb:range(5, 1))
  local present = tvb:range(6, 2):le_uint()
  t:add_le(hf.present, tvb:range(6, 2))
  for i, c in ipairs(CHANNEL) do
    if band(present, bit32.lshift(1, i - 1)) ~= 0 then t:add_le(hf[c[1]], tvb:range(c[2], c[3])) end
  end
  local code = tvb:range(4, 1):uint()
  local rk = KIND_NAMES[band(tvb:range(5, 1):uint(), 3)]
  t:append_text(", " .. (PROTO_NAMES[code] or "reserved") .. " " .. rk)
  if hlen >= len then
    pinfo.cols.protocol:set("vioscope")
    pinfo.cols.info:set("empty message")
    return len
  end
  local msg = tvb:range(hlen):tvb()
  if code == 255 then
    pinfo.cols.protocol:set("vioscope")
    local text = msg:range():string()
    tree:add(hf.annotation, msg:range(), text)
    pinfo.cols.info:set("annotation " .. text)
    return len
  end
  local D = DECLS[PROTOCOL_BY_CODE[code] or ""]
  if D then
    dissect_message(D, msg, pinfo, tree, rk)
  else
    pinfo.cols.protocol:set(PROTO_NAMES[code] or "vioscope")
    pinfo.cols.info:set((PROTO_NAMES[code] or "unknown") .. " message, " .. msg:len() .. " bytes")
    Dissector.get("data"):call(msg, pinfo, tree)
  end
  return len
end

local encaps = rawget(_G, "wtap_encaps") or rawget(_G, "wtap")
DissectorTable.get("wtap_encap"):add(encaps.USER0, vs)
`;

-- links.lua: pandoc filter for `make docs`.  A link to another page of
-- the manual (a .md file, relative to the page's own directory, given in
-- FCGP_SRCDIR) becomes a link to its .html in the flat output directory:
-- docs/directives.md and ../README.md#status-page from docs/, or
-- docs/log-tags.md from the top, become directives.html,
-- README.html#status-page, log-tags.html.  Other links are left alone
-- (docs/manual/check_links.py fails on any that do not resolve).
local srcdir = os.getenv("FCGP_SRCDIR") or "."

local function normalize(path)
  local parts = {}
  for part in path:gmatch("[^/]+") do
    if part == ".." then
      if #parts == 0 then return nil end   -- above the tree
      table.remove(parts)
    elseif part ~= "." then
      table.insert(parts, part)
    end
  end
  return table.concat(parts, "/")
end

function Link(el)
  local target = el.target
  if target:match("^%a[%w+.-]*:") or target:match("^#") or target:match("^/") then
    return nil                               -- absolute URL, same page, root
  end
  local path, frag = target:match("^([^#]*)(.*)$")
  if not path:match("%.md$") then return nil end
  local repo = normalize(srcdir .. "/" .. path)
  if repo == nil then return nil end
  el.target = repo:match("([^/]+)%.md$") .. ".html" .. frag
  return el
end

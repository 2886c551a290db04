-- mucstate test bed: one throw-away Prosody instance on loopback.
--
-- Every instance-specific value comes from the environment, so this one file
-- serves any number of parallel instances. src/testbed/prosody.ts sets them:
--
--   TESTBED_DIR              absolute runtime folder (data, pid file, log, certs)
--   TESTBED_C2S_PORT         client-to-server port (plain TCP on 127.0.0.1)
--   TESTBED_COMPONENT_PORT   XEP-0114 component port (127.0.0.1)
--   TESTBED_HTTP_PORT        optional: HTTP port (127.0.0.1) serving the websocket endpoint
--                            and/or the file uploads below
--   TESTBED_WEBSOCKET        "1": serve /xmpp-websocket there (mod_websocket, RFC 7395)
--   TESTBED_UPLOAD           "1": serve XEP-0363 uploads at upload.localhost (mod_http_file_share),
--                            their files under /file_share/ on that port
--   TESTBED_UPLOAD_MAX       largest file upload.localhost takes, in bytes (default 10 MiB)
--   TESTBED_COMPONENTS       comma-separated component domains, e.g. "a.localhost,b.localhost"
--   TESTBED_SECRET           the one component secret shared by those domains
--   TESTBED_NATIVE_MUC       "1": also serve Prosody's own MUC at conference.localhost
--   TESTBED_PRIVILEGED       "1": grant XEP-0356 privileges (mod_privilege) to the components
--   TESTBED_PLUGIN_PATHS     optional, comma-separated extra module folders
--   TESTBED_C2S_STANZA_SIZE_LIMIT  optional: c2s_stanza_size_limit in bytes (what a client
--                            may send; Prosody 0.12's default is 256 KiB)
--
-- Prosody evaluates this file in a sandbox: a plain assignment sets a config
-- option of the current section, `local` variables are just Lua.

local function env(name, default)
	local value = os.getenv(name)
	if value == nil or value == "" then
		if default == nil then
			error("mucstate test bed: environment variable " .. name .. " is not set", 0)
		end
		return default
	end
	return value
end

local function split_commas(list)
	local items = {}
	for item in list:gmatch("[^,]+") do
		local trimmed = item:match("^%s*(.-)%s*$")
		if trimmed ~= "" then
			items[#items + 1] = trimmed
		end
	end
	return items
end

local runtime_dir = env("TESTBED_DIR")
local c2s_port = tonumber(env("TESTBED_C2S_PORT"))
local component_port = tonumber(env("TESTBED_COMPONENT_PORT"))
local component_domains = split_commas(env("TESTBED_COMPONENTS", ""))
local component_secret_value = env("TESTBED_SECRET")
local native_muc = env("TESTBED_NATIVE_MUC", "0") == "1"
local privileged = env("TESTBED_PRIVILEGED", "0") == "1"
local http_port = tonumber(env("TESTBED_HTTP_PORT", "0"))
local websocket = env("TESTBED_WEBSOCKET", "0") == "1"
local upload = env("TESTBED_UPLOAD", "0") == "1"
local c2s_stanza_limit = tonumber(env("TESTBED_C2S_STANZA_SIZE_LIMIT", "0"))

-- Debian's prosody-modules installs into /usr/lib/prosody/modules (mod_x/mod_x.lua).
local module_dirs = split_commas(env("TESTBED_PLUGIN_PATHS", ""))
module_dirs[#module_dirs + 1] = "/usr/lib/prosody/modules"
plugin_paths = module_dirs

---------- Global section ----------

run_as_root = true
data_path = runtime_dir .. "/data"
pidfile = runtime_dir .. "/prosody.pid"
certificates = runtime_dir .. "/certs"
log = {
	{ levels = { min = "info" }, to = "file", filename = runtime_dir .. "/prosody.log" },
}

-- Loopback only: two listening ports, three with the websocket endpoint or file uploads.
interfaces = { "127.0.0.1" }
component_interfaces = { "127.0.0.1" }
c2s_ports = { c2s_port }
component_ports = { component_port }
s2s_ports = {}
http_interfaces = { "127.0.0.1" }
http_ports = http_port > 0 and { http_port } or {}
https_ports = {}
c2s_direct_tls_ports = {}

-- Plain TCP with PLAIN auth is fine on loopback.
c2s_require_encryption = false
allow_unencrypted_plain_auth = true

-- Only when asked: a client may then send stanzas bigger than Prosody's default 256 KiB. The
-- component's limit (component_stanza_size_limit, 512 KiB by default) is left as it is.
if c2s_stanza_limit > 0 then
	c2s_stanza_size_limit = c2s_stanza_limit
end

authentication = "internal_plain"
storage = "internal"
gc = { mode = "generational" }

-- Stanzas are small and latency-bound: without this, Nagle's algorithm and delayed ACKs add
-- about 40 ms whenever several stanzas follow each other (measured on a join).
network_settings = { nagle = false }

-- No "limits": it would throttle c2s traffic.
local global_modules = { "disco", "roster", "saslauth", "ping", "register", "posix" }
if privileged then
	-- pep + bookmarks make privileged pubsub IQs (XEP-0402 bookmarks) meaningful.
	for _, name in ipairs({ "privilege", "pep", "bookmarks" }) do
		global_modules[#global_modules + 1] = name
	end
end
if http_port > 0 then
	-- Requests name the host as 127.0.0.1, which is not a VirtualHost: route them to the one that is.
	http_default_host = "localhost"
end
if websocket then
	global_modules[#global_modules + 1] = "websocket"
	-- Plain ws:// on loopback counts as encrypted, like plain c2s above.
	consider_websocket_secure = true
end
modules_enabled = global_modules
modules_disabled = { "s2s", "offline" }

---------- Hosts ----------

VirtualHost "localhost"

if privileged then
	-- XEP-0356 permissions, keyed by entity; mod_privilege reads them from the user host.
	local entities = {}
	for _, domain in ipairs(component_domains) do
		entities[domain] = {
			roster = "both",
			message = "outgoing",
			-- One namespace only: mod_privilege (2022 build in Debian) nests a second
			-- <namespace/> inside the first in its advertisement message.
			iq = { ["http://jabber.org/protocol/pubsub"] = "both" },
		}
	end
	privileged_entities = entities
end

if native_muc then
	Component "conference.localhost" "muc"
	-- New rooms open at once, without the owner's configuration round trip.
	muc_room_locking = false
end

if upload then
	-- XEP-0363 (Prosody 0.12's own module). Its HTTP app is mounted on "localhost", where the
	-- default host routes requests for 127.0.0.1, and its URLs name 127.0.0.1 (upload.localhost
	-- does not resolve). Components upload for their participants, users for themselves.
	Component "upload.localhost" "http_file_share"
	http_host = "localhost"
	http_external_url = "http://127.0.0.1:" .. http_port .. "/"
	local uploaders = { "localhost" }
	for _, domain in ipairs(component_domains) do
		uploaders[#uploaders + 1] = domain
	end
	http_file_share_access = uploaders
	http_file_share_size_limit = tonumber(env("TESTBED_UPLOAD_MAX", "10485760"))
end

for _, domain in ipairs(component_domains) do
	Component(domain)
	component_secret = component_secret_value
	if privileged then
		modules_enabled = { "privilege" }
	end
end

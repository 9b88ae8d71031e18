-- bench/post_1m.lua: wrk script for the "1 MiB POST" workload.
-- Every request is a POST with a 1 MiB body ("x" * 1048576); wrk adds the
-- Content-Length header itself.
wrk.method = "POST"
wrk.body = string.rep("x", 1048576)
wrk.headers["Content-Type"] = "application/octet-stream"

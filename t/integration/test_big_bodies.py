"""1 GB up and 1 GB down, streamed: httpd's memory stays flat."""
import http.client
import os
import threading
import time

import fcgp
import httpd as H

GB = 1000 * 1000 * 1000
MB = 1024 * 1024


class RssWatch:
    """Peak RSS of the httpd children (not the PM, not the apps)."""

    def __init__(self, h):
        self.h = h
        self.peak = 0
        self.stop = False
        self.t = threading.Thread(target=self.run)

    def children(self):
        main = self.h.pid()
        return [p["pid"] for p in self.h.children()
                if p["ppid"] == main and "apache2" in p["exe"]]

    def run(self):
        while not self.stop:
            for pid in self.children():
                self.peak = max(self.peak, H.rss_kib(pid))
            time.sleep(0.05)

    def __enter__(self):
        self.base = max(H.rss_kib(p) for p in self.children())
        self.t.start()
        return self

    def __exit__(self, *a):
        self.stop = True
        self.t.join()


def server(make_httpd):
    h = fcgp.server(make_httpd, "FcgiProcMaxRequestLen 2G\n",
                    mpm_conf="StartServers 1\nServerLimit 1\n"
                             "ThreadsPerChild 8\nMaxRequestWorkers 8\n"
                             "MinSpareThreads 1\nMaxSpareThreads 8\n")
    h.start()
    assert h.get("/app.fcgi").status == 200
    return h


def test_1gb_download_streams_in_bounded_memory(make_httpd):
    h = server(make_httpd)
    with RssWatch(h) as w:
        conn = http.client.HTTPConnection("127.0.0.1", h.port, timeout=60)
        conn.request("GET", "/app.fcgi?size=%d" % GB)
        resp = conn.getresponse()
        assert resp.status == 200
        got = 0
        while True:
            chunk = resp.read(MB)
            if not chunk:
                break
            got += len(chunk)
        conn.close()
    assert got == GB
    growth = w.peak - w.base
    print("rss base %d kB peak %d kB" % (w.base, w.peak))
    assert w.base > 1000 and w.peak >= w.base
    assert growth < 64 * 1024, "httpd child grew by %d kB" % growth


def test_1gb_upload_streams_in_bounded_memory(make_httpd):
    h = server(make_httpd)
    block = os.urandom(MB)

    def body():
        for _ in range(GB // MB):
            yield block
        yield block[:GB % MB]
    with RssWatch(h) as w:
        r = h.post("/app.fcgi?echo=1", body=body(), timeout=300,
                   headers={"Content-Length": str(GB)})
    assert r.status == 200
    assert r.body.startswith(b"len=%d " % GB), r.body
    growth = w.peak - w.base
    print("rss base %d kB peak %d kB" % (w.base, w.peak))
    assert w.base > 1000 and w.peak >= w.base
    assert growth < 64 * 1024, "httpd child grew by %d kB" % growth

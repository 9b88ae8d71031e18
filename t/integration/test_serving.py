"""The serving path: real httpd, real php-cgi, the libfcgi test app."""
import os
import time

import pytest

import fcgp
import httpd as H


@pytest.fixture(params=["event", "prefork"])
def srv(request, make_httpd):
    # Wrapper arguments: php's 2 MB upload default is too small for 10 MB.
    h = fcgp.server(make_httpd, mpm=request.param, extra="""\
FcgiProcWrapper "/usr/bin/php-cgi -d upload_max_filesize=64M -d post_max_size=64M" .php
""")
    h.write_php("form.php", """<?php
header('Content-Type: text/plain');
echo "method=", $_SERVER['REQUEST_METHOD'], "\\n";
echo "name=", $_POST['name'] ?? '-', "\\n";
echo "len=", strlen(file_get_contents('php://input')), "\\n";
""")
    h.write_php("upload.php", """<?php
header('Content-Type: text/plain');
$f = $_FILES['f'];
echo "size=", $f['size'], " md5=", md5_file($f['tmp_name']), "\\n";
""")
    h.write_php("status.php", """<?php
http_response_code(418);
header('X-Custom: one');
header('Set-Cookie: a=1');
header('Set-Cookie: b=2', false);
echo "teapot\\n";
""")
    h.write_php("redirect.php", """<?php
header('Location: /hello.php');
""")
    h.write_php("away.php", """<?php
header('Location: http://example.invalid/elsewhere');
""")
    h.write_php("env.php", """<?php
header('Content-Type: text/plain');
foreach (['SCRIPT_NAME', 'SCRIPT_FILENAME', 'PATH_INFO', 'QUERY_STRING',
          'REQUEST_METHOD', 'SERVER_PORT', 'HTTP_X_HELLO', 'REQUEST_URI',
          'HTTP_AUTHORIZATION', 'GATEWAY_INTERFACE'] as $k)
    echo $k, "=", $_SERVER[$k] ?? '(unset)', "\\n";
""")
    h.write_php("big.php", """<?php
header('Content-Type: application/octet-stream');
$block = str_repeat('0123456789abcdef', 4096);
for ($i = 0; $i < 256; $i++) echo $block;   // 16 MiB
""")
    h.start()
    return h


def test_php_hello(srv):
    r = srv.get("/hello.php")
    assert r.status == 200
    assert r.body.startswith(b"hello from php ")
    assert r.header("Content-Type").startswith("text/html")


def test_php_post_form(srv):
    r = srv.post("/form.php", body=b"name=alice&x=1",
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r.body
    assert b"method=POST\n" in r.body
    assert b"name=alice\n" in r.body


def test_php_chunked_post_reaches_php(srv):
    # No Content-Length: php-cgi needs CONTENT_LENGTH, which we supply.
    body = [b"name=bob&pad=", b"x" * 100000]
    r = srv.post("/form.php", body=iter(body),
                 headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status == 200, r.body
    assert b"name=bob\n" in r.body


def test_php_upload_10mb_checksum(srv):
    data = os.urandom(10 * 1024 * 1024)
    boundary = "fcgpboundary1234"
    body = (("--%s\r\nContent-Disposition: form-data; name=\"f\"; "
             "filename=\"x.bin\"\r\nContent-Type: application/octet-stream"
             "\r\n\r\n" % boundary).encode() + data
            + ("\r\n--%s--\r\n" % boundary).encode())
    r = srv.post("/upload.php", body=body, timeout=120, headers={
        "Content-Type": "multipart/form-data; boundary=" + boundary})
    assert r.status == 200, r.body[:300]
    assert r.body.strip() == ("size=%d md5=%s" % (len(data), fcgp.md5(data))).encode()


def test_status_and_headers_pass_through(srv):
    r = srv.get("/status.php")
    assert r.status == 418
    assert r.header("X-Custom") == "one"
    cookies = r.headers.get_all("Set-Cookie")
    assert cookies == ["a=1", "b=2"]
    assert r.body == b"teapot\n"


def test_local_location_is_internal_redirect(srv):
    # CGI/1.1: a local path in Location without a Status is served
    # internally (php adds "Status: 302" itself, so use the C app).
    r = srv.get("/app.fcgi?location=/hello.php")
    assert r.status == 200
    assert r.body.startswith(b"hello from php ")


def test_php_location_redirects(srv):
    r = srv.get("/redirect.php")
    assert r.status == 302
    assert r.header("Location") == "/hello.php"


def test_absolute_location_is_302(srv):
    r = srv.get("/away.php")
    assert r.status == 302
    assert r.header("Location") == "http://example.invalid/elsewhere"


def test_cgi_environment(srv):
    r = srv.get("/env.php/extra/path?a=1&b=2", headers={
        "X-Hello": "world", "Authorization": "Basic Zm9vOmJhcg=="})
    assert r.status == 200
    env = dict(l.split("=", 1) for l in r.text.splitlines())
    assert env["SCRIPT_NAME"] == "/env.php"
    assert env["SCRIPT_FILENAME"] == os.path.join(srv.htdocs, "env.php")
    assert env["PATH_INFO"] == "/extra/path"
    assert env["QUERY_STRING"] == "a=1&b=2"
    assert env["REQUEST_METHOD"] == "GET"
    assert env["SERVER_PORT"] == str(srv.port)
    assert env["HTTP_X_HELLO"] == "world"
    assert env["REQUEST_URI"] == "/env.php/extra/path?a=1&b=2"
    assert env["GATEWAY_INTERFACE"] == "CGI/1.1"


def test_big_response_streams(srv):
    r = srv.get("/big.php", timeout=120)
    assert r.status == 200
    assert len(r.body) == 16 * 1024 * 1024
    assert r.body[:16] == b"0123456789abcdef"


def test_app_flush_reaches_client(srv):
    # 3 pieces, 700 ms apart: the first must arrive long before the last.
    r, pieces = srv.stream("/app.fcgi?flush=1&chunks=3&delay=700", timeout=30)
    assert r.status == 200
    assert r.body.count(b"chunk ") == 3
    times = [t for t, _ in pieces]
    assert len(times) >= 2
    assert times[-1] - times[0] > 1.0, times


def test_c_app_basics(srv):
    r = srv.get("/app.fcgi?status=201&header=X-App:yes")
    assert r.status == 201
    assert r.header("X-App") == "yes"
    pid, n = fcgp.app_pid(r.body)
    assert pid > 0 and n >= 1


def test_c_app_echo_large_body(srv):
    data = os.urandom(3 * 1024 * 1024 + 17)
    r = srv.post("/app.fcgi?echo=1", body=data, timeout=60)
    assert r.status == 200
    assert r.body.strip() == ("len=%d fnv=%s" % (len(data), fcgp.fnv1a64(data))).encode()


def test_stderr_goes_to_error_log_with_pid(srv):
    r = srv.get("/app.fcgi?stderr=something-odd-happened")
    assert r.status == 200
    pid, _ = fcgp.app_pid(r.body)
    deadline = time.time() + 5
    while time.time() < deadline:
        lines = fcgp.tagged(srv.error_log(), "FCGP02010")
        if lines:
            break
        time.sleep(0.1)
    assert any("something-odd-happened" in l and ("pid %d" % pid) in l
               and "app.fcgi" in l for l in lines), lines


def test_execcgi_off_is_403_with_reason(make_httpd):
    h = make_httpd(extra_conf="""\
AddHandler fcgiproc-script .fcgi
""")
    h.install_app("app.fcgi")
    h.start()
    assert h.get("/app.fcgi").status == 403
    assert "Options ExecCGI is off" in h.error_log()


def test_app_answering_before_reading_its_stdin(srv):
    # The app writes 1 MB (more than a unix socket holds) without reading
    # any of the 8 MB body: reading the answer while sending avoids the
    # deadlock both sides would be in.  (1 MB, because this test client
    # itself reads nothing until it has sent its whole body.)
    body = b"z" * (8 * 1024 * 1024)
    t0 = time.monotonic()
    r = srv.post("/app.fcgi?size=1048576", body=body, timeout=60)
    assert r.status == 200
    assert len(r.body) == 1048576
    assert time.monotonic() - t0 < 10
    assert fcgp.tagged(srv.error_log(), "FCGP02001") == []
    # and the worker is still good for the next request
    assert srv.get("/app.fcgi").status == 200


def test_slow_upload(srv):
    data = os.urandom(64 * 1024)

    def slowly():
        for i in range(8):
            time.sleep(0.2)
            yield data[i * 8192:(i + 1) * 8192]
    r = srv.post("/app.fcgi?echo=1", body=slowly(), timeout=30,
                 headers={"Content-Length": str(len(data))})
    assert r.status == 200
    assert r.body.strip() == ("len=%d fnv=%s" % (len(data), fcgp.fnv1a64(data))).encode()

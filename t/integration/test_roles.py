"""FcgiProcAuthenticator, FcgiProcAuthorizer, FcgiProcAccessChecker: a
FastCGI app in the AUTHORIZER role decides an access phase, as mod_fcgid
2.3.9's FcgidAuthenticator, FcgidAuthorizer and FcgidAccessChecker do.

The authorizer is t/apps/fcgp-auth-app (see its header): the authenticator
grants alice:pw-alice (any USER:pw-USER), the authorizer grants anyone but
mallory, the access checker grants unless the query has deny=1; a grant
sends Variable-FCGP_<ROLE> with what the app saw.  The content is the test
app (?env=NAME echoes a variable) and a static file.

What a client gets, as with mod_fcgid: a grant serves the resource, and the
app's Variable-NAME headers are NAME in the environment of the handler; any
other answer is 401 (whatever status the app gave) with httpd's 401 page and
the headers the app sent, the challenge of AuthType (mod_auth_basic's
WWW-Authenticate) for the authenticator and the authorizer.  Deliberate
differences: Variable-* headers are not sent to the client, a failing app
gets our failure table's status (502/503/504, mod_fcgid: 500), and with
*Authoritative Off a denial leaves the request as it was (mod_fcgid leaves
the app's status on it: a static file is then served with status 401/403).
"""
import base64
import hashlib
import json
import os
import re
import shutil
import subprocess

import pytest

import fcgp
import httpd as H

AUTH_APP = os.path.join(H.REPO_ROOT, "build", "apps", "fcgp-auth-app")
AUTH_MODULES = ["authn_core", "auth_basic", "authn_file", "authz_user"]
HAVE_FCGID = os.path.exists(os.path.join(H.MODULES_DIR, "mod_fcgid.so"))

# Directory -> its access configuration.  As under mod_fcgid, the
# authenticator runs after mod_auth_basic (loaded first), which passes the
# users it does not know on with AuthBasicAuthoritative Off.  @AUTH@ is the authorizer's path,
# @P@ the directives' prefix (FcgiProc, or Fcgid for mod_fcgid).
DIRS = {
    "authn": """
    AuthType Basic
    AuthName "fcgp"
    <IfModule mod_auth_basic.c>
    AuthBasicAuthoritative Off
    </IfModule>
    Require valid-user
    @P@Authenticator @AUTH@""",
    "authn-off": """
    AuthType Basic
    AuthName "fcgp"
    <IfModule mod_auth_basic.c>
    AuthBasicAuthoritative Off
    </IfModule>
    AuthUserFile @ROOT@/htpasswd
    Require valid-user
    @P@Authenticator @AUTH@
    @P@AuthenticatorAuthoritative Off""",
    "authz": """
    AuthType Basic
    AuthName "fcgp"
    AuthUserFile @ROOT@/htpasswd
    Require valid-user
    @P@Authorizer @AUTH@""",
    "authz-off": """
    AuthType Basic
    AuthName "fcgp"
    AuthUserFile @ROOT@/htpasswd
    Require valid-user
    @P@Authorizer @AUTH@
    @P@AuthorizerAuthoritative Off""",
    "access": """
    @P@AccessChecker @AUTH@""",
    "access/open": """
    @P@AccessCheckerAuthoritative Off""",
    "access-off": """
    @P@AccessChecker @AUTH@
    @P@AccessCheckerAuthoritative Off""",
    "chain": """
    AuthType Basic
    AuthName "fcgp"
    <IfModule mod_auth_basic.c>
    AuthBasicAuthoritative Off
    </IfModule>
    Require valid-user
    @P@AccessChecker @AUTH@
    @P@Authenticator @AUTH@
    @P@Authorizer @AUTH@""",
}

# htpasswd users (mod_authn_file): bob's password is not one the
# authenticator app takes (it wants pw-bob).
USERS = {"alice": "pw-alice", "mallory": "pw-mallory", "bob": "htpw"}


@pytest.fixture(scope="module")
def auth_app():
    src = os.path.join(H.REPO_ROOT, "t", "apps", "fcgp-auth-app.c")
    if (not os.path.exists(AUTH_APP)
            or os.path.getmtime(AUTH_APP) < os.path.getmtime(src)):
        p = subprocess.run(["make", "-C", H.REPO_ROOT, "-f", "t/apps/apps.mk",
                            "apps"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=120)
        if p.returncode != 0:
            pytest.fail("building the test apps failed:\n" + p.stdout)
    return AUTH_APP


def basic(user, password):
    cred = base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
    return {"Authorization": "Basic " + cred}


def dir_conf(prefix, dirs=DIRS, auth="@ROOT@/auth/fcgp-auth-app"):
    out = []
    for d, body in dirs.items():
        out.append('<Directory "@HTDOCS@/%s">%s\n</Directory>'
                   % (d, body.replace("@P@", prefix).replace("@AUTH@", auth)))
    return "\n".join(out) + "\n"


def prepare(h, dirs=DIRS):
    """The authorizer outside the DocumentRoot, the htpasswd file, and
    app.fcgi + static.txt in each directory."""
    d = h.make_dir("auth", owner=None)
    shutil.copyfile(AUTH_APP, os.path.join(d, "fcgp-auth-app"))
    os.chmod(os.path.join(d, "fcgp-auth-app"), 0o755)
    lines = ["%s:{SHA}%s" % (u, base64.b64encode(
        hashlib.sha1(p.encode()).digest()).decode())
        for u, p in USERS.items()]
    h.write_file("htpasswd", "\n".join(lines) + "\n")
    for name in dirs:
        h.install_app(name + "/app.fcgi")
        h.htdocs_file(name + "/static.txt", "static\n")


def ours(make_httpd, extra="", modules=AUTH_MODULES, dirs=DIRS, first=False):
    """Our module loaded after the auth modules (as Debian's alphabetical
    order does), or first: the authenticator's place among them is the
    LoadModule order, as with mod_fcgid."""
    if first:
        h = make_httpd(fcgiproc=False,
                       modules=[("fcgiproc", H.MODULE_PATH)] + list(modules),
                       extra_conf=fcgp.BASE_CONF + dir_conf("FcgiProc", dirs)
                       + extra)
    else:
        h = make_httpd(modules=list(modules),
                       extra_conf=fcgp.BASE_CONF + dir_conf("FcgiProc", dirs)
                       + extra)
    prepare(h, dirs)
    return h.start()


def saw(r, role):
    """What the app told about itself in Variable-FCGP_<role>, as the
    content app echoes it: {'role': '2', 'user': 'alice', ...}."""
    assert r.status == 200, r
    m = re.match(r"FCGP_%s=(.*)\n" % role, r.text)
    assert m, r.text
    return dict(kv.split("=", 1) for kv in m.group(1).split())


def lines(h, tag, since=0):
    return fcgp.tagged(h.error_log(since), tag)


# ------------------------------------------------------------ authenticator

def test_authenticator_grants_and_exports_variables(make_httpd, auth_app):
    h = ours(make_httpd)
    r = h.get("/authn/app.fcgi?env=FCGP_AUTHENTICATOR", basic("alice", "pw-alice"))
    seen = saw(r, "AUTHENTICATOR")
    # The FastCGI AUTHORIZER role (2), the password, no CONTENT_LENGTH.
    assert seen["role"] == "2" and seen["user"] == "alice"
    assert seen["passwd"] == "pw-alice" and seen["cl"] == "-"
    # Variable-* are for the server, not the client (mod_fcgid sends them
    # too); other headers of a grant reach the client, as with mod_fcgid.
    assert not [k for k in r.headers if k.lower().startswith("variable-")]
    assert r.header("X-Fcgp-Auth-Extra") == "AUTHENTICATOR"
    r = h.get("/authn/app.fcgi?env=REMOTE_USER", basic("carol", "pw-carol"))
    assert r.status == 200 and r.text == "REMOTE_USER=carol\n"
    r = h.get("/authn/static.txt", basic("alice", "pw-alice"))
    assert r.status == 200 and r.text == "static\n"
    assert r.header("Content-Type") == "text/plain"
    assert not lines(h, "FCGP02030") and not lines(h, "FCGP02001")


def test_authenticator_denies_with_401_and_the_challenge(make_httpd, auth_app):
    h = ours(make_httpd)
    r = h.get("/authn/app.fcgi", basic("alice", "wrong"))
    assert r.status == 401
    # mod_auth_basic's challenge for AuthName replaces the app's, as with
    # mod_fcgid; the app's other headers go to the client; the page is
    # httpd's, not the app's body.
    assert r.header("WWW-Authenticate") == 'Basic realm="fcgp"'
    assert r.header("X-Fcgp-Denied") == "AUTHENTICATOR"
    assert b"denied by fcgp-auth-app" not in r.body and b"401" in r.body
    (line,) = lines(h, "FCGP02030")
    assert "authenticator" in line and "denied user alice" in line \
        and "status 401" in line
    # Another status from the app is a 401 all the same (mod_fcgid's rule).
    r = h.get("/authn/static.txt?denystatus=403", basic("alice", "wrong"))
    assert r.status == 401 and r.header("WWW-Authenticate")
    # Without credentials: the challenge, and the app is not asked.
    r = h.get("/authn/static.txt")
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="fcgp"'
    assert len(lines(h, "FCGP02030")) == 2
    # An answer with a Location: is not a grant (mod_fcgid's rule).
    r = h.get("/authn/static.txt?location=AUTHENTICATOR",
              basic("alice", "pw-alice"))
    assert r.status == 401
    assert "Location" in lines(h, "FCGP02030")[-1]


def test_the_apps_own_challenge_without_mod_auth_basic(make_httpd, auth_app):
    """Without mod_auth_basic nobody replaces the app's WWW-Authenticate."""
    h = ours(make_httpd, modules=["authn_core", "authz_user"],
             dirs={"authn": DIRS["authn"]})
    r = h.get("/authn/app.fcgi", basic("alice", "wrong"))
    assert r.status == 401
    assert r.header("WWW-Authenticate") == 'Basic realm="fcgp-auth-app"'
    r = h.get("/authn/app.fcgi?env=REMOTE_USER", basic("alice", "pw-alice"))
    assert r.status == 200 and r.text == "REMOTE_USER=alice\n"


def test_an_authenticator_without_authtype_basic(make_httpd, auth_app):
    dirs = {"authn": """
    Require valid-user
    @P@Authenticator @AUTH@"""}
    h = ours(make_httpd, dirs=dirs)
    r = h.get("/authn/static.txt", basic("alice", "pw-alice"))
    assert r.status == 500     # httpd: nobody authenticated the user
    (line,) = lines(h, "FCGP02031")
    assert 'FcgiProcAuthenticator' in line and 'AuthType Basic' in line


# ------------------------------------------------------------ authorizer

def test_authorizer_with_require_valid_user(make_httpd, auth_app):
    h = ours(make_httpd)
    r = h.get("/authz/app.fcgi?env=FCGP_AUTHORIZER", basic("alice", "pw-alice"))
    seen = saw(r, "AUTHORIZER")
    assert seen["user"] == "alice" and seen["passwd"] == "-"
    assert seen["role"] == "2"
    # mallory passes mod_authn_file; the app says 403: the client gets 401.
    r = h.get("/authz/static.txt", basic("mallory", "pw-mallory"))
    assert r.status == 401 and r.header("X-Fcgp-Denied") == "AUTHORIZER"
    assert r.header("WWW-Authenticate") == 'Basic realm="fcgp"'
    (line,) = lines(h, "FCGP02030")
    assert "authorizer" in line and "denied user mallory" in line \
        and "status 403" in line
    # A wrong password never reaches the authorizer.
    r = h.get("/authz/static.txt", basic("alice", "nope"))
    assert r.status == 401 and len(lines(h, "FCGP02030")) == 1


# ------------------------------------------------------------ access checker

def test_access_checker_allows_and_denies(make_httpd, auth_app):
    h = ours(make_httpd)
    seen = saw(h.get("/access/app.fcgi?env=FCGP_ACCESS_CHECKER"),
               "ACCESS_CHECKER")
    assert seen["role"] == "2" and seen["user"] == "-"
    r = h.get("/access/static.txt")
    assert r.status == 200 and r.text == "static\n"
    # Denied: 401 (mod_fcgid's answer to any denial), without a challenge:
    # no AuthType here.
    for path in ("/access/static.txt?deny=1", "/access/app.fcgi?deny=1"):
        r = h.get(path)
        assert r.status == 401, path
        assert r.header("WWW-Authenticate") is None
        assert r.header("X-Fcgp-Denied") == "ACCESS_CHECKER"
        assert b"denied by fcgp-auth-app" not in r.body
    assert len(lines(h, "FCGP02030")) == 2


def test_a_grants_body_is_dropped_and_head_requests(make_httpd, auth_app):
    h = ours(make_httpd)
    pid = h.get("/access/app.fcgi?env=FCGP_AUTH_PID").text
    r = h.get("/access/static.txt?bigbody=ACCESS_CHECKER")
    assert r.status == 200 and r.text == "static\n"
    # Its 1 MB body was read to the end and dropped: the worker serves on.
    assert h.get("/access/app.fcgi?env=FCGP_AUTH_PID").text == pid
    r = h.request("HEAD", "/access/static.txt")
    assert r.status == 200 and r.body == b""
    assert h.request("HEAD", "/access/static.txt?deny=1").status == 401


def test_a_server_wide_access_checker(make_httpd, auth_app):
    """Like mod_fcgid's, the directives are allowed in the server's own
    context too (FileInfo), where they apply to every request."""
    h = make_httpd(extra_conf="FcgiProcAccessChecker "
                   "@ROOT@/auth/fcgp-auth-app\n")
    prepare(h, {})
    h.htdocs_file("static.txt", "static\n")
    h.start()
    assert h.get("/static.txt").status == 200
    assert h.get("/static.txt?deny=1").status == 401
    r = h.raw(b"OPTIONS * HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
    assert r.startswith(b"HTTP/1.1 200"), r
    assert h.get("/static.txt").status == 200


def test_no_request_body_for_the_authorizer(make_httpd, auth_app):
    h = ours(make_httpd)
    body = os.urandom(200000)
    # The app reads its FCGI_STDIN to the end: empty.
    r = h.post("/access/app.fcgi?env=FCGP_ACCESS_CHECKER&readstdin=1",
               body=b"x" * 5000)
    seen = saw(r, "ACCESS_CHECKER")
    assert seen["stdin"] == "0" and seen["cl"] == "-"
    # ... and the content app still gets the whole body.
    r = h.post("/access/app.fcgi?echo=1", body=body)
    assert r.status == 200
    assert r.text == "len=%d fnv=%s\n" % (len(body), fcgp.fnv1a64(body))


def test_all_three_phases_and_their_variables(make_httpd, auth_app):
    h = ours(make_httpd)
    cred = basic("alice", "pw-alice")
    for role in ("ACCESS_CHECKER", "AUTHENTICATOR", "AUTHORIZER"):
        seen = saw(h.get("/chain/app.fcgi?env=FCGP_" + role, cred), role)
        assert seen["role"] == "2"
    assert saw(h.get("/chain/app.fcgi?env=FCGP_AUTHORIZER", cred),
               "AUTHORIZER")["user"] == "alice"
    assert h.get("/chain/static.txt", basic("mallory", "pw-mallory")).status \
        == 401
    assert h.get("/chain/static.txt?deny=1", cred).status == 401


# ------------------------------------------------------------ Authoritative Off

def test_authoritative_off_leaves_it_to_other_modules(make_httpd, auth_app):
    # Loaded before mod_auth_basic: the app is asked first.
    h = ours(make_httpd, first=True)
    # bob: the app denies (it wants pw-bob), mod_authn_file knows him.
    r = h.get("/authn-off/static.txt", basic("bob", "htpw"))
    assert r.status == 200 and r.text == "static\n"
    assert r.header("WWW-Authenticate") is None
    assert r.header("X-Fcgp-Denied") is None
    r = h.get("/authn-off/app.fcgi?env=REMOTE_USER", basic("bob", "htpw"))
    assert r.status == 200 and r.text == "REMOTE_USER=bob\n"
    # Neither knows him: mod_auth_basic's 401.
    assert h.get("/authn-off/static.txt", basic("bob", "bad")).status == 401
    # carol: the app grants, mod_authn_file is not asked.
    assert h.get("/authn-off/static.txt", basic("carol", "pw-carol")).status \
        == 200
    # The authorizer denies mallory: Require valid-user lets her in.
    r = h.get("/authz-off/static.txt", basic("mallory", "pw-mallory"))
    assert r.status == 200 and r.text == "static\n"
    # The access checker denies: Require all granted lets it through.
    r = h.get("/access-off/static.txt?deny=1")
    assert r.status == 200 and r.text == "static\n"
    # An inner section that only turns the flag Off keeps the outer app.
    r = h.get("/access/open/static.txt?deny=1")
    assert r.status == 200 and r.text == "static\n"
    assert h.get("/access/open/app.fcgi?env=FCGP_ACCESS_CHECKER").status \
        == 200
    offs = [l for l in lines(h, "FCGP02030") if "Authoritative Off" in l]
    assert len(offs) == 6, offs


def test_a_failing_app_with_authoritative_off(make_httpd, auth_app):
    h = ours(make_httpd, first=True)
    r = h.get("/authn-off/static.txt?crash=AUTHENTICATOR", basic("bob", "htpw"))
    assert r.status == 200 and r.header("Retry-After") is None
    (line,) = lines(h, "FCGP02001")
    assert "FcgiProcAuthenticatorAuthoritative Off" in line


def test_after_mod_auth_basic_its_users_never_reach_the_app(make_httpd,
                                                           auth_app):
    """Loaded after mod_auth_basic (Debian's order), as mod_fcgid is: a
    user of the AuthUserFile is mod_authn_file's; one it does not know is
    passed on (AuthBasicAuthoritative Off) to the app."""
    h = ours(make_httpd)
    r = h.get("/authn-off/app.fcgi?env=FCGP_AUTHENTICATOR", basic("bob", "htpw"))
    assert r.status == 404          # granted by htpasswd, the app not asked
    assert h.get("/authn-off/static.txt", basic("bob", "bad")).status == 401
    r = h.get("/authn-off/app.fcgi?env=FCGP_AUTHENTICATOR",
              basic("carol", "pw-carol"))
    assert saw(r, "AUTHENTICATOR")["user"] == "carol"


# ------------------------------------------------------------ failures

def test_a_crashing_authorizer_is_a_502_with_one_line(make_httpd, auth_app):
    h = ours(make_httpd)
    mark = h.log_mark()
    r = h.get("/authn/static.txt?crash=AUTHENTICATOR", basic("alice", "pw-alice"))
    assert r.status == 502
    (line,) = lines(h, "FCGP02001", mark)
    assert "Bad Gateway" in line and "authenticator app" in line \
        and "fcgp-auth-app" in line
    # It was tried twice (two workers died), as a body-less GET would be.
    assert len(lines(h, "FCGP02004", mark)) == 1
    # The next request gets a fresh worker.
    assert h.get("/authn/static.txt", basic("alice", "pw-alice")).status == 200


def test_a_missing_authorizer_is_a_503_naming_the_directive(make_httpd,
                                                            auth_app):
    h = ours(make_httpd)
    os.unlink(os.path.join(h.root, "auth", "fcgp-auth-app"))
    mark = h.log_mark()
    r = h.get("/access/static.txt")
    assert r.status == 503 and r.header("Retry-After")
    (line,) = lines(h, "FCGP02001", mark)
    assert "could not be started" in line and "access checker app" in line
    assert "see FcgiProcAccessChecker" in line


def test_directives_are_checked_at_startup(make_httpd, auth_app):
    in_dir = '<Directory "@HTDOCS@">\n %s\n</Directory>'
    cases = [
        (in_dir % "FcgiProcAuthenticator /nonexistent/app",
         "FcgiProcAuthenticator: the command /nonexistent/app does not exist"),
        (in_dir % "FcgidAuthorizer relative/app",
         "FcgidAuthorizer: the command 'relative/app' must be an absolute "
         "path"),
        (in_dir % "FastCgiAccessChecker @ROOT@/conf/httpd.conf",
         "FastCgiAccessChecker: the command %s is not an executable file"),
        (in_dir % "FcgiProcAuthorizerAuthoritative maybe",
         "FcgiProcAuthorizerAuthoritative must be On or Off"),
    ]
    for conf, want in cases:
        h = make_httpd(extra_conf=conf)
        rc, out = h.config_test()
        if "%s" in want:
            want = want % h.conf_file
        assert rc != 0 and want in out, (conf, out)
        assert re.search(r"line \d+ of", out), out


# ------------------------------------------------------------ workers

def test_the_authorizers_workers_are_a_class_counted_and_retired(make_httpd,
                                                                 auth_app):
    h = ours(make_httpd, extra="""
FcgiProcMaxRequestsPerProcess 3
<Location /fcgiproc-status>
    SetHandler fcgiproc-status
</Location>
""")
    pids = []
    for _ in range(7):
        assert h.get("/access/static.txt").status == 200
        r = h.get("/access/app.fcgi?env=FCGP_AUTH_PID")
        assert r.status == 200, r
        pids.append(int(r.text.strip().split("=")[1]))
    # 14 requests through the access checker, 3 per worker at most.
    assert len(set(pids)) >= 3, pids
    st = json.loads(h.get("/fcgiproc-status?json").body)
    classes = [c for c in st["classes"] if "fcgp-auth-app" in c["class"]]
    assert len(classes) == 1, st["classes"]
    workers = [w for w in st["workers"] if "fcgp-auth-app" in w["class"]]
    assert workers and all(w["limit"] == 3 for w in workers)
    assert all(w["requests"] <= 3 for w in workers)
    assert any("fcgp-auth-app" in e.get("class", "")
               and e["reason"] == "retired (request limit)"
               for e in st["recent_exits"]), st["recent_exits"]


def test_an_inner_section_gets_its_own_app(make_httpd, auth_app):
    dirs = {"access": DIRS["access"],
            "access/inner": """
    FcgiProcAccessChecker "@ROOT@/auth/fcgp-auth-app inner" """}
    h = ours(make_httpd, dirs=dirs)
    outer = h.get("/access/app.fcgi?env=FCGP_AUTH_PID").text
    inner = h.get("/access/inner/app.fcgi?env=FCGP_AUTH_PID").text
    assert outer.startswith("FCGP_AUTH_PID=") and inner.startswith(
        "FCGP_AUTH_PID=")
    assert outer != inner     # two classes, two workers


# ------------------------------------------------------------ vs mod_fcgid

COMPARE = [
    # (path, user, password)
    ("/authn/app.fcgi?env=FCGP_AUTHENTICATOR", "alice", "pw-alice"),
    ("/authn/app.fcgi?env=REMOTE_USER", "carol", "pw-carol"),
    ("/authn/static.txt", "alice", "pw-alice"),
    ("/authn/app.fcgi", "alice", "wrong"),
    ("/authn/static.txt?denystatus=403", "alice", "wrong"),
    ("/authn/static.txt", None, None),
    ("/authn/static.txt?location=AUTHENTICATOR", "alice", "pw-alice"),
    ("/authz/app.fcgi?env=FCGP_AUTHORIZER", "alice", "pw-alice"),
    ("/authz/static.txt", "mallory", "pw-mallory"),
    ("/authz/static.txt", "alice", "nope"),
    ("/access/app.fcgi?env=FCGP_ACCESS_CHECKER", None, None),
    ("/access/static.txt?deny=1", None, None),
    ("/chain/app.fcgi?env=FCGP_AUTHORIZER", "alice", "pw-alice"),
    ("/chain/static.txt?deny=1", "alice", "pw-alice"),
]


def _answers(h):
    out = []
    for path, user, pw in COMPARE:
        r = h.get(path, basic(user, pw) if user else None)
        out.append((path, user, r.status,
                    re.sub(rb"pid=\d+", b"pid=N", r.body),
                    r.header("WWW-Authenticate"), r.header("X-Fcgp-Denied"),
                    sorted(k for k in r.headers
                           if k.lower().startswith("variable-"))))
    return out


@pytest.mark.skipif(not HAVE_FCGID, reason="mod_fcgid not installed "
                    "(apt-get install libapache2-mod-fcgid)")
def test_same_answers_as_mod_fcgid(make_httpd, auth_app):
    dirs = {k: v for k, v in DIRS.items() if "off" not in k
            and k != "access/open"}
    # mod_fcgid loaded before mod_auth_basic: its authenticator must run
    # first, as ours always does (after it, mod_auth_basic would answer
    # 500 for want of an AuthUserFile).
    theirs = make_httpd(fcgiproc=False, modules=["fcgid"] + AUTH_MODULES,
                        extra_conf="""
FcgidIPCDir @ROOT@/fcgid
FcgidProcessTableFile @ROOT@/fcgid/shm
AddHandler fcgid-script .fcgi
<Directory "@HTDOCS@">
    Options +ExecCGI
</Directory>
""" + dir_conf("Fcgid", dirs))
    theirs.make_dir("fcgid")
    prepare(theirs, dirs)
    theirs.start()
    want = _answers(theirs)
    theirs.stop()
    h = ours(make_httpd, dirs=dirs)
    got = _answers(h)
    for w, g in zip(want, got):
        # Same status, body, challenge and app headers ...
        assert g[:6] == w[:6], (w, g)
        # ... but mod_fcgid also sends a grant's Variable-* to the client.
        assert g[6] == [] or g[2] != 200, g
    assert any(w[6] for w in want)


def test_mod_fcgid_names_set_the_same_fields(make_httpd, auth_app):
    dirs = {"authn": DIRS["authn"].replace("@P@Authenticator",
                                           "FastCgiAuthenticator"),
            "authz": DIRS["authz"], "access-off": DIRS["access-off"]}
    h = make_httpd(modules=list(AUTH_MODULES),
                   extra_conf=fcgp.BASE_CONF + dir_conf("Fcgid", dirs))
    prepare(h, dirs)
    h.start()
    assert h.get("/authn/static.txt", basic("alice", "pw-alice")).status == 200
    assert h.get("/authn/static.txt", basic("alice", "no")).status == 401
    assert h.get("/authz/static.txt", basic("mallory", "pw-mallory")).status \
        == 401
    assert h.get("/access-off/static.txt?deny=1").status == 200
    assert "FcgidAccessCheckerAuthoritative Off" in \
        lines(h, "FCGP02030")[-1]

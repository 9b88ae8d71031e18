/* directives.h: every directive, written once.
 *
 * FCGP_DIRECTIVES(D) calls D once per directive (in that order) with:
 *   id       the row's index, FCGP_C_<id>
 *   names    (ours, mod_fcgid's, mod_fcgid's deprecated ...): every
 *            name is a directive with this row's meaning
 *   how      TAKE1, TAKE12, TAKE123, ITERATE, FLAG or RAW_ARGS
 *   func     its setter in conf.c (numeric rows share set_numeric)
 *   where    httpd's override mask (RSRC_CONF, ACCESS_CONF, OR_FILEINFO)
 *   global   1: main server only (GLOBAL_ONLY), as in mod_fcgid
 *   kind     how set_numeric reads the value (KIND_NONE for others)
 *   min, max, def   bounds and default of a numeric row (seconds for
 *            KIND_TIME)
 *   syntax   its arguments, as the reference shows them
 *   deftext  its default, as the reference shows it
 *   help     one line (httpd's help text, and the reference's summary)
 *   doc      the reference's description
 *   fcgid    how it compares with mod_fcgid 2.3.9 (for unneeded rows:
 *            why it is not needed, also logged once at startup)
 *
 * conf.c makes the command table (one command_rec per name), the numeric
 * defaults and bounds from it; conf/gen_directives.c writes
 * docs/directives.md from it (`make docs/directives.md`; check-rules
 * fails when that file is stale); t/unit/test_directives.c checks that
 * every directive of mod_fcgid's manual has a row.  Directive names are
 * case-insensitive in httpd, so "FCGIWrapper" also matches "FcgiWrapper". */
#ifndef FCGP_DIRECTIVES_H
#define FCGP_DIRECTIVES_H

#define FCGP_SEC(n) ((apr_int64_t)(n))
#define FCGP_GIB ((apr_int64_t)1024 * 1024 * 1024)

/* The reasons shared by mod_fcgid's tuning knobs we do not need. */
#define FCGP_WHY_SCAN \
    "not needed: the process manager acts on each event (a worker handed " \
    "back, exited or timed out) as it happens, without periodic scans"
#define FCGP_WHY_SCORE \
    "not needed: spawning is paced by each class's waiting requests and " \
    "the rapid-failure back-off, not by a spawn score"

#define FCGP_DIRECTIVES(D) \
D(WRAPPER, ("FcgiProcWrapper", "FcgidWrapper", "FCGIWrapper"), \
  TAKE123, set_wrapper, RSRC_CONF | ACCESS_CONF | OR_FILEINFO, 0, \
  KIND_NONE, 0, 0, 0, "command [.suffix] [virtual]", "none", \
  "the command line that runs files with this suffix " \
  "(e.g. /usr/bin/php-cgi .php)", \
  "The command line (in quotes when it has arguments) that runs files " \
  "with this suffix; without a suffix, every `fcgiproc-script` file " \
  "here. The program must be an absolute path to an executable file. " \
  "php-cgi gets the script as `SCRIPT_FILENAME`. With `virtual`, the " \
  "requested file need not exist (a front controller): the command runs " \
  "for every request mapped to the handler here. A later wrapper for the " \
  "same suffix, or one in an inner section, wins.", \
  "Same syntax and meaning, `virtual` included. The command is checked " \
  "at startup (mod_fcgid only checks that it exists). A suffix matches " \
  "regardless of case (`.PHP` too).") \
D(ALLOW_WRAPPER, ("FcgiProcAllowWrapper"), \
  ITERATE, set_allow_wrapper, RSRC_CONF, 0, KIND_NONE, 0, 0, 0, \
  "command-path ...", "none", \
  "commands that FcgiProcWrapper (FcgidWrapper) may name in .htaccess", \
  "Programs (absolute paths, as the first word of the command line) that " \
  "a `FcgiProcWrapper` or `FcgidWrapper` in an `.htaccess` file " \
  "(`AllowOverride FileInfo`) may run. A wrapper from `.htaccess` that " \
  "names another program gets 500 and one log line naming this " \
  "directive, unless the request runs through suexec as the site's own " \
  "user (`SuexecUserGroup` of its virtual host, or a `~user` request), " \
  "where any command is allowed: it runs as that user, confined by " \
  "suexec. Wrappers in the server's own configuration are not affected. " \
  "A virtual host adds to the main server's list.", \
  "Ours only: mod_fcgid lets any `.htaccess` author run any command as " \
  "the httpd User.") \
D(INITIAL_ENV, ("FcgiProcInitialEnv", "FcgidInitialEnv", "DefaultInitEnv"), \
  TAKE12, set_initial_env, RSRC_CONF, 0, KIND_NONE, 0, 0, 0, \
  "NAME [value]", "none", \
  "an environment variable for the application's processes", \
  "An environment variable for the application's processes. Without a " \
  "value, httpd's own value is passed. Apart from these, the apps get " \
  "only `PATH`. A virtual host adds to the main server's and may " \
  "replace one of them by name.", \
  "Same. `PHP_FCGI_MAX_REQUESTS` here is also the limit we retire " \
  "php-cgi at (one request earlier than php-cgi would exit).") \
D(MAX_PROCS, ("FcgiProcMaxProcesses", "FcgidMaxProcesses", \
    "MaxProcessCount"), \
  TAKE1, set_numeric, RSRC_CONF, 1, KIND_COUNT, \
  1, 100000, 1000, "n", "1000", \
  "most application processes in all (default 1000)", \
  "Most application processes in all. The worker table is made when " \
  "httpd starts, with room for 2 × n + 64 workers (at least 1,024), and " \
  "kept across restarts: a restart that raises n past that logs " \
  "FCGP04011 and the table bounds the processes until httpd is stopped " \
  "and started.", \
  "Same meaning and default.") \
D(MAX_PROCS_CLASS, ("FcgiProcMaxProcessesPerClass", \
   "FcgidMaxProcessesPerClass", \
    "DefaultMaxClassProcessCount"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_COUNT, \
  1, 100000, 100, "n", "100", \
  "most processes per application (default 100)", \
  "Most processes per class (one class per command line, environment " \
  "and virtual host), and so most requests a class serves at once. A " \
  "replacement started ahead of a worker's last request may exist " \
  "beside it (at most max(2, n / 8) of them at a time), but takes " \
  "requests only " \
  "once that worker has finished.", \
  "Same meaning and default.") \
D(MAX_PROCS_USER, ("FcgiProcMaxProcessesPerUser"), \
  TAKE1, set_numeric, RSRC_CONF, 1, KIND_COUNT, \
  1, 100000, 0, "n", \
  "a quarter of FcgiProcMaxProcesses, at least FcgiProcMaxProcessesPerClass", \
  "most processes of one user's applications under suexec (default: a " \
  "quarter of FcgiProcMaxProcesses)", \
  "Most processes of the applications that run as one user through " \
  "suexec (`SuexecUserGroup`, or a `~user` request), all its classes " \
  "together, so that one tenant cannot take the whole " \
  "`FcgiProcMaxProcesses`. The default is a quarter of " \
  "`FcgiProcMaxProcesses`, but never below the main server's " \
  "`FcgiProcMaxProcessesPerClass` nor above `FcgiProcMaxProcesses`. " \
  "Applications that run as the httpd User are not counted. When the " \
  "server-wide limit is reached, a process that comes free goes to the " \
  "waiting class whose user has the fewest processes.", \
  "Ours only (mod_fcgid has no per-user limit).") \
D(MIN_PROCS_CLASS, ("FcgiProcMinProcessesPerClass", \
   "FcgidMinProcessesPerClass", \
    "DefaultMinClassProcessCount"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_COUNT, \
  0, 100000, 1, "n", "1", \
  "processes kept when idle (default 1)", \
  "Processes a class keeps when idle; once a class has started, it is " \
  "topped up to this number.", \
  "mod_fcgid's default is 3; ours is 1. mod_fcgid keeps the processes " \
  "it has, ours also starts missing ones.") \
D(MAX_REQUESTS, ("FcgiProcMaxRequestsPerProcess", \
   "FcgidMaxRequestsPerProcess", \
    "MaxRequestsPerProcess"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_COUNT, \
  -1, 2000000000, 0, "n", "0", \
  "retire a process after this many requests; 0 = only the " \
  "application's own limit (default 0)", \
  "Retire a process after n requests; 0 (or -1): only the " \
  "application's own limit applies (php-cgi: 10,000, see the README). " \
  "Each request is counted as a worker is handed to it, so a worker is " \
  "never given a request past its limit.", \
  "Same meaning and default; mod_fcgid can hand a request to a process " \
  "that is exiting at its own limit (the exit race), we cannot.") \
D(APP_MAX_REQUESTS, ("FcgiProcAppMaxRequests"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_COUNT, \
  0, 2000000000, 0, "n", "0", \
  "the application exits by itself after this many requests; we retire " \
  "it first (default 0 = unknown)", \
  "The application exits by itself after n requests (as php-cgi does " \
  "with `PHP_FCGI_MAX_REQUESTS`); we retire it first.", \
  "Ours only.") \
D(IDLE_TIMEOUT, ("FcgiProcIdleTimeout", "FcgidIdleTimeout", "IdleTimeout"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_TIME, \
  0, FCGP_SEC(86400 * 365), FCGP_SEC(300), "seconds", "300 s", \
  "retire a process idle this long (default 300 s)", \
  "Retire a process idle this long, down to the class minimum.", \
  "Same meaning and default; mod_fcgid looks every " \
  "FcgidIdleScanInterval (120 s), we act on time.") \
D(LIFETIME, ("FcgiProcProcessLifeTime", "FcgidProcessLifeTime", \
    "ProcessLifeTime"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_TIME, \
  0, FCGP_SEC(86400 * 365), FCGP_SEC(3600), "seconds", "3600 s", \
  "retire a process this old once idle (default 3600 s)", \
  "Retire a process this old once it is idle.", \
  "Same meaning and default.") \
D(CONNECT_TIMEOUT, ("FcgiProcConnectTimeout", "FcgidConnectTimeout", \
    "IPCConnectTimeout"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_TIME, \
  1, FCGP_SEC(3600), FCGP_SEC(3), "seconds", "3 s", \
  "connect to a process (default 3 s)", \
  "Most time to connect to a worker's socket.", \
  "Same meaning and default.") \
D(IO_TIMEOUT, ("FcgiProcIOTimeout", "FcgidIOTimeout", "IPCCommTimeout"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_TIME, \
  1, FCGP_SEC(86400), FCGP_SEC(300), "seconds", "300 s", \
  "most time between two reads or writes (default 300 s)", \
  "Most time between two reads or writes on a worker's connection; " \
  "then 504 and the worker is killed.", \
  "mod_fcgid's default is 40 s and it answers 500; ours is 300 s, " \
  "and 504.") \
D(BUSY_TIMEOUT, ("FcgiProcBusyTimeout", "FcgidBusyTimeout", "BusyTimeout"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_TIME, \
  1, FCGP_SEC(86400 * 7), FCGP_SEC(600), "seconds", "600 s", \
  "most time for a whole request (default 600 s)", \
  "Most time for a whole request, counted once its body (when small) " \
  "has been read; then 504 and the worker is killed.", \
  "mod_fcgid's default is 300 s, checked every FcgidBusyScanInterval " \
  "(120 s) and it kills the process without an answer to the client; " \
  "ours is 600 s, exact, with a 504.") \
D(SLOW_REQUEST, ("FcgiProcSlowRequestTimeout"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_TIME, \
  0, FCGP_SEC(86400 * 7), 0, "seconds", "0 (off)", \
  "log one warning for a request that takes the application longer " \
  "than this (default 0 = off)", \
  "A request whose application time (from sending it to the worker to " \
  "the end of the answer) passes this gets one WARNING line (FCGP02070) " \
  "naming the worker's pid, the method, the URI and the time so far; " \
  "it is logged as the time passes while the answer is awaited, else " \
  "when the request ends, and counted per application, kept across " \
  "graceful restarts (`slow_requests` in the status page's `?json`, " \
  "`fcgiproc_slow_requests_total` in its `?metrics`: php-fpm's " \
  "`slow requests`). Nothing else happens to the request; 0: off.", \
  "Ours only.") \
D(QUEUE_TIMEOUT, ("FcgiProcQueueTimeout"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_TIME, \
  0, FCGP_SEC(3600), FCGP_SEC(30), "seconds", "30 s", \
  "wait this long for a free process, then 503 (default 30 s)", \
  "How long a request waits in its application's line for a free " \
  "worker; then 503 with `Retry-After`, naming the limit that kept " \
  "another worker from starting.", \
  "Ours only (mod_fcgid waits up to about a minute, then answers 503 " \
  "without saying why).") \
D(MAX_REQUEST_LEN, ("FcgiProcMaxRequestLen", "FcgidMaxRequestLen", \
    "MaxRequestLen"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_BYTES, \
  0, (apr_int64_t)1 << 62, FCGP_GIB, "bytes", "1G", \
  "largest request body, then 413 (default 1G)", \
  "Largest request body (bytes, or with K/M/G); a bigger " \
  "`Content-Length` gets 413 before the body is read, a chunked body " \
  "when it passes the limit. httpd's `LimitRequestBody` applies as " \
  "well: the smaller one wins, and the 413's log line names it.", \
  "mod_fcgid's default is 131072 (128 KiB) and it answers 500; ours is " \
  "1 GiB, and 413. A value set explicitly limits bodies the same way.") \
D(MAX_REQUEST_IN_MEM, ("FcgiProcMaxRequestInMem", "FcgidMaxRequestInMem", \
    "MaxRequestInMem"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_BYTES, \
  0, FCGP_GIB, 65536, "bytes", "64K", \
  "request bodies up to this size are read into memory before a process " \
  "is taken (default 64K)", \
  "A request body up to this size is read into memory before a worker " \
  "is taken, so a slow client holds none; a larger one is streamed to " \
  "the worker as it arrives, or, when chunked, spooled to " \
  "`FcgiProcSpoolDir` first; 0: never read first.", \
  "Same default. mod_fcgid spools every larger body to disk before it " \
  "starts the request; we stream a body with a `Content-Length`.") \
D(SPOOL_DIR, ("FcgiProcSpoolDir"), \
  TAKE1, set_spool_dir, RSRC_CONF, 0, KIND_NONE, 0, 0, 0, \
  "path", "the temporary directory", \
  "directory for chunked request bodies larger than " \
  "FcgiProcMaxRequestInMem (default: $TMPDIR or /tmp)", \
  "Where chunked request bodies larger than `FcgiProcMaxRequestInMem` " \
  "are spooled (a file of mode 0600, removed when the request ends); " \
  "relative to ServerRoot. httpd does not start when it is not a " \
  "directory the httpd User can write in.", \
  "Ours only (mod_fcgid spools to the temporary directory).") \
D(KILL_TIMEOUT, ("FcgiProcKillTimeout"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_TIME, \
  0, FCGP_SEC(3600), FCGP_SEC(3), "seconds", "3 s", \
  "SIGKILL a retiring process this long after SIGTERM (default 3 s)", \
  "A retiring process that ignores SIGTERM gets SIGKILL after this.", \
  "Ours only.") \
D(IPC_DIR, ("FcgiProcIPCDir", "FcgidIPCDir", "SocketPath", "FastCgiIpcDir"), \
  TAKE1, set_ipc_dir, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "path", "DefaultRuntimeDir/fcgiproc", \
  "directory for the process manager's and the workers' sockets", \
  "Directory (0700, owned by httpd's User) for the process manager's " \
  "and the workers' sockets; at most 80 characters (unix socket paths " \
  "are short); relative to DefaultRuntimeDir. httpd does not start when " \
  "it cannot be created, or when it exists and is not a directory of " \
  "the httpd User's with mode 0700 (FCGP04012).", \
  "Same meaning; mod_fcgid's default is `logs/fcgidsock` under " \
  "ServerRoot. A directory mod_fcgid made can be used as it is. " \
  "mod_fastcgi's `FastCgiIpcDir` (default `DefaultRuntimeDir/fastcgi`) " \
  "also names where an external server's relative `-socket` is; so does " \
  "this one when set, and when it is not, such a socket is still looked " \
  "for in `DefaultRuntimeDir/fastcgi`, mod_fastcgi's default.") \
D(PASS_HEADER, ("FcgiProcPassHeader", "FcgidPassHeader", "PassHeader"), \
  TAKE1, set_pass_header, RSRC_CONF, 0, KIND_NONE, 0, 0, 0, \
  "header", "none", \
  "a request header passed to the application (e.g. Authorization)", \
  "A request header that httpd would not pass (such as `Authorization`) " \
  "is passed to the application, both as `HTTP_NAME` and under its own " \
  "name. `CGIPassAuth On` passes `Authorization` too.", \
  "Same.") \
D(FIX_PATHINFO, ("FcgiProcFixPathinfo", "FcgidFixPathinfo", \
    "PHP_Fix_Pathinfo_Enable"), \
  TAKE1, set_fix_pathinfo, RSRC_CONF, 1, KIND_NONE, \
  0, 0, 0, "0|1", "0", \
  "1 when php.ini has cgi.fix_pathinfo=1", \
  "With a number other than 0, `SCRIPT_NAME` is merged onto " \
  "`DOCUMENT_ROOT` with APR's path merge, exactly as mod_fcgid does. " \
  "On Unix that merge keeps an absolute `SCRIPT_NAME` as it is, so the " \
  "application sees the same variables either way; PHP's " \
  "`cgi.fix_pathinfo=1` works with what httpd sets (`SCRIPT_FILENAME`, " \
  "`PATH_INFO`, `PATH_TRANSLATED`).", \
  "Same, including that on Unix it changes nothing.") \
D(OUTPUT_BUFFER, ("FcgiProcOutputBufferSize", "FcgidOutputBufferSize", \
    "OutputBufferSize"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_BYTES, \
  0, FCGP_GIB, 65536, "bytes", "64K", \
  "0: flush the client's connection after every read from the " \
  "application", \
  "The application's output is passed to the client as it arrives, and " \
  "flushed whenever the application has nothing more ready; with 0, it " \
  "is flushed after every read from the application.", \
  "mod_fcgid buffers up to this much before it sends; we stream, so " \
  "only 0 changes anything.") \
D(METRICS_CLASSES, ("FcgiProcMetricsClasses"), \
  TAKE1, set_numeric, RSRC_CONF, 0, KIND_COUNT, \
  0, 12288, 100, "n", "100", \
  "application classes with series of their own in ?metrics " \
  "(default 100)", \
  "How many application classes the status page's `?metrics` and " \
  "`?json` show with labels of their own (`command`, `vhost`): the " \
  "first n to be used since httpd started. Every later class is summed " \
  "into one row labelled `(other)`, so a server with thousands of " \
  "virtual hosts cannot flood a Prometheus server with series. 0 sums " \
  "them all.", \
  "Ours only.") \
D(CMD_OPTIONS, ("FcgiProcCmdOptions", "FcgidCmdOptions"), \
  RAW_ARGS, set_cmd_options, RSRC_CONF, 0, KIND_NONE, \
  0, 0, 0, "command option value [option value] ...", "none", \
  "settings for one command (ConnectTimeout, IdleTimeout, InitialEnv, " \
  "IOTimeout, MaxProcesses, MaxProcessLifetime, MaxRequestsPerProcess, " \
  "MinProcesses, BusyTimeout, AppMaxRequests)", \
  "Settings for the processes of one command (the program's path, as " \
  "in the wrapper or the requested file): `ConnectTimeout s`, " \
  "`IdleTimeout s`, `InitialEnv NAME[=value]` (repeatable), " \
  "`IOTimeout s`, `MaxProcesses n`, `MaxProcessLifetime s`, " \
  "`MaxRequestsPerProcess n`, `MinProcesses n`, and ours: " \
  "`BusyTimeout s`, `AppMaxRequests n`. What it does not set comes from " \
  "the server's (or virtual host's) directives.", \
  "In mod_fcgid, an option left out falls back to mod_fcgid's " \
  "compile-time default, not to the server's setting (so " \
  "`FcgidCmdOptions /x IOTimeout 60` also sets the request limit to 0 " \
  "and drops FcgidInitialEnv): we take the server's; when that gives " \
  "another value than mod_fcgid would have used, a NOTICE at startup " \
  "(FCGP01012) names the command, the option and the value we use.") \
D(AUTHENTICATOR, ("FcgiProcAuthenticator", "FcgidAuthenticator", \
   "FastCgiAuthenticator"), \
  TAKE12, fcgp_roles_set_app, ACCESS_CONF | OR_FILEINFO, 0, KIND_NONE, \
  0, 0, 0, "command [-compat]", "none", \
  "a FastCGI app that checks Basic credentials (AUTHORIZER role)", \
  "A FastCGI application run in the AUTHORIZER role with " \
  "`FCGI_APACHE_ROLE=AUTHENTICATOR`, the request's CGI variables and " \
  "`REMOTE_PASSWD`, for requests with Basic credentials (`AuthType " \
  "Basic`). A 200 answer authenticates the user; its `Variable-NAME` " \
  "headers become `NAME` in the request's environment. Anything else " \
  "is a 401 with the challenge. Its workers are a class like any other. " \
  "A command that is a FcgiProcServer's or FcgiProcExternalServer's " \
  "path is that application (as with mod_fastcgi); under mod_fastcgi's " \
  "name (`FastCgiAuthenticator`) a relative path is relative to " \
  "ServerRoot, and `-compat` is accepted (only `Variable-*` headers are " \
  "ever exported).", \
  "Differs in two details: `Variable-*` headers are not sent to the " \
  "client (they are for the server), and an app that crashes, cannot " \
  "start or times out gives 502/503/504 and one FCGP02001 line instead " \
  "of 500. As with mod_fcgid, it runs among the authentication modules " \
  "in LoadModule order: with mod_auth_basic loaded first, set " \
  "`AuthBasicAuthoritative Off` so that it passes on the users it does " \
  "not know.") \
D(AUTHENTICATOR_AUTH, ("FcgiProcAuthenticatorAuthoritative", \
   "FcgidAuthenticatorAuthoritative", \
   "FastCgiAuthenticatorAuthoritative"), \
  FLAG, fcgp_roles_set_authoritative, ACCESS_CONF | OR_FILEINFO, 0, \
  KIND_NONE, 0, 0, 0, "On|Off", "On", \
  "Off: when the authenticator denies or fails, other modules decide", \
  "With Off, a denial or a failure of the authenticator passes the " \
  "request on to other authentication modules.", \
  "Differs: the request is put back as it was before the app ran " \
  "(mod_fcgid leaves the app's status on it, so a page could be served " \
  "with a 401 or 403 status).") \
D(AUTHORIZER, ("FcgiProcAuthorizer", "FcgidAuthorizer", \
   "FastCgiAuthorizer"), \
  TAKE12, fcgp_roles_set_app, ACCESS_CONF | OR_FILEINFO, 0, KIND_NONE, \
  0, 0, 0, "command [-compat]", "none", \
  "a FastCGI app that decides whether the user may have the resource", \
  "A FastCGI application run in the AUTHORIZER role with " \
  "`FCGI_APACHE_ROLE=AUTHORIZER` after authentication (`Require " \
  "valid-user`); 200 grants (its `Variable-*` headers are exported), " \
  "anything else is a 401.", \
  "Differs as FcgiProcAuthenticator does (`Variable-*`, failure " \
  "statuses).") \
D(AUTHORIZER_AUTH, ("FcgiProcAuthorizerAuthoritative", \
   "FcgidAuthorizerAuthoritative", "FastCgiAuthorizerAuthoritative"), \
  FLAG, fcgp_roles_set_authoritative, ACCESS_CONF | OR_FILEINFO, 0, \
  KIND_NONE, 0, 0, 0, "On|Off", "On", \
  "Off: when the authorizer denies or fails, other modules decide", \
  "With Off, a denial or a failure of the authorizer passes the request " \
  "on to other authorization modules.", \
  "Differs: the request is put back as it was before the app ran.") \
D(ACCESS_CHECKER, ("FcgiProcAccessChecker", "FcgidAccessChecker", \
   "FastCgiAccessChecker"), \
  TAKE12, fcgp_roles_set_app, ACCESS_CONF | OR_FILEINFO, 0, KIND_NONE, \
  0, 0, 0, "command [-compat]", "none", \
  "a FastCGI app that decides access before authentication", \
  "A FastCGI application run in the AUTHORIZER role with " \
  "`FCGI_APACHE_ROLE=ACCESS_CHECKER`, before authentication; 200 " \
  "allows (its `Variable-*` headers are exported), anything else is a " \
  "401, as in mod_fcgid.", \
  "Differs as FcgiProcAuthenticator does (`Variable-*`, failure " \
  "statuses).") \
D(ACCESS_CHECKER_AUTH, ("FcgiProcAccessCheckerAuthoritative", \
   "FcgidAccessCheckerAuthoritative", \
   "FastCgiAccessCheckerAuthoritative"), \
  FLAG, fcgp_roles_set_authoritative, ACCESS_CONF | OR_FILEINFO, 0, \
  KIND_NONE, 0, 0, 0, "On|Off", "On", \
  "Off: when the access checker denies or fails, other modules decide", \
  "With Off, a denial or a failure of the access checker passes the " \
  "request on to other access modules.", \
  "Differs: the request is put back as it was before the app ran.") \
D(SERVER, ("FcgiProcServer", "FastCgiServer", "AppClass"), \
  RAW_ARGS, fcgp_servers_set_static, RSRC_CONF, 0, KIND_NONE, 0, 0, 0, \
  "/path/to/app [-processes n] [-initial-env NAME[=value]] " \
  "[-idle-timeout s] [-appConnTimeout s] [-pass-header header] [-flush] " \
  "[-priority n] [...]", "none", \
  "a static FastCGI application: n processes started with httpd and " \
  "kept running", \
  "A static application, as mod_fastcgi has them: its processes " \
  "(`-processes n`, default 1) are started with httpd and kept at n: one " \
  "that exits or crashes is replaced (with the same counting, hand-over " \
  "of a queued request and diagnostics as any application), none is " \
  "retired for idleness or age, and a graceful restart keeps n running. " \
  "Requests whose file (`r->filename`) is the path, from any virtual " \
  "host, go to it, whatever their handler and without `Options " \
  "ExecCGI`. The path is relative to ServerRoot and must be an " \
  "executable file. Options: `-initial-env NAME[=value]` (repeatable; " \
  "over `FcgiProcInitialEnv`), `-idle-timeout s` (`FcgiProcIOTimeout`), " \
  "`-appConnTimeout s` (`FcgiProcConnectTimeout`; 0: the default), " \
  "`-pass-header header` (repeatable), `-flush` (send the output as it " \
  "comes), `-priority n` (nice value 0 to 19 of its processes). " \
  "`-listen-queue-depth`, `-restart-delay`, `-init-start-delay` and " \
  "`-min-server-life` are accepted and not needed (FCGP01050 says why); " \
  "`-port`, `-socket` (each process listens on its own socket, for " \
  "httpd only), `-nph`, `-user` and `-group` (suexec) are accepted and " \
  "ignored (FCGP01051). Everything else comes from the server's " \
  "settings (`FcgiProcMaxRequestsPerProcess`, `FcgiProcBusyTimeout`, " \
  "...).", \
  "mod_fcgid has no static applications. mod_fastcgi's `FastCgiServer`: " \
  "the same syntax and meaning; its `-idle-timeout` default is 30 s, ours " \
  "`FcgiProcIOTimeout` (300 s); its processes listen on one shared " \
  "socket, ours each on its own, so `-port`/`-socket` cannot expose " \
  "them; a broken application is paused by the rapid-failure back-off " \
  "instead of `-restart-delay`") \
D(EXTERNAL_SERVER, ("FcgiProcExternalServer", "FastCgiExternalServer", \
   "ExternalAppClass"), \
  RAW_ARGS, fcgp_servers_set_external, RSRC_CONF, 0, KIND_NONE, 0, 0, 0, \
  "/virtual/path -host host:port[,host:port...] | -socket path[,path...] " \
  "[-idle-timeout s] [-appConnTimeout s] [-pass-header header] [-flush]", \
  "none", \
  "an application someone else runs (php-fpm, spawn-fcgi, uwsgi ...), " \
  "reached over TCP or a unix socket", \
  "An external application: one that another program starts and " \
  "manages (php-fpm, spawn-fcgi, uwsgi, an app on another host); we only " \
  "connect to it. Requests whose file (`r->filename`) is the path go to " \
  "it, from any virtual host; the file need not exist (map a URL to it " \
  "with `Alias`). `-host` takes `host:port` (a name, resolved when httpd " \
  "starts, an IPv4 address, or an IPv6 address in brackets: " \
  "`[::1]:9000`), `-socket` a unix socket's path (a relative one is in " \
  "`FcgiProcIPCDir` when set, else in `DefaultRuntimeDir/fastcgi`, as " \
  "with mod_fastcgi); either may list several, separated by commas, or " \
  "be repeated. Requests start at the next backend in turn; a backend " \
  "that refuses a connection is skipped for 5 s (one FCGP02090 line) " \
  "and the request goes to the next one; a GET, HEAD or OPTIONS without " \
  "a body whose backend failed before sending any byte of its answer " \
  "is tried once more on the next backend. A failure is a 502, 503 or " \
  "504 with one FCGP02001 line naming the backend. `-idle-timeout s` " \
  "(`FcgiProcIOTimeout`), `-appConnTimeout s` (`FcgiProcConnectTimeout`), " \
  "`-pass-header header`, `-flush` as for FcgiProcServer; `-nph`, " \
  "`-user` and `-group` are accepted and ignored.", \
  "mod_fcgid cannot use external applications. mod_fastcgi's " \
  "`FastCgiExternalServer`: the same syntax and meaning, with one " \
  "backend; several, IPv6 and the skipping of a backend that refuses " \
  "connections are ours. Its `-idle-timeout` default is 30 s, ours " \
  "`FcgiProcIOTimeout` (300 s), and it answers 500 where we answer " \
  "502, 503 or 504") \
D(FASTCGI_CONFIG, ("FastCgiConfig", "FCGIConfig"), \
  RAW_ARGS, fcgp_servers_set_config, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "option [option ...]", "none", \
  "mod_fastcgi's settings for dynamic applications, mapped to ours", \
  "mod_fastcgi's settings for dynamic applications, each mapped to our " \
  "directive (one INFO line at startup, FCGP01050, says which): " \
  "`-maxProcesses n` is `FcgiProcMaxProcesses`, `-maxClassProcesses n` " \
  "`FcgiProcMaxProcessesPerClass`, `-idle-timeout s` `FcgiProcIOTimeout`, " \
  "`-appConnTimeout s` `FcgiProcConnectTimeout` (0, a blocking connect: " \
  "its default), `-initial-env NAME[=value]` `FcgiProcInitialEnv`, " \
  "`-pass-header header` `FcgiProcPassHeader`, `-flush` " \
  "`FcgiProcOutputBufferSize 0`. Not needed, accepted with their values " \
  "checked, one INFO line each saying why: `-minProcesses` (a floor over " \
  "all applications; ours is per application, " \
  "`FcgiProcMinProcessesPerClass`), `-killInterval`, `-updateInterval`, " \
  "`-gainValue`, `-singleThreshold`, `-multiThreshold`, `-processSlack` " \
  "(no load statistics: processes start for waiting requests and go " \
  "after `FcgiProcIdleTimeout`), `-startDelay`, `-init-start-delay`, " \
  "`-listen-queue-depth`, `-restart-delay`, `-min-server-life` and " \
  "`-restart` (the rapid-failure back-off pauses an application that " \
  "keeps dying). `-autoUpdate` is accepted: a program replaced on disk " \
  "gets new processes (FCGP03035) for every application, always " \
  "(one INFO line, FCGP01053). `-priority` is ignored for dynamic " \
  "applications (FCGP01051).", \
  "mod_fcgid has no such directive. mod_fastcgi: the same options; they " \
  "set our server-wide directives, so they also apply to FcgiProcServer " \
  "and FcgiProcExternalServer applications that do not set their own " \
  "(mod_fastcgi's apply to dynamic applications only)") \
D(FASTCGI_WRAPPER, ("FastCgiWrapper", "FastCgiSuexec"), \
  TAKE1, fcgp_servers_set_wrapper, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "On|Off|path", "Off", \
  "mod_fastcgi's suexec wrapper: httpd's suexec, used as without it", \
  "mod_fastcgi's wrapper (suexec) for dynamic applications. Accepted so " \
  "that a mod_fastcgi configuration loads: when httpd's suexec is " \
  "enabled (httpd started as root), the applications of a virtual host " \
  "with `SuexecUserGroup` (and of ~user URLs) run through it, with this " \
  "directive or without it; the others, and FcgiProcServer " \
  "applications, run as the httpd User. A value other than `Off` logs " \
  "one line at startup (FCGP01052): INFO with suexec enabled, else a " \
  "WARNING that every application runs as the httpd User. A path is not " \
  "used as the wrapper: httpd's suexec is.", \
  "mod_fcgid has no such directive (it uses httpd's suexec the same " \
  "way). mod_fastcgi's `FastCgiWrapper`: the same syntax; its wrapper " \
  "also runs static applications (`-user`/`-group`), ours does not, and " \
  "another wrapper program than httpd's suexec is not used") \
D(BUSY_SCAN, ("FcgidBusyScanInterval", "BusyScanInterval"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "seconds", "(120)", "accepted; not needed", "Accepted, not needed.", \
  FCGP_WHY_SCAN) \
D(ERROR_SCAN, ("FcgidErrorScanInterval", "ErrorScanInterval"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "seconds", "(3)", "accepted; not needed", "Accepted, not needed.", \
  FCGP_WHY_SCAN) \
D(IDLE_SCAN, ("FcgidIdleScanInterval", "IdleScanInterval"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "seconds", "(120)", "accepted; not needed", "Accepted, not needed.", \
  FCGP_WHY_SCAN) \
D(ZOMBIE_SCAN, ("FcgidZombieScanInterval", "ZombieScanInterval"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "seconds", "(3)", "accepted; not needed", "Accepted, not needed.", \
  FCGP_WHY_SCAN) \
D(SPAWN_SCORE, ("FcgidSpawnScore", "SpawnScore"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "n", "(1)", "accepted; not needed", "Accepted, not needed.", \
  FCGP_WHY_SCORE) \
D(SPAWN_SCORE_UP, ("FcgidSpawnScoreUpLimit", "SpawnScoreUpLimit"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "n", "(10)", "accepted; not needed", "Accepted, not needed.", \
  FCGP_WHY_SCORE) \
D(TERM_SCORE, ("FcgidTerminationScore", "TerminationScore"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "n", "(2)", "accepted; not needed", "Accepted, not needed.", \
  FCGP_WHY_SCORE) \
D(TIME_SCORE, ("FcgidTimeScore", "TimeScore"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "n", "(1)", "accepted; not needed", "Accepted, not needed.", \
  FCGP_WHY_SCORE) \
D(TABLE_FILE, ("FcgidProcessTableFile", "SharememPath"), \
  TAKE1, set_unneeded, RSRC_CONF, 1, KIND_NONE, 0, 0, 0, \
  "path", "(logs/fcgid_shm)", "accepted; not needed", \
  "Accepted, not needed.", \
  "not needed: the worker table is anonymous shared memory, made when " \
  "httpd starts; no file")

#endif

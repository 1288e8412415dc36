"""gunicorn settings for studyhub's web process (deploy/studyhub-web.service).

Install as /etc/studyhub/gunicorn.conf.py; the unit runs
``gunicorn --config /etc/studyhub/gunicorn.conf.py 'studyhub:create_app()'``.
"""

import multiprocessing
import os

# nginx on the same machine is the only client; with several machines bind the
# machine's private address instead and list it in nginx's upstream.
bind = os.environ.get("STUDYHUB_WEB_BIND", "127.0.0.1:8000")

# Threaded (gthread) workers: measured best under the exam-day mix (bench/examday.py:
# 2,000 takers' answer saves and page loads, open loop), where sync workers collapsed —
# a request waiting on the database holds a thread, not the whole process. One worker
# per core, four threads each; every worker keeps one database connection per thread
# (STUDYHUB_DB_POOL_SIZE below), so workers x threads x machines must stay below
# PostgreSQL's max_connections.
workers = int(os.environ.get("STUDYHUB_WEB_WORKERS", multiprocessing.cpu_count()))
threads = int(os.environ.get("STUDYHUB_WEB_THREADS", 4))
worker_class = "gthread"
# Tells the app how many workers there are (it warns at start when login attempts would be
# counted in memory by each of several workers: set STUDYHUB_RATELIMIT_STORAGE_URI), and
# sizes each worker's connection pool to its threads.
raw_env = [f"WEB_CONCURRENCY={workers}", f"STUDYHUB_DB_POOL_SIZE={threads}"]

# A large export streams for up to this long; nginx's proxy_read_timeout matches.
timeout = 120
graceful_timeout = 30
keepalive = 5

# Restart each worker now and then, so a slow leak never grows without bound.
max_requests = 2000
max_requests_jitter = 200

# Not preloaded: every worker builds its own app and database engine after the fork.
preload_app = False

# Only nginx (on this machine) may set X-Forwarded-*; the app applies them itself
# when STUDYHUB_PROXY_FIX=1.
forwarded_allow_ips = "127.0.0.1"

# gunicorn 24 and later open a control socket under $HOME, which the unit's
# ProtectHome= hides; nothing here uses it.
control_socket_disable = True

# To the journal (stderr). The access line ends with the request id that nginx sent
# and the app returned in X-Request-ID. With STUDYHUB_LOG_FORMAT=json the app writes
# its own JSON line per request (with the same id), so gunicorn's is left out.
accesslog = None if os.environ.get("STUDYHUB_LOG_FORMAT") == "json" else "-"
errorlog = "-"
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms id=%({x-request-id}o)s'

"""Docker HEALTHCHECK: exit 0 when the service on $SHENGQING_PORT answers /readyz with 200."""

import os
import sys
import urllib.request

host = os.environ.get("SHENGQING_HOST", "127.0.0.1")
host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
url = f"http://{host}:{os.environ.get('SHENGQING_PORT', '8000')}/readyz"
try:
    with urllib.request.urlopen(url, timeout=3) as response:
        sys.exit(0 if response.status == 200 else 1)
except OSError:
    sys.exit(1)

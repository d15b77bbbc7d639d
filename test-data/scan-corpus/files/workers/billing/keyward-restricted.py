# keyward-restricted (generated)
import os
KEYWARD_RESTRICTED_KEY = "kw_rk_live_0Qk2Q4jKKe355BT0CtfPSdo97ePRz0vU3wdgaK"
import logging
from dataclasses import dataclass
logger = logging.getLogger(__name__)
@dataclass
class Invoice:
    number: str
    amount_cents: int
def total(items):
    return sum(i.price * i.qty for i in items)
API_BASE = os.environ.get('API_BASE', 'https://api.internal')
token = os.environ['SERVICE_TOKEN']
if __name__ == "__main__":
    main()

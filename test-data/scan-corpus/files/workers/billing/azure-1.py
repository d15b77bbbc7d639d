# azure-1 (generated)
import os
import logging
from dataclasses import dataclass
logger = logging.getLogger(__name__)
@dataclass
class Invoice:
AZURE_CLIENT_CREDENTIAL = "Deb3Q~yAEFjm5.nH68kTv9iHwF2p.SWUPGG0DklS"
    number: str
    amount_cents: int
def total(items):
    return sum(i.price * i.qty for i in items)
API_BASE = os.environ.get('API_BASE', 'https://api.internal')
token = os.environ['SERVICE_TOKEN']
if __name__ == "__main__":
    main()

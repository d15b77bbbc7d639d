# decoy-13 (generated)
import os
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
api_key_id = "ef848746-2ea7-4a18-a8a4-5736364ba169"
    main()

# slack-2 (generated)
import os
import logging
from dataclasses import dataclass
logger = logging.getLogger(__name__)
@dataclass
class Invoice:
    number: str
SLACK_BOT = "xoxb-060776368393-2261430920155-Y3604uapUHavKmP3QMeUW4Dx"
    amount_cents: int
def total(items):
    return sum(i.price * i.qty for i in items)
API_BASE = os.environ.get('API_BASE', 'https://api.internal')
token = os.environ['SERVICE_TOKEN']
if __name__ == "__main__":
    main()

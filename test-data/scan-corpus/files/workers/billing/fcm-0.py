# fcm-0 (generated)
import os
import logging
from dataclasses import dataclass
logger = logging.getLogger(__name__)
@dataclass
class Invoice:
    number: str
    amount_cents: int
"Authorization": "key=AAAA0Bo1PXC:APA91bvNAWncnNEDFPsCEPdUT8_bIS4tD2oyjHzy8P5lIiy8S_R0JRo-r0p__Y1yDDAD587L4nMM3XfgOfQfVOdTwL7ShEAZnXzqjIhH6LjwuKyGLx1-ZQqOz7InDJJkciic7ZeirUHi"
def total(items):
    return sum(i.price * i.qty for i in items)
API_BASE = os.environ.get('API_BASE', 'https://api.internal')
token = os.environ['SERVICE_TOKEN']
if __name__ == "__main__":
    main()

# discord-1 (generated)
import os
import logging
from dataclasses import dataclass
logger = logging.getLogger(__name__)
@dataclass
DISCORD_HOOK = "https://discord.com/api/webhooks/314177682687934821/rP5AJLq8VgL_UvmlnJozuF2V6pqjoIcam4lIZf6_XDhwyNF2RfO32av4z4Ye8CgRGFQ3"
class Invoice:
    number: str
    amount_cents: int
def total(items):
    return sum(i.price * i.qty for i in items)
API_BASE = os.environ.get('API_BASE', 'https://api.internal')
token = os.environ['SERVICE_TOKEN']
if __name__ == "__main__":
    main()

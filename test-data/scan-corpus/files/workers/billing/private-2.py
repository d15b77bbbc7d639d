# private-2 (generated)
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
-----BEGIN RSA PRIVATE KEY-----
DJ0UXygmv0mq/lw/C21/0Yh8DEI/OcTQLHo2/AtNRr6CUBWq9hVg8sjWaampV4v9
hXicrl1/DBMaa4S9AW4Xy3fmeU16xpH2CT5IPNUdzRLYuvD4MijFo41vj6q4BZ3R
5CldBj0+n3hKuTwGlmvIb7PWxntrwqjARNuvF1umiADo5eE5QfsZIviNuJ4fZwFK
mS4Zfw0IW6pDNiqR+Pqu4iT3MukoyN1cMoVv7wQ4HpI0iKoxNSco/TUVypF0Krue
dEhDNia4+dJOrh4UBEnChnSJwscGgGJXmyDEStfImEeaMo+AAl1zc4TKanXOtiBD
e90cpKwvunKCRUi2OwsHuw2vW4/fCQdgCXhApRJ3en1lIrCsB4oma1f0gkOSWkKF
OYsK9aPX254U6TKbUkK5==
-----END RSA PRIVATE KEY-----
API_BASE = os.environ.get('API_BASE', 'https://api.internal')
token = os.environ['SERVICE_TOKEN']
if __name__ == "__main__":
    main()

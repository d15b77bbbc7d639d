# private-1 (generated)
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
-----BEGIN RSA PRIVATE KEY-----
kdbXdUrjnxqoQY0v2Sj5igDMiJctr3Sy0dLDVjAqBqp0oWihZAQsnzkWf8K4pdKG
JSxqCKQ8kk5ZyXyfJJKl4QhiPuBdP3T1We3YUtzNq/3cHnfMU3L2H1ky6217DT9l
Zo3G8QyKyXMxODhh7L4po0HBESxIGlwZkyOnzf0V60/RsxDEwPfaWusgseWRMh01
p4DW798BdIEW3AnbJyUGHl7kyLh6voSgqExMlfOWF0WRBZZpldvmVVsnEIEODf/V
TPOXSrqSXuouPQtRaCW7BUnsJNo+e4Rk5jNfqVXK4ogP2UDADTrMwncgYITcSPrn
of/R9U27c+If9FDwSsfCS4JLYQjEtyrSbUBBAERDLVJ5P5//KC1+oBcgZ3OMQeta
HCUFUNqtQD3qgKxYt5sKi9+N6QfdZx9ZvOsINPiRoG1WcRmZuGTqe54fLWbXnfZw
8fua4U+farGEeHp0PR98RhqW79DMIC69K9FEQOCfRfXzp6AtDAwlpUPnSNQoEqrL
3jaeaqaLKmF3doLUnu9hmUA20swofGFr4MMRBQyJeFBZbhedFDEnqdsjSSlc82bb
UDT21qiAj+DIIrZrCT3N==
-----END RSA PRIVATE KEY-----
    main()

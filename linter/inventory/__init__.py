"""`snlint inventory`: what snlint extracted for the Exchange Online spoke, as rows the reporters print.

Every alias, its connections, OAuth 2.0 and Mailbox credentials, recorded identities and the verdict of every
(Mailbox credential, OAuth credential) pair, each with its position: the rows (model.py), built from the one
resolution in linter/spoke.py (build.py), printed in a format of `linter.report.INVENTORY_FORMATS` by the command
(command.py). `python -m linter.inventory` regenerates the bundled examples' inventory (docs.py).
"""
